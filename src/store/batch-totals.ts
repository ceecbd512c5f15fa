/**
 * What a batch adds up to, by currency and by kind of transaction, from journal records:
 * what the settlement screen asks the merchant to confirm, what field 63 of the 0500
 * carries, what the settlement report and the transaction list print, and which
 * transactions a batch upload sends again (docs/host-spec.md 6.11 and 9).
 *
 * A sale stands while it is approved (or refunded later: a refund does not undo the sale,
 * it is a credit of its own); a voided sale and its void cancel out and neither is a debit.
 * Declined, reversed and never-sent transactions did not happen. Pure functions.
 */
import type { JournalRecord } from './journal.js';

export interface KindTotals {
  count: number;
  /** Minor units. */
  amount: number;
}

export interface CurrencyTotals {
  currency: string;
  /** Sales that stand: the debits of field 63. */
  sale: KindTotals;
  /** Approved voids (the sales they cancelled are not in `sale`). */
  void: KindTotals;
  /** Approved refunds: the credits of field 63. */
  refund: KindTotals;
}

/** Field 63's four numbers (the shape of src/host/messages.ts BatchTotals). */
export interface Field63Totals {
  debitCount: number;
  debitAmount: number;
  creditCount: number;
  creditAmount: number;
}

/** A sale the merchant is paid for. */
export function saleStands(r: JournalRecord): boolean {
  return r.type === 'sale' && (r.status === 'approved' || r.status === 'refunded');
}

/** A transaction that left a receipt: an approved sale (also one voided or refunded later), void or refund. */
export function hasReceipt(r: JournalRecord): boolean {
  if (r.type === 'sale') return r.status === 'approved' || r.status === 'voided' || r.status === 'refunded';
  return r.status === 'approved';
}

/** What a batch upload sends again: sales that stand and approved refunds, oldest first. */
export function uploadable(records: readonly JournalRecord[]): JournalRecord[] {
  return records.filter((r) => saleStands(r) || (r.type === 'refund' && r.status === 'approved'));
}

const zero = (): KindTotals => ({ count: 0, amount: 0 });

/** Totals of `records` by currency, in the order each currency first appears. */
export function batchTotals(records: readonly JournalRecord[]): CurrencyTotals[] {
  const by = new Map<string, CurrencyTotals>();
  const of = (currency: string) => {
    let t = by.get(currency);
    if (!t) by.set(currency, (t = { currency, sale: zero(), void: zero(), refund: zero() }));
    return t;
  };
  for (const r of records) {
    let kind: KindTotals | null = null;
    if (saleStands(r)) kind = of(r.currency).sale;
    else if (r.type === 'void' && r.status === 'approved') kind = of(r.currency).void;
    else if (r.type === 'refund' && r.status === 'approved') kind = of(r.currency).refund;
    if (!kind) continue;
    kind.count++;
    kind.amount += r.amount;
  }
  return [...by.values()];
}

/** Debits are the sales that stand, credits the refunds; voids are not counted (6.11). */
export function field63(t: CurrencyTotals): Field63Totals {
  return { debitCount: t.sale.count, debitAmount: t.sale.amount, creditCount: t.refund.count, creditAmount: t.refund.amount };
}

/** Whether a batch has anything a settlement would send: any transaction that left a receipt. */
export function somethingToSettle(records: readonly JournalRecord[]): boolean {
  return records.some(hasReceipt);
}
