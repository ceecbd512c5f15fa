import type { Clock, Level } from '../../../src/hal/ports.js';
import type { SimGpioLine } from '../../ports/gpio.js';

export interface LevelChange {
  /** Clock.monotonic() at the change. */
  t: number;
  line: string;
  level: Level;
}

/** A span during which a line held its active level; `end` null while it still does. */
export interface Pulse {
  start: number;
  end: number | null;
}

/**
 * Records what LEDs and a buzzer did over time, as a logic analyser on their GPIO lines
 * would: every level change (SimGpioLine.observe) stamped with the clock's time. Tests ask
 * it for the pulses of a line and compare their timings with Book A's.
 */
export class LevelRecorder {
  readonly changes: LevelChange[] = [];
  private readonly initial = new Map<string, { t: number; level: Level }>();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly lines: Readonly<Record<string, SimGpioLine>>,
  ) {
    for (const [name, line] of Object.entries(lines)) {
      this.initial.set(name, { t: clock.monotonic(), level: line.level() });
      this.stops.push(line.observe((level) => this.changes.push({ t: this.clock.monotonic(), line: name, level })));
    }
  }

  /** The line's level at time `t` (as recorded; before recording began: its first level). */
  levelAt(name: string, t: number): Level {
    let level = this.initial.get(name)?.level ?? 0;
    for (const c of this.changes) {
      if (c.t > t) break;
      if (c.line === name) level = c.level;
    }
    return level;
  }

  /** Spans during which `name` was at `active`, in order. */
  pulses(name: string, active: Level = 1): Pulse[] {
    const out: Pulse[] = [];
    const first = this.initial.get(name);
    let open: Pulse | null = first && first.level === active ? { start: first.t, end: null } : null;
    for (const c of this.changes) {
      if (c.line !== name) continue;
      if (c.level === active && !open) open = { start: c.t, end: null };
      else if (c.level !== active && open) {
        open.end = c.t;
        out.push(open);
        open = null;
      }
    }
    if (open) out.push(open);
    return out;
  }

  /** Durations in ms of the finished pulses of `name`. */
  durations(name: string, active: Level = 1): number[] {
    return this.pulses(name, active).flatMap((p) => (p.end === null ? [] : [p.end - p.start]));
  }

  /** Forgets what was recorded so far (levels now become the initial ones). */
  reset(): void {
    this.changes.length = 0;
    for (const [name, line] of Object.entries(this.lines)) this.initial.set(name, { t: this.clock.monotonic(), level: line.level() });
  }

  stop(): void {
    for (const s of this.stops) s();
  }
}
