import { TimeoutError } from '../errors.js';
import { transactionReceipt, type TransactionReceiptData } from '../printer/index.js';
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
 */
export async function printTransactionReceipts(
  ctx: TerminalContext,
  signal: AbortSignal,
  data: Omit<TransactionReceiptData, 'merchant' | 'currency'>,
  /** The title over the tear-off prompt: the flow's own (撤销, 退货); the sale's when absent. */
  title: MessageKey = 'sale.title',
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
  const printed = (ticket: { done: Promise<unknown> }) => Promise.race([ticket.done, untilAborted(signal)]);
  await printed(printer.submit(copies.merchant));
  show(ctx, messageScreen(layout(ctx), title, [t(ctx.lang, 'sale.tearOff'), t(ctx.lang, 'sale.customerCopy')]));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.messageMs * 5, timeoutName: 'tearOffTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
  show(ctx, messageScreen(layout(ctx), title, ['', t(ctx.lang, 'sale.printing')]));
  await printed(printer.submit(copies.customer));
}
