import { isDigitKey } from '../hal/keypad/keys.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { t, type MessageKey } from '../ui/messages.js';
import { entryScreen } from '../ui/screens.js';
import { layout, show } from './layout.js';

export interface DigitsPrompt {
  /** The flow's title, on the first line. */
  title: MessageKey;
  /** What is asked ("原凭证号:"). */
  prompt: MessageKey;
  /** How many digits ENTER accepts. */
  min: number;
  max: number;
  /** A password: one '*' a digit on screen, and keys typed ahead are dropped first. */
  masked?: boolean;
  /** Shown under the value at the start (a wrong password, a date that does not exist). */
  note?: string;
  /** Shown when there is no note; "ENTER when done" when absent. */
  hint?: string;
  /** The named timeout, counted from the last key. */
  timeoutName: string;
  timeoutMs: number;
}

/**
 * Digits keyed in on the keypad: CLEAR takes the last one back, ENTER accepts between
 * `min` and `max` of them (fewer: a note, the prompt stays), a digit past `max` is refused
 * with the alert, CANCEL ends with CancelledError, no key for `timeoutMs` with
 * TimeoutError(`timeoutName`). Resolves with the digits as ASCII bytes; for a password the
 * caller zeroes them once checked, and the working buffer here is zeroed in every case.
 */
export async function keyDigits(ctx: TerminalContext, signal: AbortSignal, p: DigitsPrompt): Promise<Buffer> {
  // A digit typed ahead for an earlier prompt must not become part of a password.
  if (p.masked) ctx.keys.flush();
  const buf = Buffer.alloc(p.max);
  let n = 0;
  let note = p.note;
  const l = layout(ctx);
  try {
    for (;;) {
      const value = p.masked ? '*'.repeat(n) : buf.subarray(0, n).toString('ascii');
      show(ctx, entryScreen(l, p.title, t(l.lang, p.prompt), value, note ?? p.hint ?? t(l.lang, 'pin.hint')));
      note = undefined;
      const key = await nextKey(ctx, { signal, timeoutMs: p.timeoutMs, timeoutName: p.timeoutName });
      if (isDigitKey(key)) {
        if (n < p.max) buf[n++] = key.charCodeAt(0);
        else ctx.indicators?.error();
      } else if (key === 'CLEAR') {
        if (n > 0) buf[--n] = 0;
      } else if (key === 'ENTER') {
        if (n >= p.min) return Buffer.from(buf.subarray(0, n));
        note = t(l.lang, 'return.digits', { n: p.min === p.max ? String(p.min) : `${p.min}-${p.max}` });
        ctx.indicators?.error();
      }
    }
  } finally {
    buf.fill(0);
  }
}

/** Digits as text, for numbers that are not secret (a trace number, a reference, a date). */
export async function keyNumber(ctx: TerminalContext, signal: AbortSignal, p: Omit<DigitsPrompt, 'masked'>): Promise<string> {
  return (await keyDigits(ctx, signal, p)).toString('ascii');
}
