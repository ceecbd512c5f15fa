/**
 * The merchant's limits a transaction is checked against before it goes online, from the
 * journal (src/store/day-totals.ts) and the settings:
 *
 *  - settings.maxAmount: one transaction (enforced as the amount is keyed, flows/amount.ts);
 *  - settings.dailySalesLimit: the day's approved sales plus this one (checkDailyLimit, which
 *    the sale flow calls after the amount and before the request leaves);
 *  - settings.refundDailyCap: the day's approved refunds plus this one (checkRefundDailyCap,
 *    for the refund flow).
 *
 * A refusal is a value, not an exception: the flow shows refusalLines() and ends the
 * transaction before anything is written to the journal or sent. Each refusal is logged as
 * monitor.dailyLimit / monitor.refundCap: a limit being hit is itself worth a look. An
 * amount that is not a positive whole number of minor units is the caller's mistake:
 * ValidationError.
 */
import { ValidationError } from '../errors.js';
import { formatAmount } from '../money.js';
import type { TerminalContext } from '../runtime/context.js';
import { dayTotals } from '../store/day-totals.js';
import { t, type MessageKey } from '../ui/messages.js';

export type LimitCheck = { kind: 'allowed'; used: number; limit: number } | LimitRefusal;

export interface LimitRefusal {
  kind: 'refused';
  /** Which limit: the day's sales, or the day's refunds. */
  code: 'DAILY_LIMIT' | 'REFUND_DAILY_CAP';
  /** Minor units of `currency`. */
  limit: number;
  /** Approved so far today. */
  used: number;
  /** What could still be approved today (never below 0). */
  remaining: number;
  currency: string;
  /** What the screen shows: what was hit, and what is left. */
  messages: { key: MessageKey; params: Record<string, string> }[];
}

/** The refusal's lines in the terminal's language, for messageScreen. */
export function refusalLines(ctx: Pick<TerminalContext, 'lang'>, refusal: LimitRefusal): string[] {
  return refusal.messages.map((m) => t(ctx.lang, m.key, m.params));
}

function check(ctx: TerminalContext, amount: number, which: 'sales' | 'refunds'): LimitCheck {
  if (!Number.isSafeInteger(amount) || amount < 1) throw new ValidationError(`amount must be a positive whole number of minor units, not ${amount}`, 'LIMIT_BAD_AMOUNT');
  const { currency, timeZone } = ctx.settings;
  const limit = which === 'sales' ? ctx.settings.dailySalesLimit : ctx.settings.refundDailyCap;
  const journal = ctx.payments?.online.journal;
  const totals = dayTotals(journal ? journal.all() : [], ctx.clock.now(), timeZone, currency);
  const used = totals[which].amount;
  // Whole minor units on both sides: no rounding anywhere.
  if (used + amount <= limit) return { kind: 'allowed', used, limit };
  const remaining = Math.max(0, limit - used);
  const code = which === 'sales' ? 'DAILY_LIMIT' : 'REFUND_DAILY_CAP';
  ctx.log.warn({ event: which === 'sales' ? 'monitor.dailyLimit' : 'monitor.refundCap', day: totals.day, amount, used, limit, currency }, 'a transaction would pass the day\'s limit: refused');
  return {
    kind: 'refused',
    code,
    limit,
    used,
    remaining,
    currency,
    messages: [
      { key: which === 'sales' ? 'limit.daily' : 'limit.refundCap', params: {} },
      { key: 'limit.left', params: { amount: formatAmount(remaining, currency, { grouping: false }) } },
    ],
  };
}

/** Whether a sale of `amount` (minor units of settings.currency) keeps the day's approved sales within settings.dailySalesLimit. */
export function checkDailyLimit(ctx: TerminalContext, amount: number): LimitCheck {
  return check(ctx, amount, 'sales');
}

/** Whether a refund of `amount` keeps the day's approved refunds within settings.refundDailyCap. */
export function checkRefundDailyCap(ctx: TerminalContext, amount: number): LimitCheck {
  return check(ctx, amount, 'refunds');
}
