/**
 * A transaction's receipt data rebuilt from its journal record, for a reprint and for the
 * transaction list. The journal keeps what the host gave (RRN, approval code), the masked
 * card number, the entry mode, when, how much, what a void or refund concerns, and the chip
 * data the receipt printed (AID, label, cryptogram, TVR, TSI: receipt-chip.ts, kept when the
 * sale was approved); it does not keep the cardholder verification, so only the cardholder copy can
 * be rebuilt faithfully (the merchant copy's signature line depends on the CVM). See
 * reprint.ts.
 */
import type { EntryMode } from '../host/spec.js';
import { isCurrencyCode } from '../money.js';
import type { CardEntryMode, MerchantInfo, TransactionListEntry, TransactionReceiptData } from '../printer/index.js';
import type { TerminalSettings } from '../store/config.js';
import type { Journal, JournalRecord } from '../store/journal.js';
import { chipOf } from './receipt-chip.js';
import { brandOf } from './sale.js';

/** What a receipt prints for a card the journal holds no number of (a void keyed from the journal). */
const NO_CARD = '********';

const ENTRY: Record<EntryMode, CardEntryMode | null> = {
  unknown: null,
  manual: 'manual',
  'contact-chip': 'chip',
  'contactless-chip': 'contactless',
  'contactless-magstripe': 'contactless',
  fallback: 'fallback',
  magstripe: 'magstripe',
};

export function merchantOf(settings: TerminalSettings): MerchantInfo {
  return { name: settings.merchantName, merchantId: settings.merchantId, terminalId: settings.terminalId, timeZone: settings.timeZone };
}

/** The sale a void or refund concerns, when the journal has it. */
function originalOf(journal: Journal, r: JournalRecord): JournalRecord | undefined {
  return r.original?.id ? journal.get(r.original.id) : undefined;
}

function entryOf(journal: Journal, r: JournalRecord): CardEntryMode {
  const own = r.entryMode && Object.hasOwn(ENTRY, r.entryMode) ? ENTRY[r.entryMode as EntryMode] : null;
  if (own) return own;
  const o = originalOf(journal, r);
  const theirs = o?.entryMode && Object.hasOwn(ENTRY, o.entryMode) ? ENTRY[o.entryMode as EntryMode] : null;
  // A void keyed from the journal read no card; the sale's own way is the truthful one.
  return theirs ?? 'manual';
}

export function maskedPanOf(journal: Journal, r: JournalRecord): string {
  return r.maskedPan ?? originalOf(journal, r)?.maskedPan ?? NO_CARD;
}

/** MMDD of field 13 as a receipt prints a date: 01/15. */
function monthDay(mmdd: string): string {
  return /^[0-9]{4}$/.test(mmdd) ? `${mmdd.slice(0, 2)}/${mmdd.slice(2)}` : mmdd;
}

/**
 * The receipt of `r` as it was printed, marked as a reprint; null when `r` never had one
 * (declined, reversed, not sent, still pending) or lacks what a receipt must show.
 */
export function receiptFromJournal(journal: Journal, settings: TerminalSettings, r: JournalRecord): TransactionReceiptData | null {
  const hadReceipt = r.type === 'sale' ? ['approved', 'voided', 'refunded'].includes(r.status) : r.status === 'approved';
  if (!hadReceipt || !r.rrn || !isCurrencyCode(r.currency)) return null;
  const time = Date.parse(r.time);
  if (!Number.isFinite(time)) return null;
  const maskedPan = maskedPanOf(journal, r);
  const original = r.original;
  return {
    merchant: merchantOf(settings),
    kind: r.type,
    maskedPan,
    cardBrand: brandOf(undefined, maskedPan),
    entryMode: entryOf(journal, r),
    batch: String(r.batch).padStart(6, '0'),
    trace: r.stan,
    ...(r.authCode ? { authCode: r.authCode } : {}),
    rrn: r.rrn,
    // When the transaction began: the original printed the moment of the answer, a second or
    // two later; a voided or refunded sale's record has moved on since, so this is the time kept.
    time,
    amount: r.amount,
    currency: r.currency,
    ...(r.type === 'void' && original ? { original: { trace: original.stan } } : {}),
    ...(r.type === 'refund' && original ? { original: { rrn: original.rrn, date: monthDay(original.localDate) } } : {}),
    ...(r.chip ? { chip: chipOf(r)! } : {}),
    // The customer copy prints no CVM line; the journal does not keep the CVM.
    cvm: 'none',
    reprint: true,
  };
}

/** One line of the transaction list. */
export function listEntryOf(journal: Journal, r: JournalRecord): TransactionListEntry {
  const time = Date.parse(r.time);
  return {
    trace: r.stan,
    kind: r.type,
    maskedPan: maskedPanOf(journal, r),
    amount: r.amount,
    ...(r.authCode ? { authCode: r.authCode } : {}),
    time: Number.isFinite(time) ? time : 0,
    ...(r.type === 'sale' && r.status === 'voided' ? { voided: true } : {}),
  };
}
