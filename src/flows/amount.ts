import { isDigitKey, type KeyName } from '../hal/keypad/keys.js';
import { formatAmount } from '../money.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { t } from '../ui/messages.js';
import { amountScreen } from '../ui/screens.js';
import { layout, show } from './layout.js';

/**
 * Amount entry, in minor units of the configured currency: digits shift in from the right
 * (1 2 3 4 shows 12.34), CLEAR takes the last digit back, ENTER accepts a non-zero amount,
 * CANCEL or amountEntryTimeout ends the sale. A digit that would pass the merchant's
 * maximum is refused with the alert tone and the maximum shown.
 */
export async function enterAmount(ctx: TerminalContext, signal: AbortSignal, firstKey?: KeyName): Promise<number> {
  const { currency, maxAmount, timeouts } = ctx.settings;
  let amount = 0;
  let note: string | undefined;
  let pending: KeyName | undefined = firstKey;
  for (;;) {
    show(ctx, amountScreen(layout(ctx), amount, currency, note));
    note = undefined;
    const key = pending ?? (await nextKey(ctx, { signal, timeoutMs: timeouts.amountEntryMs, timeoutName: 'amountEntryTimeout' }));
    pending = undefined;
    if (isDigitKey(key)) {
      const next = amount * 10 + Number(key);
      if (next > maxAmount) {
        note = t(ctx.lang, 'amount.max', { amount: formatAmount(maxAmount, currency) });
        ctx.indicators?.error();
      } else {
        amount = next;
      }
    } else if (key === 'CLEAR') {
      amount = Math.floor(amount / 10);
    } else if (key === 'ENTER') {
      if (amount > 0) return amount;
      note = t(ctx.lang, 'amount.zero');
    }
  }
}
