/**
 * HD44780 character LCD (20x4, 16x2) behind a PCF8574 I2C backpack, driven in 4-bit mode.
 * References: Hitachi HD44780U datasheet (Table 6 instructions and execution times,
 * Figure 24 initialising by instruction, 4-bit interface; Figure 25 bus timing), NXP
 * PCF8574 data sheet (each byte of a write transfer appears on P7-P0 after its
 * acknowledge, so a transfer of n bytes is n successive pin states).
 *
 * The RW pin is held low: the busy flag is never read; instead each instruction is given
 * its execution time, which the I2C transfers themselves exceed except for clear display
 * and return home (1.52 ms), where the driver sleeps on the clock.
 */
import { concat } from '../../bytes.js';
import { ValidationError } from '../../errors.js';
import type { Clock, I2cBus } from '../ports.js';
import { displayError } from './errors.js';
import { a00Codes } from './hd44780-charset.js';
import { SerialQueue } from './serial-queue.js';
import { padCells } from './text-cells.js';
import type { TextDisplay } from './text-display.js';

/** Which PCF8574 port bit (0-7) drives each LCD pin. */
export interface Pcf8574LcdWiring {
  rs: number;
  rw: number;
  en: number;
  backlight: number;
  d4: number;
  d5: number;
  d6: number;
  d7: number;
}

/** The wiring of the common blue backpacks: P0=RS P1=RW P2=EN P3=backlight P4-P7=D4-D7. */
export const COMMON_BACKPACK: Readonly<Pcf8574LcdWiring> = Object.freeze({
  rs: 0, rw: 1, en: 2, backlight: 3, d4: 4, d5: 5, d6: 6, d7: 7,
});

/** Instructions (Table 6). */
export const LCD = Object.freeze({
  CLEAR: 0x01,
  /** Entry mode set: I/D = 1 (address increments), S = 0 (display does not shift). */
  ENTRY_INCREMENT: 0x06,
  /** Display on/off control: D = 0. */
  DISPLAY_OFF: 0x08,
  /** Display on/off control: D = 1, cursor C = 0, blink B = 0. */
  DISPLAY_ON: 0x0c,
  /** Function set: DL = 0 (4-bit), N = 1 (two lines: a 4-row panel is two folded lines), F = 0 (5x8 dots). */
  FUNCTION_4BIT_2LINE: 0x28,
  /** Set DDRAM address: 80h | address. */
  SET_DDRAM: 0x80,
});

/** Execution times (Table 6, fosc 270 kHz), rounded up to the clock's millisecond. */
const CLEAR_MS = 2; // 1.52 ms
/** Figure 24: more than 40 ms after VCC reaches 2.7 V, more than 4.1 ms, more than 100 us. */
const POWER_ON_MS = 50;
const AFTER_FIRST_MS = 5;
const AFTER_SECOND_MS = 1;

/**
 * DDRAM address of each row's first character. A 4-row panel is a 2-line display whose
 * lines are folded: rows 0 and 2 are line 1 (00h, then 00h + columns), rows 1 and 3 line 2
 * (40h, 40h + columns): 00h, 40h, 14h, 54h for 20 columns.
 */
export function rowAddress(row: number, columns: number): number {
  return (row % 2 === 1 ? 0x40 : 0x00) + (row >= 2 ? columns : 0);
}

export interface Hd44780Options {
  bus: I2cBus;
  clock: Clock;
  /** The PCF8574's address: 0x27 (A2-A0 high, the usual), 0x20-0x27; PCF8574A: 0x38-0x3F. */
  address?: number;
  columns?: 20 | 16;
  rows?: 4 | 2;
  wiring?: Pcf8574LcdWiring;
  backlight?: boolean;
}

/**
 * The driver. It keeps what each cell of DDRAM holds and rewrites only the characters
 * that changed. The character ROM has no Chinese (cjk = false): CJK text shows as blocks.
 */
export class Hd44780 implements TextDisplay {
  readonly columns: number;
  readonly rows: number;
  readonly cjk = false;
  readonly address: number;
  private readonly bus: I2cBus;
  private readonly clock: Clock;
  private readonly pins: Pcf8574LcdWiring;
  private backlightOn: boolean;
  /** ROM codes in DDRAM per row, as far as we know; null when unknown. */
  private sent: number[][] | null = null;
  private shown: string[];
  private readonly queue = new SerialQueue();

  private constructor(options: Hd44780Options) {
    this.columns = options.columns ?? 20;
    this.rows = options.rows ?? 4;
    if (!((this.columns === 20 && (this.rows === 4 || this.rows === 2)) || (this.columns === 16 && (this.rows === 2 || this.rows === 4)))) {
      throw new ValidationError(`HD44780 size must be 20x4, 20x2, 16x2 or 16x4, not ${String(this.columns)}x${String(this.rows)}`);
    }
    const address = options.address ?? 0x27;
    if (!Number.isInteger(address) || !((address >= 0x20 && address <= 0x27) || (address >= 0x38 && address <= 0x3f))) {
      throw new ValidationError(`PCF8574 address must be 0x20-0x27 or 0x38-0x3F, not ${String(address)}`);
    }
    const pins = options.wiring ?? COMMON_BACKPACK;
    const bits = [pins.rs, pins.rw, pins.en, pins.backlight, pins.d4, pins.d5, pins.d6, pins.d7];
    if (!bits.every((b) => Number.isInteger(b) && b >= 0 && b <= 7) || new Set(bits).size !== 8) {
      throw new ValidationError('PCF8574 wiring must give RS, RW, EN, backlight and D4-D7 eight different bits 0-7');
    }
    this.bus = options.bus;
    this.clock = options.clock;
    this.address = address;
    this.pins = pins;
    this.backlightOn = options.backlight ?? true;
    this.shown = Array.from({ length: this.rows }, () => ' '.repeat(this.columns));
  }

  /**
   * Initialises the controller by instruction (Figure 24, 4-bit) and clears it. Rejects with
   * DisplayNotFoundError when nothing acknowledges the backpack's address.
   */
  static async open(options: Hd44780Options): Promise<Hd44780> {
    const d = new Hd44780(options);
    await d.start();
    return d;
  }

  private async start(): Promise<void> {
    try {
      await this.bus.write(this.address, Uint8Array.of(this.level(0, 0)));
    } catch (e) {
      throw displayError(this.bus.path, this.address, e, true);
    }
    await this.clock.sleep(POWER_ON_MS);
    // Three times "function set, 8-bit": whatever state and nibble phase the controller is
    // in (power-on, or 4-bit from an earlier run), it is in 8-bit mode after these.
    await this.write(this.nibble(0, 0x3));
    await this.clock.sleep(AFTER_FIRST_MS);
    await this.write(this.nibble(0, 0x3));
    await this.clock.sleep(AFTER_SECOND_MS);
    await this.write(this.nibble(0, 0x3));
    await this.clock.sleep(AFTER_SECOND_MS);
    await this.write(this.nibble(0, 0x2)); // now 4-bit: from here every byte is two nibbles
    await this.write(this.instructions([LCD.FUNCTION_4BIT_2LINE, LCD.DISPLAY_OFF, LCD.CLEAR]));
    await this.clock.sleep(CLEAR_MS);
    await this.write(this.instructions([LCD.ENTRY_INCREMENT, LCD.DISPLAY_ON]));
    this.sent = Array.from({ length: this.rows }, () => new Array<number>(this.columns).fill(0x20));
  }

  get lines(): readonly string[] {
    return this.shown;
  }

  get backlight(): boolean {
    return this.backlightOn;
  }

  /** Inverse video does not exist on a character LCD: `options.inverse` is ignored. */
  show(lines: readonly string[], _options?: { inverse?: number[] }): Promise<void> {
    const src = Array.isArray(lines) ? lines : [];
    const shown: string[] = [];
    const codes: number[][] = [];
    for (let r = 0; r < this.rows; r++) {
      const raw = src[r];
      const text = padCells(typeof raw === 'string' ? raw : '', this.columns);
      shown.push(text);
      codes.push([...text].flatMap((ch) => a00Codes(ch)));
    }
    this.shown = shown;
    return this.queue.run(() => this.update(codes));
  }

  clear(): Promise<void> {
    return this.show([]);
  }

  /** Backlight on or off (the backpack's transistor on P3 by default). */
  setBacklight(on: boolean): Promise<void> {
    this.backlightOn = on;
    return this.queue.run(() => this.write(Uint8Array.of(this.level(0, 0))));
  }

  private async update(target: number[][]): Promise<void> {
    const before = this.sent;
    this.sent = null;
    for (let r = 0; r < this.rows; r++) {
      const want = target[r]!;
      for (const [from, to] of changedRuns(before?.[r] ?? null, want)) {
        const bytes = [this.instructionBytes(LCD.SET_DDRAM | (rowAddress(r, this.columns) + from))];
        for (let c = from; c <= to; c++) bytes.push(this.byteNibbles(1, want[c]!));
        await this.write(concat(...bytes));
      }
    }
    this.sent = target;
  }

  /** PCF8574 port value for RS, EN and a nibble on D4-D7, with the backlight bit; RW stays low (write). */
  private level(rs: 0 | 1, en: 0 | 1, nibble = 0): number {
    const p = this.pins;
    let v = 0;
    if (rs) v |= 1 << p.rs;
    if (en) v |= 1 << p.en;
    if (this.backlightOn) v |= 1 << p.backlight;
    if (nibble & 1) v |= 1 << p.d4;
    if (nibble & 2) v |= 1 << p.d5;
    if (nibble & 4) v |= 1 << p.d6;
    if (nibble & 8) v |= 1 << p.d7;
    return v;
  }

  /**
   * One nibble as three port states: data and RS settle with EN low (address set-up tAS),
   * EN high, EN low; the controller latches D4-D7 on the falling edge (Figure 25).
   */
  private nibble(rs: 0 | 1, n: number): Uint8Array {
    return Uint8Array.of(this.level(rs, 0, n), this.level(rs, 1, n), this.level(rs, 0, n));
  }

  /** A byte in 4-bit mode: high nibble first (Figure 9). */
  private byteNibbles(rs: 0 | 1, b: number): Uint8Array {
    return concat(this.nibble(rs, (b >> 4) & 0xf), this.nibble(rs, b & 0xf));
  }

  private instructionBytes(b: number): Uint8Array {
    return this.byteNibbles(0, b);
  }

  private instructions(list: number[]): Uint8Array {
    return concat(...list.map((b) => this.instructionBytes(b)));
  }

  private async write(bytes: Uint8Array): Promise<void> {
    try {
      await this.bus.write(this.address, bytes);
    } catch (e) {
      throw displayError(this.bus.path, this.address, e, false);
    }
  }
}

/**
 * Column ranges [from, to] whose codes differ, merging runs one unchanged cell apart:
 * rewriting that cell costs as much as a new address, and one transfer beats two.
 */
export function changedRuns(before: readonly number[] | null, after: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let c = 0; c < after.length; c++) {
    if (before && before[c] === after[c]) continue;
    const last = runs[runs.length - 1];
    if (last && c - last[1] <= 2) last[1] = c;
    else runs.push([c, c]);
  }
  return runs;
}

