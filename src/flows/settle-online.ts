/**
 * Settlement with the host, docs/host-spec.md section 9, without the screens:
 *
 *   1. A 0500 (920000) with the open batch's number, currency and totals (field 63).
 *   2. 0510 00: the host agrees; the journal closes the batch and opens the next number.
 *   3. 0510 95: the totals differ. Every transaction that stands in the batch goes again as
 *      a 0320, one at a time, each with a new STAN; one the host does not acknowledge with
 *      00 is tried again up to three times, then the upload stops and settlement fails.
 *      Then a 0500 (960000) with the same totals; 00 closes the batch.
 *   4. Any other code, or no valid answer: the batch stays open; the operator tries again.
 *      A settlement is never reversed. Trying again is safe: a host that closed the batch
 *      but whose answer was lost answers 00 to the same totals (section 9, simulator/host).
 *
 * Every request takes a durable STAN (journal.allocateStan) and its own DUKPT transaction
 * for the MAC. HostLink.settlement sends due reversals first and refuses (ReversalPendingError)
 * while one cannot be delivered. Nothing the host sends makes this throw: every ending is a
 * typed outcome. It throws for a failing disk and for a cancel.
 */
import { HostConnectError, HostError, ReversalPendingError } from '../host/errors.js';
import type { IsoMessage } from '../host/iso8583.js';
import {
  buildBatchUpload,
  buildSettlement,
  readBatchUploadResponse,
  readSettlementResponse,
  type BatchTotals,
  type LocalDateTime,
} from '../host/messages.js';
import { ENTRY_MODES, type EntryMode } from '../host/spec.js';
import { currency as currencyOf } from '../money.js';
import { field63, uploadable, type CurrencyTotals } from '../store/batch-totals.js';
import { OPEN_STATUSES, type JournalRecord } from '../store/journal.js';
import { localDateTime } from './local-time.js';
import type { OnlineDeps } from './online.js';

/** How many times a 0320 is sent again after a first attempt the host did not acknowledge. */
export const UPLOAD_RETRIES = 3;

export type SettleProgress = { stage: 'settling' } | { stage: 'uploading'; done: number; of: number } | { stage: 'closing' };

export interface SettleRequest {
  /** The open batch's totals in its one currency (batch-totals.ts). */
  totals: CurrencyTotals;
  signal?: AbortSignal;
  onProgress?: (p: SettleProgress) => void;
}

interface Closed {
  /** The batch closed, and the number now open. */
  closed: number;
  opened: number;
}

export type SettleOutcome =
  /** The host's totals agreed. */
  | ({ kind: 'balanced' } & Closed)
  /** They differed (95); the batch was uploaded and closed on the terminal's totals. */
  | ({ kind: 'uploaded'; uploaded: number; hostTotals?: BatchTotals } & Closed)
  /** A transaction of the batch still waits for its outcome (pending, reversal due): nothing sent. */
  | { kind: 'busy'; open: number }
  /** A reversal is due and could not be delivered: nothing sent (section 8 rule 5). */
  | { kind: 'reversal-pending'; pending: number }
  /** The 0500 never left (no connection). */
  | { kind: 'not-sent'; error: HostError }
  /** No valid answer to a 0500 (timeout, broken link, bad MAC, garbled). */
  | { kind: 'no-answer'; stage: 'settlement' | 'after-upload'; error: HostError }
  /** The host answered with a code that is neither 00 nor 95 (or not 00 after the upload). */
  | { kind: 'refused'; stage: 'settlement' | 'after-upload'; responseCode: string }
  /** A 0320 was not acknowledged after its retries. */
  | { kind: 'upload-failed'; stan: string; responseCode: string | null; uploaded: number };

function atOf(r: JournalRecord): LocalDateTime {
  const d = r.localDate;
  const t = r.localTime;
  return { month: Number(d.slice(0, 2)), day: Number(d.slice(2, 4)), hour: Number(t.slice(0, 2)), minute: Number(t.slice(2, 4)), second: Number(t.slice(4, 6)) };
}

function entryModeOf(r: JournalRecord): EntryMode {
  return r.entryMode !== null && Object.hasOwn(ENTRY_MODES, r.entryMode) ? (r.entryMode as EntryMode) : 'unknown';
}

/** Field 38 is six letters or digits: a code the host gave shorter is padded as it was sent, anything else left out. */
function authCodeOf(r: JournalRecord): string | undefined {
  const code = (r.authCode ?? '').padEnd(6, ' ');
  return /^[A-Za-z0-9 ]{6}$/.test(code) && code.trim() ? code : undefined;
}

/** One request/response of the settlement: STAN, keys, send. Host errors come back as values. */
async function exchange<T>(
  deps: OnlineDeps,
  signal: AbortSignal | undefined,
  build: (stan: number, ksn: Uint8Array) => IsoMessage,
  read: (response: IsoMessage) => T,
): Promise<{ ok: true; value: T } | { ok: false; error: HostError }> {
  const stan = await deps.journal.allocateStan();
  const keys = await deps.keys.next();
  const request = build(stan, keys.ksn);
  try {
    const response = await deps.link.settlement(request, { mac: keys.mac, ...(signal ? { signal } : {}), ...(deps.responseTimeoutMs ? { timeoutMs: deps.responseTimeoutMs } : {}) });
    return { ok: true, value: read(response) };
  } catch (e) {
    if (signal?.aborted) throw e;
    if (e instanceof HostError) return { ok: false, error: e };
    throw e;
  }
}

/** Settles the open batch; see the module comment. */
export async function settleOnline(deps: OnlineDeps, request: SettleRequest): Promise<SettleOutcome> {
  const { journal, log } = deps;
  const { signal, onProgress } = request;
  const batch = journal.batch;
  const records = journal.inBatch(batch);
  const open = records.filter((r) => OPEN_STATUSES.includes(r.status)).length;
  if (open > 0) return { kind: 'busy', open };
  const currency = request.totals.currency;
  const numeric = currencyOf(currency).numeric;
  const totals = field63(request.totals);
  const now = () => localDateTime(deps.clock.now(), deps.timeZone);

  const settlement = (afterUpload: boolean) =>
    exchange(
      deps,
      signal,
      (stan, ksn) => buildSettlement({ ...deps.terminal, stan, at: now(), currency: numeric, batch, ksn, totals, afterUpload }),
      readSettlementResponse,
    );

  onProgress?.({ stage: 'settling' });
  log?.info({ event: 'settle.sent', batch, currency, ...totals }, 'settlement requested');
  const first = await settlement(false);
  if (!first.ok) return hostFailure(deps, first.error, 'settlement', batch);
  const answer = first.value;
  if (answer.outcome === 'balanced') return close(deps, 'balanced', batch, onProgress);
  if (answer.outcome === 'failed') {
    log?.warn({ event: 'settle.refused', batch, responseCode: answer.responseCode }, 'the host refused the settlement');
    return { kind: 'refused', stage: 'settlement', responseCode: answer.responseCode };
  }

  // 95: the host's books differ. Send the batch again, one transaction at a time.
  const upload = uploadable(records).filter((r) => r.currency === currency);
  log?.warn({ event: 'settle.unbalanced', batch, terminal: totals, host: answer.hostTotals ?? null, transactions: upload.length }, 'the host totals differ: batch upload');
  let uploaded = 0;
  for (const r of upload) {
    onProgress?.({ stage: 'uploading', done: uploaded, of: upload.length });
    let lastCode: string | null = null;
    let acknowledged = false;
    for (let attempt = 0; attempt <= UPLOAD_RETRIES && !acknowledged; attempt++) {
      const sent = await exchange(
        deps,
        signal,
        (stan, ksn) => {
          const code = authCodeOf(r);
          return buildBatchUpload({
            ...deps.terminal,
            stan,
            currency: numeric,
            batch,
            ksn,
            record: { kind: r.type === 'refund' ? 'refund' : 'sale', amount: r.amount, stan: Number(r.stan), at: atOf(r), entryMode: entryModeOf(r), rrn: r.rrn ?? '', ...(code ? { authCode: code } : {}) },
          });
        },
        readBatchUploadResponse,
      );
      if (sent.ok) {
        acknowledged = sent.value.accepted;
        lastCode = sent.value.responseCode;
      } else {
        if (sent.error instanceof ReversalPendingError) return { kind: 'reversal-pending', pending: sent.error.pending };
        lastCode = null;
      }
      if (!acknowledged) log?.warn({ event: 'settle.uploadRetry', batch, stan: r.stan, attempt, responseCode: lastCode, err: sent.ok ? undefined : sent.error.code }, 'a batch upload was not acknowledged');
    }
    if (!acknowledged) {
      log?.error({ event: 'settle.uploadFailed', batch, stan: r.stan, responseCode: lastCode, uploaded }, 'batch upload stopped: settlement failed');
      return { kind: 'upload-failed', stan: r.stan, responseCode: lastCode, uploaded };
    }
    uploaded++;
  }
  onProgress?.({ stage: 'uploading', done: uploaded, of: upload.length });

  const second = await settlement(true);
  if (!second.ok) return hostFailure(deps, second.error, 'after-upload', batch);
  if (second.value.outcome !== 'balanced') {
    log?.warn({ event: 'settle.refused', batch, responseCode: second.value.responseCode, afterUpload: true }, 'the host refused the settlement after the upload');
    return { kind: 'refused', stage: 'after-upload', responseCode: second.value.responseCode };
  }
  const closed = await close(deps, 'uploaded', batch, onProgress);
  return { ...closed, kind: 'uploaded', uploaded, ...(answer.hostTotals ? { hostTotals: answer.hostTotals } : {}) };
}

function hostFailure(deps: OnlineDeps, error: HostError, stage: 'settlement' | 'after-upload', batch: number): SettleOutcome {
  if (error instanceof ReversalPendingError) {
    deps.log?.warn({ event: 'settle.reversalPending', batch, pending: error.pending }, 'a reversal is due and undeliverable: no settlement');
    return { kind: 'reversal-pending', pending: error.pending };
  }
  if (error instanceof HostConnectError) {
    deps.log?.warn({ event: 'settle.notSent', batch, err: error.message }, 'the settlement could not be sent');
    return { kind: 'not-sent', error };
  }
  deps.log?.warn({ event: 'settle.noAnswer', batch, stage, code: error.code, err: error.message }, 'no valid answer to the settlement: the batch stays open');
  return { kind: 'no-answer', stage, error };
}

async function close(deps: OnlineDeps, kind: 'balanced' | 'uploaded', batch: number, onProgress: SettleRequest['onProgress']): Promise<SettleOutcome & Closed> {
  onProgress?.({ stage: 'closing' });
  const { closed, opened } = await deps.journal.closeBatch();
  deps.log?.info({ event: 'settle.closed', batch, closed, opened, result: kind }, 'batch closed');
  return kind === 'balanced' ? { kind, closed, opened } : { kind, closed, opened, uploaded: 0 };
}
