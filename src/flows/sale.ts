import type { KeyName } from '../hal/keypad/keys.js';
import type { TerminalContext } from '../runtime/context.js';
import { TimeoutError } from '../errors.js';
import { cancellable, nextKey } from '../runtime/prompt.js';
import { untilAborted, withTimeout } from '../runtime/timeout.js';
import { t } from '../ui/messages.js';
import { messageScreen, presentCardScreen } from '../ui/screens.js';
import { enterAmount } from './amount.js';
import { layout, show } from './layout.js';

export interface SaleOutcome {
  amount: number;
  /** A card was presented; what follows it (kernel, PIN, host) is not built yet. */
  cardSeen: boolean;
}

/**
 * A sale as far as the terminal can take it today: the amount, then the request to tap,
 * insert or swipe, waiting on the card reader (when one is fitted) until a card comes,
 * CANCEL is pressed or presentCardTimeout runs out. The card, PIN, host and receipt steps
 * arrive with the devices, EMV, security, host, printer and flows issues.
 */
export async function sale(ctx: TerminalContext, signal: AbortSignal, firstKey?: KeyName): Promise<SaleOutcome> {
  const amount = await enterAmount(ctx, signal, firstKey);
  ctx.log.info({ event: 'sale.amount', amount, currency: ctx.settings.currency }, 'sale amount entered');
  show(ctx, presentCardScreen(layout(ctx), amount, ctx.settings.currency, ctx.reader !== null));
  ctx.indicators?.ready();
  await cancellable(ctx, signal, async (s) => {
    const waitCard = withTimeout(ctx.clock, s, ctx.settings.timeouts.presentCardMs, 'presentCardTimeout');
    if (!ctx.reader) return untilAborted(waitCard);
    const card = await ctx.reader.poll({ signal: waitCard });
    await card.release();
  });
  // The card answered; the EMV kernel, PIN, host and receipt are not built yet, and the
  // screen says so rather than pretend.
  ctx.log.info({ event: 'sale.cardSeen', amount }, 'card presented; the rest of the sale is not built yet');
  ctx.indicators?.success();
  show(ctx, messageScreen(layout(ctx), 'sale.title', [t(ctx.lang, 'card.read'), t(ctx.lang, 'card.nextSoon')]));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.messageMs, timeoutName: 'messageTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
  return { amount, cardSeen: true };
}
