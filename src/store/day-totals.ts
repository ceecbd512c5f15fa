/**
 * What a merchant's day adds up to, from journal records: the approved sales a daily limit
 * is checked against, the approved refunds a refund cap and the monitor look at. A day is
 * the merchant's calendar day in their time zone (a shop in Shanghai closes its day at
 * midnight Shanghai time, whatever the terminal's clock zone). Pure functions.
 */
import { zonedTime } from '../time.js';
import type { KindTotals } from './batch-totals.js';
import type { JournalRecord } from './journal.js';

/** "2026-01-15": the merchant's calendar day of `epochMs`. */
export function localDay(epochMs: number, timeZone: string): string {
  const z = zonedTime(epochMs, timeZone);
  return `${z.year}-${String(z.month).padStart(2, '0')}-${String(z.day).padStart(2, '0')}`;
}

/** The day a record belongs to: when it began (a record with an unreadable time belongs to none). */
export function dayOf(r: JournalRecord, timeZone: string): string | null {
  const ms = Date.parse(r.time);
  return Number.isFinite(ms) ? localDay(ms, timeZone) : null;
}

export interface DayTotals {
  day: string;
  currency: string;
  /** Sales approved that day and still standing or refunded later (a voided sale no longer counts). */
  sales: KindTotals;
  /** Refunds approved that day. */
  refunds: KindTotals;
}

const NEAR_MS = 48 * 3_600_000;

/**
 * The totals of the merchant's day that holds `at` (epoch ms), in `currency`. A record is
 * first tested by its timestamp against two days either side (cheap), and only then by its
 * calendar day in the time zone, so a journal of many days costs a parse per record.
 */
export function dayTotals(records: Iterable<JournalRecord>, at: number, timeZone: string, currency: string): DayTotals {
  const day = localDay(at, timeZone);
  const out: DayTotals = { day, currency, sales: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 } };
  for (const r of records) {
    if (r.currency !== currency) continue;
    const sale = r.type === 'sale' && (r.status === 'approved' || r.status === 'refunded');
    const refund = r.type === 'refund' && r.status === 'approved';
    if (!sale && !refund) continue;
    const ms = Date.parse(r.time);
    if (!Number.isFinite(ms) || Math.abs(ms - at) > NEAR_MS || localDay(ms, timeZone) !== day) continue;
    const kind = sale ? out.sales : out.refunds;
    kind.count++;
    kind.amount += r.amount;
  }
  return out;
}
