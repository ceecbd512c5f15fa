import { CancelledError } from '../errors.js';
import type { KeyName } from '../hal/keypad/keys.js';
import type { TerminalContext } from './context.js';

export interface KeyWait {
  signal: AbortSignal;
  /** Omitted: wait for ever (the idle screen). */
  timeoutMs?: number;
  /** The name the timeout is reported under: 'amountEntryTimeout', 'menuTimeout'... */
  timeoutName?: string;
  /** CANCEL ends the prompt with CancelledError('cancel-key') instead of being returned. */
  cancelKey?: boolean;
}

/**
 * The next key for a prompt. CANCEL cancels (unless the prompt wants it as a key); a
 * timeout rejects with TimeoutError under the prompt's name; the signal ends it too.
 */
export async function nextKey(ctx: TerminalContext, wait: KeyWait): Promise<KeyName> {
  const key = await ctx.keys.next({ signal: wait.signal, timeoutMs: wait.timeoutMs, timeoutName: wait.timeoutName });
  if (key === 'CANCEL' && (wait.cancelKey ?? true)) throw new CancelledError('cancel-key', 'cancelled by the CANCEL key');
  return key;
}

/**
 * Races `work` against the CANCEL key: resolves with what `work` gives, or rejects with
 * CancelledError('cancel-key') and aborts the signal `work` was handed. Used where a flow
 * waits on a device (a card to be presented) and the cashier must still be able to stop it.
 */
export async function cancellable<T>(ctx: TerminalContext, signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const inner = new AbortController();
  const onOuter = () => inner.abort(signal.reason);
  signal.addEventListener('abort', onOuter, { once: true });
  const keyWatch = (async () => {
    for (;;) {
      const k = await ctx.keys.next({ signal: inner.signal });
      if (k === 'CANCEL') {
        const err = new CancelledError('cancel-key', 'cancelled by the CANCEL key');
        inner.abort(err);
        throw err;
      }
    }
  })();
  try {
    return await Promise.race([work(inner.signal), keyWatch as Promise<never>]);
  } finally {
    signal.removeEventListener('abort', onOuter);
    if (!inner.signal.aborted) inner.abort(new CancelledError('done'));
    await keyWatch.catch(() => {});
  }
}
