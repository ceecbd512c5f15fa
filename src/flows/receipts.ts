import { TimeoutError } from '../errors.js';
import { transactionReceipt, type TransactionReceiptData } from '../printer/index.js';
import type { ReceiptMark } from '../store/journal.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { untilAborted } from '../runtime/timeout.js';
import { t, type MessageKey } from '../ui/messages.js';
import { messageScreen } from '../ui/screens.js';
import { layout, show } from './layout.js';

/**
 * The merchant copy, a prompt to tear it off (ENTER, or the message timeout), then the
 * customer copy. The print queue owns the jobs: a copy waiting for paper is printed (marked
 * as a reprint where it was torn) once paper is loaded, whether or not the flow still waits.
 *
 * With `journalId`, the journal hears of it (markReceipt): 'started' on disk before the
 * merchant copy is submitted, then each copy once the queue has printed it to its end. A
 * copy a power cut, crash or kill kept from its end is printed again at the next start,
 * marked as a reprint (receipt-recovery.ts).
 */
export async function printTransactionReceipts(
  ctx: TerminalContext,
  signal: AbortSignal,
  data: Omit<TransactionReceiptData, 'merchant' | 'currency'>,
  /** The title over the tear-off prompt: the flow's own (撤销, 退货); the sale's when absent. */
  title: MessageKey = 'sale.title',
  /** The journal's id of the transaction, for its receipt marks. */
  journalId?: string,
): Promise<void> {
  const printer = ctx.printer;
  if (!printer) return;
  const { settings } = ctx;
  const copies = transactionReceipt(
    {
      ...data,
      currency: settings.currency,
      merchant: { name: settings.merchantName, merchantId: settings.merchantId, terminalId: settings.terminalId, timeZone: settings.timeZone },
    },
    { lang: ctx.lang, paper: printer.profile.dots === 576 ? 80 : 58 },
  );
  // The flow waits for the paper, but never past its own end: the queue keeps the job.
  const journal = journalId ? ctx.payments?.online.journal : undefined;
  const mark = async (copy: ReceiptMark) => {
    try {
      await journal?.markReceipt(journalId!, copy, copy === 'started' ? data.cvm : undefined);
    } catch (err) {
      // A mark not written means at worst a copy printed again, marked, at the next start.
      ctx.log.error({ event: 'receipt.markFailed', copy, err }, 'the receipt mark was not kept');
    }
  };
  await mark('started');
  const printed = (ticket: { done: Promise<unknown> }, copy: 'merchant' | 'customer') => {
    // The mark follows the copy out even when the flow has ended: the queue keeps the job.
    const out = ticket.done.then(() => mark(copy));
    out.catch(() => undefined);
    return Promise.race([out, untilAborted(signal)]);
  };
  await printed(printer.submit(copies.merchant), 'merchant');
  show(ctx, messageScreen(layout(ctx), title, [t(ctx.lang, 'sale.tearOff'), t(ctx.lang, 'sale.customerCopy')]));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.messageMs * 5, timeoutName: 'tearOffTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
  show(ctx, messageScreen(layout(ctx), title, ['', t(ctx.lang, 'sale.printing')]));
  await printed(printer.submit(copies.customer), 'customer');
}
