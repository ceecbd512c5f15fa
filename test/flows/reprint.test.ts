import { afterEach, describe, expect, it } from 'vitest';
import { authoriseOnline, type OnlineOutcome } from '../../src/flows/online.js';
import { reprint, reprintByTrace, reprintLast } from '../../src/flows/reprint.js';
import { transactionList } from '../../src/flows/transaction-list.js';
import { flowRig, type Rig } from './helpers/flow-rig.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function open(): Promise<Rig> {
  rig = await flowRig({ lang: 'en' });
  return rig;
}

/** The lines of a receipt that a reprint must repeat exactly. */
function facts(text: string): string[] {
  return text.split('\n').filter((l) => /^(CARD NO\.|TRANS TYPE|BATCH NO\.|VOUCHER NO\.|AUTH NO\.|REFER NO\.|AMOUNT|ORIG\. VOUCHER)/.test(l.trim()) || /CNY/.test(l));
}

/** A void of a sale of the open batch, from the journal (no card read), through the online step. */
async function voidSale(t: Rig, saleId: string): Promise<OnlineOutcome> {
  let done = false;
  const p = authoriseOnline(t.payments.online, { kind: 'void', saleId }).finally(() => (done = true));
  await t.until(() => done);
  return p;
}

describe('reprint (重打印): the receipt rebuilt from the journal', () => {
  it('the last receipt: the cardholder copy only, marked REPRINT, with what the original said', async () => {
    const t = await open();
    await t.doSale(['1', '2', '3', '4'], 'visa-ok');
    await t.doSale(['5', '0', '0'], 'mc-ok');
    const originalCustomer = t.receipts().at(-1)!;
    const before = t.receipts().length;
    const r = t.run('reprint', reprintLast);
    expect(await t.finish(r)).toMatchObject({ kind: 'printed', stan: '000002', batch: 1 });
    const printed = t.receipts().slice(before);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('*** REPRINT ***');
    expect(printed[0]).toContain('CARDHOLDER COPY');
    expect(printed[0]).not.toContain('MERCHANT COPY');
    expect(printed[0]).toContain('541333******0019');
    expect(facts(printed[0]!)).toEqual(facts(originalCustomer));
    expect(originalCustomer).not.toContain('REPRINT');
    expect(t.events('reprint.printed')).toEqual([expect.objectContaining({ stan: '000002', result: 'printed' })]);
  });

  it('by trace number: the one keyed in; an unknown trace or a declined one is not found; from the MENU chooser too', async () => {
    const t = await open();
    await t.doSale(['1', '2', '3', '4'], 'visa-ok');
    await t.doSale(['3', '0', '0'], 'visa-nsf');
    const before = t.receipts().length;
    const byTrace = t.run('reprint', reprintByTrace);
    await t.until(t.shows('Trace no.:'));
    await t.press('1', 'ENTER');
    expect(await t.finish(byTrace)).toMatchObject({ kind: 'printed', stan: '000001' });
    expect(t.receipts().slice(before)).toHaveLength(1);
    expect(t.receipts().at(-1)).toMatch(/VOUCHER NO\.\s+000001/);
    expect(t.receipts().at(-1)).toContain('CNY 12.34');

    for (const keys of [['7', '7'], ['2']] as const) {
      const missing = t.run('reprint', reprintByTrace);
      await t.until(t.shows('Trace no.:'));
      await t.press(...keys, 'ENTER');
      await t.until(t.shows('No such trace'));
      expect(await t.finish(missing)).toEqual({ kind: 'not-found', trace: keys.join('').padStart(6, '0') });
    }

    const chooser = t.run('reprint', reprint);
    await t.until(t.shows('1 Last receipt'));
    expect(t.display()).toEqual(['REPRINT', '1 Last receipt', '2 By trace no.', '']);
    await t.press('1');
    expect(await t.finish(chooser)).toMatchObject({ kind: 'printed', stan: '000001' });
  });

  it('nothing to reprint yet: said on screen, nothing printed', async () => {
    const t = await open();
    const r = t.run('reprint', reprintLast);
    await t.until(t.shows('Nothing to print'));
    expect(await t.finish(r)).toEqual({ kind: 'none' });
    expect(t.receipts()).toEqual([]);
  });
});

describe('the transaction list and totals of the open batch (交易明细)', () => {
  it('newest first, one a page, masked card numbers, UP/DOWN, the totals page; ENTER prints list and totals; a void reprints with its original', async () => {
    const t = await open();
    const seen: string[] = [];
    t.ctx.screen.onChange((lines) => seen.push(lines.join('|')));
    await t.doSale(['1', '2', '3', '4'], 'visa-ok');
    await t.doSale(['5', '0', '0'], 'mc-ok');
    const sale1 = t.journal.all()[0]!;
    expect(await voidSale(t, sale1.id)).toMatchObject({ kind: 'approved' });
    const before = t.receipts().length;

    const r = t.run('list', transactionList);
    await t.until(t.shows('TXN LIST'));
    expect(t.display()).toEqual(['TXN LIST     1/4', 'VOID      -12.34', '476173******0011', '000003     09:30']);
    await t.press('DOWN');
    expect(t.display()).toEqual(['TXN LIST     2/4', 'SALE        5.00', '541333******0019', '000002     09:30']);
    await t.press('DOWN');
    expect(t.display()).toEqual(['TXN LIST     3/4', 'SALE       12.34', '476173******0011', '000001    VOIDED']);
    await t.press('DOWN');
    expect(t.display()).toEqual(['Totals CNY   4/4', 'Sale 1      5.00', 'Void 1    -12.34', 'Refund 0    0.00']);
    await t.press('UP', 'UP', 'UP', 'UP');
    expect(t.display()[0]).toBe('Totals CNY   4/4');
    await t.press('ENTER');
    await t.until(() => t.receipts().length > before);
    await t.press('CANCEL');
    expect(await t.finish(r)).toEqual({ batch: 1, transactions: 3, printed: 'printed' });
    const list = t.receipts().at(-1)!;
    expect(list).toContain('TRANSACTION LIST');
    expect(list).toContain('476173******0011');
    expect(list).toContain('541333******0019');
    expect(list).toMatch(/SALE 1\s+5\.00/);
    expect(list).toMatch(/VOID 1\s+-12\.34/);

    const last = t.run('reprint', reprintLast);
    expect(await t.finish(last)).toMatchObject({ kind: 'printed', stan: '000003' });
    expect(t.receipts().at(-1)).toMatch(/TRANS TYPE\s+VOID/);
    expect(t.receipts().at(-1)).toMatch(/ORIG\. VOUCHER\s+000001/);

    // No full card number on any screen, receipt or log line.
    const everything = [...seen, ...t.receipts(), JSON.stringify(t.logs)].join('\n');
    for (const pan of ['4761730000000011', '5413330000000019']) expect(everything).not.toContain(pan);
  });

  it('an empty batch says so', async () => {
    const t = await open();
    const r = t.run('list', transactionList);
    await t.until(t.shows('No transactions'));
    expect(await t.finish(r)).toEqual({ batch: 1, transactions: 0, printed: null });
  });
});
