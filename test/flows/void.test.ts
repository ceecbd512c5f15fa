import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/errors.js';
import { sale } from '../../src/flows/sale.js';
import { voidSale } from '../../src/flows/void.js';
import type { TerminalSettings } from '../../src/store/config.js';
import { DEFAULT_SETTINGS } from '../../src/store/config.js';
import { returnRig, SUPERVISOR_DEFAULT, swipeAgain, type Rig } from './helpers/return-rig.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const open = async (settings: Partial<TerminalSettings> = {}) => (rig = await returnRig({ settings }));

/** Starts a void and gets it past the supervisor password (the default one, and its notice). */
async function startVoid(r: Rig, options: Parameters<typeof voidSale>[2] = {}) {
  const v = r.run((c, s) => voidSale(c, s, options));
  await r.at('Supervisor PW:', ...SUPERVISOR_DEFAULT, 'ENTER');
  await r.at('Default password', 'ENTER');
  return v;
}

const traceKeys = (stan: string) => [...stan.replace(/^0+/, '')] as ('0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9')[];
const ledger = (r: Rig) => r.host!.ledger.view();

describe('void (撤销) of a sale of the open batch', () => {
  it('supervisor, trace number, the sale shown, ENTER: voided at the host and in the journal, void receipt in two copies', async () => {
    const r = await open();
    const sale = await r.makeSale(['1', '2', '3', '4']);
    const v = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.until(r.shows('ENTER: OK'));
    expect(r.display()).toEqual(['VOID   ENTER: OK', '       CNY 12.34', '476173******0011', '2026-01-15 09:30']);
    await r.press('ENTER');
    await r.at('Tear off copy', 'ENTER');
    expect(await r.finish(v)).toMatchObject({ kind: 'approved', amount: 1234 });
    const [s, vd] = r.journal();
    expect(s).toMatchObject({ type: 'sale', status: 'voided' });
    expect(vd).toMatchObject({ type: 'void', status: 'approved', amount: 1234, original: { id: s!.id, stan: s!.stan }, entryMode: 'unknown' });
    expect(ledger(r).find((l) => l.type === 'void')).toMatchObject({ status: 'approved', amount: 1234, reversed: false });
    const receipts = r.board.printer.receipts.slice(2);
    expect(receipts.map((x) => /MERCHANT COPY|CARDHOLDER COPY/.exec(x.text)?.[0])).toEqual(['MERCHANT COPY', 'CARDHOLDER COPY']);
    expect(receipts[0]!.text).toMatch(/VOID/);
    expect(receipts[0]!.text).toContain(sale.record.stan);
    expect(receipts[0]!.text).not.toContain('4761730000000011');
    expect(JSON.stringify(r.logs)).not.toContain('4761730000000011');

    // The same sale again: refused before anything is sent.
    const twice = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.at('Already voided', 'ENTER');
    expect(await r.finish(twice)).toEqual({ kind: 'refused', reason: 'already-voided' });
    expect(r.journal()).toHaveLength(2);
  });

  it('a terminal without a host, or without operators, says so and sends nothing', async () => {
    rig = await returnRig({ payments: false });
    const r = rig;
    const v = r.run((c, s) => voidSale(c, s));
    await r.at('No host set up', 'ENTER');
    expect(await r.finish(v)).toEqual({ kind: 'refused', reason: 'no-payments' });
    await r.stop();
    rig = await returnRig();
    const r2 = rig;
    const noOps = r2.run((c, s) => voidSale({ ...c, operators: null }, s));
    await r2.at('No operators', 'ENTER');
    expect(await r2.finish(noOps)).toEqual({ kind: 'refused', reason: 'no-operators' });
  });

  it('a trace number the journal does not hold: No such sale', async () => {
    const r = await open();
    const v = await startVoid(r);
    await r.at('Orig. trace no.:', '4', '2', 'ENTER');
    await r.at('No such sale', 'ENTER');
    expect(await r.finish(v)).toEqual({ kind: 'refused', reason: 'not-found' });
  });

  it('a declined sale is not voidable', async () => {
    const r = await open();
    const s = r.run((c, sig) => sale(c, sig));
    await r.press('2', '0', '0', 'ENTER');
    await r.until(r.shows('Tap/insert/swipe'));
    r.board.presentCard('tap', 'visa-nsf');
    await r.at('DECLINED 51', 'ENTER');
    await r.finish(s);
    const v = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(r.journal()[0]!.stan), 'ENTER');
    await r.at('Not an approval', 'ENTER');
    expect(await r.finish(v)).toEqual({ kind: 'refused', reason: 'not-approved' });
  });

  it('three wrong supervisor passwords lock the supervisor and end the void; nothing is sent', async () => {
    const r = await open();
    await r.makeSale(['5', '0', '0']);
    const v = r.run((c, s) => voidSale(c, s));
    await r.at('Supervisor PW:', '1', '1', '1', '1', '1', '1', 'ENTER');
    await r.at('Wrong, 2 left', '2', 'ENTER');
    await r.at('Wrong, 1 left', '3', 'ENTER');
    await r.at('Operator locked', 'ENTER');
    expect(await r.finish(v)).toEqual({ kind: 'refused', reason: 'supervisor-locked' });
    expect(r.journal().map((j) => j.type)).toEqual(['sale']);
  });

  it('CANCEL at the trace number, and no key at the confirmation, end it with nothing sent', async () => {
    const r = await open({ timeouts: { ...DEFAULT_SETTINGS.timeouts, menuMs: 5_000 } });
    const sale = await r.makeSale(['5', '0', '0']);
    const cancelled = await startVoid(r);
    await r.at('Orig. trace no.:', '1', 'CANCEL');
    await expect(r.finish(cancelled)).rejects.toBeInstanceOf(CancelledError);
    const idle = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.until(r.shows('ENTER: OK'));
    await expect(r.finish(idle, 10_000)).rejects.toMatchObject({ timeoutName: 'confirmTimeout' });
    expect(idle.error).toBeInstanceOf(TimeoutError);
    expect(r.journal().map((j) => j.type)).toEqual(['sale']);
  });

  it('the host declines the void: said on screen, the sale still stands', async () => {
    const r = await open();
    const sale = await r.makeSale(['6', '0', '0']);
    r.host!.faults.add({ next: 'decline:12', count: 1 });
    const v = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.at('ENTER: OK', 'ENTER');
    await r.at('DECLINED 12', 'ENTER');
    expect(await r.finish(v)).toEqual({ kind: 'declined', responseCode: '12' });
    expect(r.journal().map((j) => [j.type, j.status])).toEqual([
      ['sale', 'approved'],
      ['void', 'declined'],
    ]);
  });

  it('the host is silent: the void is reversed, the sale still stands, no void receipt', async () => {
    const r = await open();
    const sale = await r.makeSale(['7', '0', '0']);
    r.host!.faults.add({ next: 'drop', count: 1 });
    const v = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.at('ENTER: OK', 'ENTER');
    await r.until(r.shows('No host answer'));
    expect(r.display().join('|')).toMatch(/Reversed|Reversal pending/);
    await r.press('ENTER');
    expect(await r.finish(v)).toMatchObject({ kind: 'not-completed' });
    await r.until(() => r.journal()[1]?.status === 'reversed');
    expect(r.journal()[0]).toMatchObject({ status: 'approved' });
    expect(ledger(r).find((l) => l.type === 'void')).toMatchObject({ reversed: true });
    expect(r.board.printer.receipts).toHaveLength(2);
  });

  it('a sale of a settled batch: the void is refused and the refund offered; ENTER refunds it in full; a void then says already refunded', async () => {
    const r = await open();
    const sale = await r.makeSale(['8', '8', '8']);
    await r.settle();
    const v = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.until(r.shows('Batch settled'));
    expect(r.display().join('|')).toContain('ENTER: refund');
    await r.press('ENTER');
    // The refund goes on without asking for the supervisor again.
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Refund amount:', 'ENTER');
    await r.at('Prior', 'ENTER');
    await r.at('ENTER: refund', 'ENTER');
    await r.at('Tear off copy', 'ENTER');
    expect(await r.finish(v)).toMatchObject({ kind: 'approved', amount: 888 });
    expect(r.journal().map((j) => [j.type, j.status, j.amount])).toEqual([
      ['sale', 'refunded', 888],
      ['refund', 'approved', 888],
    ]);
    const again = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.at('Already refunded', 'ENTER');
    expect(await r.finish(again)).toEqual({ kind: 'refused', reason: 'already-refunded' });
  });
});

describe('void with voidNeedsCard', () => {
  it('no card step wired: said on screen, nothing sent', async () => {
    const r = await open({ voidNeedsCard: true });
    const sale = await r.makeSale(['1', '0', '0']);
    const v = await startVoid(r);
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.at('ENTER: OK', 'ENTER');
    await r.at('Cannot read card', 'ENTER');
    expect(await r.finish(v)).toEqual({ kind: 'refused', reason: 'card-step-missing' });
  });

  it('the sale\'s card swiped again is voided; another card is refused', async () => {
    const r = await open({ voidNeedsCard: true });
    const sale = await r.makeSale(['3', '2', '1'], { swipe: 'magstripe-ok' });
    const wrong = await startVoid(r, { readCard: swipeAgain });
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.at('ENTER: OK', 'ENTER');
    await r.until(r.shows('Tap/insert/swipe'));
    r.board.presentCard('swipe', 'chip-ok');
    await r.at('Different card', 'ENTER');
    expect(await r.finish(wrong)).toEqual({ kind: 'refused', reason: 'card-mismatch' });
    const right = await startVoid(r, { readCard: swipeAgain });
    await r.at('Orig. trace no.:', ...traceKeys(sale.record.stan), 'ENTER');
    await r.at('ENTER: OK', 'ENTER');
    await r.until(r.shows('Tap/insert/swipe'));
    r.board.presentCard('swipe', 'magstripe-ok');
    await r.at('Tear off copy', 'ENTER');
    expect(await r.finish(right)).toMatchObject({ kind: 'approved', amount: 321 });
    expect(r.journal()[1]).toMatchObject({ type: 'void', entryMode: 'magstripe', status: 'approved' });
    expect(r.board.printer.receipts[2]!.text).toMatch(/ENTRY MODE\s+(SWIPE|MAGSTRIPE)/);
  });
});
