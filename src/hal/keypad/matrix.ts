import { DeviceError } from '../../errors.js';
import type { Clock, GpioLine, TimerHandle } from '../ports.js';
import type { KeyName, KeySource } from './keys.js';

/**
 * The electrical side of a key matrix, whatever carries it (GPIO lines, a PCF8574):
 * rows the scanner pulls low, columns that read high through a pull-up unless a pressed
 * key joins them to a low row.
 */
export interface MatrixLines {
  readonly rows: number;
  readonly columns: number;
  /** Every row low: any key pressed pulls its column low. */
  idle(): Promise<void>;
  /** Only `row` low, the others released (high impedance, or the PCF8574's weak high). */
  select(row: number): Promise<void>;
  /** The column levels now: bit c set when column c reads high. */
  readColumns(): Promise<number>;
  /** Calls `fn` whenever a column may have changed (an edge, an expander's INT): never by polling. */
  watch(fn: () => void): () => void;
  close(): Promise<void>;
}

/** A matrix on GPIO lines: columns watched for edges, rows switched between output low and input. */
export class GpioMatrixLines implements MatrixLines {
  readonly rows: number;
  readonly columns: number;
  constructor(
    private readonly rowLines: GpioLine[],
    private readonly columnLines: GpioLine[],
  ) {
    this.rows = rowLines.length;
    this.columns = columnLines.length;
  }
  async idle(): Promise<void> {
    for (const r of this.rowLines) await r.setDirection('out', 0);
  }
  async select(row: number): Promise<void> {
    // Release the others first, so two pressed keys in one column never join two outputs.
    for (let i = 0; i < this.rows; i++) if (i !== row) await this.rowLines[i]!.setDirection('in');
    await this.rowLines[row]!.setDirection('out', 0);
  }
  async readColumns(): Promise<number> {
    let bits = 0;
    for (let c = 0; c < this.columns; c++) if ((await this.columnLines[c]!.read()) === 1) bits |= 1 << c;
    return bits;
  }
  watch(fn: () => void): () => void {
    const stops = this.columnLines.map((c) => c.watch('both', () => fn()));
    return () => stops.forEach((s) => s());
  }
  async close(): Promise<void> {}
}

export interface MatrixKeypadOptions {
  /** Row lines (GPIO), driven by us; or give `lines` instead. */
  rows?: GpioLine[];
  /** Column lines (GPIO), inputs with pull-ups. */
  columns?: GpioLine[];
  /** Any other carrier of the matrix (a PCF8574 expander). */
  lines?: MatrixLines;
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
 * A key matrix scanned only when something happens.
 *
 * Idle: every row low, the columns watched; no timer runs and nothing polls, so an idle
 * keypad costs nothing. A change: wait `debounceMs`, then drive one row at a time to find
 * the key. Held: only that key's row stays driven, so its release shows as its column
 * going high, debounced the same way. One key at a time: a second key pressed while one is
 * held is ignored, as a cashier's keypad should.
 */
export class MatrixKeypad implements KeySource {
  private readonly lines: MatrixLines;
  private readonly keymap: KeyName[][];
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly onError: (err: unknown) => void;
  private listeners: ((k: KeyName) => void)[] = [];
  private unwatch: (() => void) | null = null;
  private state: State = { kind: 'idle' };
  private timer: TimerHandle | null = null;
  /** Serialises line operations: changes and timers never interleave two scans. */
  private chain: Promise<void> = Promise.resolve();

  constructor(options: MatrixKeypadOptions) {
    if (options.lines) this.lines = options.lines;
    else if (options.rows && options.columns) this.lines = new GpioMatrixLines(options.rows, options.columns);
    else throw new DeviceError('KEYPAD_LINES', 'keypad: give rows and columns, or lines');
    this.keymap = options.keymap;
    this.clock = options.clock;
    this.debounceMs = options.debounceMs ?? 15;
    this.onError = options.onError ?? (() => {});
    const { rows, columns } = this.lines;
    if (this.keymap.length !== rows || this.keymap.some((r) => r.length !== columns)) {
      throw new DeviceError('KEYPAD_MAP', `keypad: the key map must be ${rows} rows of ${columns} keys`);
    }
  }

  /** Drives the rows low and starts listening for presses. */
  async start(): Promise<void> {
    await this.lines.idle();
    this.unwatch = this.lines.watch(() => this.run(() => this.onChange()));
  }

  onKey(listener: (key: KeyName) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** True while a press or release is being debounced (a timer is set). */
  get busy(): boolean {
    return this.timer !== null;
  }

  private run(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((e) => this.onError(e));
  }

  private async columnHigh(col: number): Promise<boolean> {
    return ((await this.lines.readColumns()) & (1 << col)) !== 0;
  }

  private async onChange(): Promise<void> {
    const s = this.state;
    if (s.kind === 'idle') {
      if ((await this.lines.readColumns()) === (1 << this.lines.columns) - 1) return;
      this.state = { kind: 'settling' };
      this.arm(() => this.scan());
    } else if (s.kind === 'held' && (await this.columnHigh(s.col))) {
      this.state = { kind: 'releasing', row: s.row, col: s.col };
      this.arm(() => this.confirmRelease());
    } else if (s.kind === 'releasing' && !(await this.columnHigh(s.col))) {
      // Bounce on release: the key is still held.
      this.timer?.cancel();
      this.timer = null;
      this.state = { kind: 'held', row: s.row, col: s.col };
    }
  }

  private arm(step: () => Promise<void>): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(this.debounceMs, () => {
      this.timer = null;
      this.run(step);
    });
  }

  private async scan(): Promise<void> {
    if (this.state.kind !== 'settling') return;
    for (let r = 0; r < this.lines.rows; r++) {
      await this.lines.select(r);
      const cols = await this.lines.readColumns();
      for (let c = 0; c < this.lines.columns; c++) {
        if ((cols & (1 << c)) === 0) {
          // Keep only this row driven: the release shows as this column going high.
          this.state = { kind: 'held', row: r, col: c };
          const key = this.keymap[r]![c]!;
          for (const l of [...this.listeners]) l(key);
          return;
        }
      }
    }
    // Nothing held once the bounce settled: noise.
    this.state = { kind: 'idle' };
    await this.lines.idle();
  }

  private async confirmRelease(): Promise<void> {
    const s = this.state;
    if (s.kind !== 'releasing') return;
    if (!(await this.columnHigh(s.col))) {
      this.state = { kind: 'held', row: s.row, col: s.col };
      return;
    }
    await this.lines.idle();
    this.state = { kind: 'idle' };
    // A key pressed during the release window shows as a column already low.
    await this.onChange();
  }

  async close(): Promise<void> {
    this.state = { kind: 'closed' };
    this.timer?.cancel();
    this.timer = null;
    this.unwatch?.();
    this.unwatch = null;
    this.listeners = [];
    await this.chain;
    await this.lines.close();
  }
}
