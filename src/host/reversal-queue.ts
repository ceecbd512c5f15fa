/**
 * The reversal queue of docs/host-spec.md section 8: durable, on a DurableLog.
 *
 * Life of an entry:
 *  - arm(request): before a 0200 leaves, what its reversal needs is recorded (rule 1): the
 *    fields a 0400 repeats, never 35 or 52; the PAN and expiry sealed (card-seal.ts), the
 *    rest in clear. If the terminal restarts while an entry is armed, the reversal is due
 *    with reason 22 (terminal failure).
 *  - complete(id): the answer was seen and acted upon (a decline, or an approval the
 *    terminal finished): nothing to reverse.
 *  - markDue(id, reason): the answer was lost, garbled, unverified, or the terminal could
 *    not finish: the reversal is due.
 *  - attempts: a 0400 first, then 0401 repeats (same fields and STAN, a fresh KSN and MAC
 *    each), at growing intervals up to 5 minutes (rule 3), until a 0410 matches and
 *    verifies. Each attempt is recorded before it leaves, so after a restart the next one
 *    is a 0401. 00, 25 and 94 end it; 91 and 96 mean later; any other code ends the
 *    repeats and flags the entry for the operator (rule 4).
 *  - ensureClear(): before any financial request or settlement, every due reversal is sent
 *    first; if one is still due, ReversalPendingError (rule 5).
 *
 * Sending a reversal twice does no harm: the host answers a repeat of an applied reversal
 * with 00 or 94, both of which end it (section 7).
 */
import { abortReason } from '../errors.js';
import type { Clock, TimerHandle } from '../hal/ports.js';
import type { Logger } from '../log.js';
import { maskPan } from '../security/pan.js';
import { DurableLog, type RecoveryReport } from '../store/durable-log.js';
import { seal, unseal } from './card-seal.js';
import { FieldValueError, HostError, ReversalPendingError } from './errors.js';
import { fromJson, toJson, type IsoMessage } from './iso8583.js';
import type { MacKeySource, MacPair } from './mac-keys.js';
import { buildReversal, readReversalResponse, REVERSAL_KEEPS } from './messages.js';
import { REVERSAL_REASONS, type ReversalReason } from './spec.js';

/** What the queue sends through: the HostChannel, or anything with its send(). */
export interface ReversalSender {
  send(request: IsoMessage, options: { signal?: AbortSignal; timeoutMs?: number; mac?: MacPair }): Promise<IsoMessage>;
}

export interface ReversalQueueOptions {
  /** The log file, e.g. <data>/reversals.log. */
  file: string;
  /** 32 bytes from the key store: seals the PAN and expiry at rest. */
  cardKey: Uint8Array;
  keys: MacKeySource;
  channel: ReversalSender;
  clock: Clock;
  log?: Logger;
  /** Response timeout of one attempt; the channel's default when absent. */
  responseTimeoutMs?: number;
  /** Delay after a failed attempt: initial, doubled each attempt, capped (rule 3: 5 minutes). */
  retry?: { initialMs: number; maxMs: number };
  /**
   * Called (and awaited) once the host has ended a reversal: done or flagged. The journal
   * learns this way that a transaction it holds as reversal-pending is reversed; a failure
   * here is logged and changes nothing in the queue (the journal catches up at start-up).
   */
  onSettled?: (summary: ReversalSummary) => void | Promise<void>;
}

export type ReversalState = 'armed' | 'due' | 'done' | 'flagged';

/** What an operator or a test sees of an entry; no card data but the masked PAN. */
export interface ReversalSummary {
  id: string;
  state: ReversalState;
  reason: ReversalReason | null;
  attempts: number;
  stan: string;
  terminalId: string;
  processingCode: string;
  amount: number;
  maskedPan: string | null;
  lastResponseCode: string | null;
}

interface Entry {
  id: string;
  state: ReversalState;
  reason: ReversalReason | null;
  attempts: number;
  /** The original's kept fields in JSON form, without 2 and 14. */
  fields: Record<string, string>;
  sealed: string | null;
  masked: string | null;
  lastCode: string | null;
  /** Monotonic time of the next background attempt. */
  nextAt: number;
}

/** One line of the log. `arm` also carries the folded state when the log was compacted. */
type LogRecord =
  | { t: 'arm'; id: string; fields: Record<string, string>; sealed: string | null; masked: string | null; state?: ReversalState; reason?: ReversalReason | null; attempts?: number; lastCode?: string | null }
  | { t: 'due'; id: string; reason: ReversalReason }
  | { t: 'clear'; id: string }
  | { t: 'attempt'; id: string; n: number }
  | { t: 'done'; id: string; code: string; flagged: boolean }
  | { t: 'dismiss'; id: string };

const SEALED_FIELDS = [2, 14] as const;
const DEFAULT_RETRY = { initialMs: 10_000, maxMs: 300_000 };

/**
 * The identity of a 0200: terminal, STAN, and the local date and time it was built. The
 * journal keys its record by the same id, so the two logs can be matched after a crash.
 */
export function reversalIdOf(request: IsoMessage): string {
  const f = request.fields;
  return [String(f[41] ?? '').trimEnd(), f[11], f[13], f[12]].map(String).join('-');
}

export class ReversalQueue {
  private readonly entries = new Map<string, Entry>();
  private timer: TimerHandle | null = null;
  private running = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly retry: { initialMs: number; maxMs: number };

  private constructor(
    private readonly log: DurableLog,
    private readonly options: ReversalQueueOptions,
    /** What opening the log found (a torn tail after a power cut, damage). */
    readonly recovery: RecoveryReport,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /** Opens the queue; entries armed before a restart become due (reason 22, rule 1). */
  static async open(options: ReversalQueueOptions): Promise<ReversalQueue> {
    const { log, records, report } = await DurableLog.open(options.file);
    const q = new ReversalQueue(log, options, report);
    if (report.tornTail || report.damaged) {
      options.log?.warn({ event: 'reversals.recovered', tornTail: report.tornTail, damaged: report.damaged }, 'reversal log recovered');
    }
    for (const raw of records) {
      let rec: LogRecord;
      try {
        rec = JSON.parse(Buffer.from(raw).toString('utf8')) as LogRecord;
      } catch {
        options.log?.error({ event: 'reversals.record.unreadable' }, 'a reversal log record is not JSON; skipped');
        continue;
      }
      q.apply(rec);
    }
    for (const e of q.entries.values()) {
      if (e.state === 'armed') {
        e.state = 'due';
        e.reason = 'terminal-failure';
      }
    }
    // Keep the file to about what is live: done entries are dropped at start-up.
    if (records.length > 3 * q.entries.size + 32 || [...q.entries.values()].some((e) => e.state === 'done')) await q.compact();
    return q;
  }

  private apply(rec: LogRecord): void {
    if (rec.t === 'arm') {
      this.entries.delete(rec.id);
      this.entries.set(rec.id, {
        id: rec.id,
        state: rec.state ?? (rec.reason ? 'due' : 'armed'),
        reason: rec.reason ?? null,
        attempts: rec.attempts ?? 0,
        fields: rec.fields,
        sealed: rec.sealed,
        masked: rec.masked,
        lastCode: rec.lastCode ?? null,
        nextAt: 0,
      });
      return;
    }
    const e = this.entries.get(rec.id);
    if (!e) return;
    switch (rec.t) {
      case 'due':
        if (e.state === 'armed' || e.state === 'due') {
          e.state = 'due';
          e.reason = rec.reason;
        }
        break;
      case 'clear':
        if (e.state === 'armed') this.entries.delete(rec.id);
        break;
      case 'attempt':
        e.attempts = Math.max(e.attempts, rec.n);
        break;
      case 'done':
        e.state = rec.flagged ? 'flagged' : 'done';
        e.lastCode = rec.code;
        break;
      case 'dismiss':
        this.entries.delete(rec.id);
        break;
    }
  }

  private async write(rec: LogRecord): Promise<void> {
    await this.log.append(Buffer.from(JSON.stringify(rec), 'utf8'));
    this.apply(rec);
  }

  /** Rewrites the log with the live entries only (done ones dropped). */
  async compact(): Promise<void> {
    for (const [id, e] of this.entries) if (e.state === 'done') this.entries.delete(id);
    const recs = [...this.entries.values()].map((e) =>
      Buffer.from(
        JSON.stringify({ t: 'arm', id: e.id, fields: e.fields, sealed: e.sealed, masked: e.masked, state: e.state, reason: e.reason, attempts: e.attempts, lastCode: e.lastCode } satisfies LogRecord),
        'utf8',
      ),
    );
    await this.log.rewrite(recs);
  }

  // ---- the financial request's side -----------------------------------------------------

  /**
   * Records what the reversal of `request` (a 0200) would need, durably, before it leaves.
   * Arming the same request again returns the same id.
   */
  async arm(request: IsoMessage, reason?: ReversalReason): Promise<string> {
    if (request.mti !== '0200') throw new FieldValueError('original', 'reversal', `only a 0200 is reversed, not ${String(request.mti)}`);
    if (reason !== undefined && !Object.hasOwn(REVERSAL_REASONS, reason)) throw new FieldValueError('reason', 'reversal', 'unknown reason');
    const id = reversalIdOf(request);
    const known = this.entries.get(id);
    if (known && known.state !== 'done') {
      if (reason && known.state === 'armed') await this.markDue(id, reason);
      return id;
    }
    const kept: IsoMessage = { mti: request.mti, fields: {} };
    const secret: Record<string, string> = {};
    for (const no of REVERSAL_KEEPS) {
      const v = request.fields[no];
      if (v === undefined) continue;
      if ((SEALED_FIELDS as readonly number[]).includes(no)) secret[no] = String(v);
      else kept.fields[no] = v;
    }
    const pan = secret['2'];
    await this.write({
      t: 'arm',
      id,
      fields: toJson(kept).fields,
      sealed: Object.keys(secret).length ? seal(this.options.cardKey, JSON.stringify(secret), id) : null,
      masked: pan ? maskPan(pan) : null,
      ...(reason ? { reason, state: 'due' as const } : {}),
    });
    if (reason) this.schedule();
    return id;
  }

  /** The request's answer was seen and acted on: nothing to reverse. */
  async complete(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e || e.state !== 'armed') return;
    await this.write({ t: 'clear', id });
  }

  /** The reversal of an armed request is due (or its reason is updated while still due). */
  async markDue(id: string, reason: ReversalReason): Promise<void> {
    const e = this.entries.get(id);
    if (!e || (e.state !== 'armed' && e.state !== 'due')) return;
    await this.write({ t: 'due', id, reason });
    e.nextAt = 0;
    this.schedule();
  }

  /** An operator has reconciled a flagged entry by hand: forget it. */
  async dismiss(id: string): Promise<void> {
    if (this.entries.get(id)?.state !== 'flagged') return;
    await this.write({ t: 'dismiss', id });
  }

  get dueCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.state === 'due') n++;
    return n;
  }

  list(): ReversalSummary[] {
    return [...this.entries.values()].map((e) => this.summary(e));
  }

  /** One entry by id, without listing them all (the online step asks after every sale). */
  get(id: string): ReversalSummary | undefined {
    const e = this.entries.get(id);
    return e ? this.summary(e) : undefined;
  }

  private summary(e: Entry): ReversalSummary {
    return {
      id: e.id,
      state: e.state,
      reason: e.reason,
      attempts: e.attempts,
      stan: e.fields['11'] ?? '',
      terminalId: (e.fields['41'] ?? '').trimEnd(),
      processingCode: e.fields['3'] ?? '',
      amount: Number(e.fields['4'] ?? 0),
      maskedPan: e.masked,
      lastResponseCode: e.lastCode,
    };
  }

  // ---- sending ----------------------------------------------------------------------------

  /** Sends every due reversal once, now, in the order they were armed. Resolves with how many are still due. */
  flush(options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.serial(async () => {
      for (const e of [...this.entries.values()]) {
        if (options.signal?.aborted) throw abortReason(options.signal);
        if (e.state === 'due') await this.attempt(e, options.signal);
      }
      return this.dueCount;
    });
  }

  /** Rule 5: throws ReversalPendingError unless no reversal is due after trying them all. */
  async ensureClear(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.dueCount === 0) return;
    const left = await this.flush(options);
    if (left > 0) throw new ReversalPendingError(left);
  }

  /** Keeps retrying due reversals in the background on the clock until stop(). */
  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
  }

  async close(): Promise<void> {
    this.stop();
    await this.chain;
    await this.log.close();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = null;
    let next = Infinity;
    for (const e of this.entries.values()) if (e.state === 'due') next = Math.min(next, e.nextAt);
    if (next === Infinity) return;
    const delay = Math.max(0, next - this.options.clock.monotonic());
    this.timer = this.options.clock.setTimer(delay, () => {
      this.timer = null;
      void this.serial(async () => {
        try {
          const now = this.options.clock.monotonic();
          for (const e of [...this.entries.values()]) {
            if (e.state === 'due' && e.nextAt <= now) await this.attempt(e);
          }
        } catch (err) {
          this.options.log?.error({ event: 'reversals.background.error', err: (err as Error).message }, 'background reversal run failed');
        } finally {
          this.schedule();
        }
      });
    });
  }

  /** Resolves once the attempts under way (background or flush) are over and the next is scheduled. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The original request again, card data unsealed, for buildReversal. */
  private original(e: Entry): IsoMessage {
    const message = fromJson({ mti: '0200', fields: e.fields });
    if (e.sealed) {
      const secret = JSON.parse(unseal(this.options.cardKey, e.sealed, e.id)) as Record<string, string>;
      for (const [k, v] of Object.entries(secret)) message.fields[Number(k)] = v;
    }
    return message;
  }

  private async settled(e: Entry): Promise<void> {
    try {
      await this.options.onSettled?.(this.summary(e));
    } catch (err) {
      this.options.log?.error({ event: 'reversals.onSettled.error', id: e.id, err: (err as Error).message }, 'the listener of a settled reversal failed');
    }
  }

  private async attempt(e: Entry, signal?: AbortSignal): Promise<void> {
    const log = this.options.log;
    const where = { id: e.id, stan: e.fields['11'], attempt: e.attempts + 1 };
    try {
      const keys = await this.options.keys.next();
      const request = buildReversal(this.original(e), { reason: e.reason ?? 'terminal-failure', repeat: e.attempts > 0, ksn: keys.ksn });
      // Recorded before it leaves: after a restart, the next attempt is a 0401 (rule 3).
      await this.write({ t: 'attempt', id: e.id, n: e.attempts + 1 });
      const response = await this.options.channel.send(request, {
        mac: keys.mac,
        ...(signal ? { signal } : {}),
        ...(this.options.responseTimeoutMs ? { timeoutMs: this.options.responseTimeoutMs } : {}),
      });
      const r = readReversalResponse(response);
      e.lastCode = r.responseCode;
      if (r.outcome === 'retry') {
        log?.warn({ event: 'reversal.retry', ...where, responseCode: r.responseCode }, 'host asks to try the reversal later');
      } else {
        const flagged = r.outcome === 'refused';
        await this.write({ t: 'done', id: e.id, code: r.responseCode, flagged });
        if (flagged) log?.error({ event: 'reversal.refused', ...where, responseCode: r.responseCode }, 'host refused the reversal: reconcile by hand');
        else log?.info({ event: 'reversal.done', ...where, outcome: r.outcome, responseCode: r.responseCode }, 'reversal acknowledged');
        await this.settled(e);
        return;
      }
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      const known = err instanceof HostError;
      log?.warn({ event: 'reversal.failed', ...where, err: (err as Error).message, code: known ? err.code : undefined }, 'reversal not acknowledged; will repeat');
    }
    e.nextAt = this.options.clock.monotonic() + Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** Math.max(0, Math.min(e.attempts - 1, 30)));
  }
}
