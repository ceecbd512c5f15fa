import { I2cNackError, PortClosedError, ValidationError } from '../../src/errors.js';
import type { I2cBus } from '../../src/hal/ports.js';

/** A device emulator on the simulated bus: it sees exactly the bytes of each transfer. */
export interface I2cTarget {
  /** A write transfer addressed to this target. Throwing here means the target NACKed a byte. */
  onWrite(data: Uint8Array): void;
  /** A read transfer of `length` bytes; must return exactly that many. */
  onRead(length: number): Uint8Array;
}

export interface I2cTransfer {
  address: number;
  kind: 'write' | 'read';
  data: Uint8Array;
}

/**
 * An I2C bus with addressable emulated targets. It fails loudly, as the real bus does: a
 * transfer to an address nobody answers is a NACK, an address outside the 7-bit range is
 * refused, a closed bus refuses everything.
 */
export class SimI2cBus implements I2cBus {
  readonly path: string;
  private readonly targets = new Map<number, I2cTarget>();
  private open = true;
  /** Every transfer, in order, for tests. Cleared by tests when they like. */
  readonly transfers: I2cTransfer[] = [];
  /** Keep the transfer log (off for long runs such as the sim board). */
  record: boolean;

  constructor(path = 'sim:i2c', options: { record?: boolean } = {}) {
    this.path = path;
    this.record = options.record ?? true;
  }

  attach(address: number, target: I2cTarget): void {
    checkAddress(this.path, address);
    if (this.targets.has(address)) {
      throw new ValidationError(`${this.path}: two devices at address 0x${address.toString(16)}`);
    }
    this.targets.set(address, target);
  }

  detach(address: number): void {
    this.targets.delete(address);
  }

  private target(address: number): I2cTarget {
    if (!this.open) throw new PortClosedError(this.path);
    checkAddress(this.path, address);
    const t = this.targets.get(address);
    if (!t) throw new I2cNackError(this.path, address);
    return t;
  }

  async write(address: number, data: Uint8Array): Promise<void> {
    const t = this.target(address);
    const copy = Uint8Array.from(data);
    if (this.record) this.transfers.push({ address, kind: 'write', data: copy });
    t.onWrite(copy);
  }

  async read(address: number, length: number): Promise<Uint8Array> {
    const t = this.target(address);
    const data = t.onRead(length);
    if (data.length !== length) {
      throw new ValidationError(`${this.path}: target 0x${address.toString(16)} returned ${data.length} bytes for a ${length}-byte read`);
    }
    if (this.record) this.transfers.push({ address, kind: 'read', data: Uint8Array.from(data) });
    return data;
  }

  async close(): Promise<void> {
    this.open = false;
  }
}

function checkAddress(path: string, address: number): void {
  if (!Number.isInteger(address) || address < 0x08 || address > 0x77) {
    throw new ValidationError(`${path}: address ${address} is not a 7-bit I2C device address (0x08-0x77)`);
  }
}
