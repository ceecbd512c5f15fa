import { DeviceError, I2cNackError } from '../../errors.js';
import type { GpioLine, I2cBus } from '../ports.js';
import type { MatrixLines } from './matrix.js';

/**
 * A key matrix behind a PCF8574 I2C expander (TI SCPS068J). The PCF8574 has no direction
 * register: a pin written 1 is a weak pull-up (an input), a pin written 0 sinks strongly
 * (8.3.1, quasi-bidirectional I/O). So the column pins are always written 1 and read back,
 * and the row pins are written 0 to select. Its open-drain INT output goes low when an
 * input changes and is released by the next read or write of the port (8.3.3): wired to a
 * GPIO, it lets the keypad wait for a press with nothing polling the bus.
 */
export interface Pcf8574KeypadOptions {
  bus: I2cBus;
  /** 0x20-0x27 (PCF8574) or 0x38-0x3F (PCF8574A). */
  address: number;
  /** The expander's INT, active low, with a pull-up. */
  int: GpioLine;
  /** Port bits of the rows and the columns: P0-P3 rows and P4-P7 columns by default. */
  rowPins?: number[];
  columnPins?: number[];
}

export class Pcf8574MatrixLines implements MatrixLines {
  readonly rows: number;
  readonly columns: number;
  private readonly bus: I2cBus;
  private readonly address: number;
  private readonly int: GpioLine;
  private readonly rowPins: number[];
  private readonly columnPins: number[];
  private readonly columnMask: number;

  private constructor(o: Pcf8574KeypadOptions) {
    this.bus = o.bus;
    this.address = o.address;
    this.int = o.int;
    this.rowPins = o.rowPins ?? [0, 1, 2, 3];
    this.columnPins = o.columnPins ?? [4, 5, 6, 7];
    this.rows = this.rowPins.length;
    this.columns = this.columnPins.length;
    this.columnMask = this.columnPins.reduce((m, p) => m | (1 << p), 0);
  }

  /** Checks the expander answers ("no keypad expander answered at 0x20 on /dev/i2c-1"). */
  static async open(o: Pcf8574KeypadOptions): Promise<Pcf8574MatrixLines> {
    const lines = new Pcf8574MatrixLines(o);
    try {
      await o.bus.read(o.address, 1);
    } catch (e) {
      if (e instanceof I2cNackError) {
        const at = `0x${o.address.toString(16).toUpperCase()}`;
        throw new DeviceError('KEYPAD_ABSENT', `no keypad expander answered at ${at} on ${o.bus.path}`, { cause: e });
      }
      throw e;
    }
    return lines;
  }

  private async writePort(rowsHigh: number): Promise<void> {
    let byte = this.columnMask;
    this.rowPins.forEach((p, i) => {
      if (rowsHigh & (1 << i)) byte |= 1 << p;
    });
    await this.bus.write(this.address, Uint8Array.of(byte));
  }

  idle(): Promise<void> {
    return this.writePort(0);
  }

  select(row: number): Promise<void> {
    return this.writePort(((1 << this.rows) - 1) & ~(1 << row));
  }

  async readColumns(): Promise<number> {
    const [port] = await this.bus.read(this.address, 1);
    let bits = 0;
    this.columnPins.forEach((p, c) => {
      if (port! & (1 << p)) bits |= 1 << c;
    });
    return bits;
  }

  watch(fn: () => void): () => void {
    return this.int.watch('falling', () => fn());
  }

  async close(): Promise<void> {}
}
