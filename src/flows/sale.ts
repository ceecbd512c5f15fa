import { runContactTransaction, type ContactResult } from '../emv/contact-kernel.js';
import { runContactlessTransaction } from '../emv/contactless-kernel.js';
import { CardError, TrackError } from '../emv/errors.js';
import type { KernelResult } from '../emv/kernel-result.js';
import type { OfflinePinPrompt } from '../emv/offline-pin.js';
import type { SensitiveCardData } from '../emv/sensitive-card-data.js';
import { readSwipedCard } from '../emv/swiped-card.js';
import { newTransaction, TransactionType } from '../emv/terminal-data.js';
import { DeviceError, TimeoutError } from '../errors.js';
import type { ContactCardSession } from '../hal/contact-reader.js';
import type { KeyName } from '../hal/keypad/keys.js';
import { SwipeError, type MagstripeSwipe } from '../hal/magstripe/index.js';
import { CardRemovedError, type CardSession } from '../hal/reader.js';
import type { CardRead } from '../host/messages.js';
import type { EntryMode } from '../host/spec.js';
import { toHex } from '../hex.js';
import type { CardEntryMode, ChipData, Cvm } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import { cancellable, nextKey } from '../runtime/prompt.js';
import { untilAborted, withTimeout } from '../runtime/timeout.js';
import type { DukptSession } from '../security/dukpt-pin.js';
import { declineText } from '../ui/decline.js';
import { t, type MessageKey } from '../ui/messages.js';
import { messageScreen, presentCardScreen } from '../ui/screens.js';
import { wrap } from '../ui/text.js';
import { enterAmount } from './amount.js';
import { layout, show } from './layout.js';
import { checkDailyLimit, refusalLines } from './limits.js';
import { sessionMacKeys } from './online-keys.js';
import { authoriseOnline, completeApproved, reverseApproved, type ApprovedOutcome, type DeclinedOutcome, type OnlineOutcome } from './online.js';
import { enterPin } from './pin-entry.js';
import { keepChip } from './receipt-chip.js';
import { printTransactionReceipts } from './receipts.js';
import type { ReadCardAgain } from './return-card.js';

export type SaleOutcome =
  | { kind: 'approved'; amount: number; stan: number }
  | { kind: 'declined'; amount: number; responseCode: string }
  | { kind: 'not-completed'; amount: number; why: string };

type Presented = { via: 'tap'; session: CardSession } | { via: 'insert'; session: ContactCardSession } | { via: 'swipe'; swipe: MagstripeSwipe };
type Accept = { tap: boolean; insert: boolean; swipe: boolean };

/** What a card read by any interface gives the online step and the receipt. */
interface CardForSale {
  read: CardRead;
  maskedPan: string;
  brand: string;
  entry: CardEntryMode;
  cvm: Cvm;
  chip?: ChipData;
}

const say = (ctx: TerminalContext, key: MessageKey, params?: Record<string, string>) => t(ctx.lang, key, params);

/** Shows a result until a key or messageMs; the key is consumed. */
async function result(ctx: TerminalContext, signal: AbortSignal, lines: string[]): Promise<void> {
  show(ctx, messageScreen(layout(ctx), 'sale.title', lines));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.messageMs, timeoutName: 'messageTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
}

/** Tag 57 as field 35 carries it: the hex digits, D written as '=', the F pad removed. */
function track2Text(tag57: Uint8Array | undefined): string | undefined {
  if (!tag57) return undefined;
  return toHex(tag57).replace('D', '=').replace(/F$/, '');
}

/** The card brand a receipt prints, from the application's RID (ISO/IEC 7816-5) or the PAN's first digit. */
export function brandOf(aid: Uint8Array | undefined, maskedPan = ''): string {
  const rid = aid ? toHex(aid.subarray(0, 5)) : '';
  const byRid = ({ A000000003: 'VISA', A000000004: 'MASTERCARD', A000000333: 'UNIONPAY', A000000025: 'AMEX', A000000065: 'JCB' } as Record<string, string>)[rid];
  if (byRid) return byRid;
  return ({ '4': 'VISA', '5': 'MASTERCARD', '6': 'UNIONPAY', '3': 'AMEX' } as Record<string, string>)[maskedPan[0] ?? ''] ?? 'CARD';
}

/** The application label as a receipt may print it: printable ASCII, at most 16 characters. */
function receiptLabel(label: string | undefined): string | undefined {
  const clean = (label ?? '').replace(/[^\x20-\x7e]/g, '').trim().slice(0, 16).trim();
  return clean || undefined;
}

function chipData(card: KernelResult): ChipData {
  const label = receiptLabel(card.label);
  return {
    aid: card.aid ? toHex(card.aid) : '',
    ...(label ? { appLabel: label } : {}),
    ...(card.cryptogram ? { tc: toHex(card.cryptogram.value), cryptogramType: card.cryptogram.type } : {}),
    tvr: toHex(card.tvr),
    tsi: toHex(card.tsi),
  };
}

function receiptCvm(cvm: KernelResult['cvm']): Cvm {
  switch (cvm) {
    case 'online-pin':
    case 'offline-pin':
    case 'signature':
    case 'cdcvm':
      return cvm;
    // The card checked the PIN and a signature is still wanted (CVM codes 03 and 05).
    case 'offline-pin-and-signature':
      return 'signature';
    default:
      return 'none';
  }
}

/**
 * Waits until a card comes by one of the accepted interfaces (tap on the PN532, insert in
 * the contact slot, swipe on the stripe reader), CANCEL, or presentCardTimeout. The waits
 * that lose the race are aborted, and a card that arrives late anyway is let go. A reader
 * that fails while waiting (a DeviceError: unplugged, its port gone) leaves the race with a
 * warning in the log, and the card can still come by the others; only when every reader
 * has failed does the sale end with the device fault.
 */
async function waitForCard(ctx: TerminalContext, signal: AbortSignal, accept: Accept): Promise<Presented> {
  return cancellable(ctx, signal, async (s) => {
    const deadline = withTimeout(ctx.clock, s, ctx.settings.timeouts.presentCardMs, 'presentCardTimeout');
    const losers = new AbortController();
    deadline.addEventListener('abort', () => losers.abort(deadline.reason), { once: true });
    const waits: Promise<Presented>[] = [];
    let working = 0;
    const join = (reader: string, wait: Promise<Presented>) => {
      working++;
      waits.push(
        wait.catch((e: unknown) => {
          if (!(e instanceof DeviceError) || losers.signal.aborted || --working === 0) throw e;
          ctx.log.warn({ event: 'sale.readerFailed', reader, err: e.message }, `the ${reader} reader failed; the card can still come by the others`);
          return new Promise<Presented>(() => {});
        }),
      );
    };
    if (accept.tap && ctx.reader) join('contactless', ctx.reader.poll({ signal: losers.signal }).then((session) => ({ via: 'tap', session })));
    if (accept.insert && ctx.contact) join('contact', ctx.contact.waitForCard({ signal: losers.signal }).then((session) => ({ via: 'insert', session })));
    if (accept.swipe && ctx.magstripe) join('magstripe', ctx.magstripe.waitForSwipe({ signal: losers.signal }).then((swipe) => ({ via: 'swipe', swipe })));
    if (waits.length === 0) return untilAborted(deadline);
    let first: Presented | undefined;
    try {
      first = await Promise.race([...waits, untilAborted(deadline)]);
      return first;
    } finally {
      losers.abort(new TimeoutError('cardPresented', 0));
      for (const w of waits) {
        void w
          .then((p) => {
            if (p === first) return;
            if (p.via === 'swipe') p.swipe.wipe();
            else void p.session.release().catch(() => {});
          })
          .catch(() => {});
      }
    }
  });
}

/** The PIN of this sale: online, under one DUKPT transaction that also MACs the request; or offline, to the card. */
class PinStep {
  pinBlock: Uint8Array | undefined;
  constructor(
    private readonly ctx: TerminalContext,
    private readonly dukpt: DukptSession,
    private readonly amount: number,
  ) {}

  /** `again`: asked again after the issuer's 55; the title says so, and it cannot be bypassed. */
  async take(signal: AbortSignal, pan: string, again = false): Promise<'entered' | 'bypassed'> {
    const pin = await enterPin(this.ctx, signal, {
      pan,
      amount: this.amount,
      currency: this.ctx.settings.currency,
      pinBlockFormat: 0,
      encrypt: this.dukpt.encryptPin,
      ...(again ? { again: true, allowBypass: false } : {}),
    });
    if (pin.kind === 'bypassed') return 'bypassed';
    this.pinBlock = pin.pinBlock;
    return 'entered';
  }

  /**
   * An offline PIN (the contact kernel's OfflinePinPort): the same keypad prompt, its digits
   * handed to the card by the kernel's `submit`; after a wrong PIN it says so with the tries
   * the card has left, and on the last try that it is the last.
   */
  async offline(signal: AbortSignal, prompt: OfflinePinPrompt): Promise<'entered' | 'bypassed'> {
    const notice = prompt.wrongPin ? ('retry' as const) : prompt.triesLeft === 1 ? ('lastTry' as const) : undefined;
    const pin = await enterPin(this.ctx, signal, {
      amount: this.amount,
      currency: this.ctx.settings.currency,
      offline: prompt,
      ...(notice ? { notice } : {}),
      ...(prompt.wrongPin && prompt.triesLeft !== undefined ? { triesLeft: prompt.triesLeft } : {}),
    });
    return pin.kind === 'bypassed' ? 'bypassed' : 'entered';
  }

  async macKeys() {
    return this.pinBlock ? await sessionMacKeys(this.dukpt) : undefined;
  }
}

/**
 * A sale, as DESIGN.md draws it: the amount; "tap / insert / swipe"; the kernel for the way
 * the card came (contactless, contact chip, stripe); online PIN when the card asks, straight
 * into an encrypted PIN block, or a contact chip's offline PIN, straight to the card; the online authorisation (the journal record durable before
 * the request leaves; no answer means a reversal); a contact chip's second GENERATE AC with
 * the issuer's answer; the result in words; the merchant copy, a prompt to tear it off, the
 * customer copy.
 *
 * After the issuer's 55 (incorrect PIN) to an online PIN, the PIN is asked again for the
 * same card and amount and a new authorisation sent (`authorise`, settings.onlinePinRetries).
 *
 * Not yet: offline approvals (the default configuration sends every sale online; a card
 * that would approve offline, or a chip that approves with no host answer (Y3), ends the
 * sale not completed).
 */
export async function sale(ctx: TerminalContext, signal: AbortSignal, firstKey?: KeyName): Promise<SaleOutcome> {
  const amount = await enterAmount(ctx, signal, firstKey);
  const { currency } = ctx.settings;
  ctx.log.info({ event: 'sale.amount', amount, currency }, 'sale amount entered');
  if (ctx.payments) {
    // The merchant's daily limit is checked before a card is asked for (issue 8, limits).
    const limit = checkDailyLimit(ctx, amount);
    if (limit.kind === 'refused') {
      ctx.indicators?.error();
      await result(ctx, signal, refusalLines(ctx, limit));
      return { kind: 'not-completed', amount, why: 'daily limit' };
    }
  }
  let accept: Accept = { tap: true, insert: true, swipe: true };
  let chipFailed = false;
  for (;;) {
    show(ctx, presentCardScreen(layout(ctx), amount, currency, ctx.reader !== null || ctx.contact !== null || ctx.magstripe !== null));
    ctx.indicators?.ready();
    const presented = await waitForCard(ctx, signal, accept);
    const payments = ctx.payments;
    if (!payments) {
      // A terminal without a host: the card is seen and the screen says the rest is missing.
      if (presented.via === 'swipe') presented.swipe.wipe();
      else await presented.session.release();
      ctx.log.info({ event: 'sale.cardSeen', amount, via: presented.via }, 'card presented; no payment services configured');
      ctx.indicators?.success();
      await result(ctx, signal, [say(ctx, 'card.read'), say(ctx, 'card.nextSoon')]);
      return { kind: 'not-completed', amount, why: 'no payment services' };
    }
    if (!(await payments.keyStore.hasKeys())) {
      if (presented.via === 'swipe') presented.swipe.wipe();
      else await presented.session.release();
      await result(ctx, signal, ['', say(ctx, 'sale.noKeys')]);
      return { kind: 'not-completed', amount, why: 'no DUKPT keys' };
    }
    ctx.indicators?.processing();
    show(ctx, messageScreen(layout(ctx), 'sale.title', ['', say(ctx, 'sale.processing')]));
    const next: Step =
      presented.via === 'tap'
        ? await tapped(ctx, signal, amount, presented.session)
        : presented.via === 'insert'
          ? await inserted(ctx, signal, amount, presented.session)
          : await swiped(ctx, signal, amount, presented.swipe, chipFailed);
    if (next.kind === 'done') return next.outcome;
    // The card asked for another interface: only those are offered the second time.
    chipFailed ||= next.chipFailed;
    accept = next.accept;
    ctx.indicators?.error();
    show(ctx, messageScreen(layout(ctx), 'sale.title', ['', say(ctx, next.message)]));
    await ctx.clock.sleep(Math.min(1_500, ctx.settings.timeouts.messageMs), signal);
  }
}

type Step = { kind: 'done'; outcome: SaleOutcome } | { kind: 'again'; accept: Accept; message: MessageKey; chipFailed: boolean };
const done = (outcome: SaleOutcome): Step => ({ kind: 'done', outcome });

/** A card session that failed: the words for it, and the sale not completed. */
async function cardFault(ctx: TerminalContext, signal: AbortSignal, amount: number, e: unknown): Promise<Step> {
  if (signal.aborted) throw e;
  const removed = e instanceof CardRemovedError;
  if (!(e instanceof CardError) && !removed) throw e;
  ctx.log.warn({ event: 'sale.cardFault', code: (e as CardError).code, reason: (e as Error).message }, 'card session failed');
  ctx.indicators?.error();
  await result(ctx, signal, ['', say(ctx, removed ? 'sale.cardRemoved' : 'sale.cardError')]);
  return done({ kind: 'not-completed', amount, why: removed ? 'card removed' : 'card error' });
}

/** An outcome that is not a request to go online, on screen. */
async function notOnline(ctx: TerminalContext, signal: AbortSignal, amount: number, card: KernelResult, insertOrSwipe: Accept): Promise<Step> {
  if (card.outcome === 'try-another-interface') return { kind: 'again', accept: insertOrSwipe, message: 'sale.otherInterface', chipFailed: true };
  ctx.indicators?.error();
  const key: MessageKey = card.outcome === 'declined' ? 'sale.declinedByCard' : 'sale.notAccepted';
  await result(ctx, signal, ['', say(ctx, key)]);
  return done(card.outcome === 'declined' ? { kind: 'declined', amount, responseCode: 'Z1' } : { kind: 'not-completed', amount, why: card.outcome });
}

function cardRead(sensitive: SensitiveCardData, entryMode: EntryMode, card: { expiry?: string; panSequence?: string; iccData?: Uint8Array }): CardRead {
  return {
    pan: sensitive.pan,
    entryMode,
    expiry: card.expiry,
    panSequence: card.panSequence === undefined ? undefined : Number(card.panSequence),
    track2: track2Text(sensitive.track2),
    ...(card.iccData && card.iccData.length ? { icc: card.iccData } : {}),
  };
}

async function tapped(ctx: TerminalContext, signal: AbortSignal, amount: number, session: CardSession): Promise<Step> {
  const payments = ctx.payments!;
  let card: KernelResult;
  try {
    const txn = newTransaction({ amount, time: new Date(ctx.clock.now()) });
    card = await runContactlessTransaction({ transmit: (apdu) => session.transmit(apdu, signal), config: payments.emv, transaction: txn, signal });
  } catch (e) {
    return cardFault(ctx, signal, amount, e);
  } finally {
    await session.release().catch(() => {});
  }
  ctx.log.info({ event: 'sale.kernel', via: 'tap', outcome: card.outcome, reason: card.reason, kernel: card.kernel, cvm: card.cvm, maskedPan: card.maskedPan }, 'card read');
  const sensitive = card.sensitive;
  try {
    if (card.outcome !== 'online-request' || !sensitive) return await notOnline(ctx, signal, amount, card, { tap: false, insert: true, swipe: true });
    ctx.indicators?.success();
    const dukpt = payments.keyStore.session();
    try {
      const pin = new PinStep(ctx, dukpt, amount);
      if (card.cvm === 'online-pin') await pin.take(signal, sensitive.pan);
      const sale: CardForSale = {
        read: cardRead(sensitive, 'contactless-chip', card),
        maskedPan: card.maskedPan ?? '',
        brand: brandOf(card.aid, card.maskedPan),
        entry: 'contactless',
        cvm: receiptCvm(card.cvm),
        chip: chipData(card),
      };
      // The card has left the field: a PIN asked again sends the same ARQC (see authorise).
      const { out, stopped } = await authorise(ctx, signal, signal, amount, sale, sensitive.pan, pin);
      if (stopped !== undefined) throw stopped;
      return done(await announce(ctx, signal, amount, sale, out));
    } finally {
      dukpt.wipe();
    }
  } finally {
    sensitive?.wipe();
  }
}

async function inserted(ctx: TerminalContext, signal: AbortSignal, amount: number, session: ContactCardSession): Promise<Step> {
  const payments = ctx.payments!;
  // Pulling the card out ends the kernel at once (Book 4 11.3: the card must stay in).
  const kernel = new AbortController();
  const onAbort = () => kernel.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  void session.removed().then(() => kernel.abort(new CardRemovedError('the card was removed from the slot')));
  const dukpt = payments.keyStore.session();
  let sensitive: SensitiveCardData | undefined;
  try {
    const pin = new PinStep(ctx, dukpt, amount);
    let card: ContactResult;
    try {
      const txn = newTransaction({ amount, time: new Date(ctx.clock.now()) });
      card = await runContactTransaction({
        transmit: (apdu) => session.transmit(apdu, kernel.signal),
        config: payments.contact,
        transaction: txn,
        signal: kernel.signal,
        // The PIN is taken before the first GENERATE AC: the TVR the cryptogram covers records it.
        onlinePin: (s, pan) => pin.take(s, pan),
        // A PIN the card checks itself goes to the card from the same keypad prompt.
        offlinePin: (s, prompt) => pin.offline(s, prompt),
      });
    } catch (e) {
      await session.release().catch(() => {});
      return await cardFault(ctx, signal, amount, kernel.signal.reason instanceof CardRemovedError ? kernel.signal.reason : e);
    }
    sensitive = card.sensitive;
    ctx.log.info({ event: 'sale.kernel', via: 'insert', outcome: card.outcome, reason: card.reason, cvm: card.cvm, maskedPan: card.maskedPan }, 'card read');
    if (card.outcome !== 'online-request' || !sensitive || !card.complete) {
      const step = await notOnline(ctx, signal, amount, card, { tap: false, insert: false, swipe: true });
      await takeCardBack(ctx, signal, session);
      return step;
    }
    const sale: CardForSale = {
      read: cardRead(sensitive, 'contact-chip', card),
      maskedPan: card.maskedPan ?? '',
      brand: brandOf(card.aid, card.maskedPan),
      entry: 'chip',
      cvm: receiptCvm(card.cvm),
      chip: chipData(card),
    };
    // The card stays in the slot between its first and second GENERATE AC: a PIN asked again
    // sends that first ARQC again (see authorise), and the prompt ends if the card is pulled out.
    const { out, stopped } = await authorise(ctx, signal, kernel.signal, amount, sale, sensitive.pan, pin, { holdApproval: true });
    // Book 3 10.11: the card has the last word, with the issuer's answer (or its absence).
    let final: Awaited<ReturnType<NonNullable<ContactResult['complete']>>>;
    try {
      final = await card.complete(
        out.kind === 'approved' || out.kind === 'declined'
          ? { kind: 'online', approved: out.kind === 'approved', responseCode: out.responseCode, ...(out.kind === 'approved' && out.iccData ? { iccData: out.iccData } : {}) }
          : { kind: 'unable-to-go-online' },
        { signal: kernel.signal },
      );
    } catch (e) {
      if (out.kind === 'approved') await reverseApproved(payments.online, out.id, 'terminal-failure');
      await session.release().catch(() => {});
      return await cardFault(ctx, signal, amount, kernel.signal.reason instanceof CardRemovedError ? kernel.signal.reason : e);
    }
    if (stopped !== undefined) {
      // The PIN was not given again (CANCEL, its timeout): the card has closed its
      // transaction on the issuer's 55; nothing more is sent.
      await takeCardBack(ctx, signal, session);
      throw stopped;
    }
    if (out.kind === 'approved') {
      if (final.outcome === 'approved') {
        await completeApproved(payments.online, out.id);
        await takeCardBack(ctx, signal, session);
        return done(await announce(ctx, signal, amount, { ...sale, chip: chipData(final) }, out));
      }
      // The issuer approved and the card declined (ARPC failed, or the card's own rules).
      await reverseApproved(payments.online, out.id, 'terminal-failure');
      ctx.indicators?.error();
      await takeCardBack(ctx, signal, session);
      await result(ctx, signal, ['', say(ctx, 'sale.declinedByCard')]);
      return done({ kind: 'declined', amount, responseCode: final.authorisationResponseCode });
    }
    await takeCardBack(ctx, signal, session);
    if (out.kind !== 'declined' && final.outcome === 'approved') {
      // A chip that approves with no host (Y3) would need an advice; this terminal does not
      // take offline approvals, so the sale is not completed (logged for the technician).
      ctx.log.warn({ event: 'sale.offlineApprovalRefused', code: final.authorisationResponseCode }, 'the chip approved offline; not taken');
    }
    return done(await announce(ctx, signal, amount, sale, out));
  } finally {
    signal.removeEventListener('abort', onAbort);
    dukpt.wipe();
    sensitive?.wipe();
  }
}

/** Asks for the inserted card back and waits (a while) until it is out. */
async function takeCardBack(ctx: TerminalContext, signal: AbortSignal, session: ContactCardSession): Promise<void> {
  await session.release().catch(() => {});
  show(ctx, messageScreen(layout(ctx), 'sale.title', ['', say(ctx, 'sale.removeCard')]));
  const gone = withTimeout(ctx.clock, signal, ctx.settings.timeouts.presentCardMs, 'removeCardTimeout');
  try {
    await Promise.race([session.removed(), untilAborted(gone)]);
  } catch (e) {
    if (signal.aborted) throw e;
    ctx.log.warn({ event: 'sale.cardLeftInSlot' }, 'the card was not taken out');
  }
}

async function swiped(ctx: TerminalContext, signal: AbortSignal, amount: number, swipe: MagstripeSwipe, chipFailed: boolean): Promise<Step> {
  const payments = ctx.payments!;
  let card;
  try {
    card = readSwipedCard({ track1: swipe.track1, track2: swipe.track2 }, { chipReader: ctx.reader !== null || ctx.contact !== null, fallbackAllowed: chipFailed && ctx.settings.magstripeFallbackAllowed === true });
  } catch (e) {
    if (!(e instanceof TrackError) && !(e instanceof SwipeError)) throw e;
    ctx.log.warn({ event: 'sale.badSwipe', code: (e as TrackError | SwipeError).code }, 'the swipe could not be read');
    return { kind: 'again', accept: { tap: true, insert: true, swipe: true }, message: 'sale.swipeAgain', chipFailed };
  } finally {
    swipe.wipe();
  }
  ctx.log.info({ event: 'sale.swipe', outcome: card.outcome, maskedPan: card.maskedPan }, 'card swiped');
  if (card.outcome === 'use-chip') return { kind: 'again', accept: { tap: true, insert: true, swipe: false }, message: 'sale.useChip', chipFailed };
  const sensitive = card.sensitive;
  const dukpt = payments.keyStore.session();
  try {
    const pin = new PinStep(ctx, dukpt, amount);
    if (card.cvm === 'online-pin') await pin.take(signal, sensitive.pan);
    const sale: CardForSale = {
      read: cardRead(sensitive, card.fallback ? 'fallback' : 'magstripe', { expiry: card.expiry }),
      maskedPan: card.maskedPan,
      brand: brandOf(undefined, card.maskedPan),
      entry: card.fallback ? 'fallback' : 'magstripe',
      cvm: card.cvm === 'online-pin' ? 'online-pin' : 'signature',
    };
    const { out, stopped } = await authorise(ctx, signal, signal, amount, sale, sensitive.pan, pin);
    if (stopped !== undefined) throw stopped;
    return done(await announce(ctx, signal, amount, sale, out));
  } finally {
    dukpt.wipe();
    sensitive.wipe();
  }
}

/** The online step's end: the last answer, and what ended a PIN retry when one was not given. */
interface Authorised {
  out: OnlineOutcome;
  /**
   * Set when the PIN asked again after a 55 was not given (CANCEL, pinEntryTimeout, the card
   * pulled out of the slot, a fault): `out` is that 55 and nothing more was sent. The caller
   * throws it once the card is dealt with.
   */
  stopped?: unknown;
}

/**
 * The authorisation of a sale (`authoriseOnline`), and after the issuer's 55 (incorrect PIN,
 * docs/host-spec.md 6.8) to a PIN entered online, the PIN asked again for the same card and
 * amount, up to settings.onlinePinRetries more times: the 55 said briefly ("Incorrect PIN"),
 * the prompt titled as a retry, then a NEW authorisation: a new STAN and journal record (the
 * declined one stays, with its 55) and a new PIN block under a new DUKPT transaction (a new
 * KSN, X9.24-1: one key per transaction). A 75 (PIN tries exceeded), any other answer or
 * none ends it as any sale ends (no answer: the reversal path of host-spec section 8). The
 * prompts wait on `promptSignal` (a contact card's kernel signal: pulling the card out ends
 * them).
 *
 * The card data is the same in every request, field 55 included: the one ARQC of the sale.
 *  - Contact chip: the card is still in the slot, between its first and second GENERATE AC.
 *    After an ARQC the card takes only the second GENERATE AC, which completes its
 *    transaction (EMV 4.4 Book 3 9.3, command use: first and second issuance; 10.9, 10.11),
 *    so no new ARQC can be had for the retry: the first is sent again, and the card is
 *    completed once, with the final answer.
 *  - Contactless: the card was read in one tap and has left the field; the Online Request
 *    outcome with CVM Online PIN (EMV Contactless Book A, Book C-2 for Kernel 2) is carried
 *    out without it. A second tap would be a new card transaction (a new ATC and ARQC, the
 *    CVM decided again), so the ARQC of the tap is sent again, as terminals that re-prompt
 *    for an online PIN without a new tap do. The issuer verifies it as before: the ARQC
 *    covers the amount, date, unpredictable number and ATC (Book 2 8.1.1), all unchanged;
 *    the acquirer simulator verifies the cryptogram and keeps no ATC history
 *    (simulator/host/arqc.ts), so the same ATC under a new STAN is accepted.
 */
async function authorise(
  ctx: TerminalContext,
  signal: AbortSignal,
  promptSignal: AbortSignal,
  amount: number,
  card: CardForSale,
  pan: string,
  first: PinStep,
  options: { holdApproval?: boolean } = {},
): Promise<Authorised> {
  const payments = ctx.payments!;
  let pin = first;
  // The DUKPT sessions of the retries; the first one's owner wipes it.
  let retrySession: DukptSession | undefined;
  try {
    for (let retry = 0; ; retry++) {
      show(ctx, messageScreen(layout(ctx), 'sale.title', ['', say(ctx, 'sale.online')]));
      const out = await authoriseOnline(payments.online, {
        kind: 'sale',
        amount,
        currency: ctx.settings.currency,
        card: card.read,
        pinBlock: pin.pinBlock,
        keys: await pin.macKeys(),
        signal,
        ...(options.holdApproval ? { holdApproval: true } : {}),
      });
      if (out.kind !== 'declined' || out.responseCode !== '55' || !pin.pinBlock || retry >= ctx.settings.onlinePinRetries) return { out };
      ctx.log.info({ event: 'sale.pinRetry', stan: out.stan, retry: retry + 1, retries: ctx.settings.onlinePinRetries }, 'incorrect PIN: the PIN is asked again');
      retrySession?.wipe();
      try {
        await incorrectPin(ctx, promptSignal, out);
        retrySession = payments.keyStore.session();
        pin = new PinStep(ctx, retrySession, amount);
        await pin.take(promptSignal, pan, true);
      } catch (e) {
        if (signal.aborted) throw e;
        ctx.log.info({ event: 'sale.pinRetryEnded', stan: out.stan, why: e instanceof Error ? e.name : 'unknown' }, 'the PIN was not given again: the sale ends');
        return { out, stopped: e };
      }
    }
  } finally {
    retrySession?.wipe();
  }
}

/** The issuer's 55 on screen for a moment before the PIN is asked again: a key skips it, CANCEL ends the sale. */
async function incorrectPin(ctx: TerminalContext, signal: AbortSignal, out: DeclinedOutcome): Promise<void> {
  ctx.indicators?.error();
  ctx.keys.flush();
  show(ctx, messageScreen(layout(ctx), 'sale.title', [say(ctx, 'sale.declined', { code: out.responseCode }), ...wrap(declineText(ctx.lang, out.responseCode, out.text), ctx.screen.columns).slice(0, 2)]));
  try {
    await nextKey(ctx, { signal, timeoutMs: Math.min(1_500, ctx.settings.timeouts.messageMs), timeoutName: 'messageTimeout' });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
}

/** The online outcome on screen and, for an approval, on paper. */
async function announce(ctx: TerminalContext, signal: AbortSignal, amount: number, card: CardForSale, out: OnlineOutcome): Promise<SaleOutcome> {
  const cols = ctx.screen.columns;
  switch (out.kind) {
    case 'approved':
      await approved(ctx, signal, amount, card, out);
      return { kind: 'approved', amount, stan: out.stan };
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

async function approved(ctx: TerminalContext, signal: AbortSignal, amount: number, card: CardForSale, out: ApprovedOutcome): Promise<void> {
  ctx.log.info({ event: 'sale.approved', stan: out.stan, amount, rrn: out.rrn }, 'sale approved');
  ctx.indicators?.success();
  // What the receipt prints of the chip goes to the journal first: a reprint prints it again.
  if (card.chip && ctx.payments) await keepChip(ctx.payments.online.journal, out.id, card.chip, ctx.log);
  show(ctx, messageScreen(layout(ctx), 'sale.title', [say(ctx, 'sale.approved'), say(ctx, 'sale.authCode', { code: out.authCode }), say(ctx, 'sale.printing')]));
  // The sale stands whatever the printer does: a receipt that cannot be made is logged and
  // said on screen (a reprint from the journal will make it), never a fault.
  try {
    await printTransactionReceipts(ctx, signal, {
      kind: 'sale',
      maskedPan: out.record.maskedPan ?? card.maskedPan,
      cardBrand: card.brand,
      entryMode: card.entry,
      batch: String(out.record.batch).padStart(6, '0'),
      trace: out.record.stan,
      authCode: out.authCode,
      rrn: out.rrn,
      time: ctx.clock.now(),
      amount,
      ...(card.chip ? { chip: card.chip } : {}),
      cvm: card.cvm,
    }, 'sale.title', out.id);
  } catch (e) {
    if (signal.aborted) throw e;
    ctx.log.error({ event: 'sale.receiptFailed', stan: out.stan, err: e }, 'the approved sale has no receipt');
    await result(ctx, signal, [say(ctx, 'sale.approved'), say(ctx, 'sale.noReceipt')]);
  }
}

/**
 * The card presented again for a void or a refund (return-card.ts's ReadCardAgain): the
 * same wait as a sale's (tap, insert, swipe), the card read for its PAN by the kernel of
 * its interface with the transaction type of the return, no PIN asked, the card let go.
 * Rejects with CardError when it cannot be read, as the sale's card faults do.
 */
export const readCardAgain: ReadCardAgain = async (ctx, signal, request) => {
  const payments = ctx.payments;
  if (!payments) throw new CardError('CARD_NO_SERVICES', 'no payment services: the card cannot be read for a return');
  show(ctx, presentCardScreen(layout(ctx), request.amount, ctx.settings.currency, true, request.kind === 'void' ? 'void.title' : 'refund.title'));
  ctx.indicators?.ready();
  const presented = await waitForCard(ctx, signal, { tap: true, insert: true, swipe: true });
  const txn = newTransaction({ amount: request.amount, type: TransactionType.refund, time: new Date(ctx.clock.now()) });
  const again = (sensitive: SensitiveCardData, entryMode: EntryMode, entry: CardEntryMode, card: { maskedPan?: string; expiry?: string; panSequence?: string; iccData?: Uint8Array; aid?: Uint8Array }) => ({
    read: cardRead(sensitive, entryMode, card),
    maskedPan: card.maskedPan ?? '',
    brand: brandOf(card.aid, card.maskedPan),
    entry,
    wipe: () => sensitive.wipe(),
  });
  if (presented.via === 'swipe') {
    try {
      const card = readSwipedCard({ track1: presented.swipe.track1, track2: presented.swipe.track2 }, { chipReader: false });
      if (card.outcome !== 'proceed') throw new CardError('CARD_USE_CHIP', 'the swiped card asks for its chip');
      return again(card.sensitive, 'magstripe', 'magstripe', { maskedPan: card.maskedPan, expiry: card.expiry });
    } finally {
      presented.swipe.wipe();
    }
  }
  try {
    const card: KernelResult =
      presented.via === 'tap'
        ? await runContactlessTransaction({ transmit: (apdu) => presented.session.transmit(apdu, signal), config: payments.emv, transaction: txn, signal })
        : await runContactTransaction({ transmit: (apdu) => presented.session.transmit(apdu, signal), config: payments.contact, transaction: txn, signal });
    if (!card.sensitive) throw new CardError('CARD_NO_PAN', `the card gave no account number (${card.outcome})`);
    return presented.via === 'tap' ? again(card.sensitive, 'contactless-chip', 'contactless', card) : again(card.sensitive, 'contact-chip', 'chip', card);
  } finally {
    await presented.session.release().catch(() => {});
  }
};
