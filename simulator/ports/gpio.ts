import { DeviceError, PortClosedError } from '../../src/errors.js';
import type { Direction, Edge, GpioLine, Level } from '../../src/hal/ports.js';

export type Pull = 'up' | 'down' | 'none';

/**
 * One simulated GPIO line with its electrical behaviour: an output drives its level; an
 * input reads what the far end drives or, when nothing drives it, its pull resistor. A
 * floating input (no pull, nothing driving) reads 0, as a CMOS input usually settles.
 * Emulators at the far end use drive() (open-drain: 0 or release with null) and observe().
 */
export class SimGpioLine implements GpioLine {
  readonly name: string;
  private dir: Direction;
  private out: Level = 0;
  private external: Level | null = null;
  private readonly pull: Pull;
  private open = true;
  private watchers: { edge: Edge; fn: (v: Level) => void }[] = [];
  private observers: ((v: Level) => void)[] = [];
  private last: Level;
  /** How many level changes happened, for tests. */
  changes = 0;

  constructor(name: string, options: { direction?: Direction; pull?: Pull; initial?: Level } = {}) {
    this.name = name;
    this.dir = options.direction ?? 'in';
    this.pull = options.pull ?? 'none';
    this.out = options.initial ?? 0;
    this.last = this.level();
  }

  get direction(): Direction {
    return this.dir;
  }

  /** The level on the wire now. */
  level(): Level {
    if (this.dir === 'out') return this.out;
    if (this.external !== null) return this.external;
    return this.pull === 'up' ? 1 : 0;
  }

  private update(driveChanged = false): void {
    const v = this.level();
    if (v === this.last) {
      // Released to high impedance at the same level: the far end must still re-evaluate,
      // since this line no longer drives anything.
      if (driveChanged) for (const o of [...this.observers]) o(v);
      return;
    }
    this.last = v;
    this.changes++;
    for (const o of [...this.observers]) o(v);
    if (this.dir !== 'in') return;
    const rising = v === 1;
    for (const w of [...this.watchers]) {
      if (w.edge === 'both' || (w.edge === 'rising') === rising) {
        // Interrupt delivery is asynchronous on Linux too (epoll callback).
        queueMicrotask(() => {
          if (this.open && this.watchers.includes(w)) w.fn(v);
        });
      }
    }
  }

  // ---- the terminal's side (GpioLine) ----

  async read(): Promise<Level> {
    if (!this.open) throw new PortClosedError(this.name);
    return this.level();
  }

  async write(value: Level): Promise<void> {
    if (!this.open) throw new PortClosedError(this.name);
    if (this.dir !== 'out') throw new DeviceError('GPIO_DIRECTION', `${this.name}: cannot write an input line`);
    this.out = value;
    this.update();
  }

  async setDirection(direction: Direction, value: Level = 0): Promise<void> {
    if (!this.open) throw new PortClosedError(this.name);
    const changed = direction !== this.dir;
    this.dir = direction;
    if (direction === 'out') this.out = value;
    this.update(changed);
  }

  watch(edge: Edge, listener: (value: Level) => void): () => void {
    if (!this.open) throw new PortClosedError(this.name);
    const w = { edge, fn: listener };
    this.watchers.push(w);
    return () => {
      this.watchers = this.watchers.filter((x) => x !== w);
    };
  }

  async close(): Promise<void> {
    this.open = false;
    this.watchers = [];
  }

  /** Edge watchers currently registered (tests prove the idle keypad waits on interrupts). */
  get watcherCount(): number {
    return this.watchers.length;
  }

  // ---- the far end's side (emulators) ----

  /** Drive the wire from the far end: 0 pulls it low, 1 drives high, null releases it. */
  drive(value: Level | null): void {
    this.external = value;
    this.update();
  }

  /** Called synchronously on every level change (and direction change), whoever caused it. */
  observe(fn: (v: Level) => void): () => void {
    this.observers.push(fn);
    return () => {
      this.observers = this.observers.filter((o) => o !== fn);
    };
  }
}

/** A set of simulated lines by name, as a GPIO chip offers them. */
export class SimGpioChip {
  private readonly lines = new Map<string, SimGpioLine>();

  line(name: string, options: { direction?: Direction; pull?: Pull; initial?: Level } = {}): SimGpioLine {
    let l = this.lines.get(name);
    if (!l) {
      l = new SimGpioLine(name, options);
      this.lines.set(name, l);
    }
    return l;
  }

  get(name: string): SimGpioLine | undefined {
    return this.lines.get(name);
  }
}
