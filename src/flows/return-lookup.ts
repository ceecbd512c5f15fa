/**
 * What a void or a refund needs to know of the sale it concerns, from the journal: the sale
 * by its trace (voucher) number or by its reference number and date, whether it may still
 * be voided or refunded, and how much of it refunds have already taken. Pure reads.
 */
import type { Journal, JournalRecord, JournalStatus } from '../store/journal.js';

/** The sale with trace number `trace` (6 digits), one of batch `preferBatch` first, else the newest. */
export function saleByTrace(journal: Journal, trace: string, preferBatch?: number): JournalRecord | undefined {
  const sales = journal.byStan(trace).filter((r) => r.type === 'sale');
  return sales.find((r) => r.batch === preferBatch) ?? sales[0];
}

/** The sale with reference number `rrn` whose local date (field 13) was `mmdd`. */
export function saleByRrn(journal: Journal, rrn: string, mmdd: string): JournalRecord | undefined {
  return journal.byRrn(rrn).find((r) => r.type === 'sale' && r.localDate === mmdd);
}

export type VoidCheck = 'ok' | 'voided' | 'refunded' | 'not-approved' | 'settled';

/** Whether `sale` may be voided: approved, and in the open batch (a settled one is refunded instead). */
export function voidCheck(sale: JournalRecord, openBatch: number): VoidCheck {
  if (sale.status === 'voided') return 'voided';
  if (sale.status === 'refunded') return 'refunded';
  if (sale.status !== 'approved') return 'not-approved';
  return sale.batch === openBatch ? 'ok' : 'settled';
}

export type RefundCheck = 'ok' | 'voided' | 'not-approved' | 'not-settled';

/** Whether `sale` may be refunded: approved (or partly refunded already), and settled (its batch closed). */
export function refundCheck(sale: JournalRecord, openBatch: number): RefundCheck {
  if (sale.status === 'voided') return 'voided';
  if (sale.status !== 'approved' && sale.status !== 'refunded') return 'not-approved';
  return sale.batch === openBatch ? 'not-settled' : 'ok';
}

/**
 * Refund statuses that may stand at the host: approved; pending (a crash before its answer:
 * recovery reverses it, but until then it may have been credited); reversal-refused (the host
 * would not undo it). Counted as taken, so the journal never lets refunds pass the sale.
 */
const MAY_STAND: readonly JournalStatus[] = ['approved', 'pending', 'reversal-refused'];

/** What refunds of `sale` have credited (or may have credited) so far, minor units. */
export function refundedSoFar(journal: Journal, sale: JournalRecord): number {
  let sum = 0;
  for (const r of journal.all()) {
    if (r.type !== 'refund' || !MAY_STAND.includes(r.status) || !r.original) continue;
    const same = r.original.id ? r.original.id === sale.id : r.original.rrn === sale.rrn && r.original.localDate === sale.localDate;
    if (same) sum += r.amount;
  }
  return sum;
}
