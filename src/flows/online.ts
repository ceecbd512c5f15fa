/**
 * The online step of a sale, void or refund: the journal and the host link together, so
 * that docs/host-spec.md section 8 holds for every transaction the terminal sends.
 *
 *   1. Due reversals go first (rule 5); while one cannot be delivered nothing is sent.
 *   2. The request is built, and the journal records it as pending with what its reversal
 *      needs (rule 1: the fields a reversal repeats, the PAN and expiry sealed), on disk
 *      BEFORE the request leaves.
 *   3. HostLink.financial arms the reversal queue, sends, reads the 0210 (MAC checked).
 *   4. Approved or declined: the journal says so (durably) and the flow is told. No answer,
 *      a bad MAC, a garbled or disagreeing answer, a broken connection, a cancel after the
 *      request left: the queue holds its reversal as due, the journal holds the record as
 *      reversal-pending, and reversed once the host acknowledges (the queue's onSettled,
 *      see journalReversalListener).
 *   5. At start-up, recoverOnline: a record still pending (a crash between send and answer)
 *      or approved but never completed becomes a reversal with reason 22 (section 8).
 *
 * Nothing the host sends can make this throw: every answer, however broken, ends as a typed
 * outcome. It throws for bad input from the caller (ValidationError, before anything is
 * written), for a cancel (after the journal is right), and for a failing disk.
 */
import { ValidationError } from '../errors.js';
import type { Clock } from '../hal/ports.js';
import { seal, unseal } from '../host/card-seal.js';
import { HostError, ReversalPendingError } from '../host/errors.js';
import { reversalReasonFor, type HostLink } from '../host/host-link.js';
import { fromJson, toJson, type IsoMessage } from '../host/iso8583.js';
import type { MacKeySource, TransactionMacKeys } from '../host/mac-keys.js';
import { buildRefund, buildSale, buildVoid, REVERSAL_KEEPS, type CardRead, type FinancialResult, type LocalDateTime, type MonthDay, type TerminalIdentity } from '../host/messages.js';
import { reversalIdOf, type ReversalSummary } from '../host/reversal-queue.js';
import type { ResponseAction, ReversalReason } from '../host/spec.js';
import { toHex } from '../hex.js';
import type { Logger } from '../log.js';
import { currency as currencyOf } from '../money.js';
import { maskPan, panLookupHash } from '../security/pan.js';
import type { Journal, JournalRecord, JournalStatus, NewRecord } from '../store/journal.js';
import { fieldDate, fieldTime, localDateTime } from './local-time.js';

/** Keys for card data at rest; from the key store, never written in clear. */
export interface CardSecrets {
  /** 32 bytes: seals the PAN and expiry a void or a reversal must send again (AES-256-GCM). */
  sealKey: Uint8Array;
  /** At least 16 bytes: the keyed PAN hash the journal is searched by. */
  hashKey: Uint8Array;
}

export interface OnlineDeps {
  journal: Journal;
  link: HostLink;
  /** A fresh DUKPT transaction for a request that brings none (no PIN was entered). */
  keys: MacKeySource;
  secrets: CardSecrets;
  clock: Clock;
  terminal: TerminalIdentity;
  /** The merchant's IANA time zone: fields 12 and 13 are local time. */
  timeZone: string;
  /** Response timeout (section 7: 30 s unless configured); the channel's when absent. */
  responseTimeoutMs?: number;
  log?: Logger;
}

interface RequestBase {
  /** The DUKPT transaction that encrypted the PIN block: its KSN and MACs serve the request too. */
  keys?: TransactionMacKeys;
  /** The encrypted PIN block (field 52); needs `keys`. */
  pinBlock?: Uint8Array;
  signal?: AbortSignal;
}

export interface SaleRequest extends RequestBase {
  kind: 'sale';
  amount: number;
  /** ISO 4217 alphabetic code the terminal knows (CNY...). */
  currency: string;
  card: CardRead;
  /**
   * Leave the approval armed: the flow still has to finish with the card (a contact chip's
   * second GENERATE AC) and then calls completeApproved or reverseApproved.
   */
  holdApproval?: boolean;
}

export interface VoidRequest extends RequestBase {
  kind: 'void';
  /** The journal's id of an approved sale of the open batch. */
  saleId: string;
  /** The card read again; absent: the journal's sealed PAN with entry mode 'unknown'. */
  card?: CardRead;
}

export interface RefundRequest extends RequestBase {
  kind: 'refund';
  amount: number;
  currency: string;
  card: CardRead;
  /** From the receipt: the sale's RRN and date; its batch and STAN when known. */
  original: { rrn: string; date: MonthDay; batch?: number; stan?: number };
}

export type OnlineRequest = SaleRequest | VoidRequest | RefundRequest;

interface OutcomeBase {
  /** The journal's id (and the reversal queue's). */
  id: string;
  stan: number;
  record: JournalRecord;
}

export interface ApprovedOutcome extends OutcomeBase {
  kind: 'approved';
  rrn: string;
  authCode: string;
  responseCode: string;
  text: string;
  /** Issuer data for the card (91, 71, 72), field 55 of the 0210. */
  iccData?: Uint8Array;
  settlementDate?: string;
  hostText?: string;
}

export interface DeclinedOutcome extends OutcomeBase {
  kind: 'declined';
  responseCode: string;
  /** docs/host-spec.md 6.8: decline, retry (55 asks the PIN again, 65 the chip), refer. */
  action: Exclude<ResponseAction, 'approve'>;
  /** The words of the 6.8 table ("Insufficient funds"). */
  text: string;
  /** A0: the terminal signs on before its next financial request (section 10). */
  signOnRequired: boolean;
  hostText?: string;
}

export interface NoResponseOutcome extends OutcomeBase {
  kind: 'no-response';
  /** Why the request is reversed (section 8 table). */
  reason: ReversalReason;
  /** reversed: the host acknowledged; pending: the queue keeps trying; refused: reconcile by hand. */
  reversal: 'reversed' | 'pending' | 'refused';
  /** What the channel saw: HostTimeoutError, HostDisconnectedError, MacMismatchError, MessageFormatError. */
  error: HostError;
}

export interface NotSentOutcome {
  kind: 'not-sent';
  /** HostConnectError (no link), ReversalPendingError (a reversal is due and undeliverable). */
  error: HostError;
  /** The journal's record, when one was begun (not-sent); null when nothing was written. */
  record: JournalRecord | null;
}

export type OnlineOutcome = ApprovedOutcome | DeclinedOutcome | NoResponseOutcome | NotSentOutcome;

// ---------------------------------------------------------------------------------------
// Building the request and its record

interface Built {
  message: IsoMessage;
  type: JournalRecord['type'];
  amount: number;
  currency: string;
  pan: string | null;
  expiry: string | null;
  entryMode: string | null;
  original: JournalRecord['original'];
}

function monthDayOf(mmdd: string): MonthDay {
  return { month: Number(mmdd.slice(0, 2)), day: Number(mmdd.slice(2, 4)) };
}

/** The PAN and expiry sealed to the record, as the reversal queue seals them. */
function sealCard(secrets: CardSecrets, id: string, pan: string, expiry: string | null): string {
  return seal(secrets.sealKey, JSON.stringify(expiry ? { 2: pan, 14: expiry } : { 2: pan }), id);
}

/** The PAN and expiry sealed to a journal record (a void or a refund of it sends them again); null when none was sealed. */
export function unsealCard(secrets: CardSecrets, record: JournalRecord): { pan: string; expiry: string | null } | null {
  if (!record.sealedCard) return null;
  const card = JSON.parse(unseal(secrets.sealKey, record.sealedCard, record.id)) as Record<string, string>;
  return { pan: String(card['2']), expiry: card['14'] ?? null };
}

function build(deps: OnlineDeps, request: OnlineRequest, base: { stan: number; at: LocalDateTime; batch: number; ksn: Uint8Array }): Built {
  const common = { ...deps.terminal, stan: base.stan, at: base.at, batch: base.batch, ksn: base.ksn, ...(request.pinBlock ? { pinBlock: request.pinBlock } : {}) };
  if (request.kind === 'sale') {
    const message = buildSale({ ...common, amount: request.amount, currency: currencyOf(request.currency).numeric, card: request.card });
    return { message, type: 'sale', amount: request.amount, currency: request.currency, pan: request.card.pan, expiry: request.card.expiry ?? null, entryMode: request.card.entryMode, original: null };
  }
  if (request.kind === 'refund') {
    const message = buildRefund({ ...common, amount: request.amount, currency: currencyOf(request.currency).numeric, card: request.card, original: request.original });
    const sale = deps.journal.byRrn(request.original.rrn).find((r) => r.type === 'sale');
    const o = request.original;
    return {
      message,
      type: 'refund',
      amount: request.amount,
      currency: request.currency,
      pan: request.card.pan,
      expiry: request.card.expiry ?? null,
      entryMode: request.card.entryMode,
      original: { id: sale?.id ?? null, rrn: o.rrn, batch: o.batch ?? sale?.batch ?? 0, stan: o.stan ? String(o.stan).padStart(6, '0') : (sale?.stan ?? '000000'), localDate: fieldDate({ ...o.date, hour: 0, minute: 0, second: 0 }) },
    };
  }
  const sale = deps.journal.get(request.saleId);
  if (!sale || sale.type !== 'sale') throw new ValidationError(`void: no sale ${request.saleId} in the journal`, 'VOID_NO_SALE');
  if (sale.status !== 'approved' || !sale.rrn) throw new ValidationError(`void: the sale is ${sale.status}, only an approved sale can be voided`, 'VOID_NOT_APPROVED');
  if (sale.batch !== base.batch) throw new ValidationError(`void: the sale is in batch ${sale.batch}, closed; refund it instead`, 'VOID_BATCH_CLOSED');
  const stored = unsealCard(deps.secrets, sale);
  const card: CardRead | undefined = request.card ?? (stored ? { pan: stored.pan, entryMode: 'unknown' } : undefined);
  const message = buildVoid({
    ...common,
    amount: sale.amount,
    currency: currencyOf(sale.currency).numeric,
    ...(card ? { card } : {}),
    original: { rrn: sale.rrn, ...(sale.authCode ? { authCode: sale.authCode } : {}), batch: sale.batch, stan: Number(sale.stan), date: monthDayOf(sale.localDate) },
  });
  return {
    message,
    type: 'void',
    amount: sale.amount,
    currency: sale.currency,
    pan: card?.pan ?? null,
    expiry: card?.expiry ?? null,
    entryMode: card?.entryMode ?? 'unknown',
    original: { id: sale.id, rrn: sale.rrn, batch: sale.batch, stan: sale.stan, localDate: sale.localDate },
  };
}

/** The fields a reversal repeats, without the card data (2, 14) that is sealed instead. */
function reversalFields(message: IsoMessage): Record<string, string> {
  const kept: IsoMessage = { mti: message.mti, fields: {} };
  for (const no of REVERSAL_KEEPS) {
    if (no === 2 || no === 14) continue;
    const v = message.fields[no];
    if (v !== undefined) kept.fields[no] = v;
  }
  return toJson(kept).fields;
}

/** The original 0200 again from its journal record, for re-arming its reversal. */
function reversalRequestOf(deps: OnlineDeps, record: JournalRecord): IsoMessage | null {
  if (!record.reversal) return null;
  const message = fromJson({ mti: '0200', fields: record.reversal.fields });
  const card = unsealCard(deps.secrets, record);
  if (card) {
    message.fields[2] = card.pan;
    if (card.expiry) message.fields[14] = card.expiry;
  }
  return message;
}

// ---------------------------------------------------------------------------------------
// The step

/** Sends one financial request with the journal kept right at every point; see the module comment. */
export async function authoriseOnline(deps: OnlineDeps, request: OnlineRequest): Promise<OnlineOutcome> {
  const { journal, link, log } = deps;
  const signal = request.signal;
  if (request.pinBlock && !request.keys) throw new ValidationError('a PIN block needs the keys of the DUKPT session that encrypted it (field 53 names one key)', 'ONLINE_PIN_KEYS');
  try {
    await link.reversals.ensureClear(signal ? { signal } : {});
  } catch (e) {
    if (e instanceof ReversalPendingError) return { kind: 'not-sent', error: e, record: null };
    throw e;
  }
  const keys = request.keys ?? (await deps.keys.next());
  const now = deps.clock.now();
  const at = localDateTime(now, deps.timeZone);
  const stan = journal.reserveStan();
  const built = build(deps, request, { stan, at, batch: journal.batch, ksn: keys.ksn });
  const id = reversalIdOf(built.message);
  const pending: NewRecord = {
    id,
    stan: String(stan).padStart(6, '0'),
    type: built.type,
    amount: built.amount,
    currency: built.currency,
    batch: journal.batch,
    time: new Date(now).toISOString(),
    localDate: fieldDate(at),
    localTime: fieldTime(at),
    entryMode: built.entryMode,
    maskedPan: built.pan ? maskPan(built.pan) : null,
    panHash: built.pan ? toHex(panLookupHash(deps.secrets.hashKey, built.pan)) : null,
    sealedCard: built.pan ? sealCard(deps.secrets, id, built.pan, built.expiry) : null,
    reversal: { fields: reversalFields(built.message) },
    original: built.original,
  };
  // Rule 1 of section 8: on disk before the request leaves.
  await journal.begin(pending);

  let exchange: { result: FinancialResult };
  try {
    exchange = await link.financial(built.message, { mac: keys.mac, ...(signal ? { signal } : {}), ...(deps.responseTimeoutMs ? { timeoutMs: deps.responseTimeoutMs } : {}) });
  } catch (e) {
    return failed(deps, id, stan, e, signal);
  }
  const r = exchange.result;
  if (r.approved) {
    let record: JournalRecord;
    try {
      record = await journal.update(id, { status: 'approved', rrn: r.rrn ?? null, authCode: r.authCode ?? null, responseCode: r.responseCode, responseText: r.text });
    } catch (e) {
      // An approval the journal cannot hold must not stand: reverse it (reason 22).
      log?.error({ event: 'online.journal.failed', id, err: (e as Error).message }, 'approval not recorded; reversing it');
      await link.reverse(id, 'terminal-failure').catch(() => undefined);
      throw e;
    }
    const hold = request.kind === 'sale' && request.holdApproval === true;
    if (!hold) {
      await link.complete(id);
      if (request.kind === 'void') await applyVoid(deps, record);
    }
    log?.info({ event: 'online.approved', id, type: built.type, stan, maskedPan: record.maskedPan, amount: built.amount }, 'approved');
    return {
      kind: 'approved',
      id,
      stan,
      record,
      rrn: r.rrn!,
      authCode: r.authCode!,
      responseCode: r.responseCode,
      text: r.text,
      ...(r.iccData ? { iccData: r.iccData } : {}),
      ...(r.settlementDate ? { settlementDate: r.settlementDate } : {}),
      ...(r.hostText ? { hostText: r.hostText } : {}),
    };
  }
  const record = await journal.update(id, { status: 'declined', responseCode: r.responseCode, responseText: r.text, ...(r.rrn ? { rrn: r.rrn } : {}) });
  log?.info({ event: 'online.declined', id, type: built.type, stan, responseCode: r.responseCode }, r.text);
  return {
    kind: 'declined',
    id,
    stan,
    record,
    responseCode: r.responseCode,
    action: r.action === 'approve' ? 'decline' : r.action,
    text: r.text,
    signOnRequired: r.responseCode === 'A0',
    ...(r.hostText ? { hostText: r.hostText } : {}),
  };
}

/** The journal's status for where the queue has the transaction's reversal. */
function statusOfEntry(entry: ReversalSummary | undefined): JournalStatus {
  if (!entry) return 'not-sent';
  if (entry.state === 'done') return 'reversed';
  if (entry.state === 'flagged') return 'reversal-refused';
  return 'reversal-pending';
}

/** After financial() threw: what the queue made of it decides the journal's status. */
async function failed(deps: OnlineDeps, id: string, stan: number, error: unknown, signal: AbortSignal | undefined): Promise<OnlineOutcome> {
  const { journal, link, log } = deps;
  let entry = link.reversals.get(id);
  if (entry?.state === 'armed') {
    // It left but the queue could not be told (a disk error in markDue): try again now.
    await link.reverse(id, reversalReasonFor(error)).catch(() => undefined);
    entry = link.reversals.get(id) ?? entry;
  }
  const status = statusOfEntry(entry);
  await journal.advance(id, {
    status,
    ...(entry ? { reversalReason: entry.reason, reversalCode: entry.lastResponseCode } : {}),
  });
  const record = journal.get(id)!;
  if (signal?.aborted) throw error;
  if (!(error instanceof HostError)) throw error;
  if (status === 'not-sent') {
    log?.warn({ event: 'online.not-sent', id, stan, err: error.message }, 'the request did not leave');
    return { kind: 'not-sent', error, record };
  }
  const reversal = record.status === 'reversed' ? 'reversed' : record.status === 'reversal-refused' ? 'refused' : 'pending';
  log?.warn({ event: 'online.no-response', id, stan, code: error.code, reason: entry?.reason, reversal }, 'no valid answer: reversing');
  return { kind: 'no-response', id, stan, record, reason: entry?.reason ?? reversalReasonFor(error), reversal, error };
}

/** A void is final: the sale it voids no longer stands. */
async function applyVoid(deps: OnlineDeps, voidRecord: JournalRecord): Promise<void> {
  const saleId = voidRecord.original?.id;
  if (saleId) await deps.journal.advance(saleId, { status: 'voided' });
}

// ---------------------------------------------------------------------------------------
// After an approval held for the card, and after a restart

/** The flow finished an approval it held (holdApproval): nothing to reverse. */
export async function completeApproved(deps: OnlineDeps, id: string): Promise<void> {
  await deps.link.complete(id);
}

/**
 * The flow cannot finish an approval it held (the chip declined it, the card was removed):
 * reversed with reason 22 (section 8). The journal moves first, so a crash in between is
 * found by recoverOnline as a reversal still to make.
 */
export async function reverseApproved(deps: OnlineDeps, id: string, reason: ReversalReason = 'terminal-failure'): Promise<JournalRecord> {
  await deps.journal.advance(id, { status: 'reversal-pending', reversalReason: reason });
  await deps.link.reverse(id, reason);
  await syncReversal(deps.journal, deps.link.reversals.get(id));
  return deps.journal.get(id)!;
}

/** Moves a journal record on to what the queue's entry says (reversed, refused). */
async function syncReversal(journal: Journal, entry: ReversalSummary | undefined): Promise<boolean> {
  if (!entry || (entry.state !== 'done' && entry.state !== 'flagged')) return false;
  return journal.advance(entry.id, { status: statusOfEntry(entry), reversalReason: entry.reason, reversalCode: entry.lastResponseCode });
}

/**
 * The reversal queue's onSettled for this journal: a reversal the host acknowledged (at
 * once or later, in the background) moves its transaction to reversed or reversal-refused.
 */
export function journalReversalListener(journal: Journal): (summary: ReversalSummary) => Promise<void> {
  return async (summary) => {
    await syncReversal(journal, summary);
  };
}

export interface OnlineRecovery {
  /** Pending records found (a crash between send and answer): now reversals. */
  pending: number;
  /** Approved but never completed (a crash before complete, or a held approval): now reversals. */
  unfinished: number;
  /** Reversals armed again from the journal because the queue no longer held them. */
  rearmed: number;
  /** Records whose reversal cannot be built (the sealed card does not open): reconcile by hand. */
  unreversible: number;
  /** Voids approved and final whose sale was not yet marked voided. */
  voids: number;
}

/**
 * At start-up, before the queue starts and before the first sale: every transaction whose
 * outcome the terminal cannot know becomes a reversal (section 8 rule 1, reason 22), and the
 * journal is brought level with the reversal queue. Then the due reversals are tried once.
 */
export async function recoverOnline(deps: OnlineDeps, options: { flush?: boolean } = {}): Promise<OnlineRecovery> {
  const { journal, link, log } = deps;
  const queue = link.reversals;
  const out: OnlineRecovery = { pending: 0, unfinished: 0, rearmed: 0, unreversible: 0, voids: 0 };
  for (const record of journal.withStatus('pending', 'approved', 'reversal-pending')) {
    let entry = queue.get(record.id);
    if (record.status === 'approved') {
      if (entry?.state === 'armed') await queue.markDue(record.id, 'terminal-failure');
      entry = queue.get(record.id);
      if (entry?.state !== 'due') continue;
      out.unfinished++;
      await journal.update(record.id, { status: 'reversal-pending', reversalReason: entry.reason });
      continue;
    }
    if (record.status === 'pending') out.pending++;
    if (!entry || entry.state === 'armed') {
      let request: IsoMessage | null = null;
      try {
        request = reversalRequestOf(deps, record);
      } catch (e) {
        log?.error({ event: 'online.recover.unsealable', id: record.id, err: (e as Error).message }, 'the reversal of this transaction cannot be built');
      }
      if (!request) {
        out.unreversible++;
        await journal.update(record.id, { status: 'reversal-refused', reversalReason: 'terminal-failure' });
        continue;
      }
      // Known and armed: made due; forgotten (done and compacted, or never armed): armed due again.
      // A repeat is harmless: the host answers 94 or 00 to a reversal it has applied (section 7).
      if (!entry) out.rearmed++;
      await queue.arm(request, 'terminal-failure');
      entry = queue.get(record.id);
    }
    if (record.status === 'pending') await journal.update(record.id, { status: 'reversal-pending', reversalReason: entry?.reason ?? 'terminal-failure' });
  }
  await syncReversals(deps);
  if (options.flush ?? true) {
    await queue.flush().catch((e: unknown) => log?.warn({ event: 'online.recover.flush', err: (e as Error).message }, 'reversals not delivered yet'));
    await syncReversals(deps);
  }
  out.voids = await applyFinalVoids(deps);
  if (out.pending || out.unfinished || out.rearmed || out.unreversible) log?.warn({ event: 'online.recovered', ...out }, 'transactions without an outcome reversed');
  return out;
}

/** Every journal record the queue has settled, moved on (for when no listener was wired). */
export async function syncReversals(deps: Pick<OnlineDeps, 'journal' | 'link'>): Promise<number> {
  let moved = 0;
  for (const record of deps.journal.withStatus('approved', 'reversal-pending')) {
    if (await syncReversal(deps.journal, deps.link.reversals.get(record.id))) moved++;
  }
  return moved;
}

async function applyFinalVoids(deps: OnlineDeps): Promise<number> {
  let n = 0;
  for (const v of deps.journal.withStatus('approved')) {
    if (v.type !== 'void' || !v.original?.id) continue;
    if (deps.link.reversals.get(v.id)) continue; // not final yet
    if (deps.journal.get(v.original.id)?.status === 'approved') {
      await applyVoid(deps, v);
      n++;
    }
  }
  return n;
}
