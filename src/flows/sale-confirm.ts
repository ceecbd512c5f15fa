import type { EntryMode } from '../host/spec.js';
import { formatAmount } from '../money.js';
import type { CardEntryMode } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import type { JournalRecord } from '../store/journal.js';
import { t, type MessageKey } from '../ui/messages.js';
import { confirmScreen, formatDateTime } from '../ui/screens.js';
import { alignRight } from '../ui/text.js';
import { choose } from './choose.js';
import { layout } from './layout.js';

/** What a receipt prints when the journal holds no masked number (it always should). */
export const NO_CARD = '********';

/**
 * The sale a void or refund concerns, for the merchant to check before it goes on: its
 * amount, the masked card and when it was made. ENTER goes on; CANCEL ends the flow
 * (CancelledError); no key for menuMs: TimeoutError('confirmTimeout').
 */
export async function confirmSale(ctx: TerminalContext, signal: AbortSignal, title: MessageKey, sale: JournalRecord): Promise<void> {
  const l = layout(ctx);
  const when = Date.parse(sale.time);
  await choose(
    ctx,
    signal,
    confirmScreen(l, t(l.lang, title), t(l.lang, 'return.ok'), [
      alignRight(`${sale.currency} ${formatAmount(sale.amount, sale.currency)}`, l.columns),
      sale.maskedPan ?? NO_CARD,
      Number.isFinite(when) ? formatDateTime(when, ctx.settings.timeZone) : sale.localDate,
    ]),
    ['ENTER'],
    'confirmTimeout',
  );
}

const ENTRY: Record<EntryMode, CardEntryMode | null> = {
  unknown: null,
  manual: 'manual',
  'contact-chip': 'chip',
  'contactless-chip': 'contactless',
  'contactless-magstripe': 'contactless',
  fallback: 'fallback',
  magstripe: 'magstripe',
};

/**
 * How a receipt of a void or refund sent from the journal names the card's entry: the way
 * the sale read it (no card was read this time); 'manual' when unknown.
 */
export function entryOfSale(sale: JournalRecord | undefined): CardEntryMode {
  const mode = sale?.entryMode;
  return (mode && Object.hasOwn(ENTRY, mode) ? ENTRY[mode as EntryMode] : null) ?? 'manual';
}

/** MMDD as a receipt prints the original's date: 01/15. */
export function receiptMonthDay(mmdd: string): string {
  return `${mmdd.slice(0, 2)}/${mmdd.slice(2, 4)}`;
}
