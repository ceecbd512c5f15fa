/**
 * The merchant's refund rules as arithmetic (settings.refundPolicy): the handling fee, what
 * the card is credited, how much of a sale is left to refund, and the refund window in
 * calendar days of the merchant's time zone. Integers of minor units only; pure functions.
 */
import type { RefundPolicy } from '../store/config.js';
import { zonedTime } from '../time.js';

/** The sums the refund screen shows before the merchant confirms. */
export interface RefundSums {
  /** The sale's amount, when the journal has the sale; null for a sale of another terminal. */
  original: number | null;
  /** What refunds of it have credited so far. */
  already: number;
  /** This refund, of the sale's amount. */
  refund: number;
  /** The merchant's handling fee, kept back. */
  fee: number;
  /** What the card is credited: the refund less the fee (field 4 of the request). */
  net: number;
}

/**
 * The handling fee of a refund of `refund` minor units: the fixed fee, or the basis points
 * of it rounded half up to a whole minor unit (BigInt: 12 digits of amount times 10 000 pass
 * 2^53). Never more than the refund itself: the caller refuses a refund the fee eats up.
 */
export function handlingFee(refund: number, policy: Pick<RefundPolicy, 'feeBasisPoints' | 'feeFixed'>): number {
  if (policy.feeFixed > 0) return policy.feeFixed;
  if (policy.feeBasisPoints <= 0) return 0;
  return Number((BigInt(refund) * BigInt(policy.feeBasisPoints) + 5_000n) / 10_000n);
}

export function refundSums(original: number | null, already: number, refund: number, policy: Pick<RefundPolicy, 'feeBasisPoints' | 'feeFixed'>): RefundSums {
  const fee = handlingFee(refund, policy);
  return { original, already, refund, fee, net: refund - fee };
}

/** What is left of a sale to refund; never below 0. */
export function refundable(original: number, already: number): number {
  return Math.max(0, original - already);
}

interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

const dayNumber = (d: CalendarDay) => Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;

/** The merchant's calendar day of `epochMs`. */
export function calendarDay(epochMs: number, timeZone: string): CalendarDay {
  const { year, month, day } = zonedTime(epochMs, timeZone);
  return { year, month, day };
}

/** Whole calendar days from `from` to `to` (the same day: 0). */
export function daysBetween(from: CalendarDay, to: CalendarDay): number {
  return dayNumber(to) - dayNumber(from);
}

/**
 * The calendar day a receipt's MMDD names: the latest such day not after today (a receipt
 * shows no year). null when MMDD is no date (1332, 0230; 0229 only when that year has one).
 */
export function dayOfMonthDay(mmdd: string, today: CalendarDay): CalendarDay | null {
  if (!/^[0-9]{4}$/.test(mmdd)) return null;
  const month = Number(mmdd.slice(0, 2));
  const day = Number(mmdd.slice(2));
  if (month < 1 || month > 12 || day < 1) return null;
  const after = month > today.month || (month === today.month && day > today.day);
  const year = after ? today.year - 1 : today.year;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** Whether a sale of day `sold` may still be refunded on `today` under a window of `windowDays`. */
export function withinWindow(sold: CalendarDay, today: CalendarDay, windowDays: number): boolean {
  const days = daysBetween(sold, today);
  return days >= 0 && days <= windowDays;
}
