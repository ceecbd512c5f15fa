import { sleepOn } from '../../src/hal/clock.js';
import type { Clock, TimerHandle } from '../../src/hal/ports.js';

interface Pending {
  due: number;
  seq: number;
  fn: () => void;
}

/** Lets every promise continuation and I/O callback queued so far run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that moves only when a test says so. advance() fires due timers in time order
 * (same instant: the order they were set) and lets promise chains run between them, so
 * code awaiting a sleep continues before the next timer fires, as it would on real time.
 */
export class VirtualClock implements Clock {
  private t: number;
  private readonly epoch: number;
  private seq = 0;
  private readonly timers: Pending[] = [];
  /** How many timers have fired so far: tests use it to prove nothing ran while idle. */
  fired = 0;

  constructor(startEpochMs = Date.UTC(2026, 0, 15, 9, 30, 0)) {
    this.epoch = startEpochMs;
    this.t = 0;
  }

  now(): number {
    return this.epoch + this.t;
  }
  monotonic(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const p: Pending = { due: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(p);
    return {
      cancel: () => {
        const i = this.timers.indexOf(p);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the next timer is due, in ms from now, or null when none is set. */
  nextDueIn(): number | null {
    const next = this.peek();
    return next ? next.due - this.t : null;
  }

  private peek(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.timers) {
      if (!best || p.due < best.due || (p.due === best.due && p.seq < best.seq)) best = p;
    }
    return best;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.peek();
      if (!next || next.due > end) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.t = next.due;
      this.fired++;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}
