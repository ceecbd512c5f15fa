import { abortReason } from '../errors.js';
import type { Clock, TimerHandle } from './ports.js';

/** sleep() for any clock, from its setTimer(): one timer, removed when the signal aborts. */
export function sleepOn(clock: Pick<Clock, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The real clock: Node's timers and performance.now(). */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/**
 * Real time run `factor` times faster, for the simulated board only: every timer and every
 * reading of the clock is scaled, so a soak of thousands of sales (each of which waits on
 * 19200-baud printing, key holds and prompts) runs in a fraction of the time with the same
 * order of events. Nothing polls: a timer of `ms` is one Node timer of `ms / factor`. Timers
 * shorter than Node's 1 ms resolution after scaling fire after 1 ms, so very short waits
 * run slower than `factor` (they never run early). A real board must never be given one:
 * its UARTs and printers keep real time (`pos start` refuses it on a Pi board).
 */
export class ScaledClock implements Clock {
  private readonly wall0 = Date.now();
  private readonly mono0 = performance.now();

  constructor(readonly factor: number) {
    if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`time scale must be a number >= 1 (got ${factor})`);
  }
  private elapsed(): number {
    return (performance.now() - this.mono0) * this.factor;
  }
  now(): number {
    return Math.floor(this.wall0 + this.elapsed());
  }
  monotonic(): number {
    return this.mono0 + this.elapsed();
  }
  /** Node may fire a timer up to a millisecond early by performance.now(); re-armed until due on this clock. */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const due = this.monotonic() + Math.max(0, ms);
    let t: NodeJS.Timeout;
    const arm = (wait: number) => {
      t = setTimeout(() => {
        const left = due - this.monotonic();
        if (left > 0) arm(left);
        else fn();
      }, wait / this.factor);
    };
    arm(Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}
