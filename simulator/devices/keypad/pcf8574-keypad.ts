import { ValidationError } from '../../../src/errors.js';
import type { KeyName } from '../../../src/hal/keypad/keys.js';
import type { Clock } from '../../../src/hal/ports.js';
import type { I2cTarget } from '../../ports/i2c-bus.js';
import type { SimGpioLine } from '../../ports/gpio.js';
import { findKey, pressKey, type KeyContacts } from './contacts.js';

/**
 * A PCF8574 I2C expander (TI SCPS068J) with a membrane key matrix on its port and its INT
 * output on a GPIO line. Each port pin is quasi-bidirectional: a latch of 0 sinks strongly,
 * a latch of 1 is a weak pull-up any strong low overpowers (8.3.1). A pressed key joins a
 * row pin and a column pin, so pins joined by pressed keys read low together when any of
 * them is latched low. INT goes low when the port differs from what it was at the last
 * read or write, and is released by the next read or write, or when the port returns to
 * that value (8.3.3).
 */
export class Pcf8574KeypadEmulator implements I2cTarget, KeyContacts {
  private latch = 0xff;
  private snapshot: number;
  private readonly pressed = new Set<string>();
  /** Transfers, for tests: what the driver wrote and how often it read. */
  writes = 0;
  reads = 0;

  constructor(
    private readonly keymap: KeyName[][],
    private readonly int: SimGpioLine,
    private readonly rowPins = [0, 1, 2, 3],
    private readonly columnPins = [4, 5, 6, 7],
  ) {
    this.snapshot = this.port();
    this.int.drive(null);
  }

  /** The levels on the eight pins now. */
  port(): number {
    // Pins joined through pressed keys form groups; a group is low if any pin in it is latched low.
    const parent = [0, 1, 2, 3, 4, 5, 6, 7];
    const root = (p: number): number => (parent[p] === p ? p : (parent[p] = root(parent[p]!)));
    for (const k of this.pressed) {
      const [r, c] = k.split(',').map(Number) as [number, number];
      parent[root(this.rowPins[r]!)] = root(this.columnPins[c]!);
    }
    const low = new Set<number>();
    for (let p = 0; p < 8; p++) if ((this.latch & (1 << p)) === 0) low.add(root(p));
    let v = 0;
    for (let p = 0; p < 8; p++) if (!low.has(root(p))) v |= 1 << p;
    return v;
  }

  private settle(): void {
    this.int.drive(this.port() === this.snapshot ? null : 0);
  }

  private reset(): void {
    this.snapshot = this.port();
    this.int.drive(null);
  }

  onWrite(data: Uint8Array): void {
    // Every byte of a write transfer goes to the port in turn (8.3.2).
    for (const b of data) this.latch = b;
    this.writes++;
    this.reset();
  }

  onRead(length: number): Uint8Array {
    this.reads++;
    this.reset();
    return new Uint8Array(length).fill(this.port());
  }

  private at(key: KeyName): string {
    const p = findKey(this.keymap, key);
    if (!p) throw new ValidationError(`keypad: no key named ${key} on this keypad`);
    return `${p.r},${p.c}`;
  }

  down(key: KeyName): void {
    this.pressed.add(this.at(key));
    this.settle();
  }

  up(key: KeyName): void {
    this.pressed.delete(this.at(key));
    this.settle();
  }

  press(key: KeyName, clock: Clock, options: { holdMs?: number; gapMs?: number; bounces?: number } = {}): Promise<void> {
    return pressKey(this, key, clock, options);
  }
}
