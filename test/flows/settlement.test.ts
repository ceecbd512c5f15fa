import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { watchTransactions } from '../../src/flows/monitor.js';
import { sale } from '../../src/flows/sale.js';
import { settle, type SettleResult } from '../../src/flows/settlement.js';
import { batchTotals, field63 } from '../../src/store/batch-totals.js';
import type { TerminalSettings } from '../../src/store/config.js';
import { Journal } from '../../src/store/journal.js';
import { flowRig, type Rig } from './helpers/flow-rig.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function open(settings: Partial<TerminalSettings> = {}): Promise<Rig> {
  rig = await flowRig({ lang: 'en', settings });
  return rig;
}

/** Settle from the confirmation screen: ENTER, then the flow to its end. */
async function settleConfirmed(t: Rig): Promise<SettleResult> {
  const r = t.run('settle', settle);
  await t.until(() => t.shows('Settle now?')() || r.settled());
  if (!r.settled()) await t.press('ENTER');
  return t.finish(r);
}

const terminalId = '12345678';
const hostSettlements = (t: Rig) => t.host.ledger.settlements.filter((s) => s.terminalId === terminalId);

describe('settlement (结算) on the sim board, against the acquirer simulator', () => {
  it('totals agree: confirmed on screen, 0500 answered 00, the batch closed and the next opened, the report printed BALANCED', async () => {
    const t = await open();
    expect((await t.doSale(['1', '2', '3', '4'], 'visa-ok')).kind).toBe('approved');
    expect((await t.doSale(['5', '0', '0'], 'mc-ok')).kind).toBe('approved');
    const before = t.receipts().length;
    const r = t.run('settle', settle);
    await t.until(t.shows('Settle now?'));
    expect(t.display()).toEqual(['Settle now?  CNY', 'Sale 2     17.34', 'Void 0      0.00', 'Refund 0    0.00']);
    await t.press('ENTER');
    expect(await t.finish(r)).toMatchObject({ kind: 'settled', batch: 1, opened: 2, result: 'balanced', report: 'printed', alerts: 0 });
    expect(t.journal.batch).toBe(2);
    expect(t.host.ledger.isClosed(terminalId, 1)).toBe(true);
    expect(hostSettlements(t)).toEqual([expect.objectContaining({ batch: 1, status: 'balanced', terminalTotals: { debitCount: 2, debitAmount: 1734, creditCount: 0, creditAmount: 0 } })]);
    const report = t.receipts().slice(before);
    expect(report).toHaveLength(1);
    expect(report[0]).toContain('SETTLEMENT');
    expect(report[0]).toMatch(/SALE\s+2\s+CNY 17\.34/);
    expect(report[0]).toContain('BALANCED');
    expect(report[0]).not.toContain('NOT BALANCED');
    // The next sale goes into batch 2.
    expect((await t.doSale(['1', '0', '0'], 'visa-ok')).kind).toBe('approved');
    expect(t.journal.all().at(-1)).toMatchObject({ batch: 2, status: 'approved' });
  });

  it('totals differ (the host holds a sale whose reversal it refused): 95, each sale uploaded as a 0320, 0500 960000, closed NOT BALANCED', async () => {
    const t = await open();
    expect((await t.doSale(['1', '2', '3', '4'], 'visa-ok')).kind).toBe('approved');
    // The host approves the second sale but its answer is garbled; the reversal is refused (05).
    t.host.faults.add({ next: 'garble', count: 1 });
    t.host.faults.add({ next: 'decline:05', count: 1 });
    expect((await t.doSale(['5', '0', '0'], 'mc-ok')).kind).toBe('not-completed');
    await t.until(() => t.journal.all().at(-1)?.status === 'reversal-refused');
    const before = t.receipts().length;
    const out = await settleConfirmed(t);
    expect(out).toMatchObject({ kind: 'settled', batch: 1, opened: 2, result: 'unbalanced', report: 'printed' });
    expect(hostSettlements(t).map((s) => s.status)).toEqual(['out-of-balance', 'closed-after-upload']);
    expect(hostSettlements(t)[0]).toMatchObject({ terminalTotals: { debitCount: 1, debitAmount: 1234 }, hostTotals: { debitCount: 2, debitAmount: 1734 } });
    const first = t.journal.inBatch(1)[0]!;
    expect(t.host.ledger.findByKey(`${terminalId}|${first.stan}|${first.localDate}|${first.localTime}`)?.uploaded).toBe(true);
    expect(t.events('settle.uploadRetry')).toEqual([]);
    expect(t.journal.batch).toBe(2);
    expect(t.receipts().slice(before)[0]).toContain('NOT BALANCED');
    expect(t.events('settle.unbalanced')).toHaveLength(1);
  });

  it('the host is silent: no answer to the 0500, the batch stays open, nothing printed; trying again settles', async () => {
    const t = await open();
    await t.doSale(['9', '9', '9'], 'visa-ok');
    const before = t.receipts().length;
    t.host.faults.add({ next: 'timeout', count: 1 });
    const r = t.run('settle', settle);
    await t.until(t.shows('Settle now?'));
    await t.press('ENTER');
    await t.until(t.shows('No host answer'), 200_000);
    expect(t.display()).toContain('Batch still open');
    expect(await t.finish(r)).toMatchObject({ kind: 'failed', outcome: { kind: 'no-answer', stage: 'settlement' } });
    expect(t.journal.batch).toBe(1);
    expect(t.receipts().length).toBe(before);
    expect(await settleConfirmed(t)).toMatchObject({ kind: 'settled', result: 'balanced' });
  });

  it('the printer is out of paper: the settlement stands, the screen says so, the report prints once paper is loaded', async () => {
    const t = await open();
    await t.doSale(['2', '0', '0'], 'visa-ok');
    const before = t.receipts().length;
    t.board.printer.runOutAfter(0);
    const r = t.run('settle', settle);
    await t.until(t.shows('Settle now?'));
    await t.press('ENTER');
    await t.until(t.shows('Out of paper'), 200_000);
    expect(t.display()).toEqual(['SETTLEMENT', '    SETTLED', '    Balanced', '  Out of paper']);
    expect(await t.finish(r)).toMatchObject({ kind: 'settled', report: 'queued' });
    expect(t.journal.batch).toBe(2);
    expect(t.receipts().length).toBe(before);
    t.board.printer.loadPaper();
    await t.until(() => t.receipts().length > before);
    expect(t.receipts().at(-1)).toContain('SETTLEMENT');
  });

  it('nothing to settle: an empty batch, or one with only a decline, says so and sends nothing', async () => {
    const t = await open();
    const empty = t.run('settle', settle);
    await t.until(t.shows('No transactions'));
    expect(await t.finish(empty)).toEqual({ kind: 'nothing', batch: 1 });
    expect((await t.doSale(['3', '0', '0'], 'visa-nsf')).kind).toBe('declined');
    const declined = t.run('settle', settle);
    await t.until(t.shows('No transactions'));
    expect(await t.finish(declined)).toEqual({ kind: 'nothing', batch: 1 });
    expect(hostSettlements(t)).toEqual([]);
  });

  it('a reversal still pending that cannot be delivered refuses settlement; once delivered, settlement goes through', async () => {
    const t = await open();
    await t.doSale(['1', '0', '0', '0'], 'visa-ok');
    // The next sale's connection breaks after it left, and so does every reversal attempt.
    t.host.faults.add({ next: 'disconnect', count: 1000 });
    expect((await t.doSale(['2', '0', '0'], 'mc-ok')).kind).toBe('not-completed');
    expect(t.journal.all().at(-1)?.status).toBe('reversal-pending');
    const r = t.run('settle', settle);
    await t.until(t.shows('Cannot settle'), 200_000);
    expect(t.display()).toContain('Reversal pending');
    expect(await t.finish(r)).toEqual({ kind: 'refused', why: 'reversal-pending' });
    expect(t.journal.batch).toBe(1);
    expect(hostSettlements(t)).toEqual([]);
    t.host.faults.clear();
    expect(await settleConfirmed(t)).toMatchObject({ kind: 'settled', result: 'balanced' });
    expect(t.journal.inBatch(1).map((x) => x.status)).toEqual(['approved', 'reversed']);
  });

  it('CANCEL at the confirmation sends nothing; the host refusing (12) or a batch upload it never acknowledges leaves the batch open', async () => {
    const t = await open();
    await t.doSale(['4', '0', '0'], 'visa-ok');
    const cancelled = t.run('settle', settle);
    await t.until(t.shows('Settle now?'));
    await t.press('CANCEL');
    await t.until(cancelled.settled);
    await expect(cancelled.done).rejects.toBeInstanceOf(CancelledError);

    t.host.faults.add({ next: 'decline:12', count: 1 });
    expect(await settleConfirmed(t)).toMatchObject({ kind: 'failed', outcome: { kind: 'refused', stage: 'settlement', responseCode: '12' } });

    t.host.faults.add({ next: 'decline:95', count: 1 });
    t.host.faults.add({ next: 'decline:96', count: 4 });
    const r = t.run('settle', settle);
    await t.until(t.shows('Settle now?'));
    await t.press('ENTER');
    await t.until(t.shows('Upload failed'));
    expect(await t.finish(r)).toMatchObject({ kind: 'failed', outcome: { kind: 'upload-failed', responseCode: '96', uploaded: 0 } });
    expect(t.events('settle.uploadRetry')).toHaveLength(4);
    expect(t.journal.batch).toBe(1);
    expect(t.host.ledger.isClosed(terminalId, 1)).toBe(false);
  });

  it('declines in a row are flagged: a monitor.declineRun event as it happens, and ALERTS on the settlement report', async () => {
    const t = await open({ monitor: { declineRun: 2, refundsPerDay: 5, refundAmountPerDay: 500_000, largeRefund: 200_000 } });
    const stop = watchTransactions(t.ctx);
    await t.doSale(['1', '0', '0'], 'visa-ok');
    await t.doSale(['2', '0', '0'], 'visa-nsf');
    expect(t.events('monitor.declineRun')).toEqual([]);
    await t.doSale(['3', '0', '0'], 'visa-nsf');
    expect(t.events('monitor.declineRun')).toEqual([expect.objectContaining({ count: 2, firstStan: '000002', lastStan: '000003' })]);
    stop();
    const before = t.receipts().length;
    expect(await settleConfirmed(t)).toMatchObject({ kind: 'settled', alerts: 1 });
    const report = t.receipts().slice(before)[0]!;
    expect(report).toContain('ALERTS');
    expect(report).toContain('2 DECLINES IN A ROW');
    expect(t.events('monitor.declineRun')).toHaveLength(2); // the settlement logs the batch's anomalies again
  });
});

describe('settlement in Chinese', () => {
  it('the confirmation fits the 16-cell display and the report is the bilingual 结算总计单', async () => {
    rig = await flowRig({ lang: 'zh-CN' });
    const t = rig;
    const sold = t.run('sale', sale);
    await t.press('8', '8', '8', 'ENTER');
    t.board.presentCard('tap', 'visa-ok');
    await t.until(t.shows('请撕下商户联'));
    await t.press('ENTER');
    await t.finish(sold);
    const before = t.receipts().length;
    const r = t.run('settle', settle);
    await t.until(t.shows('确认结算?'));
    expect(t.display()).toEqual(['确认结算?    CNY', '消费 1      8.88', '撤销 0      0.00', '退货 0      0.00']);
    await t.press('ENTER');
    expect(await t.finish(r)).toMatchObject({ kind: 'settled', result: 'balanced' });
    const report = t.receipts().slice(before)[0]!;
    expect(report).toContain('结算总计单');
    expect(report).toContain('对账平');
  });
});

describe('batch totals by kind and currency', () => {
  it('sales that stand are debits, refunds credits, voids counted apart; two currencies come apart', async () => {
    const journal = await Journal.open({ file: join(mkdtempSync(join(tmpdir(), 'totals-')), 'journal.log') });
    const add = async (id: string, type: 'sale' | 'void' | 'refund', amount: number, currency: string, status: 'approved' | 'declined' | 'voided' | null) => {
      const stan = String(journal.reserveStan()).padStart(6, '0');
      await journal.begin({ id, stan, type, amount, currency, batch: 1, time: '2026-01-15T01:30:00.000Z', localDate: '0115', localTime: '093000' });
      if (status === 'voided') {
        await journal.update(id, { status: 'approved', rrn: `RRN${id}`.padEnd(12, '0') });
        await journal.update(id, { status: 'voided' });
      } else if (status) await journal.update(id, { status, ...(status === 'approved' ? { rrn: `RRN${id}`.padEnd(12, '0') } : {}) });
    };
    await add('a', 'sale', 1000, 'CNY', 'approved');
    await add('b', 'sale', 500, 'CNY', 'voided');
    await add('c', 'void', 500, 'CNY', 'approved');
    await add('d', 'refund', 300, 'CNY', 'approved');
    await add('e', 'sale', 700, 'CNY', 'declined');
    await add('f', 'sale', 900, 'CNY', null);
    await add('g', 'sale', 2000, 'HKD', 'approved');
    const totals = batchTotals(journal.inBatch(1));
    expect(totals).toEqual([
      { currency: 'CNY', sale: { count: 1, amount: 1000 }, void: { count: 1, amount: 500 }, refund: { count: 1, amount: 300 } },
      { currency: 'HKD', sale: { count: 1, amount: 2000 }, void: { count: 0, amount: 0 }, refund: { count: 0, amount: 0 } },
    ]);
    expect(field63(totals[0]!)).toEqual({ debitCount: 1, debitAmount: 1000, creditCount: 1, creditAmount: 300 });
    // Journal.totals() adds currencies together: why a settlement takes them apart first.
    expect(journal.totals(1)).toEqual({ debitCount: 2, debitAmount: 3000, creditCount: 1, creditAmount: 300 });
    await journal.close();
  });
});
