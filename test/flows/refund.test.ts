import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/errors.js';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { refundSale, type RefundOptions } from '../../src/flows/refund.js';
import { voidSale } from '../../src/flows/void.js';
import { DEFAULT_REFUND_POLICY, DEFAULT_SETTINGS, type TerminalSettings } from '../../src/store/config.js';
import { returnRig, SUPERVISOR_DEFAULT, swipeAgain, type Rig } from './helpers/return-rig.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const open = async (settings: Partial<TerminalSettings> = {}) => (rig = await returnRig({ settings }));
const noSupervisor = { refundPolicy: { ...DEFAULT_REFUND_POLICY, supervisorRequired: false } };
const digits = (s: string) => [...s] as KeyName[];
const traceKeys = (stan: string) => digits(stan.replace(/^0+/, ''));
const ledgerRefunds = (r: Rig) => r.host!.ledger.view().filter((l) => l.type === 'refund');

/** A refund started by trace number, past the supervisor when the policy asks for one. */
async function byTrace(r: Rig, stan: string, options: RefundOptions = {}) {
  const f = r.run((c, s) => refundSale(c, s, options));
  if (r.settings.refundPolicy.supervisorRequired) {
    await r.at('Supervisor PW:', ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at('Default password', 'ENTER');
  }
  await r.at('1 By trace no.', '1');
  await r.at('Orig. trace no.:', ...traceKeys(stan), 'ENTER');
  return f;
}

/** Confirms the sums, page by page, and tears off the merchant copy. */
async function confirmAndPrint(r: Rig) {
  await r.at('REFUND', 'ENTER');
  await r.at('ENTER: refund', 'ENTER');
  await r.at('Tear off copy', 'ENTER');
}

describe('refund (退货) of a settled sale', () => {
  it('partial with a 1 % fee: the sums shown, the net credited, the sale marked refunded; the rest is the most a second refund may take', async () => {
    const r = await open({ refundPolicy: { ...DEFAULT_REFUND_POLICY, feeBasisPoints: 100 } });
    const sale = await r.makeSale(digits('10000'));
    await r.settle();
    const f = await byTrace(r, sale.record.stan);
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', ...digits('4000'), 'ENTER');
    await r.until(r.shows('Prior'));
    expect(r.display()).toEqual(['REFUND       1/2', 'Sale      100.00', 'Prior       0.00', 'Refund     40.00']);
    await r.press('ENTER');
    await r.until(r.shows('Fee'));
    expect(r.display()).toEqual(['REFUND       2/2', 'Fee         0.40', 'Net        39.60', 'ENTER: refund']);
    await r.press('UP');
    await r.until(r.shows('1/2'));
    await r.press('ENTER', 'ENTER');
    await r.at('Tear off copy', 'ENTER');
    expect(await r.finish(f)).toMatchObject({ kind: 'approved', amount: 3960 });
    expect(r.journal().map((j) => [j.type, j.status, j.amount])).toEqual([
      ['sale', 'refunded', 10000],
      ['refund', 'approved', 3960],
    ]);
    expect(ledgerRefunds(r)).toEqual([expect.objectContaining({ status: 'approved', amount: 3960 })]);
    const receipt = r.board.printer.receipts[2]!.text;
    expect(receipt).toMatch(/REFUND/);
    expect(receipt).toContain(sale.record.rrn!);
    expect(receipt + JSON.stringify(r.logs)).not.toContain('4761730000000011');

    // What is left (100.00 - 39.60 credited) is the most the next refund may take.
    const second = await byTrace(r, sale.record.stan);
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', ...digits('7000'));
    await r.until(r.shows('Max 60.40'));
    await r.press('CANCEL');
    await expect(r.finish(second)).rejects.toBeInstanceOf(CancelledError);
    expect(ledgerRefunds(r)).toHaveLength(1);
  });

  it('in full by reference number and date, with the journal\'s sealed card; then fully refunded', async () => {
    const r = await open(noSupervisor);
    const sale = await r.makeSale(digits('2500'));
    await r.settle();
    const f = r.run((c, s) => refundSale(c, s));
    await r.at('2 By ref. no.', '2');
    await r.at('Orig. ref. no.:', ...digits(sale.record.rrn!.slice(0, 5)), 'ENTER');
    await r.at('Enter 12 digits', ...digits(sale.record.rrn!.slice(5)), 'ENTER');
    await r.at('Orig. date MMDD:', ...digits('0230'), 'ENTER');
    await r.at('Invalid date', ...digits(sale.record.localDate), 'ENTER');
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', 'ENTER');
    await confirmAndPrint(r);
    expect(await r.finish(f)).toMatchObject({ kind: 'approved', amount: 2500 });
    expect(r.journal()[1]).toMatchObject({ type: 'refund', status: 'approved', entryMode: 'unknown', maskedPan: '476173******0011' });
    const again = await byTrace(r, sale.record.stan);
    await r.at('Fully refunded', 'ENTER');
    expect(await r.finish(again)).toEqual({ kind: 'refused', reason: 'fully-refunded' });
  });

  it('a receipt the journal does not hold needs the card: without a card step it is said; with one, the host answers (25: no such sale for that date)', async () => {
    const r = await open(noSupervisor);
    const sale = await r.makeSale(digits('900'), { swipe: 'magstripe-ok' });
    await r.settle();
    const wrongDate = sale.record.localDate === '0114' ? '0113' : '0114';
    const receipt = async (options: RefundOptions) => {
      const f = r.run((c, s) => refundSale(c, s, options));
      await r.at('2 By ref. no.', '2');
      await r.at('Orig. ref. no.:', ...digits(sale.record.rrn!), 'ENTER');
      await r.at('Orig. date MMDD:', ...digits(wrongDate), 'ENTER');
      return f;
    };
    const without = await receipt({});
    await r.at('Cannot read card', 'ENTER');
    expect(await r.finish(without)).toEqual({ kind: 'refused', reason: 'card-step-missing' });
    const withCard = await receipt({ readCard: swipeAgain });
    await r.at('Refund amount:', ...digits('500'), 'ENTER');
    await r.until(r.shows('1/2'));
    expect(r.display()).toEqual(['REFUND       1/2', 'Refund      5.00', 'Fee         0.00', 'Net         5.00']);
    await r.press('ENTER', 'ENTER');
    await r.until(r.shows('Tap/insert/swipe'));
    r.board.presentCard('swipe', 'magstripe-ok');
    await r.at('DECLINED 25', 'ENTER');
    expect(await r.finish(withCard)).toEqual({ kind: 'declined', responseCode: '25' });
  });

  it('refused before anything is sent: a sale of the open batch, a voided sale, one past the window', async () => {
    const r = await open({ refundPolicy: { ...DEFAULT_REFUND_POLICY, supervisorRequired: false, windowDays: 7 } });
    const open1 = await r.makeSale(digits('300'));
    const f1 = await byTrace(r, open1.record.stan);
    await r.at('Open batch: void', 'ENTER');
    expect(await r.finish(f1)).toEqual({ kind: 'refused', reason: 'not-settled' });

    const v = r.run((c, s) => voidSale(c, s));
    await r.at('Supervisor PW:', ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at('Default password', 'ENTER');
    await r.at('Orig. trace no.:', ...traceKeys(open1.record.stan), 'ENTER');
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Tear off copy', 'ENTER');
    await r.finish(v);
    const old = await r.makeSale(digits('400'));
    await r.settle();
    const f2 = await byTrace(r, open1.record.stan);
    await r.at('Already voided', 'ENTER');
    expect(await r.finish(f2)).toEqual({ kind: 'refused', reason: 'already-voided' });

    await r.clock.advance(8 * 86_400_000);
    const f3 = await byTrace(r, old.record.stan);
    await r.at('Past the window', 'ENTER');
    expect(await r.finish(f3)).toEqual({ kind: 'refused', reason: 'too-old' });
    expect(r.journal().filter((j) => j.type === 'refund')).toEqual([]);
  });

  it('the day\'s refund cap and a fee that eats the refund are refused with their words', async () => {
    const r = await open({ refundDailyCap: 1_000, refundPolicy: { ...DEFAULT_REFUND_POLICY, supervisorRequired: false, feeFixed: 500 } });
    const sale = await r.makeSale(digits('5000'));
    await r.settle();
    const fee = await byTrace(r, sale.record.stan);
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', ...digits('500'), 'ENTER');
    await r.at('Fee over amount', 'ENTER');
    expect(await r.finish(fee)).toEqual({ kind: 'refused', reason: 'fee-too-high' });
    const cap = await byTrace(r, sale.record.stan);
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', ...digits('2000'), 'ENTER');
    await r.until(() => r.display().some((l) => /cap|limit/i.test(l)));
    await r.press('ENTER');
    expect(await r.finish(cap)).toEqual({ kind: 'refused', reason: 'over-daily-cap' });
    expect(r.journal().filter((j) => j.type === 'refund')).toEqual([]);
  });

  it('the host is silent: the refund is reversed and does not count against the sale', async () => {
    const r = await open(noSupervisor);
    const sale = await r.makeSale(digits('1500'));
    await r.settle();
    r.host!.faults.add({ next: 'drop', count: 1 });
    const f = await byTrace(r, sale.record.stan);
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', 'ENTER');
    await r.at('REFUND', 'ENTER');
    await r.at('ENTER: refund', 'ENTER');
    await r.at('No host answer', 'ENTER');
    expect(await r.finish(f)).toMatchObject({ kind: 'not-completed' });
    await r.until(() => r.journal()[1]?.status === 'reversed');
    expect(r.journal()[0]).toMatchObject({ status: 'approved' });
    expect(ledgerRefunds(r)[0]).toMatchObject({ reversed: true });
    // All of it is refundable again.
    const again = await byTrace(r, sale.record.stan);
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', 'ENTER');
    await r.until(r.shows('Prior'));
    expect(r.display()).toContain('Refund     15.00');
    await r.press('CANCEL');
    await expect(r.finish(again)).rejects.toBeInstanceOf(CancelledError);
  });

  it('no key at the choice of how to find the sale: TimeoutError(menuTimeout), nothing sent', async () => {
    const r = await open({ ...noSupervisor, timeouts: { ...DEFAULT_SETTINGS.timeouts, menuMs: 5_000 } });
    const f = r.run((c, s) => refundSale(c, s));
    await r.until(r.shows('1 By trace no.'));
    await expect(r.finish(f, 10_000)).rejects.toMatchObject({ timeoutName: 'menuTimeout' });
    expect(f.error).toBeInstanceOf(TimeoutError);
  });

  it('the card presented must be the sale\'s', async () => {
    const r = await open(noSupervisor);
    const sale = await r.makeSale(digits('700'), { swipe: 'magstripe-ok' });
    await r.settle();
    const f = await byTrace(r, sale.record.stan, { readCard: swipeAgain });
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', 'ENTER');
    await r.at('REFUND', 'ENTER');
    await r.at('ENTER: refund', 'ENTER');
    await r.until(r.shows('Tap/insert/swipe'));
    r.board.presentCard('swipe', 'chip-ok');
    await r.at('Different card', 'ENTER');
    expect(await r.finish(f)).toEqual({ kind: 'refused', reason: 'card-mismatch' });
    expect(ledgerRefunds(r)).toEqual([]);
  });
});
