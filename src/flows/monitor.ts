/**
 * The transaction monitor: patterns in the journal that a merchant or the acquirer's risk
 * desk should look at, flagged as structured log events (monitor.*) and on the settlement
 * report. It never refuses anything (limits.ts does that); it says what it saw.
 *
 *  - monitor.declineRun: settings.monitor.declineRun declined sales in a row, with no
 *    approval between (card testing with stolen numbers, a faulty reader, a host problem);
 *  - monitor.refundCount: more than settings.monitor.refundsPerDay refunds in a day;
 *  - monitor.refundAmount: the day's refunds adding up to more than refundAmountPerDay;
 *  - monitor.largeRefund: one refund of at least largeRefund (refunds send money out: the
 *    classic way a dishonest cashier takes it).
 *
 * findAnomalies is pure. reviewTransactions logs each anomaly once per run of the terminal
 * (its key: the run's first transaction, the day, the refund), so calling it after every
 * transaction is cheap and quiet.
 */
import { formatAmount } from '../money.js';
import type { Block, PrintDocument } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import type { TerminalSettings } from '../store/config.js';
import { dayOf } from '../store/day-totals.js';
import type { Journal, JournalRecord } from '../store/journal.js';
import { beforeCut, reportLine } from './report-blocks.js';

export type Anomaly =
  | { kind: 'decline-run'; key: string; count: number; firstStan: string; lastStan: string }
  | { kind: 'refund-count'; key: string; day: string; count: number; threshold: number }
  | { kind: 'refund-amount'; key: string; day: string; currency: string; amount: number; threshold: number }
  | { kind: 'large-refund'; key: string; stan: string; currency: string; amount: number; threshold: number };

/** The anomalies in `records` (oldest first), by the thresholds of settings.monitor. */
export function findAnomalies(records: readonly JournalRecord[], thresholds: TerminalSettings['monitor'], timeZone: string): Anomaly[] {
  const out: Anomaly[] = [];
  // Declines in a row: an approval ends a run; what never reached an answer (reversed,
  // not sent, still pending) says nothing either way and is passed over.
  let run: JournalRecord[] = [];
  const endRun = () => {
    if (run.length >= thresholds.declineRun) {
      out.push({ kind: 'decline-run', key: `decline-run:${run[0]!.id}`, count: run.length, firstStan: run[0]!.stan, lastStan: run[run.length - 1]!.stan });
    }
    run = [];
  };
  const refundsByDay = new Map<string, { day: string; currency: string; count: number; amount: number }>();
  for (const r of records) {
    if (r.type === 'sale' && r.status === 'declined') run.push(r);
    else if (r.status === 'approved' || r.status === 'voided' || r.status === 'refunded') endRun();
    if (r.type !== 'refund' || r.status !== 'approved') continue;
    if (r.amount >= thresholds.largeRefund) {
      out.push({ kind: 'large-refund', key: `large-refund:${r.id}`, stan: r.stan, currency: r.currency, amount: r.amount, threshold: thresholds.largeRefund });
    }
    const day = dayOf(r, timeZone) ?? 'unknown';
    const k = `${day}|${r.currency}`;
    const d = refundsByDay.get(k) ?? { day, currency: r.currency, count: 0, amount: 0 };
    d.count++;
    d.amount += r.amount;
    refundsByDay.set(k, d);
  }
  endRun();
  const days = new Map<string, number>();
  for (const d of refundsByDay.values()) {
    days.set(d.day, (days.get(d.day) ?? 0) + d.count);
    if (d.amount > thresholds.refundAmountPerDay) {
      out.push({ kind: 'refund-amount', key: `refund-amount:${d.day}:${d.currency}`, day: d.day, currency: d.currency, amount: d.amount, threshold: thresholds.refundAmountPerDay });
    }
  }
  for (const [day, count] of days) {
    if (count > thresholds.refundsPerDay) out.push({ kind: 'refund-count', key: `refund-count:${day}`, day, count, threshold: thresholds.refundsPerDay });
  }
  return out;
}

const EVENT: Record<Anomaly['kind'], string> = {
  'decline-run': 'monitor.declineRun',
  'refund-count': 'monitor.refundCount',
  'refund-amount': 'monitor.refundAmount',
  'large-refund': 'monitor.largeRefund',
};

/** Logs one anomaly as its monitor.* event (no card data: STANs, counts and amounts only). */
export function logAnomaly(ctx: Pick<TerminalContext, 'log'>, a: Anomaly): void {
  const { kind: _kind, key: _key, ...fields } = a;
  ctx.log.warn({ event: EVENT[a.kind], ...fields }, `transaction monitor: ${a.kind}`);
}

const logged = new WeakMap<Journal, Set<string>>();
const RECENT_MS = 48 * 3_600_000;

/**
 * Looks at the last two days of the journal and logs each anomaly not logged before by
 * this run of the terminal. For the flows to call after a transaction ends; returns what
 * is new.
 */
export function reviewTransactions(ctx: TerminalContext): Anomaly[] {
  const journal = ctx.payments?.online.journal;
  if (!journal) return [];
  const now = ctx.clock.now();
  const recent = journal.all().filter((r) => {
    const ms = Date.parse(r.time);
    return Number.isFinite(ms) && Math.abs(now - ms) <= RECENT_MS;
  });
  let seen = logged.get(journal);
  if (!seen) logged.set(journal, (seen = new Set()));
  const fresh = findAnomalies(recent, ctx.settings.monitor, ctx.settings.timeZone).filter((a) => !seen.has(a.key));
  for (const a of fresh) {
    seen.add(a.key);
    logAnomaly(ctx, a);
  }
  return fresh;
}

// ---------------------------------------------------------------------------------------
// On paper: a block of alerts at the end of the settlement report

function alertLines(a: Anomaly, lang: 'zh-CN' | 'en'): string[] {
  const zh = lang === 'zh-CN';
  const money = (n: number, c: string) => `${c} ${formatAmount(n, c)}`;
  switch (a.kind) {
    case 'decline-run':
      return [...(zh ? [`连续拒绝 ${a.count} 笔`] : []), `${a.count} DECLINES IN A ROW`, `  ${a.firstStan}-${a.lastStan}`];
    case 'refund-count':
      return [...(zh ? [`当日退货 ${a.count} 笔`] : []), `${a.count} REFUNDS ON ${a.day}`];
    case 'refund-amount':
      return [...(zh ? ['当日退货金额过大'] : []), `REFUNDS ${a.day}`, `  ${money(a.amount, a.currency)}`];
    case 'large-refund':
      return [...(zh ? ['大额退货'] : []), `LARGE REFUND ${a.stan}`, `  ${money(a.amount, a.currency)}`];
  }
}

/**
 * `doc` (a report from src/printer/receipts) with the alerts printed before its cut.
 */
export function withAlerts(doc: PrintDocument, anomalies: readonly Anomaly[]): PrintDocument {
  if (anomalies.length === 0) return doc;
  const lang = doc.lang === 'zh-CN' && doc.charset === 'gb18030' ? 'zh-CN' : 'en';
  const extra: Block[] = [reportLine(doc, lang === 'zh-CN' ? '异常提示 ALERTS' : 'ALERTS', { bold: true, align: 'center' })];
  for (const a of anomalies) for (const text of alertLines(a, lang)) extra.push(reportLine(doc, text));
  extra.push({ kind: 'rule' });
  return beforeCut(doc, extra);
}

/**
 * Reviews the journal whenever a transaction ends in a way that can make an anomaly (a sale
 * declined, a refund approved), so monitor.* events are logged as they happen. For the
 * composition root to call once the terminal starts; returns the function that stops it.
 */
export function watchTransactions(ctx: TerminalContext): () => void {
  const journal = ctx.payments?.online.journal;
  if (!journal) return () => undefined;
  return journal.onChange((r) => {
    if (!r || !((r.type === 'sale' && r.status === 'declined') || (r.type === 'refund' && r.status === 'approved'))) return;
    try {
      reviewTransactions(ctx);
    } catch (e) {
      ctx.log.error({ event: 'monitor.fault', err: (e as Error).message }, 'the transaction monitor failed');
    }
  });
}
