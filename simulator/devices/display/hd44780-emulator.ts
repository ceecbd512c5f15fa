import type { Clock } from '../../../src/hal/ports.js';
import type { I2cTarget } from '../../ports/i2c-bus.js';
import type { ProtocolError } from './ssd1306-emulator.js';

/**
 * An HD44780 character LCD behind a PCF8574 backpack, on the simulated I2C bus. Each byte
 * of a write transfer becomes the PCF8574's eight port pins (NXP PCF8574 data sheet: the
 * outputs change after each acknowledged byte). The HD44780 side follows the Hitachi
 * HD44780U datasheet: the bus latches RS and D4-D7 on the falling edge of E (Figure 25);
 * after reset the interface is 8 bits wide, and function set with DL = 0 makes it take
 * each byte as two nibbles, high first (Figure 9, Figure 24); Table 6's instructions
 * move the address counter over DDRAM.
 *
 * Mistakes go into `errors`: RS changing while E is high (address set-up time), an
 * instruction arriving while clear display or return home still runs (given a clock), a
 * DDRAM address no line holds.
 */

/** Port bit of each LCD pin. */
export interface BackpackPins {
  rs: number;
  rw: number;
  en: number;
  backlight: number;
  d4: number;
  d5: number;
  d6: number;
  d7: number;
}

/** The common backpack: P0 RS, P1 RW, P2 E, P3 backlight, P4-P7 D4-D7. */
export const COMMON_PINS: Readonly<BackpackPins> = Object.freeze({ rs: 0, rw: 1, en: 2, backlight: 3, d4: 4, d5: 5, d6: 6, d7: 7 });

export interface Hd44780EmulatorOptions {
  columns?: 20 | 16;
  rows?: 4 | 2;
  pins?: BackpackPins;
  /** With a clock, instructions sent before clear display or return home finish (1.52 ms) are errors. */
  clock?: Clock;
}

/** Table 6: clear display and return home take 1.52 ms at fosc 270 kHz. */
const LONG_INSTRUCTION_MS = 1.52;

/** ROM A00 (Table 4) to Unicode, for reading the screen back as text. */
export function a00ToText(code: number): string {
  if (code === 0x5c) return '¥';
  if (code === 0x7e) return '→';
  if (code === 0x7f) return '←';
  if (code === 0xff) return '█';
  if (code >= 0x20 && code <= 0x7d) return String.fromCharCode(code);
  if (code >= 0xa1 && code <= 0xdf) return String.fromCharCode(0xff61 + code - 0xa1);
  return '\uFFFD';
}

export class Hd44780Emulator implements I2cTarget {
  readonly columns: 20 | 16;
  readonly rows: 4 | 2;
  readonly errors: ProtocolError[] = [];
  /** 80 characters: 00h-27h line 1, 40h-67h line 2 (two-line mode), indexed by address. */
  readonly ddram = new Uint8Array(0x80).fill(0x20);
  readonly cgram = new Uint8Array(64);
  /** Every instruction byte executed (RS = 0), in order. */
  readonly instructions: number[] = [];
  /** The PCF8574's port pins now. */
  port = 0xff; // PCF8574 power-on: all outputs high (quasi-bidirectional, weak pull-up)

  fourBit = false;
  twoLines = false;
  displayOn = false;
  cursor = false;
  blink = false;
  increment = true;
  shiftOnWrite = false;
  /** Display shift in characters, from cursor/display shift and entry mode with S = 1. */
  shift = 0;
  address = 0;
  private toCgram = false;
  private highNibble: number | null = null;
  private busyUntil = -Infinity;
  private busyWith = 0;
  private readonly pins: BackpackPins;
  private readonly clock: Clock | undefined;
  private transfer = -1;
  private offset = 0;

  constructor(options: Hd44780EmulatorOptions = {}) {
    this.columns = options.columns ?? 20;
    this.rows = options.rows ?? 4;
    this.pins = options.pins ?? COMMON_PINS;
    this.clock = options.clock;
  }

  get backlight(): boolean {
    return ((this.port >> this.pins.backlight) & 1) === 1;
  }

  private bit(value: number, pin: number): number {
    return (value >> pin) & 1;
  }

  private error(message: string): void {
    if (this.errors.length < 1000) this.errors.push({ transfer: this.transfer, offset: this.offset, message });
  }

  // ---- PCF8574 ----

  onWrite(data: Uint8Array): void {
    this.transfer++;
    for (let i = 0; i < data.length; i++) {
      this.offset = i;
      this.setPort(data[i]!);
    }
  }

  /** A read returns the port pins (with RW low, the LCD drives nothing back). */
  onRead(length: number): Uint8Array {
    return new Uint8Array(length).fill(this.port);
  }

  private setPort(next: number): void {
    const prev = this.port;
    this.port = next;
    const p = this.pins;
    const enBefore = this.bit(prev, p.en);
    const enAfter = this.bit(next, p.en);
    if (enBefore === 1 && enAfter === 1 && this.bit(prev, p.rs) !== this.bit(next, p.rs)) {
      this.error('RS changed while E was high: RS must settle before E rises (address set-up time, Figure 25)');
    }
    if (enBefore === 1 && enAfter === 0) {
      // Latched on the falling edge: the levels E was high with.
      const nibble =
        this.bit(prev, p.d4) | (this.bit(prev, p.d5) << 1) | (this.bit(prev, p.d6) << 2) | (this.bit(prev, p.d7) << 3);
      this.latch(this.bit(prev, p.rs), this.bit(prev, p.rw), nibble);
    }
  }

  // ---- HD44780 bus ----

  private latch(rs: number, rw: number, nibble: number): void {
    if (!this.fourBit) {
      // 8-bit interface: D3-D0 are not wired on a backpack and read as 0.
      if (rw === 0) this.execute(rs, nibble << 4);
      return;
    }
    if (this.highNibble === null) {
      this.highNibble = nibble;
      return;
    }
    const byte = (this.highNibble << 4) | nibble;
    this.highNibble = null;
    if (rw === 0) this.execute(rs, byte);
  }

  private execute(rs: number, byte: number): void {
    const now = this.clock?.monotonic();
    if (now !== undefined && now < this.busyUntil) {
      this.error(
        `${rs ? 'data' : 'instruction'} ${byte.toString(16).padStart(2, '0')}h arrived while ` +
          `instruction ${this.busyWith.toString(16).padStart(2, '0')}h still runs (Table 6: 1.52 ms); it is lost`,
      );
      return;
    }
    if (rs) {
      this.writeData(byte);
      return;
    }
    this.instructions.push(byte);
    if (byte & 0x80) {
      this.setDdramAddress(byte & 0x7f);
    } else if (byte & 0x40) {
      this.toCgram = true;
      this.address = byte & 0x3f;
    } else if (byte & 0x20) {
      this.fourBit = (byte & 0x10) === 0;
      this.twoLines = (byte & 0x08) !== 0;
      this.highNibble = null;
    } else if (byte & 0x10) {
      const right = (byte & 0x04) !== 0;
      if (byte & 0x08) this.shift = (this.shift + (right ? -1 : 1) + 40) % 40;
      else this.moveAddress(right);
    } else if (byte & 0x08) {
      this.displayOn = (byte & 0x04) !== 0;
      this.cursor = (byte & 0x02) !== 0;
      this.blink = (byte & 0x01) !== 0;
    } else if (byte & 0x04) {
      this.increment = (byte & 0x02) !== 0;
      this.shiftOnWrite = (byte & 0x01) !== 0;
    } else if (byte & 0x02) {
      this.toCgram = false;
      this.address = 0;
      this.shift = 0;
      this.busy(byte);
    } else if (byte & 0x01) {
      this.ddram.fill(0x20);
      this.toCgram = false;
      this.address = 0;
      this.shift = 0;
      this.increment = true;
      this.busy(byte);
    }
  }

  private busy(byte: number): void {
    const now = this.clock?.monotonic();
    if (now === undefined) return;
    this.busyUntil = now + LONG_INSTRUCTION_MS;
    this.busyWith = byte;
  }

  private validDdram(a: number): boolean {
    return this.twoLines ? a <= 0x27 || (a >= 0x40 && a <= 0x67) : a <= 0x4f;
  }

  private setDdramAddress(a: number): void {
    this.toCgram = false;
    if (!this.validDdram(a)) {
      this.error(`DDRAM address ${a.toString(16).padStart(2, '0')}h is on no line (${this.twoLines ? '00h-27h, 40h-67h' : '00h-4Fh'})`);
    }
    this.address = a;
  }

  /** The address counter after a write or a cursor move; it wraps from line to line. */
  private moveAddress(up: boolean): void {
    if (this.toCgram) {
      this.address = (this.address + (up ? 1 : 63)) & 0x3f;
      return;
    }
    const a = this.address;
    if (this.twoLines) {
      if (up) this.address = a === 0x27 ? 0x40 : a === 0x67 ? 0x00 : (a + 1) & 0x7f;
      else this.address = a === 0x00 ? 0x67 : a === 0x40 ? 0x27 : (a - 1) & 0x7f;
    } else {
      this.address = up ? (a >= 0x4f ? 0 : a + 1) : a === 0 ? 0x4f : a - 1;
    }
  }

  private writeData(byte: number): void {
    if (this.toCgram) this.cgram[this.address & 0x3f] = byte;
    else this.ddram[this.address & 0x7f] = byte;
    this.moveAddress(this.increment);
    if (this.shiftOnWrite && !this.toCgram) this.shift = (this.shift + (this.increment ? 1 : -1) + 40) % 40;
  }

  // ---- the panel ----

  /** The DDRAM address shown at row `row`, column `col` (rows 2 and 3 continue lines 1 and 2). */
  addressAt(row: number, col: number): number {
    const line = row % 2;
    const pos = ((row >= 2 ? this.columns : 0) + col + this.shift) % 40;
    return line * 0x40 + pos;
  }

  /** What the panel shows, one string per row; blank rows when the display is off. */
  text(): string[] {
    const out: string[] = [];
    for (let r = 0; r < this.rows; r++) {
      let s = '';
      // One-line mode drives only the first line's rows.
      const lit = this.displayOn && (this.twoLines || r % 2 === 0);
      for (let c = 0; c < this.columns; c++) s += lit ? a00ToText(this.ddram[this.addressAt(r, c)]!) : ' ';
      out.push(s);
    }
    return out;
  }
}
