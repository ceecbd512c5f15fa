/**
 * 退货: the refund of a settled sale, full or partial (docs/host-spec.md section 4: a 0200
 * with processing code 200000, checked online against the sale found by its RRN and date).
 *
 *   supervisor password (settings.refundPolicy.supervisorRequired) -> the sale: by its trace
 *   number from the journal, or by its reference number (12 digits) and date (MMDD) as the
 *   receipt shows them -> checks (not voided, settled, within the window, something left) ->
 *   the amount (ENTER alone: all that is left) -> the fee and the day's cap -> the sums shown
 *   (original, already refunded, this refund, fee, net), ENTER -> the card (the step passed
 *   in, or the journal's sealed PAN) -> online -> result, refund receipt.
 *
 * The card is credited the net (refund less the handling fee); refunds of one sale never add
 * up to more than it: checked here against the journal before the request leaves, and by the
 * host (13). A sale the journal does not hold (a receipt of another terminal) needs the card
 * read, and the host alone knows what is left of it.
 */
import { formatAmount } from '../money.js';
import type { TerminalContext } from '../runtime/context.js';
import type { JournalRecord } from '../store/journal.js';
import { t, type MessageKey } from '../ui/messages.js';
import { detailScreen, entryScreen, messageScreen, moneyRow } from '../ui/screens.js';
import { spread } from '../ui/text.js';
import { isDigitKey } from '../hal/keypad/keys.js';
import { nextKey } from '../runtime/prompt.js';
import { choose } from './choose.js';
import { keyNumber } from './keyed-digits.js';
import { layout, show } from './layout.js';
import { checkRefundDailyCap, refusalLines } from './limits.js';
import { authoriseOnline, unsealCard } from './online.js';
import type { OperatorsContext } from './operators.js';
import { calendarDay, dayOfMonthDay, refundable, refundSums, withinWindow, type RefundSums } from './refund-policy.js';
import { isSaleCard, type CardAgain, type ReturnOptions } from './return-card.js';
import { refundCheck, refundedSoFar, saleByRrn, saleByTrace } from './return-lookup.js';
import { finishOnline, refuse, type ReturnOutcome } from './return-result.js';
import { brandOf } from './sale.js';
import { confirmSale, entryOfSale, NO_CARD, receiptMonthDay } from './sale-confirm.js';
import { keyTrace, supervisorFor } from './return-steps.js';
import type { CardRead } from '../host/messages.js';

const TITLE: MessageKey = 'refund.title';

export interface RefundOptions extends ReturnOptions {
  /** The sale, already found (a void of a settled sale goes on to its refund). */
  original?: JournalRecord;
  /** The supervisor's password was given in this flow already. */
  supervisorChecked?: boolean;
}

/** The sale a refund concerns: in the journal, or known only by its receipt's RRN and date. */
type Original = { kind: 'journal'; sale: JournalRecord } | { kind: 'receipt'; rrn: string; mmdd: string };

const entryTimeout = (ctx: TerminalContext) => ({ timeoutName: 'refundEntryTimeout', timeoutMs: ctx.settings.timeouts.amountEntryMs });

/** The reference number and the date of the receipt; a date that does not exist is asked again. */
async function keyReceipt(ctx: TerminalContext, signal: AbortSignal): Promise<{ rrn: string; mmdd: string }> {
  const rrn = await keyNumber(ctx, signal, { title: TITLE, prompt: 'refund.rrn', min: 12, max: 12, hint: t(ctx.lang, 'refund.badRrn'), ...entryTimeout(ctx) });
  let note: string | undefined;
  for (;;) {
    const mmdd = await keyNumber(ctx, signal, { title: TITLE, prompt: 'refund.date', min: 4, max: 4, ...(note ? { note } : {}), ...entryTimeout(ctx) });
    if (dayOfMonthDay(mmdd, calendarDay(ctx.clock.now(), ctx.settings.timeZone))) return { rrn, mmdd };
    ctx.indicators?.error();
    note = t(ctx.lang, 'refund.badDate');
  }
}

async function findOriginal(ctx: TerminalContext, signal: AbortSignal, journal: NonNullable<TerminalContext['payments']>['online']['journal']): Promise<Original | null> {
  const l = layout(ctx);
  const how = await choose(ctx, signal, detailScreen(l, t(l.lang, TITLE), [t(l.lang, 'refund.byTrace'), t(l.lang, 'refund.byRrn')]), ['1', '2'], 'menuTimeout');
  if (how === '1') {
    const sale = saleByTrace(journal, await keyTrace(ctx, signal, TITLE));
    return sale ? { kind: 'journal', sale } : null;
  }
  const receipt = await keyReceipt(ctx, signal);
  const sale = saleByRrn(journal, receipt.rrn, receipt.mmdd);
  return sale ? { kind: 'journal', sale } : { kind: 'receipt', ...receipt };
}

/**
 * The refund's amount, in minor units: digits shift in from the right, CLEAR takes one back;
 * ENTER on nothing takes `full` when given; a digit that would pass `max` is refused with the
 * maximum shown. CANCEL, or no key for amountEntryMs (refundAmountTimeout), ends the flow.
 */
async function keyRefundAmount(ctx: TerminalContext, signal: AbortSignal, max: number, full: number | null): Promise<number> {
  const { currency } = ctx.settings;
  const l = layout(ctx);
  let amount = 0;
  let note: string | undefined;
  for (;;) {
    const hint = t(l.lang, full !== null ? 'refund.fullHint' : 'amount.hint');
    show(ctx, entryScreen(l, TITLE, t(l.lang, 'refund.amount'), `${currency} ${formatAmount(amount, currency)}`, note ?? hint));
    note = undefined;
    const key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.amountEntryMs, timeoutName: 'refundAmountTimeout' });
    if (isDigitKey(key)) {
      const next = amount * 10 + Number(key);
      if (next > max) {
        ctx.indicators?.error();
        note = t(l.lang, 'amount.max', { amount: formatAmount(max, currency) });
      } else amount = next;
    } else if (key === 'CLEAR') amount = Math.floor(amount / 10);
    else if (key === 'ENTER') {
      if (amount > 0) return amount;
      if (full !== null) return full;
      note = t(l.lang, 'amount.zero');
    }
  }
}

/**
 * The sums, a page at a time under the title (page n/m): ENTER turns the page and, on the
 * last, confirms; UP or CLEAR turns back; CANCEL ends the flow.
 */
async function confirmSums(ctx: TerminalContext, signal: AbortSignal, sums: RefundSums): Promise<void> {
  const l = layout(ctx);
  const { currency } = ctx.settings;
  const rows = [
    ...(sums.original !== null ? [moneyRow(l, 'refund.original', sums.original, currency), moneyRow(l, 'refund.already', sums.already, currency)] : []),
    moneyRow(l, 'refund.this', sums.refund, currency),
    moneyRow(l, 'refund.fee', sums.fee, currency),
    moneyRow(l, 'refund.net', sums.net, currency),
    t(l.lang, 'refund.confirm'),
  ];
  const per = Math.max(1, l.rows - 1);
  const pages = Math.ceil(rows.length / per);
  let page = 0;
  for (;;) {
    const view = detailScreen(l, spread(t(l.lang, TITLE), `${page + 1}/${pages}`, l.columns), rows.slice(page * per, (page + 1) * per));
    const key = await choose(ctx, signal, view, ['ENTER', 'UP', 'CLEAR'], 'confirmTimeout');
    if (key === 'ENTER') {
      if (page === pages - 1) return;
      page++;
    } else page = Math.max(0, page - 1);
  }
}

export async function refundSale(ctx: OperatorsContext, signal: AbortSignal, options: RefundOptions = {}): Promise<ReturnOutcome> {
  const say = (key: MessageKey) => t(ctx.lang, key);
  const no = (reason: string, key: MessageKey) => refuse(ctx, signal, TITLE, reason, ['', say(key)]);
  const payments = ctx.payments;
  if (!payments) return no('no-payments', 'return.noPayments');
  const policy = ctx.settings.refundPolicy;
  if (policy.supervisorRequired && !options.supervisorChecked) {
    const denied = await supervisorFor(ctx, signal, TITLE);
    if (denied) return denied;
  }
  const journal = payments.online.journal;
  const original: Original | null = options.original ? { kind: 'journal', sale: options.original } : await findOriginal(ctx, signal, journal);
  if (!original) return no('not-found', 'return.notFound');
  const today = calendarDay(ctx.clock.now(), ctx.settings.timeZone);
  const o = original.kind === 'journal' ? original.sale : null;
  // field 37 and the date of field 61: the journal's (an approved sale always has its RRN), or the receipt's.
  const ref = original.kind === 'journal' ? { rrn: original.sale.rrn ?? '', mmdd: original.sale.localDate } : { rrn: original.rrn, mmdd: original.mmdd };

  // What is left to refund, as far as this terminal knows; the host checks again.
  let left: number | null = null;
  let already = 0;
  if (original.kind === 'journal') {
    const sale = original.sale;
    switch (refundCheck(sale, journal.batch)) {
      case 'voided':
        return no('already-voided', 'return.voided');
      case 'not-approved':
        return no('not-approved', 'return.notApproved');
      case 'not-settled':
        return no('not-settled', 'refund.notSettled');
      case 'ok':
        break;
    }
    if (!withinWindow(calendarDay(Date.parse(sale.time), ctx.settings.timeZone), today, policy.windowDays)) return no('too-old', 'refund.tooOld');
    already = refundedSoFar(journal, sale);
    left = refundable(sale.amount, already);
    if (left === 0) return no('fully-refunded', 'refund.fullyRefunded');
    await confirmSale(ctx, signal, TITLE, sale);
  } else {
    if (!options.readCard) return no('card-step-missing', 'return.cardStepMissing');
    const sold = dayOfMonthDay(original.mmdd, today);
    if (!sold || !withinWindow(sold, today, policy.windowDays)) return no('too-old', 'refund.tooOld');
  }

  const amount = await keyRefundAmount(ctx, signal, left ?? ctx.settings.maxAmount, left);
  const sums = refundSums(original.kind === 'journal' ? original.sale.amount : null, already, amount, policy);
  if (sums.net <= 0) return no('fee-too-high', 'refund.feeTooHigh');
  const cap = checkRefundDailyCap(ctx, sums.net);
  if (cap.kind === 'refused') return refuse(ctx, signal, TITLE, 'over-daily-cap', refusalLines(ctx, cap));
  await confirmSums(ctx, signal, sums);

  let card: CardAgain | undefined;
  let read: CardRead | undefined;
  if (options.readCard) {
    card = await options.readCard(ctx, signal, { kind: 'refund', amount: sums.net });
    if (original.kind === 'journal' && !isSaleCard(payments.online.secrets, card, original.sale)) {
      card.wipe();
      return no('card-mismatch', 'return.cardMismatch');
    }
    read = card.read;
  } else if (original.kind === 'journal') {
    const sealed = unsealCard(payments.online.secrets, original.sale);
    if (sealed) read = { pan: sealed.pan, entryMode: 'unknown', ...(sealed.expiry ? { expiry: sealed.expiry } : {}) };
  }
  try {
    if (!read) return await no('card-step-missing', 'return.cardStepMissing');
    if (original.kind === 'journal') {
      // Again just before the request leaves: the journal, not the screen, is the authority.
      const taken = refundedSoFar(journal, original.sale);
      if (taken + sums.refund > original.sale.amount) return await no('over-refundable', 'refund.overSale');
    }
    ctx.indicators?.processing();
    show(ctx, messageScreen(layout(ctx), TITLE, ['', say('sale.online')]));
    const out = await authoriseOnline(payments.online, {
      kind: 'refund',
      amount: sums.net,
      currency: ctx.settings.currency,
      card: read,
      original: {
        rrn: ref.rrn,
        date: { month: Number(ref.mmdd.slice(0, 2)), day: Number(ref.mmdd.slice(2, 4)) },
        ...(o ? { batch: o.batch, stan: Number(o.stan) } : {}),
      },
      signal,
    });
    if (out.kind === 'approved' && o) await journal.advance(o.id, { status: 'refunded' });
    return await finishOnline(ctx, signal, TITLE, out, (ok) => {
      const maskedPan = ok.record.maskedPan ?? o?.maskedPan ?? NO_CARD;
      return {
        kind: 'refund',
        maskedPan,
        cardBrand: card?.brand ?? brandOf(undefined, maskedPan),
        entryMode: card?.entry ?? entryOfSale(o ?? undefined),
        batch: String(ok.record.batch).padStart(6, '0'),
        trace: ok.record.stan,
        authCode: ok.authCode,
        rrn: ok.rrn,
        time: ctx.clock.now(),
        amount: sums.net,
        original: { ...(o ? { trace: o.stan } : {}), rrn: ref.rrn, date: receiptMonthDay(ref.mmdd) },
        cvm: 'none',
      };
    });
  } finally {
    card?.wipe();
  }
}
