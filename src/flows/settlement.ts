/**
 * Settlement (结算) from the MENU: the open batch's totals by kind and currency on screen
 * for the merchant to confirm, then the host (settle-online.ts: 0500, batch upload on 95,
 * 0500 again), the batch closed and the next opened, the settlement report printed.
 *
 * Before anything is shown or sent, due reversals are delivered (docs/host-spec.md section
 * 8 rule 5): a reversal the host cannot be reached for refuses the settlement with a clear
 * message, and so does a transaction still waiting for its outcome, since the totals would
 * not be final. A batch with nothing in it says so. A failed settlement leaves the batch
 * open and says why; trying again is safe. The report is printed after the batch is closed:
 * an empty roll holds the report in the print queue, never the settlement.
 */
import { ReversalPendingError } from '../host/errors.js';
import { formatAmount, isCurrencyCode } from '../money.js';
import { settlementReceipt } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { batchTotals, somethingToSettle, type CurrencyTotals } from '../store/batch-totals.js';
import { OPEN_STATUSES } from '../store/journal.js';
import { t, type MessageKey } from '../ui/messages.js';
import { detailScreen, messageScreen } from '../ui/screens.js';
import { cellWidth, fit, spread } from '../ui/text.js';
import { merchantOf } from './journal-receipt.js';
import { layout, show } from './layout.js';
import { findAnomalies, logAnomaly, withAlerts } from './monitor.js';
import { syncReversals } from './online.js';
import { printOrQueue, type PrintResult } from './print-watch.js';
import { settleOnline, type SettleOutcome } from './settle-online.js';
import { showMessage } from './show-message.js';

/** Field 63 counts are three digits (docs/host-spec.md 6.11). */
const MAX_COUNT = 999;

export type SettleResult =
  | { kind: 'settled'; batch: number; opened: number; result: 'balanced' | 'unbalanced'; report: PrintResult['kind'] | 'failed'; alerts: number }
  | { kind: 'nothing'; batch: number }
  | { kind: 'refused'; why: 'no-host' | 'reversal-pending' | 'unfinished' | 'mixed-currencies' | 'too-many' }
  | { kind: 'failed'; outcome: Exclude<SettleOutcome, { kind: 'balanced' | 'uploaded' }> };

const say = (ctx: TerminalContext, key: MessageKey, params?: Record<string, string>) => t(ctx.lang, key, params);

/**
 * The three rows of a batch's totals: kind and count on the left, the amount on the right.
 * The count and the amount are never cut: when the row is too wide for the line, the
 * amount drops its thousands separators, then the kind's word gives way (cut from its end;
 * the rows keep their order: sale, void, refund).
 */
export function totalsRows(ctx: TerminalContext, totals: CurrencyTotals): string[] {
  const cols = ctx.screen.columns;
  const fits = (left: string, right: string) => cellWidth(left) + 1 + cellWidth(right) <= cols;
  const row = (key: MessageKey, k: { count: number; amount: number }, sign: string) => {
    const left = say(ctx, key, { n: String(k.count) });
    const minus = k.amount ? sign : '';
    let amount = `${minus}${formatAmount(k.amount, totals.currency)}`;
    if (!fits(left, amount)) amount = `${minus}${formatAmount(k.amount, totals.currency, { grouping: false })}`;
    if (fits(left, amount)) return spread(left, amount, cols);
    const [word = '', after = ''] = say(ctx, key, { n: '\u0001' }).split('\u0001');
    const count = `${k.count}${after}`;
    const short = fit(word.trimEnd(), cols - cellWidth(amount) - 1 - cellWidth(count) - 1);
    return spread(short ? `${short} ${count}` : count, amount, cols);
  };
  return [row('settle.sale', totals.sale, ''), row('settle.void', totals.void, '-'), row('settle.refund', totals.refund, '-')];
}

async function refuse(ctx: TerminalContext, signal: AbortSignal, why: Extract<SettleResult, { kind: 'refused' }>['why'], lines: MessageKey[]): Promise<SettleResult> {
  ctx.log.warn({ event: 'settle.refused', why }, 'settlement refused');
  ctx.indicators?.error();
  await showMessage(ctx, signal, 'settle.title', lines.map((k) => say(ctx, k)));
  return { kind: 'refused', why };
}

/** Due reversals first; false when one is still due or a transaction of the batch has no outcome yet. */
async function clearReversals(ctx: TerminalContext, signal: AbortSignal): Promise<'clear' | 'reversal-pending' | 'unfinished'> {
  const deps = ctx.payments!.online;
  const open = () => deps.journal.inBatch(deps.journal.batch).filter((r) => OPEN_STATUSES.includes(r.status)).length;
  if (deps.link.reversals.dueCount === 0 && open() === 0) return 'clear';
  show(ctx, messageScreen(layout(ctx), 'settle.title', ['', say(ctx, 'settle.reversals')]));
  try {
    await deps.link.reversals.ensureClear({ signal });
  } catch (e) {
    if (!(e instanceof ReversalPendingError)) throw e;
    await syncReversals(deps);
    return 'reversal-pending';
  }
  await syncReversals(deps);
  return open() === 0 ? 'clear' : 'unfinished';
}

/** Settles the open batch with the host; see the module comment. */
export async function settle(ctx: TerminalContext, signal: AbortSignal): Promise<SettleResult> {
  const payments = ctx.payments;
  if (!payments) return refuse(ctx, signal, 'no-host', ['settle.noHost']);
  const deps = payments.online;
  const journal = deps.journal;
  const batch = journal.batch;
  const batchText = String(batch).padStart(6, '0');
  if (!somethingToSettle(journal.inBatch(batch))) {
    await showMessage(ctx, signal, 'settle.title', [say(ctx, 'settle.batch', { batch: batchText }), say(ctx, 'settle.nothing')]);
    return { kind: 'nothing', batch };
  }

  const cleared = await clearReversals(ctx, signal);
  if (cleared === 'reversal-pending') return refuse(ctx, signal, 'reversal-pending', ['settle.reversalPending', 'settle.refused']);
  if (cleared === 'unfinished') return refuse(ctx, signal, 'unfinished', ['settle.pending', 'settle.refused']);

  const all = batchTotals(journal.inBatch(batch));
  // A batch holds one currency (6.11); a currency changed in the settings mid-batch needs the acquirer.
  if (all.length !== 1) return refuse(ctx, signal, 'mixed-currencies', ['settle.mixed', 'settle.refused']);
  const totals = all[0]!;
  const currency = totals.currency;
  if (!isCurrencyCode(currency)) return refuse(ctx, signal, 'mixed-currencies', ['settle.mixed', 'settle.refused']);
  if (totals.sale.count > MAX_COUNT || totals.refund.count > MAX_COUNT) return refuse(ctx, signal, 'too-many', ['settle.tooMany', 'settle.refused']);

  // The merchant confirms what is about to be sent: ENTER settles, CANCEL leaves.
  const l = layout(ctx);
  show(ctx, detailScreen(l, spread(say(ctx, 'settle.confirm'), totals.currency, l.columns), totalsRows(ctx, totals)));
  for (;;) {
    const key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'settleConfirmTimeout' });
    if (key === 'ENTER') break;
  }
  ctx.log.info({ event: 'settle.confirmed', batch, currency: totals.currency, sale: totals.sale, void: totals.void, refund: totals.refund }, 'settlement confirmed');
  ctx.indicators?.processing();

  const outcome = await settleOnline(deps, {
    totals,
    signal,
    onProgress: (p) => {
      const line = p.stage === 'uploading' ? say(ctx, 'settle.uploading', { n: String(p.done), m: String(p.of) }) : say(ctx, 'settle.sending');
      show(ctx, messageScreen(l, 'settle.title', [say(ctx, 'settle.batch', { batch: batchText }), line]));
    },
  });
  if (outcome.kind !== 'balanced' && outcome.kind !== 'uploaded') return failed(ctx, signal, outcome);

  // Settled: the batch is closed. The anomalies of the batch go to the log and the report.
  ctx.indicators?.success();
  const result = outcome.kind === 'balanced' ? 'balanced' : 'unbalanced';
  const anomalies = findAnomalies(journal.inBatch(outcome.closed), ctx.settings.monitor, ctx.settings.timeZone);
  for (const a of anomalies) logAnomaly(ctx, a);
  show(ctx, messageScreen(l, 'settle.title', [say(ctx, 'settle.done'), say(ctx, 'sale.printing')]));
  let report: PrintResult['kind'] | 'failed' = 'no-printer';
  if (ctx.printer) {
    // The batch is closed whatever the printer does: a report that cannot be made is logged.
    try {
      const doc = settlementReceipt(
        { merchant: merchantOf(ctx.settings), batch: batchText, time: ctx.clock.now(), currency, sale: totals.sale, void: totals.void, refund: totals.refund, result },
        { lang: ctx.lang, paper: ctx.printer.profile.dots === 576 ? 80 : 58 },
      );
      report = (await printOrQueue(ctx, signal, withAlerts(doc, anomalies))).kind;
    } catch (e) {
      if (signal.aborted) throw e;
      ctx.log.error({ event: 'settle.reportFailed', batch, err: (e as Error).message }, 'the settlement report could not be printed');
      report = 'failed';
    }
  }
  ctx.log.info({ event: 'settle.done', batch, opened: outcome.opened, result, report, alerts: anomalies.length }, 'settlement done');
  const lines = [say(ctx, 'settle.done'), say(ctx, result === 'balanced' ? 'settle.balanced' : 'settle.unbalanced')];
  if (report === 'queued') lines.push(say(ctx, 'print.paperOut'), say(ctx, 'print.loadPaper'));
  else lines.push(say(ctx, anomalies.length ? 'settle.alerts' : result === 'balanced' ? 'settle.batch' : 'settle.uploaded', { batch: batchText }));
  await showMessage(ctx, signal, 'settle.title', lines.slice(0, Math.max(1, ctx.screen.rows - 1)));
  return { kind: 'settled', batch: outcome.closed, opened: outcome.opened, result, report, alerts: anomalies.length };
}

async function failed(ctx: TerminalContext, signal: AbortSignal, outcome: Exclude<SettleOutcome, { kind: 'balanced' | 'uploaded' }>): Promise<SettleResult> {
  ctx.indicators?.error();
  const lines: string[] = (() => {
    switch (outcome.kind) {
      case 'busy':
        return [say(ctx, 'settle.pending'), say(ctx, 'settle.refused')];
      case 'reversal-pending':
        return [say(ctx, 'settle.reversalPending'), say(ctx, 'settle.refused')];
      case 'not-sent':
        return [say(ctx, 'settle.notSent'), say(ctx, 'settle.stillOpen'), say(ctx, 'settle.retry')];
      case 'no-answer':
        return [say(ctx, 'settle.noAnswer'), say(ctx, 'settle.stillOpen'), say(ctx, 'settle.retry')];
      case 'refused':
        return [say(ctx, 'settle.failed', { code: outcome.responseCode }), say(ctx, 'settle.stillOpen')];
      case 'upload-failed':
        return [say(ctx, 'settle.uploadFailed'), say(ctx, 'settle.stillOpen'), say(ctx, 'settle.retry')];
    }
  })();
  await showMessage(ctx, signal, 'settle.title', lines);
  return { kind: 'failed', outcome };
}
