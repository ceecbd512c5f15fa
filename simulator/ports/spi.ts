import { PortBusyError, PortClosedError, ValidationError } from '../../src/errors.js';
import type { SpiDevice } from '../../src/hal/ports.js';

export type BitOrder = 'msb-first' | 'lsb-first';
export type SpiMode = 0 | 1 | 2 | 3;

/** A device emulator behind a chip select: it sees each transfer whole, full duplex. */
export interface SpiTarget {
  /** The order in which the device shifts bits (the PN532: LSB first). */
  readonly bitOrder: BitOrder;
  /** Clock polarity and phase the device samples with (the PN532: mode 0). */
  readonly mode: SpiMode;
  /** MOSI bytes of one transfer, as the device reads them; returns as many MISO bytes. */
  transfer(mosi: Uint8Array): Uint8Array;
}

export interface SpiTransfer {
  mosi: Uint8Array;
  miso: Uint8Array;
}

export interface SimSpiOptions {
  /** How the controller was opened (spidev's default is MSB first). */
  bitOrder?: BitOrder;
  mode?: SpiMode;
  /** What MISO reads with no device driving it. Default 0xFF (pulled up). */
  idleMiso?: number;
  /** Keep the transfer log. Default true. */
  record?: boolean;
}

/**
 * One simulated SPI device: the controller end of a bus plus one chip select. It models
 * the wire, so configuration mistakes fail as on hardware: when the controller's bit order
 * differs from the device's, each byte arrives with its bits mirrored (both ways); when
 * the modes differ, every byte is read one bit off. Overlapping transfers are refused
 * (one chip select, one transfer at a time), a closed device refuses everything.
 */
export class SimSpiDevice implements SpiDevice {
  readonly path: string;
  readonly bitOrder: BitOrder;
  readonly mode: SpiMode;
  private readonly idleMiso: number;
  private target: SpiTarget | null = null;
  private open = true;
  private busy = false;
  /** Every transfer, as the controller saw it. */
  readonly transfers: SpiTransfer[] = [];
  record: boolean;

  constructor(path = 'sim:spi0', options: SimSpiOptions = {}) {
    this.path = path;
    this.bitOrder = options.bitOrder ?? 'msb-first';
    this.mode = options.mode ?? 0;
    this.idleMiso = options.idleMiso ?? 0xff;
    this.record = options.record ?? true;
  }

  attach(target: SpiTarget): void {
    if (this.target) throw new ValidationError(`${this.path}: a device is already on this chip select`);
    this.target = target;
  }

  detach(): void {
    this.target = null;
  }

  async transfer(tx: Uint8Array): Promise<Uint8Array> {
    if (!this.open) throw new PortClosedError(this.path);
    if (this.busy) throw new PortBusyError(this.path, 'write');
    this.busy = true;
    try {
      await Promise.resolve();
      if (!this.open) throw new PortClosedError(this.path);
      const mosi = Uint8Array.from(tx);
      let miso: Uint8Array;
      const t = this.target;
      if (!t) {
        miso = new Uint8Array(mosi.length).fill(this.idleMiso);
      } else {
        const flip = t.bitOrder !== this.bitOrder;
        const skew = t.mode !== this.mode;
        let seen: Uint8Array = flip ? mosi.map(mirror) : mosi;
        if (skew) seen = oneBitOff(seen);
        let back: Uint8Array = t.transfer(seen);
        if (back.length !== mosi.length) {
          throw new ValidationError(`${this.path}: the device returned ${back.length} bytes for a ${mosi.length}-byte transfer`);
        }
        if (skew) back = oneBitOff(back);
        miso = flip ? back.map(mirror) : Uint8Array.from(back);
      }
      if (this.record) this.transfers.push({ mosi, miso: Uint8Array.from(miso) });
      return miso;
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    this.open = false;
  }
}

/**
 * The wire's own bit reversal, written apart from any driver's on purpose: if a driver's
 * mirroring were wrong, sharing the code would hide it.
 */
function mirror(b: number): number {
  let r = 0;
  for (let bit = 0; bit < 8; bit++) r = (r << 1) | ((b >> bit) & 1);
  return r;
}

/** Sampling on the wrong clock edge: the receiver's bytes are the stream shifted by one bit. */
function oneBitOff(bytes: Uint8Array): Uint8Array {
  return bytes.map((b, i) => ((b << 1) | ((bytes[i + 1] ?? 0) >> 7)) & 0xff);
}
