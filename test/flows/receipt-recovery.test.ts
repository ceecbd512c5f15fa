/**
 * Nothing lost when the power goes: a receipt copy cut short by a stop of the terminal
 * (the print queue and journal closed mid-copy, as a power cut or a kill leaves them) is
 * printed by itself at the next start on the same data directory, marked REPRINT, once; a
 * receipt printed to its end is not printed again. Driven on the sim board as a cashier
 * would, each start with a fresh board (a fresh printer emulator: what it prints is the
 * restart's).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { simTerminal } from '../helpers/sim-terminal.js';

type T = Awaited<ReturnType<typeof simTerminal>>;
const running: T[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

async function start(dataDir?: string): Promise<T> {
  const t = await simTerminal({ lang: 'en', payments: true, ...(dataDir ? { dataDir } : {}) });
  running.push(t);
  return t;
}

async function stop(t: T): Promise<void> {
  running.splice(running.indexOf(t), 1);
  await t.stop();
}

const until = (t: T, done: () => boolean, maxMs = 200_000) => t.until(done, maxMs);

const shows = (t: T, text: string) => t.shows(text);
const idle = (t: T) => () => t.terminal.ctx.status.idle;
const receipts = (t: T) => t.board.printer.receipts.map((r) => r.text);
const voucher = (text: string) => /VOUCHER NO\.\s+([0-9]{6})/.exec(text)?.[1];

describe('receipts owed after a restart', () => {
  it('a merchant copy cut mid-print: both copies at the next start, marked REPRINT, once', async () => {
    const t1 = await start();
    const dataDir = t1.pay!.dataDir;
    // An inserted chip card with its offline PIN.
    await t1.press('1', '2', '3', '4', 'ENTER');
    t1.board.presentCard('insert', 'chip-ok');
    await until(t1, () => t1.display()[0] === 'Enter PIN');
    await t1.press('1', '2', '3', '4', 'ENTER');
    await until(t1, shows(t1, 'Remove the card'));
    t1.board.presentCard('remove');
    // The merchant copy is coming out (19200 baud: seconds of virtual time for a receipt).
    await until(t1, () => t1.board.printer.currentText().includes('MERCHANT COPY'));
    expect(receipts(t1)).toEqual([]);
    const stan = t1.pay!.payments.online.journal.all()[0]!.stan;
    await stop(t1);

    const t2 = await start(dataDir);
    await until(t2, () => receipts(t2).length === 2 && idle(t2)());
    const [merchant, customer] = receipts(t2);
    expect(merchant).toContain('MERCHANT COPY');
    expect(customer).toContain('CARDHOLDER COPY');
    for (const r of [merchant!, customer!]) {
      expect(r).toContain('*** REPRINT ***');
      expect(voucher(r)).toBe(stan);
      expect(r).toContain('CNY 12.34');
    }
    // The card's PIN was verified: the merchant copy says so as the original did (the CVM
    // kept with the receipt's first mark; the journal's record alone does not hold it).
    expect(merchant).toContain('PIN VERIFIED');
    // Nothing more at this start however long it runs, nor at the next.
    await until(t2, () => false, 20_000).catch(() => undefined);
    expect(receipts(t2)).toHaveLength(2);
    await stop(t2);
    const t3 = await start(dataDir);
    await until(t3, () => false, 20_000).catch(() => undefined);
    expect(receipts(t3)).toEqual([]);
    expect(t3.pay!.payments.online.journal.receiptsOwed()).toEqual([]);
  });

  it('stopped at the tear-off prompt: only the cardholder copy, marked; a sale printed whole is not printed again', async () => {
    const t1 = await start();
    const dataDir = t1.pay!.dataDir;
    // A sale printed to its end.
    await t1.press('5', '0', '0', 'ENTER');
    t1.board.presentCard('tap', 'visa-ok');
    await until(t1, shows(t1, 'Tear off copy'));
    await t1.press('ENTER');
    await until(t1, () => idle(t1)() && receipts(t1).length === 2);
    t1.board.presentCard('remove');
    // A second sale: the merchant copy out, the terminal stopped before the customer copy.
    await t1.press('1', '2', '3', '4', 'ENTER');
    t1.board.presentCard('tap', 'visa-ok');
    await until(t1, shows(t1, 'Tear off copy'));
    expect(receipts(t1)).toHaveLength(3);
    const second = t1.pay!.payments.online.journal.all()[1]!.stan;
    await stop(t1);

    const t2 = await start(dataDir);
    await until(t2, () => receipts(t2).length === 1 && idle(t2)());
    await until(t2, () => false, 20_000).catch(() => undefined);
    expect(receipts(t2)).toHaveLength(1);
    expect(receipts(t2)[0]).toContain('CARDHOLDER COPY');
    expect(receipts(t2)[0]).toContain('*** REPRINT ***');
    expect(voucher(receipts(t2)[0]!)).toBe(second);
    expect(t2.logs.filter((l) => l.event === 'receipt.owed')).toEqual([expect.objectContaining({ stan: second, copy: 'customer' })]);
  });
});
