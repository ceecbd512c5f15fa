/**
 * The transaction journal: every sale, void and refund the terminal sent or meant to send,
 * with its status, on a DurableLog (durable-log.ts). Nothing is ever rewritten: a new
 * transaction is one appended record, each change of it (approved, declined, reversed...)
 * another, so an append costs one write and one fsync whatever the journal's size, and a
 * power cut or a SIGKILL can at worst tear the last record, which the log cuts off at open.
 * Reading the log back folds the records in order into the latest state of each
 * transaction.
 *
 * The online step (src/flows/online.ts) writes a transaction as `pending` before its request
 * leaves (docs/host-spec.md section 8, rule 1), with what its reversal needs: the fields a
 * reversal repeats and the card sealed. Card data is only ever here masked, as a keyed hash
 * for look-ups, or sealed (AES-256-GCM, src/host/card-seal.ts): the journal treats the last
 * two as opaque text. What a chip receipt printed of the EMV data (AID, label, cryptogram,
 * TVR, TSI: setChip, checked to be only that) is kept for reprints. It also owns the two
 * counters that must survive a restart: the STAN (the host answers a STAN seen twice in a
 * day with 94, section 7) and the open batch (field 60, section 9).
 *
 * Statuses and who moves them:
 *
 *   pending ──> approved ──> voided | refunded            (later flows)
 *      │           └──────> reversal-pending ──> reversed | reversal-refused
 *      ├──> declined | not-sent
 *      └──> reversal-pending ──> reversed | reversal-refused
 *
 * A move the table does not allow is refused (JournalError), so a late or repeated update
 * can never take a transaction back to an earlier state.
 */
import { PosError } from '../errors.js';
import { DurableLog, type RecoveryReport } from './durable-log.js';

export type JournalType = 'sale' | 'void' | 'refund';

export type JournalStatus =
  | 'pending'
  | 'approved'
  | 'declined'
  /** The request never left (no connection, or a reversal still due blocked it). */
  | 'not-sent'
  | 'reversal-pending'
  | 'reversed'
  /** The host refused the reversal (section 8 rule 4): the operator reconciles by hand. */
  | 'reversal-refused'
  | 'voided'
  | 'refunded';

/** Where each status may go next; anything else is refused. */
const MOVES: Readonly<Record<JournalStatus, readonly JournalStatus[]>> = {
  pending: ['approved', 'declined', 'not-sent', 'reversal-pending', 'reversed', 'reversal-refused'],
  approved: ['reversal-pending', 'reversed', 'reversal-refused', 'voided', 'refunded'],
  'reversal-pending': ['reversed', 'reversal-refused'],
  declined: [],
  'not-sent': [],
  reversed: [],
  'reversal-refused': [],
  voided: [],
  refunded: ['refunded'],
};

/** Statuses with an outcome still to learn: a settlement waits for them. */
export const OPEN_STATUSES: readonly JournalStatus[] = ['pending', 'reversal-pending'];

export function canMove(from: JournalStatus, to: JournalStatus): boolean {
  return MOVES[from]?.includes(to) ?? false;
}

export interface JournalRecord {
  /** The reversal queue's id of the request: terminal ID, STAN, local date, local time. */
  readonly id: string;
  /** Field 11, six digits. */
  readonly stan: string;
  readonly type: JournalType;
  /** Minor units of `currency`. */
  readonly amount: number;
  /** ISO 4217 alphabetic code, e.g. CNY. */
  readonly currency: string;
  readonly status: JournalStatus;
  readonly batch: number;
  /** When the transaction began, ISO 8601 from the terminal's clock. */
  readonly time: string;
  /** Fields 13 (MMDD) and 12 (hhmmss) as sent: a void's field 61 and a reversal need them. */
  readonly localDate: string;
  readonly localTime: string;
  readonly entryMode: string | null;
  readonly maskedPan: string | null;
  /** Hex of the keyed PAN hash (src/security/pan.ts panLookupHash). */
  readonly panHash: string | null;
  /** The PAN and expiry sealed to this record (opaque here). */
  readonly sealedCard: string | null;
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly responseCode: string | null;
  readonly responseText: string | null;
  /** Why the transaction was reversed (docs/host-spec.md section 8), and the 0410's code. */
  readonly reversalReason: string | null;
  readonly reversalCode: string | null;
  /** The request's fields a reversal repeats, in the packer's JSON form, without 2 and 14. */
  readonly reversal: { readonly fields: Readonly<Record<string, string>> } | null;
  /** A void or refund: the sale it concerns. */
  readonly original: { readonly id: string | null; readonly rrn: string; readonly batch: number; readonly stan: string; readonly localDate: string } | null;
  /**
   * The chip data the receipt printed (setChip), so a reprint prints it again; absent for a
   * stripe, for a transaction without a receipt, and in journals written before it was kept.
   */
  readonly chip?: JournalChip;
  /**
   * Which receipt copies are out (markReceipt): present once the receipt's printing began,
   * so a copy cut short by a power cut or a kill is printed again at the next start. Absent
   * for a transaction without a receipt and in journals written before it was kept.
   */
  readonly receipt?: JournalReceiptMarks;
  readonly updatedAt: string;
}

/**
 * The EMV data of a chip or contactless receipt, as the receipt shows it (hex upper or lower
 * case as the kernel gave it): nothing a card can be used with. No PAN, track or PIN data
 * fits these fields: the hex fields have the tags' fixed lengths and the label may not hold
 * a run of card-number digits.
 */
export interface JournalChip {
  /** The application identifier (4F / 9F06), 5-16 bytes of hex. */
  readonly aid: string;
  /** The application label (50), printable ASCII, at most 16 characters. */
  readonly appLabel?: string;
  /** The final Application Cryptogram (9F26), 8 bytes of hex, and its type (9F27). */
  readonly cryptogram?: { readonly type: 'ARQC' | 'TC' | 'AAC'; readonly value: string };
  /** Terminal verification results (95), 5 bytes; transaction status information (9B), 2 bytes. */
  readonly tvr?: string;
  readonly tsi?: string;
}

/** A transaction's receipt: begun, and each copy printed to its end. */
export interface JournalReceiptMarks {
  readonly merchant: boolean;
  readonly customer: boolean;
  /** How the cardholder was verified, as the merchant copy prints it (its signature line). */
  readonly cvm?: ReceiptCvm;
}

export type ReceiptCvm = 'signature' | 'online-pin' | 'offline-pin' | 'cdcvm' | 'none';
const CVMS: readonly ReceiptCvm[] = ['signature', 'online-pin', 'offline-pin', 'cdcvm', 'none'];

/** What markReceipt records: the receipt's printing began, or one copy came out whole. */
export type ReceiptMark = 'started' | 'merchant' | 'customer';

const RECEIPT_MARKS: readonly ReceiptMark[] = ['started', 'merchant', 'customer'];

const hexOf = (min: number, max: number, v: unknown): v is string => typeof v === 'string' && new RegExp(`^[0-9A-Fa-f]{${min},${max}}$`).test(v);

/** `c` as a JournalChip, only its known fields, or null when any of them is malformed. */
function cleanChip(c: unknown): JournalChip | null {
  if (typeof c !== 'object' || c === null) return null;
  const x = c as Record<string, unknown>;
  if (!hexOf(10, 32, x.aid)) return null;
  const out: { aid: string; appLabel?: string; cryptogram?: JournalChip['cryptogram']; tvr?: string; tsi?: string } = { aid: x.aid };
  if (x.appLabel !== undefined) {
    if (typeof x.appLabel !== 'string' || !/^[\x20-\x7e]{1,16}$/.test(x.appLabel) || /[0-9]{12}/.test(x.appLabel)) return null;
    out.appLabel = x.appLabel;
  }
  if (x.cryptogram !== undefined) {
    const g = x.cryptogram as Record<string, unknown> | null;
    if (typeof g !== 'object' || g === null || !['ARQC', 'TC', 'AAC'].includes(g.type as string) || !hexOf(16, 16, g.value)) return null;
    out.cryptogram = { type: g.type as 'ARQC' | 'TC' | 'AAC', value: g.value };
  }
  if (x.tvr !== undefined) {
    if (!hexOf(10, 10, x.tvr)) return null;
    out.tvr = x.tvr;
  }
  if (x.tsi !== undefined) {
    if (!hexOf(4, 4, x.tsi)) return null;
    out.tsi = x.tsi;
  }
  return out;
}

/** What begin() is given: a new transaction, pending (its chip data comes later: setChip). */
export type NewRecord = Omit<JournalRecord, 'chip' | 'receipt' | 'status' | 'rrn' | 'authCode' | 'responseCode' | 'responseText' | 'reversalReason' | 'reversalCode' | 'updatedAt' | 'entryMode' | 'maskedPan' | 'panHash' | 'sealedCard' | 'reversal' | 'original'> &
  Partial<Pick<JournalRecord, 'entryMode' | 'maskedPan' | 'panHash' | 'sealedCard' | 'reversal' | 'original'>>;

/** What update() may change besides the status. */
export type RecordChange = Partial<Pick<JournalRecord, 'rrn' | 'authCode' | 'responseCode' | 'responseText' | 'reversalReason' | 'reversalCode'>> & { status: JournalStatus };

/** CONTRACT.md, GET /api/journal. */
export interface JournalApiRecord {
  stan: string;
  type: JournalType;
  amount: number;
  currency: string;
  status: JournalStatus;
  rrn: string | null;
  authCode: string | null;
  maskedPan: string | null;
  batch: number;
  time: string;
}

/** One record as GET /api/journal and the page's journal events show it: no card data but the masked PAN. */
export function apiRecord(r: JournalRecord): JournalApiRecord {
  return {
    stan: r.stan,
    type: r.type,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    rrn: r.rrn,
    authCode: r.authCode,
    maskedPan: r.maskedPan,
    batch: r.batch,
    time: r.time,
  };
}

/** Field 63's totals of a batch: sales that stand are debits, refunds credits (docs/host-spec.md 6.11). */
export interface JournalTotals {
  debitCount: number;
  debitAmount: number;
  creditCount: number;
  creditAmount: number;
}

/** A journal operation that cannot be done: unknown id, a move the table refuses, a busy batch. */
export class JournalError extends PosError {}

/** One line of the log. */
type Event =
  | { t: 'tx'; r: JournalRecord }
  | { t: 'set'; id: string; c: RecordChange; at: string }
  | { t: 'chip'; id: string; chip: JournalChip; at: string }
  | { t: 'rcpt'; id: string; copy: ReceiptMark; cvm?: ReceiptCvm }
  | { t: 'stan'; v: number }
  | { t: 'batch'; closed: number; opened: number; at: string };

export interface JournalOptions {
  /** The log file, e.g. <data>/journal.log. */
  file: string;
  /** The first batch number of a new journal (1 unless the acquirer says otherwise). */
  firstBatch?: number;
  /** For updatedAt; Date.now when absent. */
  now?: () => number;
}

export interface JournalRecovery extends RecoveryReport {
  /** Records that were not the journal's (not JSON, unknown kind, unknown id): skipped. */
  skipped: number;
}

const MAX_STAN = 999_999;
const MAX_BATCH = 999_999;

function following(n: number, max: number): number {
  return n >= max ? 1 : n + 1;
}

function checkStan(stan: string): number {
  if (typeof stan !== 'string' || !/^[0-9]{6}$/.test(stan) || stan === '000000') throw new JournalError('JOURNAL_BAD_RECORD', 'stan must be six digits, 000001-999999');
  return Number(stan);
}

const TYPES: readonly JournalType[] = ['sale', 'void', 'refund'];

/** A record read back from disk has the shape begin() writes (a CRC only proves it is whole). */
function wellFormed(r: JournalRecord | undefined): r is JournalRecord {
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    typeof r.stan === 'string' &&
    /^[0-9]{6}$/.test(r.stan) &&
    TYPES.includes(r.type) &&
    Number.isSafeInteger(r.amount) &&
    Number.isInteger(r.batch) &&
    r.status === 'pending' &&
    typeof r.time === 'string'
  );
}

export class Journal {
  private readonly records = new Map<string, JournalRecord>();
  private readonly byStanIndex = new Map<string, string[]>();
  private readonly byRrnIndex = new Map<string, string[]>();
  private readonly byBatchIndex = new Map<number, string[]>();
  private readonly byPanHashIndex = new Map<string, string[]>();
  private currentBatch: number;
  /** The last STAN written to disk, and the last handed out (never written yet, never sent). */
  private lastStan = 0;
  private reservedStan = 0;
  /** STANs handed out and not yet written. */
  private readonly outstanding = new Set<number>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private skipped = 0;
  private readonly listeners = new Set<(record: JournalRecord | null) => void>();

  private constructor(
    private readonly log: DurableLog,
    options: JournalOptions,
    private readonly report: RecoveryReport,
  ) {
    this.now = options.now ?? Date.now;
    this.currentBatch = options.firstBatch ?? 1;
  }

  /** Opens (or creates) the journal and folds its records into the latest state. */
  static async open(options: JournalOptions): Promise<Journal> {
    const first = options.firstBatch ?? 1;
    if (!Number.isInteger(first) || first < 1 || first > MAX_BATCH) throw new JournalError('JOURNAL_BAD_BATCH', `firstBatch must be 1-${MAX_BATCH}`);
    const { log, records, report } = await DurableLog.open(options.file);
    const j = new Journal(log, options, report);
    for (const raw of records) {
      let e: Event;
      try {
        e = JSON.parse(Buffer.from(raw).toString('utf8')) as Event;
      } catch {
        j.skipped++;
        continue;
      }
      if (!j.apply(e)) j.skipped++;
    }
    j.reservedStan = j.lastStan;
    return j;
  }

  /** What opening found: a torn last record after a power cut or a kill, damage, skipped records. */
  get recovery(): JournalRecovery {
    return { ...this.report, skipped: this.skipped };
  }

  /** Folds one event into memory; false when it is not one of ours. */
  private apply(e: Event): boolean {
    if (!e || typeof e !== 'object') return false;
    switch (e.t) {
      case 'tx': {
        const r = e.r;
        if (!wellFormed(r) || this.records.has(r.id)) return false;
        this.records.set(r.id, r);
        this.index(this.byStanIndex, r.stan, r.id);
        this.index(this.byBatchIndex, r.batch, r.id);
        if (r.panHash) this.index(this.byPanHashIndex, r.panHash, r.id);
        if (r.rrn) this.index(this.byRrnIndex, r.rrn, r.id);
        this.lastStan = Number(r.stan);
        return true;
      }
      case 'set': {
        const r = this.records.get(e.id);
        if (!r || !e.c || !canMove(r.status, e.c.status)) return false;
        const next: JournalRecord = { ...r, ...e.c, updatedAt: e.at };
        this.records.set(r.id, next);
        if (next.rrn && next.rrn !== r.rrn) this.index(this.byRrnIndex, next.rrn, r.id);
        return true;
      }
      case 'chip': {
        const r = this.records.get(e.id);
        const chip = cleanChip(e.chip);
        if (!r || !chip) return false;
        this.records.set(r.id, { ...r, chip, updatedAt: e.at });
        return true;
      }
      case 'rcpt': {
        const r = this.records.get(e.id);
        if (!r || !RECEIPT_MARKS.includes(e.copy)) return false;
        const was = r.receipt ?? { merchant: false, customer: false };
        const receipt = e.copy === 'started' ? { ...was, ...(CVMS.includes(e.cvm!) ? { cvm: e.cvm } : {}) } : { ...was, [e.copy]: true };
        // Not updatedAt: the transaction itself did not change.
        this.records.set(r.id, { ...r, receipt });
        return true;
      }
      case 'stan':
        if (!Number.isInteger(e.v) || e.v < 1 || e.v > MAX_STAN) return false;
        this.lastStan = e.v;
        return true;
      case 'batch':
        if (!Number.isInteger(e.opened) || e.opened < 1 || e.opened > MAX_BATCH) return false;
        this.currentBatch = e.opened;
        if (Number.isInteger(e.closed)) this.retire(e.closed);
        return true;
      default:
        return false;
    }
  }

  /**
   * A settled batch's transactions keep what refunds, reprints, totals and the lists read
   * (the sealed card too: a refund by reference sends the sale's PAN when the card is not
   * read again; the chip data, which a reprint prints), and let go of what only a reversal needs: the request's fields with its
   * chip data (a settled transaction can no longer be reversed, docs/host-spec.md sections
   * 8 and 9). Each transaction then costs well under half the memory, so a terminal that
   * runs for months does not carry every request it ever sent; the log on disk keeps it
   * all. A transaction still waiting for its outcome keeps everything (closeBatch refuses
   * such a batch; an old log may hold one).
   */
  private retire(batch: number): void {
    for (const id of this.byBatchIndex.get(batch) ?? []) {
      const r = this.records.get(id);
      if (!r || OPEN_STATUSES.includes(r.status) || r.reversal === null) continue;
      this.records.set(id, { ...r, reversal: null });
    }
  }

  private index<K>(map: Map<K, string[]>, key: K, id: string): void {
    const list = map.get(key);
    if (list) list.push(id);
    else map.set(key, [id]);
  }

  /** Appends one event, durably, then folds it in; appends and their checks keep their order. */
  private write<T>(check: () => { event: Event; result: () => T }): Promise<T> {
    const run = this.chain.then(async () => {
      const { event, result } = check();
      await this.log.append(Buffer.from(JSON.stringify(event), 'utf8'));
      this.apply(event);
      this.changed(event);
      return result();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Hears every change once it is on disk: the transaction as it now stands, or null for a
   * STAN or batch counter; not the chip data kept for a reprint (setChip), which changes
   * neither the transaction's state nor its API shape. The simulator page's live events
   * listen here instead of polling. Returns a function that stops it.
   */
  onChange(fn: (record: JournalRecord | null) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(e: Event): void {
    if (e.t === 'chip' || e.t === 'rcpt') return;
    const record = e.t === 'tx' ? this.records.get(e.r.id) : e.t === 'set' ? this.records.get(e.id) : null;
    for (const l of [...this.listeners]) {
      try {
        l(record ?? null);
      } catch {
        // A listener's fault is its own: the record is durable and the journal goes on.
      }
    }
  }

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  // ---- counters ---------------------------------------------------------------------------

  /** The open batch (field 60). */
  get batch(): number {
    return this.currentBatch;
  }

  /**
   * The STAN for the next request that gets a journal record (begin() makes it durable).
   * Each call gives a new one, so two requests built at once never share a STAN; one that
   * is never written was never sent, and may be given again after a restart.
   */
  reserveStan(): number {
    this.reservedStan = following(this.reservedStan, MAX_STAN);
    this.outstanding.add(this.reservedStan);
    return this.reservedStan;
  }

  /** A STAN reached the disk: when it is not one handed out here, the counter follows it. */
  private written(stan: number): void {
    if (!this.outstanding.delete(stan)) this.reservedStan = stan;
  }

  /** A STAN for a request with no journal record (sign-on, echo, settlement, batch upload), durable before it is returned. */
  allocateStan(): Promise<number> {
    const v = this.reserveStan();
    return this.write(() => ({
      event: { t: 'stan', v },
      result: () => {
        this.written(v);
        return v;
      },
    }));
  }

  // ---- transactions -----------------------------------------------------------------------

  /** Records a new transaction as pending; resolves once it is on disk. */
  begin(input: NewRecord): Promise<JournalRecord> {
    return this.write(() => {
      if (typeof input.id !== 'string' || input.id.length === 0) throw new JournalError('JOURNAL_BAD_RECORD', 'a record needs an id');
      if (this.records.has(input.id)) throw new JournalError('JOURNAL_DUPLICATE', `a transaction ${input.id} is already in the journal`);
      checkStan(input.stan);
      if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new JournalError('JOURNAL_BAD_RECORD', 'amount must be whole minor units');
      if (!Number.isInteger(input.batch) || input.batch < 1 || input.batch > MAX_BATCH) throw new JournalError('JOURNAL_BAD_RECORD', `batch must be 1-${MAX_BATCH}`);
      const r: JournalRecord = {
        entryMode: null,
        maskedPan: null,
        panHash: null,
        sealedCard: null,
        reversal: null,
        original: null,
        ...input,
        status: 'pending',
        rrn: null,
        authCode: null,
        responseCode: null,
        responseText: null,
        reversalReason: null,
        reversalCode: null,
        updatedAt: input.time,
      };
      return {
        event: { t: 'tx', r },
        result: () => {
          this.written(Number(r.stan));
          return this.records.get(r.id)!;
        },
      };
    });
  }

  /** Moves a transaction on; JournalError for an unknown id or a move the table refuses. */
  update(id: string, change: RecordChange): Promise<JournalRecord> {
    return this.write(() => {
      const r = this.records.get(id);
      if (!r) throw new JournalError('JOURNAL_UNKNOWN', `no transaction ${id} in the journal`);
      if (!canMove(r.status, change.status)) throw new JournalError('JOURNAL_BAD_MOVE', `transaction ${id} cannot go from ${r.status} to ${change.status}`);
      return { event: { t: 'set', id, c: { ...change }, at: this.stamp() }, result: () => this.records.get(id)! };
    });
  }

  /**
   * Keeps the chip data its receipt printed with a transaction (its status does not move):
   * a reprint prints it again, also once the batch is settled. JournalError for an unknown
   * id or data that is not only what a receipt shows (JOURNAL_BAD_RECORD).
   */
  setChip(id: string, chip: JournalChip): Promise<JournalRecord> {
    return this.write(() => {
      if (!this.records.has(id)) throw new JournalError('JOURNAL_UNKNOWN', `no transaction ${id} in the journal`);
      const clean = cleanChip(chip);
      if (!clean) throw new JournalError('JOURNAL_BAD_RECORD', 'chip data must be an AID, a label, a cryptogram, TVR and TSI as a receipt prints them');
      return { event: { t: 'chip', id, chip: clean, at: this.stamp() }, result: () => this.records.get(id)! };
    });
  }

  /**
   * Records that a transaction's receipt began printing ('started', before its first copy is
   * submitted, with the CVM its merchant copy prints) or that one copy came out whole; its status does not move and listeners do
   * not hear it. At start-up, a transaction whose receipt began and whose copies are not both
   * marked is owed a copy (receiptsOwed). JournalError for an unknown id.
   */
  markReceipt(id: string, copy: ReceiptMark, cvm?: ReceiptCvm): Promise<JournalRecord> {
    return this.write(() => {
      if (!this.records.has(id)) throw new JournalError('JOURNAL_UNKNOWN', `no transaction ${id} in the journal`);
      if (!RECEIPT_MARKS.includes(copy)) throw new JournalError('JOURNAL_BAD_RECORD', `no receipt mark ${String(copy)}`);
      if (cvm !== undefined && (copy !== 'started' || !CVMS.includes(cvm))) throw new JournalError('JOURNAL_BAD_RECORD', 'a CVM goes with the started mark only, one a receipt prints');
      return { event: { t: 'rcpt', id, copy, ...(cvm !== undefined ? { cvm } : {}) }, result: () => this.records.get(id)! };
    });
  }

  /**
   * The open batch's transactions whose receipt began printing and whose copies did not all
   * come out (a power cut, a crash, a kill mid-receipt), oldest first, with the copies
   * missing. Transactions from before receipts were marked have no marks and are not here.
   */
  receiptsOwed(batch = this.currentBatch): { record: JournalRecord; copies: ('merchant' | 'customer')[] }[] {
    const out: { record: JournalRecord; copies: ('merchant' | 'customer')[] }[] = [];
    for (const record of this.inBatch(batch)) {
      const m = record.receipt;
      if (!m) continue;
      const copies = (['merchant', 'customer'] as const).filter((c) => !m[c]);
      if (copies.length > 0) out.push({ record, copies });
    }
    return out;
  }

  /**
   * Moves a transaction on when the table allows it and it is not there already; resolves
   * with whether it moved. For listeners that may hear of the same outcome twice.
   */
  async advance(id: string, change: RecordChange): Promise<boolean> {
    const r = this.records.get(id);
    if (!r || r.status === change.status || !canMove(r.status, change.status)) return false;
    try {
      await this.update(id, change);
      return true;
    } catch (e) {
      // Another update got there first between the check and the write.
      if (e instanceof JournalError && e.code === 'JOURNAL_BAD_MOVE') return false;
      throw e;
    }
  }

  // ---- batches ----------------------------------------------------------------------------

  /**
   * Closes the open batch (after a settlement the host accepted) and opens the next number.
   * Refused while a transaction of the batch still waits for its outcome.
   */
  closeBatch(): Promise<{ closed: number; opened: number }> {
    return this.write(() => {
      const closed = this.currentBatch;
      const open = this.inBatch(closed).filter((r) => OPEN_STATUSES.includes(r.status));
      if (open.length > 0) throw new JournalError('JOURNAL_BATCH_BUSY', `batch ${closed} has ${open.length} transaction(s) still waiting for an outcome`);
      const opened = following(closed, MAX_BATCH);
      return { event: { t: 'batch', closed, opened, at: this.stamp() }, result: () => ({ closed, opened }) };
    });
  }

  /** Field 63 for a batch: approved sales not voided or reversed, approved refunds. */
  totals(batch = this.currentBatch): JournalTotals {
    const t: JournalTotals = { debitCount: 0, debitAmount: 0, creditCount: 0, creditAmount: 0 };
    for (const r of this.inBatch(batch)) {
      if (r.type === 'sale' && (r.status === 'approved' || r.status === 'refunded')) {
        t.debitCount++;
        t.debitAmount += r.amount;
      } else if (r.type === 'refund' && r.status === 'approved') {
        t.creditCount++;
        t.creditAmount += r.amount;
      }
    }
    return t;
  }

  // ---- look-ups ---------------------------------------------------------------------------

  get(id: string): JournalRecord | undefined {
    return this.records.get(id);
  }

  /** The transactions with this STAN, newest first (STANs wrap); in one batch when given. */
  byStan(stan: string | number, batch?: number): JournalRecord[] {
    const key = typeof stan === 'number' ? String(stan).padStart(6, '0') : stan;
    return this.lookup(this.byStanIndex, key).filter((r) => batch === undefined || r.batch === batch);
  }

  /** The transactions with this RRN (field 37), newest first: a sale, then its void or refunds. */
  byRrn(rrn: string): JournalRecord[] {
    return this.lookup(this.byRrnIndex, rrn);
  }

  /** The transactions of a card, by its keyed PAN hash (hex), newest first. */
  byPanHash(panHash: string): JournalRecord[] {
    return this.lookup(this.byPanHashIndex, panHash);
  }

  /** A batch's transactions, oldest first. */
  inBatch(batch: number): JournalRecord[] {
    return (this.byBatchIndex.get(batch) ?? []).map((id) => this.records.get(id)!);
  }

  /** Every transaction, oldest first. */
  all(): JournalRecord[] {
    return [...this.records.values()];
  }

  /** Transactions whose status is one of `statuses`, oldest first. */
  withStatus(...statuses: JournalStatus[]): JournalRecord[] {
    return this.all().filter((r) => statuses.includes(r.status));
  }

  get size(): number {
    return this.records.size;
  }

  private lookup<K>(map: Map<K, string[]>, key: K): JournalRecord[] {
    const ids = map.get(key) ?? [];
    const out: JournalRecord[] = [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const r = this.records.get(ids[i]!);
      if (r && !out.includes(r)) out.push(r);
    }
    return out;
  }

  /** GET /api/journal (CONTRACT.md): oldest first, no card data but the masked PAN. */
  toApi(): JournalApiRecord[] {
    return this.all().map(apiRecord);
  }

  async close(): Promise<void> {
    await this.chain;
    await this.log.close();
  }
}
