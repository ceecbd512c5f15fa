import { abortReason, TimeoutError } from '../errors.js';
import type { KeyName, KeySource } from '../hal/keypad/keys.js';
import type { Clock, TimerHandle } from '../hal/ports.js';

interface Waiter {
  resolve: (k: KeyName) => void;
  reject: (e: Error) => void;
  timer: TimerHandle | null;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Keys from the keypad, in order, to whichever prompt asks next. Keys typed ahead while
 * the terminal is busy are kept (a cashier keys 1 2 3 4 ENTER without waiting for the
 * screen) up to a bound; a prompt that must not see earlier keys (PIN entry) flushes first.
 */
export class KeyQueue {
  private readonly buffered: KeyName[] = [];
  private waiter: Waiter | null = null;
  private readonly listeners = new Set<(k: KeyName) => void>();
  private readonly stop: () => void;

  constructor(
    source: KeySource,
    private readonly clock: Clock,
    private readonly limit = 32,
  ) {
    this.stop = source.onKey((k) => this.push(k));
  }

  /** Sees every key as it arrives (the display backlight, the diagnostics key test). */
  observe(fn: (k: KeyName) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private push(k: KeyName): void {
    for (const l of this.listeners) l(k);
    const w = this.waiter;
    if (w) {
      this.finish(w);
      w.resolve(k);
      return;
    }
    if (this.buffered.length < this.limit) this.buffered.push(k);
  }

  private finish(w: Waiter): void {
    this.waiter = null;
    w.timer?.cancel();
    w.signal?.removeEventListener('abort', w.onAbort);
  }

  /**
   * The next key. Rejects with TimeoutError(`timeoutName`) after `timeoutMs` with no key,
   * or with the signal's reason. One reader at a time: a second concurrent call is a bug
   * in the caller and throws.
   */
  next(options: { signal?: AbortSignal; timeoutMs?: number; timeoutName?: string } = {}): Promise<KeyName> {
    if (this.waiter) throw new Error('KeyQueue.next: another prompt is already waiting for a key');
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    const k = this.buffered.shift();
    if (k !== undefined) return Promise.resolve(k);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        signal: options.signal,
        timer: null,
        onAbort: () => {
          this.finish(w);
          reject(abortReason(options.signal!));
        },
      };
      if (options.timeoutMs !== undefined) {
        const ms = options.timeoutMs;
        w.timer = this.clock.setTimer(ms, () => {
          this.finish(w);
          reject(new TimeoutError(options.timeoutName ?? 'keyTimeout', ms));
        });
      }
      options.signal?.addEventListener('abort', w.onAbort, { once: true });
      this.waiter = w;
    });
  }

  /** Forgets keys typed ahead. */
  flush(): void {
    this.buffered.length = 0;
  }

  get waiting(): boolean {
    return this.waiter !== null;
  }

  close(): void {
    this.stop();
  }
}
