/**
 * Reprint (重打印): a transaction's receipt rebuilt from the journal and printed again,
 * marked REPRINT at the top: the last one, or the one whose trace number (凭证号, the STAN)
 * the cashier keys in.
 *
 * Only the cardholder copy is printed again. The usual reason for a reprint is a cardholder
 * who lost theirs or a copy the printer spoiled; the merchant keeps the original merchant
 * copy, signed where the CVM asked for a signature, and a second one would be a second
 * signable slip for the same money. It is also the copy the journal can rebuild faithfully:
 * the merchant copy's signature or "PIN verified" line depends on the CVM, which the
 * journal does not keep. The chip data the original printed (AID, label, ARQC or TC, TVR,
 * TSI) is printed again as it was: the journal keeps it from the sale's approval
 * (receipt-chip.ts); a sale approved before it was kept is reprinted without it.
 */
import { ValidationError } from '../errors.js';
import { transactionReceipt } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import { isDigitKey } from '../hal/keypad/keys.js';
import { nextKey } from '../runtime/prompt.js';
import type { JournalRecord } from '../store/journal.js';
import { t, type MessageKey } from '../ui/messages.js';
import { detailScreen, messageScreen } from '../ui/screens.js';
import { receiptFromJournal } from './journal-receipt.js';
import { keyNumber } from './keyed-digits.js';
import { layout, show } from './layout.js';
import { printOrQueue } from './print-watch.js';
import { showMessage } from './show-message.js';

export type ReprintResult =
  | { kind: 'printed' | 'queued' | 'no-printer'; stan: string; batch: number }
  /** The journal holds no receipt to print (nothing approved yet; no such trace number). */
  | { kind: 'none' }
  | { kind: 'not-found'; trace: string };

const say = (ctx: TerminalContext, key: MessageKey) => t(ctx.lang, key);

/** Prints the cardholder copy of `record` again; the screen says what happens. */
async function print(ctx: TerminalContext, signal: AbortSignal, record: JournalRecord): Promise<ReprintResult> {
  const journal = ctx.payments!.online.journal;
  const data = receiptFromJournal(journal, ctx.settings, record);
  if (!data) {
    await showMessage(ctx, signal, 'reprint.title', ['', say(ctx, 'reprint.none')]);
    return { kind: 'none' };
  }
  if (!ctx.printer) {
    await showMessage(ctx, signal, 'reprint.title', ['', say(ctx, 'print.noPrinter')]);
    return { kind: 'no-printer', stan: record.stan, batch: record.batch };
  }
  let copy;
  try {
    copy = transactionReceipt(data, { lang: ctx.lang, paper: ctx.printer.profile.dots === 576 ? 80 : 58 }).customer;
  } catch (e) {
    // A record the layouts refuse (damaged on disk): said and logged, never a fault.
    if (!(e instanceof ValidationError)) throw e;
    ctx.log.error({ event: 'reprint.badRecord', stan: record.stan, code: e.code, err: e.message }, 'the receipt cannot be rebuilt from the journal');
    await showMessage(ctx, signal, 'reprint.title', ['', say(ctx, 'reprint.none')]);
    return { kind: 'none' };
  }
  show(ctx, messageScreen(layout(ctx), 'reprint.title', [say(ctx, 'reprint.customerCopy'), say(ctx, 'sale.printing')]));
  const printed = await printOrQueue(ctx, signal, copy);
  ctx.log.info({ event: 'reprint.printed', stan: record.stan, batch: record.batch, type: record.type, result: printed.kind }, 'receipt reprinted');
  if (printed.kind === 'queued') await showMessage(ctx, signal, 'reprint.title', [say(ctx, 'reprint.customerCopy'), say(ctx, 'print.paperOut'), say(ctx, 'print.loadPaper')]);
  return { kind: printed.kind, stan: record.stan, batch: record.batch };
}

/** The last receipt the terminal printed (the newest transaction that had one), again. */
export async function reprintLast(ctx: TerminalContext, signal: AbortSignal): Promise<ReprintResult> {
  const journal = ctx.payments?.online.journal;
  const all = journal ? journal.all() : [];
  for (let i = all.length - 1; i >= 0; i--) {
    if (receiptFromJournal(journal!, ctx.settings, all[i]!)) return print(ctx, signal, all[i]!);
  }
  await showMessage(ctx, signal, 'reprint.title', ['', say(ctx, 'reprint.none')]);
  return { kind: 'none' };
}

/**
 * The receipt of the trace number keyed in (1-6 digits, ENTER). STANs wrap after 999999: the
 * newest transaction with that number is the one printed.
 */
export async function reprintByTrace(ctx: TerminalContext, signal: AbortSignal): Promise<ReprintResult> {
  const journal = ctx.payments?.online.journal;
  if (!journal) {
    await showMessage(ctx, signal, 'reprint.title', ['', say(ctx, 'reprint.none')]);
    return { kind: 'none' };
  }
  const typed = await keyNumber(ctx, signal, { title: 'reprint.title', prompt: 'reprint.trace', min: 1, max: 6, timeoutName: 'traceEntryTimeout', timeoutMs: ctx.settings.timeouts.menuMs });
  const trace = typed.padStart(6, '0');
  const record = journal.byStan(trace).find((r) => receiptFromJournal(journal, ctx.settings, r) !== null);
  if (!record) {
    ctx.log.info({ event: 'reprint.notFound', trace }, 'no receipt with that trace number');
    await showMessage(ctx, signal, 'reprint.title', [trace, say(ctx, 'reprint.notFound')]);
    return { kind: 'not-found', trace };
  }
  return print(ctx, signal, record);
}

/** MENU 重打印: 1 the last receipt, 2 by trace number; CANCEL leaves. */
export async function reprint(ctx: TerminalContext, signal: AbortSignal): Promise<ReprintResult> {
  const l = layout(ctx);
  show(ctx, detailScreen(l, say(ctx, 'reprint.title'), [say(ctx, 'reprint.last'), say(ctx, 'reprint.byTrace')]));
  for (;;) {
    const key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'menuTimeout' });
    if (key === '1' || key === 'ENTER') return reprintLast(ctx, signal);
    if (key === '2') return reprintByTrace(ctx, signal);
    if (isDigitKey(key)) ctx.indicators?.error();
  }
}
