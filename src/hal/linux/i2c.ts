import { access, constants } from 'node:fs/promises';
import i2c from 'i2c-bus';
import { DeviceError, I2cNackError, PortClosedError, ValidationError } from '../../errors.js';
import type { I2cBus } from '../ports.js';

/** EREMOTEIO: the Linux I2C drivers report a missing ACK with errno 121. */
const EREMOTEIO = 121;

/** I2cBus over i2c-bus (/dev/i2c-N, plain I2C_RDWR transfers). */
export class LinuxI2cBus implements I2cBus {
  readonly path: string;
  private open = true;

  private constructor(private readonly bus: i2c.PromisifiedBus, busNumber: number) {
    this.path = `/dev/i2c-${busNumber}`;
  }

  static async open(busNumber: number): Promise<LinuxI2cBus> {
    try {
      // i2c-bus opens a descriptor per address on first use: check the bus is there now,
      // so a missing or forbidden bus fails at start, not at the first screen update.
      await access(`/dev/i2c-${busNumber}`, constants.R_OK | constants.W_OK);
      return new LinuxI2cBus(await i2c.openPromisified(busNumber), busNumber);
    } catch (e) {
      throw new DeviceError('I2C_OPEN', `/dev/i2c-${busNumber}: cannot open (${(e as Error).message}); is I2C enabled (raspi-config, dtparam=i2c_arm=on)?`, { cause: e });
    }
  }

  private check(address: number): void {
    if (!this.open) throw new PortClosedError(this.path);
    if (!Number.isInteger(address) || address < 0x08 || address > 0x77) {
      throw new ValidationError(`${this.path}: address ${address} is not a 7-bit I2C device address (0x08-0x77)`);
    }
  }

  private fail(address: number, e: unknown): never {
    const errno = (e as { errno?: number }).errno;
    if (errno === EREMOTEIO || errno === -EREMOTEIO) throw new I2cNackError(this.path, address);
    throw new DeviceError('I2C_IO', `${this.path}: transfer to 0x${address.toString(16)} failed (${(e as Error).message})`, { cause: e });
  }

  async write(address: number, data: Uint8Array): Promise<void> {
    this.check(address);
    try {
      await this.bus.i2cWrite(address, data.length, Buffer.from(data));
    } catch (e) {
      this.fail(address, e);
    }
  }

  async read(address: number, length: number): Promise<Uint8Array> {
    this.check(address);
    const buf = Buffer.alloc(length);
    try {
      const { bytesRead } = await this.bus.i2cRead(address, length, buf);
      if (bytesRead !== length) throw new DeviceError('I2C_SHORT', `${this.path}: 0x${address.toString(16)} gave ${bytesRead} of ${length} bytes`);
    } catch (e) {
      if (e instanceof DeviceError) throw e;
      this.fail(address, e);
    }
    return Uint8Array.from(buf);
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.bus.close();
  }
}
