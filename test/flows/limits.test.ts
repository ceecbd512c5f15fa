import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { checkDailyLimit, checkRefundDailyCap, refusalLines, type LimitRefusal } from '../../src/flows/limits.js';
import { findAnomalies, reviewTransactions } from '../../src/flows/monitor.js';
import { authoriseOnline, type OnlineOutcome, type OnlineRequest } from '../../src/flows/online.js';
import { settle } from '../../src/flows/settlement.js';
import { DEFAULT_SETTINGS, loadSettings, validateSettings, type TerminalSettings } from '../../src/store/config.js';
import { dayTotals } from '../../src/store/day-totals.js';
import { Journal } from '../../src/store/journal.js';
import { flowRig, type Rig } from './helpers/flow-rig.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function open(settings: Partial<TerminalSettings>): Promise<Rig> {
  rig = await flowRig({ lang: 'en', settings });
  return rig;
}

/** The online step on its own (a void or refund as their flows will send it), paced like the flows. */
async function online(t: Rig, request: OnlineRequest): Promise<OnlineOutcome> {
  let done = false;
  const p = authoriseOnline(t.payments.online, request).finally(() => (done = true));
  await t.until(() => done);
  return p;
}

describe('the daily sales limit (checked before a sale goes online)', () => {
  it('counts the day\'s approved sales that stand: a sale passing the limit is refused with what is left; declines and voids do not count', async () => {
    const t = await open({ dailySalesLimit: 2000 });
    expect(checkDailyLimit(t.ctx, 2000)).toEqual({ kind: 'allowed', used: 0, limit: 2000 });
    await t.doSale(['1', '2', '3', '4'], 'visa-ok');
    await t.doSale(['5', '0', '0'], 'visa-nsf');
    expect(checkDailyLimit(t.ctx, 766)).toEqual({ kind: 'allowed', used: 1234, limit: 2000 });
    const refused = checkDailyLimit(t.ctx, 767) as LimitRefusal;
    expect(refused).toMatchObject({ kind: 'refused', code: 'DAILY_LIMIT', limit: 2000, used: 1234, remaining: 766, currency: 'CNY' });
    expect(refusalLines(t.ctx, refused)).toEqual(['Daily limit hit', 'Left 7.66']);
    expect(t.events('monitor.dailyLimit')).toEqual([expect.objectContaining({ amount: 767, used: 1234, limit: 2000, day: '2026-01-15' })]);
    expect(() => checkDailyLimit(t.ctx, 0)).toThrow(ValidationError);
    expect(() => checkDailyLimit(t.ctx, 1.5)).toThrow(ValidationError);
    const sale = t.journal.all()[0]!;
    expect(await online(t, { kind: 'void', saleId: sale.id })).toMatchObject({ kind: 'approved' });
    expect(checkDailyLimit(t.ctx, 2000)).toMatchObject({ kind: 'allowed', used: 0 });
  });

  it('a day is the merchant\'s calendar day: 23:59:59 and 00:00:00 in Shanghai are two days', async () => {
    const journal = await Journal.open({ file: join(mkdtempSync(join(tmpdir(), 'day-')), 'journal.log') });
    for (const [id, time, amount] of [['late', '2026-01-15T15:59:59.000Z', 100], ['early', '2026-01-15T16:00:00.000Z', 200]] as const) {
      await journal.begin({ id, stan: String(journal.reserveStan()).padStart(6, '0'), type: 'sale', amount, currency: 'CNY', batch: 1, time, localDate: '0116', localTime: '000000' });
      await journal.update(id, { status: 'approved', rrn: '011600000001' });
    }
    expect(dayTotals(journal.all(), Date.UTC(2026, 0, 16, 3), 'Asia/Shanghai', 'CNY')).toMatchObject({ day: '2026-01-16', sales: { count: 1, amount: 200 } });
    expect(dayTotals(journal.all(), Date.UTC(2026, 0, 15, 3), 'Asia/Shanghai', 'CNY')).toMatchObject({ day: '2026-01-15', sales: { count: 1, amount: 100 } });
    expect(dayTotals(journal.all(), Date.UTC(2026, 0, 15, 3), 'Asia/Shanghai', 'HKD').sales.count).toBe(0);
    await journal.close();
  });
});

describe('refunds: the daily cap and the monitor', () => {
  it('two refunds of a settled sale: the cap counts them, and large, many and too much are each flagged once', async () => {
    const t = await open({ refundDailyCap: 1500, monitor: { declineRun: 5, refundsPerDay: 1, refundAmountPerDay: 1000, largeRefund: 600 } });
    await t.doSale(['2', '0', '0', '0'], 'visa-ok');
    const sale = t.journal.all()[0]!;
    const s = t.run('settle', settle);
    await t.until(t.shows('Settle now?'));
    await t.press('ENTER');
    expect(await t.finish(s)).toMatchObject({ kind: 'settled' });
    const refund = (amount: number): OnlineRequest => ({
      kind: 'refund',
      amount,
      currency: 'CNY',
      card: { pan: '4761730000000011', entryMode: 'contactless-chip', expiry: '3012' },
      original: { rrn: sale.rrn!, date: { month: 1, day: 15 } },
    });
    expect(checkRefundDailyCap(t.ctx, 1500)).toMatchObject({ kind: 'allowed', used: 0 });
    expect(await online(t, refund(600))).toMatchObject({ kind: 'approved' });
    expect(reviewTransactions(t.ctx).map((a) => a.kind)).toEqual(['large-refund']);
    expect(await online(t, refund(500))).toMatchObject({ kind: 'approved' });
    expect(checkRefundDailyCap(t.ctx, 400)).toEqual({ kind: 'allowed', used: 1100, limit: 1500 });
    const refused = checkRefundDailyCap(t.ctx, 401) as LimitRefusal;
    expect(refused).toMatchObject({ kind: 'refused', code: 'REFUND_DAILY_CAP', remaining: 400 });
    expect(refusalLines(t.ctx, refused)).toEqual(['Refund cap hit', 'Left 4.00']);
    expect(reviewTransactions(t.ctx).map((a) => a.kind).sort()).toEqual(['refund-amount', 'refund-count']);
    expect(reviewTransactions(t.ctx)).toEqual([]);
    expect(t.events('monitor.largeRefund')).toEqual([expect.objectContaining({ stan: expect.any(String), amount: 600, threshold: 600 })]);
    expect(t.events('monitor.refundCount')).toEqual([expect.objectContaining({ count: 2, threshold: 1, day: '2026-01-15' })]);
    expect(t.events('monitor.refundAmount')).toEqual([expect.objectContaining({ amount: 1100, threshold: 1000 })]);
    expect(t.events('monitor.refundCap')).toHaveLength(1);
    expect(JSON.stringify(t.logs)).not.toContain('4761730000000011');
  });

  it('no anomaly under the default thresholds; a decline run only counts declines with no approval between', () => {
    const base = { currency: 'CNY', batch: 1, time: '2026-01-15T01:30:00.000Z', localDate: '0115', localTime: '093000', amount: 100 } as const;
    const rec = (id: string, type: 'sale' | 'refund', status: string) => ({ ...base, id, stan: id.padStart(6, '0'), type, status }) as unknown as Parameters<typeof findAnomalies>[0][number];
    const ids = ['1', '2', '3', '4', '5', '6', '7'];
    const run = ids.map((id, i) => rec(id, 'sale', i === 3 ? 'approved' : 'declined'));
    expect(findAnomalies(run, { ...DEFAULT_SETTINGS.monitor, declineRun: 3 }, 'Asia/Shanghai')).toEqual([
      { kind: 'decline-run', key: 'decline-run:1', count: 3, firstStan: '000001', lastStan: '000003' },
      { kind: 'decline-run', key: 'decline-run:5', count: 3, firstStan: '000005', lastStan: '000007' },
    ]);
    expect(findAnomalies(run, DEFAULT_SETTINGS.monitor, 'Asia/Shanghai')).toEqual([]);
  });
});

describe('the settings of the limits and the monitor', () => {
  it('take their defaults in an older config.json, keep what is set, and name each wrong value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-limits-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ monitor: { declineRun: 3 } }));
    const s = await loadSettings(dir);
    expect(s.monitor).toEqual({ ...DEFAULT_SETTINGS.monitor, declineRun: 3 });
    expect(s.dailySalesLimit).toBe(DEFAULT_SETTINGS.dailySalesLimit);
    expect(s.refundDailyCap).toBe(DEFAULT_SETTINGS.refundDailyCap);
    expect(() => validateSettings({ ...DEFAULT_SETTINGS, dailySalesLimit: 0, refundDailyCap: 1.5, monitor: { ...DEFAULT_SETTINGS.monitor, largeRefund: -1 } })).toThrow(
      /dailySalesLimit must be a whole number of minor units from 1 to 999999999999; refundDailyCap must be .*; monitor\.largeRefund must be a whole number from 1 to 999999999999/,
    );
  });
});
