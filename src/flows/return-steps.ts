import type { TerminalContext } from '../runtime/context.js';
import { OperatorError, OperatorLockedError } from '../store/operators.js';
import { t, type MessageKey } from '../ui/messages.js';
import { keyNumber } from './keyed-digits.js';
import { askSupervisor, type OperatorsContext } from './operators.js';
import { refuse, type ReturnOutcome } from './return-result.js';

/**
 * The supervisor's password for a void or refund. A lock (said on screen by askPassword) or
 * a terminal without operators ends the flow as refused; CANCEL and timeouts are thrown.
 */
export async function supervisorFor(ctx: OperatorsContext, signal: AbortSignal, title: MessageKey): Promise<ReturnOutcome | null> {
  try {
    await askSupervisor(ctx, signal, title);
    return null;
  } catch (e) {
    if (e instanceof OperatorLockedError) return { kind: 'refused', reason: 'supervisor-locked' };
    if (e instanceof OperatorError && e.code === 'OPERATORS_MISSING') return refuse(ctx, signal, title, 'no-operators', ['', t(ctx.lang, 'op.notSetUp')]);
    throw e;
  }
}

/** Keys a trace number (1-6 digits, zero-filled as field 11 carries it). */
export async function keyTrace(ctx: TerminalContext, signal: AbortSignal, title: MessageKey): Promise<string> {
  const digits = await keyNumber(ctx, signal, { title, prompt: 'return.trace', min: 1, max: 6, timeoutName: 'traceEntryTimeout', timeoutMs: ctx.settings.timeouts.amountEntryMs });
  return digits.padStart(6, '0');
}
