import { abortReason, PortBusyError, ReadTimeoutError } from '../errors.js';
import type { Clock } from './ports.js';

/**
 * The one read a port lets wait at a time (the read contracts of src/hal/ports.ts): it
 * settles once, by data handed to it (give), a failure (fail), its timeout on the clock
 * (ReadTimeoutError) or its signal's abort; a second read while one waits is PortBusyError.
 */
export class PendingRead<T> {
  private waiter: { resolve(value: T): void; reject(e: Error): void; cleanup(): void } | null = null;

  constructor(
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly name: string,
  ) {}

  get waiting(): boolean {
    return this.waiter !== null;
  }

  wait(timeoutMs: number, signal?: AbortSignal): Promise<T> {
    if (this.waiter) return Promise.reject(new PortBusyError(this.name, 'read'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      const finish = (e: Error) => {
        if (this.waiter === w) this.take()!.reject(e);
      };
      const onAbort = () => finish(abortReason(signal!));
      const timer = this.clock.setTimer(timeoutMs, () => finish(new ReadTimeoutError(this.name, timeoutMs)));
      const w = {
        resolve,
        reject,
        cleanup: () => {
          timer.cancel();
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.waiter = w;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands `value` to the waiting read; false when none waits. */
  give(value: T): boolean {
    const w = this.take();
    w?.resolve(value);
    return w !== null;
  }

  /** Fails the waiting read, if one waits. */
  fail(error: Error): void {
    this.take()?.reject(error);
  }

  private take() {
    const w = this.waiter;
    this.waiter = null;
    w?.cleanup();
    return w;
  }
}
