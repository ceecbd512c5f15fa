import { ValidationError } from '../../../src/errors.js';
import type { KeyName } from '../../../src/hal/keypad/keys.js';
import type { Clock } from '../../../src/hal/ports.js';
import type { SimGpioLine } from '../../ports/gpio.js';
import { findKey, pressKey, type KeyContacts } from './contacts.js';

/**
 * The far end of a membrane key matrix: no diodes, each key a switch between one row wire
 * and one column wire. A column reads low when a pressed key joins it to a row that is
 * driven low; otherwise its pull-up wins. Rows not driven (high impedance) pull nothing.
 * Contact bounce is modelled on press and release when asked for (see contacts.ts).
 */
export class MatrixKeypadEmulator implements KeyContacts {
  private readonly pressed = new Set<string>();

  constructor(
    private readonly rows: SimGpioLine[],
    private readonly cols: SimGpioLine[],
    private readonly keymap: KeyName[][],
  ) {
    for (const r of rows) r.observe(() => this.propagate());
    this.propagate();
  }

  private find(key: KeyName): { r: number; c: number } {
    const at = findKey(this.keymap, key);
    if (!at) throw new ValidationError(`keypad: no key named ${key} on this keypad`);
    return at;
  }

  private propagate(): void {
    for (let c = 0; c < this.cols.length; c++) {
      let low = false;
      for (let r = 0; r < this.rows.length; r++) {
        const row = this.rows[r]!;
        if (this.pressed.has(`${r},${c}`) && row.direction === 'out' && row.level() === 0) low = true;
      }
      this.cols[c]!.drive(low ? 0 : null);
    }
  }

  down(key: KeyName): void {
    const { r, c } = this.find(key);
    this.pressed.add(`${r},${c}`);
    this.propagate();
  }

  up(key: KeyName): void {
    const { r, c } = this.find(key);
    this.pressed.delete(`${r},${c}`);
    this.propagate();
  }

  isDown(key: KeyName): boolean {
    const { r, c } = this.find(key);
    return this.pressed.has(`${r},${c}`);
  }

  press(key: KeyName, clock: Clock, options: { holdMs?: number; gapMs?: number; bounces?: number } = {}): Promise<void> {
    return pressKey(this, key, clock, options);
  }
}
