/**
 * The acquirer simulator's books: every transaction it recorded, account balances and PIN
 * tries, closed batches, settlements, and the STANs seen each day (for duplicates). Kept in
 * `<data>/ledger.log`, a DurableLog: each request's changes are one record, on disk before
 * the answer leaves, as a real host would. Replaying the records rebuilds the state; at
 * start-up the log is compacted to one record per object.
 *
 * No full PAN is kept: transactions name the account and carry the masked PAN.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { BatchTotals } from '../../src/host/messages.js';
import { DurableLog, type RecoveryReport } from '../../src/store/durable-log.js';
import type { AccountBook, TxKind } from './accounts.js';

export interface LedgerTx {
  /** Terminal ID | STAN | local date MMDD | local time hhmmss (fields 41, 11, 13, 12). */
  key: string;
  stan: string;
  terminalId: string;
  type: TxKind;
  amount: number;
  currency: string;
  status: 'approved' | 'declined';
  responseCode: string;
  rrn: string | null;
  authCode: string | null;
  reversed: boolean;
  batch: number;
  localDate: string;
  localTime: string;
  /** The host's business day, YYYYMMDD. */
  hostDate: string;
  hostAt: number;
  accountId: string | null;
  maskedPan: string | null;
  /** A void or refund: the key of the sale it concerns. */
  originalKey?: string;
  /** A sale: an approved void cancelled it. */
  voided?: boolean;
  /** A sale: approved refunds so far, minor units. */
  refunded?: number;
  /** Sent again in a batch upload (0320). */
  uploaded?: boolean;
  /** A 0200: the KSN of field 53 (hex), the DUKPT key the terminal used for its MAC and PIN block. */
  ksn?: string;
}

export interface SettlementRecord {
  terminalId: string;
  batch: number;
  stan: string;
  status: 'balanced' | 'out-of-balance' | 'closed-after-upload';
  terminalTotals: BatchTotals;
  hostTotals: BatchTotals;
  hostDate: string;
  hostAt: number;
}

export interface AccountState {
  balance: number;
  pinTriesLeft: number;
  /** YYYYMMDD of dailySpent. */
  dailyDate: string;
  dailySpent: number;
}

/** GET /api/host/ledger (CONTRACT.md), with a few more fields. */
export interface LedgerView {
  stan: string;
  terminalId: string;
  type: TxKind | 'settlement';
  amount: number;
  status: string;
  rrn: string | null;
  authCode: string | null;
  reversed: boolean;
  batch: number;
  responseCode: string | null;
  maskedPan: string | null;
  voided: boolean;
  refunded: number;
  date: string;
  /** The request's KSN (field 53, hex); null for a settlement. */
  ksn: string | null;
}

type Event =
  | { k: 'tx'; tx: LedgerTx }
  | { k: 'acct'; id: string; s: AccountState }
  | { k: 'close'; tid: string; batch: number }
  | { k: 'seen'; key: string }
  | { k: 'settle'; s: SettlementRecord };

export class HostLedger {
  readonly txs = new Map<string, LedgerTx>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly closed = new Set<string>();
  private readonly seen = new Set<string>();
  readonly settlements: SettlementRecord[] = [];
  private pending: Event[] = [];

  private constructor(
    private readonly log: DurableLog | null,
    private readonly book: AccountBook,
    readonly recovery: RecoveryReport | null,
  ) {}

  /** Opens `<dir>/ledger.log`; with no dir, the ledger lives in memory only. */
  static async open(dir: string | null, book: AccountBook): Promise<HostLedger> {
    if (!dir) return new HostLedger(null, book, null);
    await mkdir(dir, { recursive: true });
    const { log, records, report } = await DurableLog.open(join(dir, 'ledger.log'));
    const ledger = new HostLedger(log, book, report);
    for (const r of records) {
      try {
        for (const e of JSON.parse(Buffer.from(r).toString('utf8')) as Event[]) ledger.apply(e);
      } catch {
        // A record that is not ours: skipped, the rest still counts.
      }
    }
    if (records.length > 1) await ledger.compact();
    return ledger;
  }

  private apply(e: Event): void {
    switch (e.k) {
      case 'tx':
        this.txs.set(e.tx.key, e.tx);
        break;
      case 'acct':
        this.accounts.set(e.id, e.s);
        break;
      case 'close':
        this.closed.add(`${e.tid}|${e.batch}`);
        break;
      case 'seen':
        this.seen.add(e.key);
        break;
      case 'settle':
        this.settlements.push(e.s);
        break;
    }
  }

  private async compact(): Promise<void> {
    const events: Event[] = [
      ...[...this.txs.values()].map((tx) => ({ k: 'tx', tx }) as const),
      ...[...this.accounts].map(([id, s]) => ({ k: 'acct', id, s }) as const),
      ...[...this.closed].map((c) => {
        const i = c.lastIndexOf('|');
        return { k: 'close', tid: c.slice(0, i), batch: Number(c.slice(i + 1)) } as const;
      }),
      ...[...this.seen].map((key) => ({ k: 'seen', key }) as const),
      ...this.settlements.map((s) => ({ k: 'settle', s }) as const),
    ];
    await this.log!.rewrite([Buffer.from(JSON.stringify(events), 'utf8')]);
  }

  /** Writes the changes of one request as one durable record. */
  async commit(): Promise<void> {
    const events = this.pending;
    this.pending = [];
    if (events.length && this.log) await this.log.append(Buffer.from(JSON.stringify(events), 'utf8'));
  }

  private record(e: Event): void {
    this.apply(e);
    this.pending.push(structuredClone(e));
  }

  // ---- transactions ------------------------------------------------------------------------

  putTx(tx: LedgerTx): void {
    this.record({ k: 'tx', tx });
  }

  findByKey(key: string): LedgerTx | undefined {
    return this.txs.get(key);
  }

  /** The sale with this RRN (field 37). */
  saleByRrn(rrn: string): LedgerTx | undefined {
    for (const tx of this.txs.values()) if (tx.rrn === rrn && tx.type === 'sale') return tx;
    return undefined;
  }

  byRrn(rrn: string, terminalId: string): LedgerTx | undefined {
    for (const tx of this.txs.values()) if (tx.rrn === rrn && tx.terminalId === terminalId) return tx;
    return undefined;
  }

  /** How many transactions were ever recorded: the RRN sequence. */
  get count(): number {
    return this.txs.size;
  }

  // ---- accounts ----------------------------------------------------------------------------

  account(id: string): AccountState {
    const s = this.accounts.get(id);
    if (s) return { ...s };
    const a = this.book.accountById(id);
    return { balance: a?.balance ?? 0, pinTriesLeft: a?.pinTries ?? 0, dailyDate: '', dailySpent: 0 };
  }

  putAccount(id: string, s: AccountState): void {
    this.record({ k: 'acct', id, s: { ...s } });
  }

  // ---- batches, duplicates, settlements ----------------------------------------------------

  isClosed(terminalId: string, batch: number): boolean {
    return this.closed.has(`${terminalId}|${batch}`);
  }

  closeBatch(terminalId: string, batch: number): void {
    this.record({ k: 'close', tid: terminalId, batch });
  }

  /** True when this key was seen before; records it otherwise. */
  seenBefore(key: string): boolean {
    if (this.seen.has(key)) return true;
    this.record({ k: 'seen', key });
    return false;
  }

  addSettlement(s: SettlementRecord): void {
    this.record({ k: 'settle', s });
  }

  /** Totals of what stands in a terminal's batch (docs/host-spec.md 6.11). */
  totals(terminalId: string, batch: number): BatchTotals {
    const t: BatchTotals = { debitCount: 0, debitAmount: 0, creditCount: 0, creditAmount: 0 };
    for (const tx of this.txs.values()) {
      if (tx.terminalId !== terminalId || tx.batch !== batch || tx.status !== 'approved' || tx.reversed) continue;
      if (tx.type === 'sale' && !tx.voided) {
        t.debitCount++;
        t.debitAmount += tx.amount;
      } else if (tx.type === 'refund') {
        t.creditCount++;
        t.creditAmount += tx.amount;
      }
    }
    return t;
  }

  view(): LedgerView[] {
    const out: LedgerView[] = [...this.txs.values()].map((tx) => ({
      stan: tx.stan,
      terminalId: tx.terminalId,
      type: tx.type,
      amount: tx.amount,
      status: tx.status,
      rrn: tx.rrn,
      authCode: tx.authCode,
      reversed: tx.reversed,
      batch: tx.batch,
      responseCode: tx.responseCode,
      maskedPan: tx.maskedPan,
      voided: tx.voided ?? false,
      refunded: tx.refunded ?? 0,
      date: tx.hostDate,
      ksn: tx.ksn ?? null,
    }));
    for (const s of this.settlements) {
      out.push({
        stan: s.stan,
        terminalId: s.terminalId,
        type: 'settlement',
        amount: s.terminalTotals.debitAmount - s.terminalTotals.creditAmount,
        status: s.status,
        rrn: null,
        authCode: null,
        reversed: false,
        batch: s.batch,
        responseCode: s.status === 'out-of-balance' ? '95' : '00',
        maskedPan: null,
        voided: false,
        refunded: 0,
        date: s.hostDate,
        ksn: null,
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.log?.close();
  }
}
