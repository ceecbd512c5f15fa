import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { simTerminal } from '../helpers/sim-terminal.js';

type T = Awaited<ReturnType<typeof simTerminal>>;
let term: T | null = null;
afterEach(async () => {
  await term?.stop();
  term = null;
});

/** A terminal with its payment side, in English, on virtual time. */
async function open(settings = {}) {
  term = await simTerminal({ lang: 'en', payments: true, settings });
  return term;
}

const until = (t: T, done: () => boolean, maxMs = 120_000) => t.until(done, maxMs);

const shows = (t: T, text: string) => t.shows(text);

async function tapSale(t: T, amountKeys: KeyName[], cardId: string): Promise<void> {
  await t.press(...amountKeys, 'ENTER');
  t.board.presentCard('tap', cardId);
}

function journal(t: T) {
  return t.pay!.payments.online.journal.toApi();
}

function ledger(t: T) {
  return t.pay!.host.ledger.view();
}

describe('a sale on the sim board, through the kernel, the PIN pad, the host and the printer', () => {
  it('visa-ok under the CVM limit: no PIN, approved, merchant and customer copies, journal and ledger agree', async () => {
    const t = await open();
    await tapSale(t, ['1', '2', '3', '4'], 'visa-ok');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    const receipts = t.board.printer.receipts;
    expect(receipts.map((r) => /MERCHANT COPY|CARDHOLDER COPY/.exec(r.text)?.[0])).toEqual(['MERCHANT COPY', 'CARDHOLDER COPY']);
    expect(receipts[0]!.text).toContain('CNY 12.34');
    const [rec] = journal(t);
    expect(rec).toMatchObject({ type: 'sale', status: 'approved', amount: 1234, maskedPan: '476173******0011' });
    expect(ledger(t)).toEqual([expect.objectContaining({ stan: rec!.stan, status: 'approved', amount: 1234, rrn: rec!.rrn, reversed: false })]);
    expect(t.board.pn532.misuse).toEqual([]);
  });

  it('unionpay-ok asks for the PIN; 1 2 3 4 ENTER is approved; the PIN is nowhere in the logs', async () => {
    const t = await open();
    await tapSale(t, ['5', '0', '0'], 'unionpay-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('1', '2', '3', '4');
    expect(t.display().join('|')).toContain('****');
    await t.press('ENTER');
    await until(t, shows(t, 'APPROVED'));
    expect(journal(t)[0]).toMatchObject({ status: 'approved', amount: 500 });
    const logs = JSON.stringify(t.logs);
    expect(logs).not.toContain('6212345678901232');
  });

  it('visa-nsf: the issuer declines with 51 and the screen says why', async () => {
    const t = await open();
    await tapSale(t, ['2', '0', '0', '0'], 'visa-nsf');
    await until(t, shows(t, 'DECLINED 51'));
    expect(shows(t, 'Insufficient')()).toBe(true);
    expect(journal(t)[0]).toMatchObject({ status: 'declined' });
    expect(t.board.printer.receipts).toEqual([]);
  });

  it('mc-wrongpin above the CVM limit with a wrong PIN and onlinePinRetries 0: declined 55, Incorrect PIN, the sale ends', async () => {
    // The PIN asked again after a 55 (the default): test/flows/online-pin-retry.test.ts.
    const t = await open({ onlinePinRetries: 0 });
    await tapSale(t, ['1', '5', '0', '0', '0', '0'], 'mc-wrongpin'); // 1,500.00: over the 1,000.00 CVM limit
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('9', '9', '9', '9', 'ENTER');
    await until(t, shows(t, 'DECLINED 55'));
    expect(shows(t, 'Incorrect PIN')()).toBe(true);
    await until(t, () => t.terminal.ctx.status.idle);
    expect(journal(t)).toEqual([expect.objectContaining({ status: 'declined' })]);
    expect(ledger(t)).toHaveLength(1);
  });

  it('the host does not answer: the sale is reversed at the host and in the journal, no receipt', async () => {
    const t = await open();
    t.pay!.host.faults.add({ next: 'drop', count: 1 });
    await tapSale(t, ['8', '8', '8'], 'visa-ok');
    await until(t, shows(t, 'No host answer'), 200_000);
    await until(t, () => journal(t)[0]?.status === 'reversed', 200_000);
    expect(ledger(t)[0]).toMatchObject({ reversed: true });
    expect(t.board.printer.receipts).toEqual([]);
  });

  it('visa-blocked: the card is not accepted, nothing goes online', async () => {
    const t = await open();
    await tapSale(t, ['1', '0', '0'], 'visa-blocked');
    await until(t, shows(t, 'Not accepted'));
    expect(journal(t)).toEqual([]);
    expect(ledger(t)).toEqual([]);
  });

  it('CANCEL at the PIN prompt ends the sale before anything is sent', async () => {
    const t = await open();
    await tapSale(t, ['5', '0', '0'], 'unionpay-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('1', 'CANCEL');
    await until(t, shows(t, 'Cancelled'));
    expect(journal(t)).toEqual([]);
    expect(ledger(t)).toEqual([]);
  });
});

describe('a sale with an inserted or swiped card', () => {
  it('chip-ok inserted: PIN, online, second GENERATE AC, remove the card, approved with the TC on the receipt', async () => {
    const t = await open();
    await t.press('4', '5', '6', 'ENTER');
    t.board.presentCard('insert', 'chip-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'Remove the card'));
    t.board.presentCard('remove');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    const merchant = t.board.printer.receipts[0]!.text;
    expect(merchant).toMatch(/ENTRY MODE\s+CHIP/);
    expect(merchant).toMatch(/TC: [0-9A-F]{16}/);
    expect(journal(t)[0]).toMatchObject({ status: 'approved', amount: 456 });
    expect(ledger(t)[0]).toMatchObject({ status: 'approved', reversed: false });
  });

  it('chip-ok pulled out during PIN entry: the sale ends, nothing approved stands', async () => {
    const t = await open();
    await t.press('4', '5', '6', 'ENTER');
    t.board.presentCard('insert', 'chip-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    t.board.presentCard('remove');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(journal(t).filter((j) => j.status === 'approved')).toEqual([]);
  });

  it('magstripe-ok swiped: online PIN, approved, entry mode magstripe', async () => {
    const t = await open();
    await t.press('3', '2', '1', 'ENTER');
    t.board.presentCard('swipe', 'magstripe-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(t.board.printer.receipts[0]!.text).toMatch(/ENTRY MODE\s+SWIPE|ENTRY MODE\s+MAGSTRIPE/);
    expect(journal(t)[0]).toMatchObject({ status: 'approved', amount: 321 });
  });
});

describe('a chip card that checks the PIN itself (chip-offlinepin: offline enciphered PIN)', () => {
  /** Amount, the card in the slot, and the PIN prompt up. */
  async function insertOfflinePin(t: T, amount: KeyName[]) {
    await t.press(...amount, 'ENTER');
    t.board.presentCard('insert', 'chip-offlinepin');
    await until(t, () => t.display()[0] === 'Enter PIN');
  }
  const verifies = (t: T) => t.board.contactSlot!.exchanges.filter((e) => e.c[1] === 0x20).map((e) => Buffer.from(e.r).toString('hex').toUpperCase());

  it('the right PIN: the card verifies it (VERIFY 9000), the sale goes online and is approved; PIN VERIFIED on the receipt', async () => {
    const t = await open();
    await insertOfflinePin(t, ['7', '8', '9']);
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'Remove the card'));
    expect(verifies(t)).toEqual(['9000']);
    t.board.presentCard('remove');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    const merchant = t.board.printer.receipts[0]!.text;
    expect(merchant).toMatch(/ENTRY MODE\s+CHIP/);
    expect(merchant).toContain('PIN VERIFIED');
    expect(journal(t)[0]).toMatchObject({ status: 'approved', amount: 789, maskedPan: '541333******0043' });
    expect(ledger(t)[0]).toMatchObject({ status: 'approved', reversed: false });
    // Neither the PAN nor the offline PIN block (format 2: 24 1234 FF...) in the logs or the journal on disk.
    const kept = [JSON.stringify(t.logs), readFileSync(join(t.pay!.dataDir, 'journal.log')).toString('latin1')];
    for (const text of kept) {
      expect(text).not.toContain('5413330000000043');
      expect(text.toUpperCase()).not.toContain('241234FFFFFFFFFF');
    }
  });

  it('a wrong PIN, then the right one: the prompt says 2 tries are left, then the sale is approved', async () => {
    const t = await open();
    await insertOfflinePin(t, ['5', '5', '5']);
    await t.press('9', '9', '9', '9', 'ENTER');
    await until(t, shows(t, 'Wrong PIN 2 left'));
    expect(t.display()[0]).toBe('Enter PIN');
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'Remove the card'));
    expect(verifies(t)).toEqual(['63C2', '9000']);
    t.board.presentCard('remove');
    await until(t, shows(t, 'APPROVED'));
    expect(journal(t)[0]).toMatchObject({ status: 'approved', amount: 555 });
  });

  it('three wrong PINs block it: the card declines, nothing goes online; inserted again it declines without asking for the PIN', async () => {
    const t = await open();
    await insertOfflinePin(t, ['6', '6', '6']);
    await t.press('1', '1', '1', '1', 'ENTER');
    await until(t, shows(t, 'Wrong PIN 2 left'));
    await t.press('2', '2', '2', '2', 'ENTER');
    await until(t, shows(t, 'Wrong PIN 1 left'));
    await t.press('3', '3', '3', '3', 'ENTER');
    await until(t, shows(t, 'Card declined'));
    expect(verifies(t)).toEqual(['63C2', '63C1', '63C0']);
    await until(t, shows(t, 'Remove the card'));
    t.board.presentCard('remove');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(journal(t)).toEqual([]);
    expect(ledger(t)).toEqual([]);

    await t.press('6', '6', '6', 'ENTER');
    t.board.presentCard('insert', 'chip-offlinepin');
    await until(t, shows(t, 'Card declined'));
    expect(verifies(t)).toHaveLength(3);
    expect(journal(t)).toEqual([]);
  });
});

describe('American Express in the catalog', () => {
  it('amex-ok tapped (Kernel 4): online, approved by the host simulator', async () => {
    const t = await open();
    await tapSale(t, ['2', '3', '4', '5'], 'amex-ok');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(t.board.printer.receipts[0]!.text).toContain('AMEX');
    expect(journal(t)[0]).toMatchObject({ status: 'approved', amount: 2345, maskedPan: '37424******0001' });
    expect(ledger(t)[0]).toMatchObject({ status: 'approved', amount: 2345, reversed: false });
  });
});

describe('the service code rule', () => {
  it('the stripe reader fails (its port gone): the sale still takes a tap, and the log says which reader failed', async () => {
    const t = await open();
    // The terminal's own end of the reader's serial port closes, as a USB adapter pulled out does.
    await (await t.board.ports.serial('msr')).close();
    await tapSale(t, ['5', '0', '0'], 'visa-ok');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(journal(t)).toEqual([expect.objectContaining({ status: 'approved', amount: 500 })]);
    expect(t.logs).toContainEqual(expect.objectContaining({ event: 'sale.readerFailed', reader: 'magstripe' }));
  });

  it('chip-ok swiped is sent to the chip reader, and inserted it then goes through', async () => {
    const t = await open();
    await t.press('2', '0', '0', 'ENTER');
    t.board.presentCard('swipe', 'chip-ok');
    await until(t, shows(t, 'Insert or tap'));
    expect(journal(t)).toEqual([]);
    await until(t, shows(t, 'Tap/insert/swipe'));
    t.board.presentCard('insert', 'chip-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'Remove the card'));
    t.board.presentCard('remove');
    await until(t, shows(t, 'APPROVED'));
    expect(journal(t)[0]).toMatchObject({ status: 'approved', amount: 200 });
  });
});

describe('the MENU reaches the back office', () => {
  it('a sale, then MENU 2 voids it (supervisor, trace), then MENU 4 settles the batch', async () => {
    const t = await open();
    await tapSale(t, ['1', '2', '3', '4'], 'visa-ok');
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    t.board.presentCard('remove');
    const stan = journal(t)[0]!.stan.replace(/^0+/, '');

    await t.press('MENU', '2');
    await until(t, shows(t, 'Supervisor PW:'));
    await t.press('1', '2', '3', '4', '5', '6', 'ENTER');
    await until(t, shows(t, 'Default password'));
    await t.press('ENTER');
    await until(t, shows(t, 'Orig. trace no.:'));
    await t.press(...([...stan] as KeyName[]), 'ENTER');
    await until(t, shows(t, 'ENTER: OK'));
    await t.press('ENTER');
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(journal(t).map((j) => [j.type, j.status])).toEqual([
      ['sale', 'voided'],
      ['void', 'approved'],
    ]);

    await t.press('MENU', '4');
    await until(t, shows(t, 'Settle now?'));
    await t.press('ENTER');
    await until(t, () => t.board.printer.receipts.some((r) => /BALANCED/.test(r.text)), 200_000);
    expect(t.board.printer.receipts.at(-1)!.text).toMatch(/NET AMOUNT\s+CNY 0\.00/);
    await until(t, () => t.terminal.ctx.status.idle, 200_000);
    expect(t.pay!.payments.online.journal.batch).toBe(2);
  });
});
