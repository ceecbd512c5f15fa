import { DeviceError } from '../../errors.js';
import type { Clock, GpioLine, Level, TimerHandle } from '../ports.js';
import type { KeyName, KeySource } from './keys.js';

export interface MatrixKeypadOptions {
  /** Row lines, driven by us (output low when scanned, high impedance otherwise). */
  rows: GpioLine[];
  /** Column lines: inputs with pull-ups; a pressed key pulls its column to the scanned row. */
  columns: GpioLine[];
  /** keymap[row][column], from the board file. */
  keymap: KeyName[][];
  clock: Clock;
  /** How long a level must hold before it counts (contact bounce of membrane keys: 5-10 ms). */
  debounceMs?: number;
  /** Called with a fault (a line that stopped answering); the keypad keeps going. */
  onError?: (err: unknown) => void;
}

type State =
  | { kind: 'idle' }
  | { kind: 'settling' }
  | { kind: 'held'; row: number; col: number }
  | { kind: 'releasing'; row: number; col: number }
  | { kind: 'closed' };

/**
 * A 4x4 (or any R x C) key matrix on GPIO lines, scanned only when something happens.
 *
 * Idle: every row is driven low and every column waits for a falling edge. No timer runs
 * and nothing polls: an idle keypad costs nothing.
 * A falling edge: wait `debounceMs`, then scan one row at a time (that row low, the others
 * released to high impedance, so two pressed keys in one column never short two driven
 * outputs) to find the key. Held: only that key's row is driven and its column waits for
 * the rising edge of the release, debounced the same way. One key at a time: a second key
 * pressed while one is held is ignored, as a cashier's keypad should.
 */
export class MatrixKeypad implements KeySource {
  private readonly rows: GpioLine[];
  private readonly cols: GpioLine[];
  private readonly keymap: KeyName[][];
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly onError: (err: unknown) => void;
  private listeners: ((k: KeyName) => void)[] = [];
  private unwatch: (() => void)[] = [];
  private state: State = { kind: 'idle' };
  private timer: TimerHandle | null = null;
  /** Serialises line operations: edges and timers never interleave two scans. */
  private chain: Promise<void> = Promise.resolve();

  constructor(options: MatrixKeypadOptions) {
    this.rows = options.rows;
    this.cols = options.columns;
    this.keymap = options.keymap;
    this.clock = options.clock;
    this.debounceMs = options.debounceMs ?? 15;
    this.onError = options.onError ?? (() => {});
    if (this.keymap.length !== this.rows.length || this.keymap.some((r) => r.length !== this.cols.length)) {
      throw new DeviceError('KEYPAD_MAP', `keypad: the key map must be ${this.rows.length} rows of ${this.cols.length} keys`);
    }
  }

  /** Drives the rows low and starts listening for presses. */
  async start(): Promise<void> {
    await this.idleLines();
    this.unwatch = this.cols.map((c, i) => c.watch('both', (v) => this.onEdge(i, v)));
  }

  onKey(listener: (key: KeyName) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** True while a key press or release is being debounced (a timer is set). */
  get busy(): boolean {
    return this.timer !== null;
  }

  private run(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((e) => this.onError(e));
  }

  private onEdge(col: number, value: Level): void {
    const s = this.state;
    if (s.kind === 'idle' && value === 0) {
      this.state = { kind: 'settling' };
      this.arm(() => this.run(() => this.scan()));
    } else if (s.kind === 'held' && col === s.col && value === 1) {
      this.state = { kind: 'releasing', row: s.row, col: s.col };
      this.arm(() => this.run(() => this.confirmRelease()));
    } else if (s.kind === 'releasing' && col === s.col && value === 0) {
      // Bounce on release: the key is still held.
      this.timer?.cancel();
      this.timer = null;
      this.state = { kind: 'held', row: s.row, col: s.col };
    }
  }

  private arm(fn: () => void): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(this.debounceMs, () => {
      this.timer = null;
      fn();
    });
  }

  private async idleLines(): Promise<void> {
    for (const r of this.rows) await r.setDirection('out', 0);
  }

  private async driveOnly(row: number): Promise<void> {
    for (let i = 0; i < this.rows.length; i++) {
      if (i !== row) await this.rows[i]!.setDirection('in');
    }
    await this.rows[row]!.setDirection('out', 0);
  }

  private async scan(): Promise<void> {
    if (this.state.kind !== 'settling') return;
    for (let r = 0; r < this.rows.length; r++) {
      await this.driveOnly(r);
      for (let c = 0; c < this.cols.length; c++) {
        if ((await this.cols[c]!.read()) === 0) {
          // Keep only this row driven: the release shows as a rising edge on this column.
          this.state = { kind: 'held', row: r, col: c };
          const key = this.keymap[r]![c]!;
          for (const l of [...this.listeners]) l(key);
          return;
        }
      }
    }
    // Nothing held after the bounce settled: noise.
    this.state = { kind: 'idle' };
    await this.idleLines();
  }

  private async confirmRelease(): Promise<void> {
    const s = this.state;
    if (s.kind !== 'releasing') return;
    if ((await this.cols[s.col]!.read()) === 0) {
      this.state = { kind: 'held', row: s.row, col: s.col };
      return;
    }
    await this.idleLines();
    this.state = { kind: 'idle' };
    // A key pressed during the release window shows as a column already low: scan for it.
    for (const c of this.cols) {
      if ((await c.read()) === 0) {
        this.state = { kind: 'settling' };
        this.arm(() => this.run(() => this.scan()));
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.state = { kind: 'closed' };
    this.timer?.cancel();
    this.timer = null;
    for (const u of this.unwatch) u();
    this.unwatch = [];
    this.listeners = [];
    await this.chain;
  }
}
