import { abortReason, TimeoutError } from '../errors.js';
import type { Clock } from '../hal/ports.js';

/**
 * A signal that aborts with TimeoutError(`name`) after `ms` on `clock`, or with `parent`'s
 * reason if that aborts first; the timer is dropped as soon as either happens.
 */
export function withTimeout(clock: Clock, parent: AbortSignal, ms: number, name: string): AbortSignal {
  const c = new AbortController();
  const onParent = () => {
    timer.cancel();
    c.abort(parent.reason);
  };
  const timer = clock.setTimer(ms, () => {
    parent.removeEventListener('abort', onParent);
    c.abort(new TimeoutError(name, ms));
  });
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  return c.signal;
}

/** Resolves never; rejects with the signal's reason when it aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(abortReason(signal));
    else signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
  });
}
