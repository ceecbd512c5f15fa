import { CardError } from '../emv/errors.js';
import type { KernelResult } from '../emv/kernel-result.js';
import { runContactlessTransaction } from '../emv/contactless-kernel.js';
import { newTransaction } from '../emv/terminal-data.js';
import { TimeoutError } from '../errors.js';
import type { KeyName } from '../hal/keypad/keys.js';
import { CardRemovedError, type CardSession } from '../hal/reader.js';
import type { CardRead } from '../host/messages.js';
import { toHex } from '../hex.js';
import type { TerminalContext } from '../runtime/context.js';
import { cancellable, nextKey } from '../runtime/prompt.js';
import { untilAborted, withTimeout } from '../runtime/timeout.js';
import { sessionMacKeys } from './online-keys.js';
import { authoriseOnline, type OnlineOutcome } from './online.js';
import { enterPin } from './pin-entry.js';
import { printTransactionReceipts } from './receipts.js';
import { declineText } from '../ui/decline.js';
import { t, type MessageKey } from '../ui/messages.js';
import { messageScreen, presentCardScreen } from '../ui/screens.js';
import { wrap } from '../ui/text.js';
import { enterAmount } from './amount.js';
import { layout, show } from './layout.js';

export type SaleOutcome =
  | { kind: 'approved'; amount: number; stan: number }
  | { kind: 'declined'; amount: number; responseCode: string }
  | { kind: 'not-completed'; amount: number; why: string };

/** Shows a result until a key or messageMs; the key is consumed. */
async function result(ctx: TerminalContext, signal: AbortSignal, lines: string[]): Promise<void> {
  show(ctx, messageScreen(layout(ctx), 'sale.title', lines));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.messageMs, timeoutName: 'messageTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
}

const say = (ctx: TerminalContext, key: MessageKey, params?: Record<string, string>) => t(ctx.lang, key, params);

/** Tag 57 as field 35 carries it: the hex digits, D written as '=', the F pad removed. */
function track2Text(tag57: Uint8Array | undefined): string | undefined {
  if (!tag57) return undefined;
  return toHex(tag57).replace('D', '=').replace(/F$/, '');
}

/** The application label as a receipt may print it: printable ASCII, at most 16 characters. */
function receiptLabel(label: string | undefined): string | undefined {
  const clean = (label ?? '').replace(/[^\x20-\x7e]/g, '').trim().slice(0, 16).trim();
  return clean || undefined;
}

/** The card brand a receipt prints, from the application's RID (ISO/IEC 7816-5). */
export function brandOf(aid: Uint8Array | undefined): string {
  const rid = aid ? toHex(aid.subarray(0, 5)) : '';
  return (
    { A000000003: 'VISA', A000000004: 'MASTERCARD', A000000333: 'UNIONPAY', A000000025: 'AMEX', A000000065: 'JCB' } as Record<string, string>
  )[rid] ?? 'CARD';
}

/**
 * Waits for a card on the reader until it answers, CANCEL, or presentCardTimeout. Without a
 * reader fitted, only CANCEL or the timeout end the wait.
 */
async function waitForCard(ctx: TerminalContext, signal: AbortSignal): Promise<CardSession> {
  return cancellable(ctx, signal, async (s) => {
    const waitCard = withTimeout(ctx.clock, s, ctx.settings.timeouts.presentCardMs, 'presentCardTimeout');
    if (!ctx.reader) return untilAborted(waitCard);
    return ctx.reader.poll({ signal: waitCard });
  });
}

/**
 * A sale, as DESIGN.md draws it: the amount; "tap / insert / swipe"; the contactless kernel
 * on the card's session (the card may leave once it is read); online PIN when the card asks
 * for it, straight into an encrypted PIN block; the online authorisation (the journal
 * record durable before the request leaves; no answer means a reversal); the result in
 * words; the merchant copy, a prompt to tear it off, the customer copy.
 *
 * Not yet: inserted and swiped cards (issue 4's contact and magstripe readers), a PIN retry
 * after 55 (the sale ends; the cardholder starts again), offline approvals (the default
 * configuration sends every sale online).
 */
export async function sale(ctx: TerminalContext, signal: AbortSignal, firstKey?: KeyName): Promise<SaleOutcome> {
  const amount = await enterAmount(ctx, signal, firstKey);
  const { currency } = ctx.settings;
  ctx.log.info({ event: 'sale.amount', amount, currency }, 'sale amount entered');
  show(ctx, presentCardScreen(layout(ctx), amount, currency, ctx.reader !== null));
  ctx.indicators?.ready();
  const session = await waitForCard(ctx, signal);

  const payments = ctx.payments;
  if (!payments) {
    // A terminal without a host: the card is seen and the screen says the rest is missing.
    await session.release();
    ctx.log.info({ event: 'sale.cardSeen', amount }, 'card presented; no payment services configured');
    ctx.indicators?.success();
    await result(ctx, signal, [say(ctx, 'card.read'), say(ctx, 'card.nextSoon')]);
    return { kind: 'not-completed', amount, why: 'no payment services' };
  }

  ctx.indicators?.processing();
  show(ctx, messageScreen(layout(ctx), 'sale.title', ['', say(ctx, 'sale.processing')]));
  const txn = newTransaction({ amount, time: new Date(ctx.clock.now()) });
  let card: KernelResult;
  try {
    card = await runContactlessTransaction({ transmit: (apdu) => session.transmit(apdu, signal), config: payments.emv, transaction: txn, signal });
  } catch (e) {
    if (signal.aborted) throw e;
    const removed = e instanceof CardRemovedError;
    if (!(e instanceof CardError) && !removed) throw e;
    ctx.log.warn({ event: 'sale.cardFault', code: (e as CardError).code, reason: (e as Error).message }, 'card session failed');
    ctx.indicators?.error();
    await result(ctx, signal, ['', say(ctx, removed ? 'sale.cardRemoved' : 'sale.cardError')]);
    return { kind: 'not-completed', amount, why: removed ? 'card removed' : 'card error' };
  } finally {
    await session.release().catch(() => {});
  }
  ctx.log.info({ event: 'sale.kernel', outcome: card.outcome, reason: card.reason, kernel: card.kernel, cvm: card.cvm, maskedPan: card.maskedPan }, 'card read');

  try {
    if (card.outcome !== 'online-request' || !card.sensitive) {
      ctx.indicators?.error();
      const key: MessageKey = card.outcome === 'try-another-interface' ? 'sale.otherInterface' : card.outcome === 'declined' ? 'sale.declined' : 'sale.notAccepted';
      await result(ctx, signal, ['', say(ctx, key, { code: '' }).trim()]);
      return card.outcome === 'declined' ? { kind: 'declined', amount, responseCode: 'Z1' } : { kind: 'not-completed', amount, why: card.outcome };
    }
    ctx.indicators?.success();

    if (!(await payments.keyStore.hasKeys())) {
      await result(ctx, signal, ['', say(ctx, 'sale.noKeys')]);
      return { kind: 'not-completed', amount, why: 'no DUKPT keys' };
    }
    // One DUKPT transaction for the PIN block and the request's MAC: the host opens the
    // PIN with the KSN of field 53 (docs/host-spec.md 6.10).
    const dukpt = payments.keyStore.session();
    let outcome: OnlineOutcome;
    try {
      let pinBlock: Uint8Array | undefined;
      if (card.cvm === 'online-pin') {
        const pin = await enterPin(ctx, signal, { pan: card.sensitive.pan, amount, currency, pinBlockFormat: 0, encrypt: dukpt.encryptPin });
        if (pin.kind === 'pin') pinBlock = pin.pinBlock;
      }
      const read: CardRead = {
        pan: card.sensitive.pan,
        entryMode: 'contactless-chip',
        expiry: card.expiry,
        panSequence: card.panSequence === undefined ? undefined : Number(card.panSequence),
        track2: track2Text(card.sensitive.track2),
        icc: card.iccData,
      };
      show(ctx, messageScreen(layout(ctx), 'sale.title', ['', say(ctx, 'sale.online')]));
      outcome = await authoriseOnline(payments.online, {
        kind: 'sale',
        amount,
        currency,
        card: read,
        pinBlock,
        keys: pinBlock ? await sessionMacKeys(dukpt) : undefined,
        signal,
      });
    } finally {
      dukpt.wipe();
    }
    return await announce(ctx, signal, amount, card, outcome);
  } finally {
    card.sensitive?.wipe();
  }
}

/** The online outcome on screen and, for an approval, on paper. */
async function announce(ctx: TerminalContext, signal: AbortSignal, amount: number, card: KernelResult, out: OnlineOutcome): Promise<SaleOutcome> {
  const cols = ctx.screen.columns;
  switch (out.kind) {
    case 'approved': {
      ctx.log.info({ event: 'sale.approved', stan: out.stan, amount, rrn: out.rrn }, 'sale approved');
      show(ctx, messageScreen(layout(ctx), 'sale.title', [say(ctx, 'sale.approved'), say(ctx, 'sale.authCode', { code: out.authCode }), say(ctx, 'sale.printing')]));
      // The sale stands whatever the printer does: a receipt that cannot be made is logged
      // and said on screen (a reprint from the journal will make it), never a fault.
      try {
        await printTransactionReceipts(ctx, signal, {
        kind: 'sale',
        maskedPan: out.record.maskedPan ?? card.maskedPan ?? '',
        cardBrand: brandOf(card.aid),
        entryMode: 'contactless',
        batch: String(out.record.batch).padStart(6, '0'),
        trace: out.record.stan,
        authCode: out.authCode,
        rrn: out.rrn,
        time: ctx.clock.now(),
        amount,
        chip: {
          aid: card.aid ? toHex(card.aid) : '',
          ...(receiptLabel(card.label) ? { appLabel: receiptLabel(card.label) } : {}),
          ...(card.cryptogram ? { tc: toHex(card.cryptogram.value) } : {}),
          tvr: toHex(card.tvr),
          tsi: toHex(card.tsi),
        },
        cvm: card.cvm === 'online-pin' ? 'online-pin' : card.cvm === 'signature' ? 'signature' : card.cvm === 'cdcvm' ? 'cdcvm' : 'none',
        });
      } catch (e) {
        if (signal.aborted) throw e;
        ctx.log.error({ event: 'sale.receiptFailed', stan: out.stan, err: e }, 'the approved sale has no receipt');
        await result(ctx, signal, [say(ctx, 'sale.approved'), say(ctx, 'sale.noReceipt')]);
      }
      return { kind: 'approved', amount, stan: out.stan };
    }
    case 'declined':
      ctx.log.info({ event: 'sale.declined', stan: out.stan, code: out.responseCode }, 'sale declined');
      ctx.indicators?.error();
      await result(ctx, signal, [say(ctx, 'sale.declined', { code: out.responseCode }), ...wrap(declineText(ctx.lang, out.responseCode, out.text), cols).slice(0, 2)]);
      return { kind: 'declined', amount, responseCode: out.responseCode };
    case 'no-response':
      ctx.log.warn({ event: 'sale.noResponse', stan: out.stan, reason: out.reason, reversal: out.reversal }, 'no answer: the sale is reversed');
      ctx.indicators?.error();
      await result(ctx, signal, [say(ctx, 'sale.noResponse'), say(ctx, out.reversal === 'reversed' ? 'sale.reversed' : 'sale.reversalPending')]);
      return { kind: 'not-completed', amount, why: `no response (${out.reason})` };
    case 'not-sent':
      ctx.log.warn({ event: 'sale.notSent', code: out.error.code }, 'the request could not be sent');
      ctx.indicators?.error();
      await result(ctx, signal, ['', say(ctx, 'sale.notSent')]);
      return { kind: 'not-completed', amount, why: 'not sent' };
  }
}

