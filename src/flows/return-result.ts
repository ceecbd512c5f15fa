import type { TransactionReceiptData } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import { declineText } from '../ui/decline.js';
import { t, type MessageKey } from '../ui/messages.js';
import { messageScreen } from '../ui/screens.js';
import { wrap } from '../ui/text.js';
import { layout, show } from './layout.js';
import type { ApprovedOutcome, OnlineOutcome } from './online.js';
import { printTransactionReceipts } from './receipts.js';
import { showMessage } from './show-message.js';

/** How a void or a refund ended. Expected ends are values; CANCEL and timeouts are thrown. */
export type ReturnOutcome =
  | { kind: 'approved'; stan: number; amount: number }
  | { kind: 'declined'; responseCode: string }
  | { kind: 'not-completed'; why: string }
  /** Refused before anything was sent; `reason` names the rule (already-voided, over-refundable...). */
  | { kind: 'refused'; reason: string };

/** A refusal before anything went online: said on screen, then the outcome. */
export async function refuse(ctx: TerminalContext, signal: AbortSignal, title: MessageKey, reason: string, lines: string[]): Promise<ReturnOutcome> {
  ctx.log.info({ event: 'return.refused', flow: title, reason }, 'refused before going online');
  ctx.indicators?.error();
  await showMessage(ctx, signal, title, lines);
  return { kind: 'refused', reason };
}

type ReceiptOf = (out: ApprovedOutcome) => Omit<TransactionReceiptData, 'merchant' | 'currency'>;

/**
 * The host's answer to a void or refund on screen and, for an approval, on paper (merchant
 * copy, tear off, cardholder copy). The transaction stands whatever the printer does: a
 * receipt that cannot be made is logged and said (the journal can reprint it).
 */
export async function finishOnline(ctx: TerminalContext, signal: AbortSignal, title: MessageKey, out: OnlineOutcome, receipt: ReceiptOf): Promise<ReturnOutcome> {
  const say = (key: MessageKey, params?: Record<string, string>) => t(ctx.lang, key, params);
  switch (out.kind) {
    case 'approved': {
      ctx.log.info({ event: 'return.approved', flow: title, stan: out.stan, amount: out.record.amount, rrn: out.rrn }, 'approved');
      ctx.indicators?.success();
      show(ctx, messageScreen(layout(ctx), title, [say('sale.approved'), say('sale.authCode', { code: out.authCode }), say('sale.printing')]));
      try {
        await printTransactionReceipts(ctx, signal, receipt(out), title, out.id);
      } catch (e) {
        if (signal.aborted) throw e;
        ctx.log.error({ event: 'return.receiptFailed', flow: title, stan: out.stan, err: e }, 'approved; no receipt');
        await showMessage(ctx, signal, title, [say('sale.approved'), say('sale.noReceipt')]);
      }
      return { kind: 'approved', stan: out.stan, amount: out.record.amount };
    }
    case 'declined':
      ctx.log.info({ event: 'return.declined', flow: title, stan: out.stan, code: out.responseCode }, 'declined');
      ctx.indicators?.error();
      await showMessage(ctx, signal, title, [say('sale.declined', { code: out.responseCode }), ...wrap(declineText(ctx.lang, out.responseCode, out.text), ctx.screen.columns).slice(0, 2)]);
      return { kind: 'declined', responseCode: out.responseCode };
    case 'no-response':
      ctx.log.warn({ event: 'return.noResponse', flow: title, stan: out.stan, reason: out.reason, reversal: out.reversal }, 'no answer: reversed');
      ctx.indicators?.error();
      await showMessage(ctx, signal, title, [say('sale.noResponse'), say(out.reversal === 'reversed' ? 'return.reversed' : 'sale.reversalPending')]);
      return { kind: 'not-completed', why: `no response (${out.reason})` };
    case 'not-sent':
      ctx.log.warn({ event: 'return.notSent', flow: title, code: out.error.code }, 'not sent');
      ctx.indicators?.error();
      await showMessage(ctx, signal, title, ['', say('sale.notSent')]);
      return { kind: 'not-completed', why: 'not sent' };
  }
}
