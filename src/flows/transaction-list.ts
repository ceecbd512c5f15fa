/**
 * The open batch's transactions and totals (交易明细), on screen and on paper.
 *
 * On screen, one transaction a page, newest first (what a cashier looks for is usually the
 * last few): kind and amount, the masked card number, the trace number with the time or
 * what became of a sale since (voided, refunded); then a page of totals by kind for each
 * currency. DOWN and UP move, ENTER prints the list with the totals, CANCEL (or menuMs
 * without a key) leaves.
 * Only transactions that left a receipt are listed: a decline or a reversal is not part of
 * the batch's money.
 */
import { TimeoutError } from '../errors.js';
import { formatAmount, isCurrencyCode } from '../money.js';
import { transactionListReceipt, type Block, type PrintDocument } from '../printer/index.js';
import { kindName } from '../printer/receipts/labels.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { batchTotals, hasReceipt, type CurrencyTotals } from '../store/batch-totals.js';
import type { JournalRecord } from '../store/journal.js';
import { t, type MessageKey } from '../ui/messages.js';
import { detailScreen, formatDateTime } from '../ui/screens.js';
import { spread } from '../ui/text.js';
import { listEntryOf, maskedPanOf, merchantOf } from './journal-receipt.js';
import { layout, show } from './layout.js';
import { printOrQueue, type PrintResult } from './print-watch.js';
import { beforeCut, reportLine, reportRow } from './report-blocks.js';
import { totalsRows } from './settlement.js';
import { showMessage } from './show-message.js';

export interface ListResult {
  batch: number;
  transactions: number;
  /** Whether the list was printed (ENTER), and how it went. */
  printed: PrintResult['kind'] | null;
}

const say = (ctx: TerminalContext, key: MessageKey, params?: Record<string, string>) => t(ctx.lang, key, params);

const KIND: Record<JournalRecord['type'], MessageKey> = { sale: 'list.sale', void: 'list.void', refund: 'list.refund' };

/** A masked number longer than the line (PANs run to 19 digits) loses stars, never digits. */
export function fitMaskedPan(masked: string, cells: number): string {
  if (masked.length <= cells) return masked;
  return masked.replace(/\*+/, (stars) => '*'.repeat(Math.max(1, stars.length - (masked.length - cells))));
}

function entryPage(ctx: TerminalContext, r: JournalRecord, n: number, of: number): { title: string; rows: string[] } {
  const cols = ctx.screen.columns;
  const journal = ctx.payments!.online.journal;
  const sign = r.type === 'sale' ? '' : '-';
  const note = r.status === 'voided' ? say(ctx, 'list.voided') : r.status === 'refunded' ? say(ctx, 'list.refunded') : '';
  const time = Date.parse(r.time);
  // HH:MM in the merchant's time zone (a batch is usually one day's business); what became
  // of a sale since (voided, refunded) matters more and takes its place.
  const when = Number.isFinite(time) ? formatDateTime(time, ctx.settings.timeZone).slice(11) : '';
  return {
    title: spread(say(ctx, 'list.title'), `${n}/${of}`, cols),
    rows: [
      spread(say(ctx, KIND[r.type]), `${sign}${formatAmount(r.amount, r.currency, { grouping: false })}`, cols),
      fitMaskedPan(maskedPanOf(journal, r), cols),
      spread(r.stan, note || when, cols),
    ],
  };
}

function totalsPage(ctx: TerminalContext, totals: CurrencyTotals, n: number, of: number): { title: string; rows: string[] } {
  return { title: spread(say(ctx, 'list.totals', { currency: totals.currency }), `${n}/${of}`, ctx.screen.columns), rows: totalsRows(ctx, totals) };
}

/** The printed list of one currency, with the totals by kind before the cut. */
function listDocument(ctx: TerminalContext, batch: number, records: JournalRecord[], totals: CurrencyTotals): PrintDocument | null {
  const journal = ctx.payments!.online.journal;
  const currency = totals.currency;
  if (!ctx.printer || !isCurrencyCode(currency)) return null;
  const doc = transactionListReceipt(
    { merchant: merchantOf(ctx.settings), batch: String(batch).padStart(6, '0'), time: ctx.clock.now(), currency, entries: records.filter((r) => r.currency === currency).map((r) => listEntryOf(journal, r)) },
    { lang: ctx.lang, paper: ctx.printer.profile.dots === 576 ? 80 : 58 },
  );
  const row = (kind: 'sale' | 'void' | 'refund', k: { count: number; amount: number }): Block =>
    reportLine(doc, reportRow(doc, `${kindName(doc.lang, kind)} ${k.count}`, `${kind === 'sale' || !k.amount ? '' : '-'}${formatAmount(k.amount, currency)}`));
  return beforeCut(doc, [row('sale', totals.sale), row('void', totals.void), row('refund', totals.refund), { kind: 'rule' }]);
}

/** The open batch's list and totals; see the module comment. */
export async function transactionList(ctx: TerminalContext, signal: AbortSignal): Promise<ListResult> {
  const journal = ctx.payments?.online.journal;
  if (!journal) {
    await showMessage(ctx, signal, 'list.title', ['', say(ctx, 'settle.noHost')]);
    return { batch: 0, transactions: 0, printed: null };
  }
  const batch = journal.batch;
  const records = journal.inBatch(batch).filter(hasReceipt);
  if (records.length === 0) {
    await showMessage(ctx, signal, 'list.title', [say(ctx, 'settle.batch', { batch: String(batch).padStart(6, '0') }), say(ctx, 'list.empty')]);
    return { batch, transactions: 0, printed: null };
  }
  const newestFirst = [...records].reverse();
  const totals = batchTotals(records);
  const pages = newestFirst.length + totals.length;
  const page = (i: number) => (i < newestFirst.length ? entryPage(ctx, newestFirst[i]!, i + 1, pages) : totalsPage(ctx, totals[i - newestFirst.length]!, i + 1, pages));
  const l = layout(ctx);
  let at = 0;
  let printed: PrintResult['kind'] | null = null;
  for (;;) {
    const p = page(at);
    show(ctx, detailScreen(l, p.title, p.rows));
    let key;
    try {
      key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'listTimeout', cancelKey: false });
    } catch (e) {
      // Looking at a list and walking away is not a fault: back to idle.
      if (e instanceof TimeoutError) return { batch, transactions: records.length, printed };
      throw e;
    }
    if (key === 'CANCEL') return { batch, transactions: records.length, printed };
    if (key === 'DOWN') at = (at + 1) % pages;
    else if (key === 'UP') at = (at + pages - 1) % pages;
    else if (key === 'ENTER') {
      show(ctx, detailScreen(l, say(ctx, 'list.title'), ['', say(ctx, 'sale.printing')]));
      printed = 'no-printer';
      for (const c of totals) {
        const doc = listDocument(ctx, batch, records, c);
        if (doc) printed = (await printOrQueue(ctx, signal, doc)).kind;
      }
      ctx.log.info({ event: 'list.printed', batch, transactions: records.length, result: printed }, 'transaction list printed');
      if (printed === 'queued') await showMessage(ctx, signal, 'list.title', ['', say(ctx, 'print.paperOut'), say(ctx, 'print.loadPaper')]);
    }
  }
}
