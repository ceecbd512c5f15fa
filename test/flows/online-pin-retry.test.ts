import { afterEach, describe, expect, it } from 'vitest';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { simTerminal } from '../helpers/sim-terminal.js';

/**
 * The online PIN asked again after the issuer's 55 (src/flows/sale.ts, authorise): on the
 * sim board, through the keypad emulator, with the acquirer simulator over TCP. The catalog
 * card mc-wrongpin asks for an online PIN over the 1,000.00 CVM limit; its issuer answers 55
 * to any PIN but 1234 and 75 at the third wrong one in a row (simulator/host/issuer.ts).
 */

type T = Awaited<ReturnType<typeof simTerminal>>;
let term: T | null = null;
afterEach(async () => {
  await term?.stop();
  term = null;
});

async function open(settings = {}) {
  term = await simTerminal({ lang: 'en', payments: true, settings });
  return term;
}

const until = (t: T, done: () => boolean, maxMs = 120_000) => t.until(done, maxMs);

const shows = (t: T, text: string) => t.shows(text);
const asksAgain = (t: T) => () => t.display()[0] === 'Enter PIN again';
const records = (t: T) => t.pay!.payments.online.journal.all();
const sales = (t: T) => t.pay!.host.ledger.view().filter((l) => l.type === 'sale');
const pinTriesLeft = (t: T) => t.pay!.host.ledger.account('mc-wrongpin').pinTriesLeft;
const digits = (pin: string) => [...pin] as KeyName[];
/** GENERATE AC commands (80 AE) the tapped card received, and the inserted one. */
const tapGenerateAcs = (t: T) => t.board.pn532.exchanges.filter((x) => x.apdu[0] === 0x80 && x.apdu[1] === 0xae).length;
const slotGenerateAcs = (t: T) => t.board.contactSlot!.exchanges.filter((x) => x.c[0] === 0x80 && x.c[1] === 0xae).length;

/** 1,500.00 on mc-wrongpin, tapped, the first PIN typed. */
async function tapWrongPin(t: T, pin = '9999'): Promise<void> {
  await t.press('1', '5', '0', '0', '0', '0', 'ENTER');
  t.board.presentCard('tap', 'mc-wrongpin');
  await until(t, () => t.display()[0] === 'Enter PIN');
  await t.press(...digits(pin), 'ENTER');
}

/** Waits for the n-th request's answer to be in the journal, then for the retry prompt. */
async function retryPrompt(t: T, answered: number): Promise<void> {
  await until(t, () => records(t).length === answered && records(t).every((r) => r.status !== 'pending'));
  await until(t, asksAgain(t));
}

describe('online PIN retry after the issuer answers 55', () => {
  it('a wrong PIN, then the right one: Incorrect PIN, the prompt again, a new request approved; both in the journal and the ledger, one receipt', async () => {
    const t = await open();
    await tapWrongPin(t);
    await until(t, shows(t, 'Incorrect PIN'));
    expect(shows(t, 'DECLINED 55')()).toBe(true);
    await until(t, asksAgain(t));
    expect(t.display()[1]).toMatch(/CNY 1,?500\.00$/);
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);

    const [declined, approved] = records(t);
    expect(records(t)).toHaveLength(2);
    expect(declined).toMatchObject({ type: 'sale', status: 'declined', responseCode: '55', amount: 150_000 });
    expect(approved).toMatchObject({ type: 'sale', status: 'approved', responseCode: '00', amount: 150_000, maskedPan: '541333******0027' });
    expect(approved!.stan).not.toBe(declined!.stan);
    // The host's books agree: the same two requests, by STAN, under two DUKPT keys.
    const host = sales(t);
    expect(host.map((l) => [l.stan, l.status, l.responseCode, l.reversed])).toEqual([
      [declined!.stan, 'declined', '55', false],
      [approved!.stan, 'approved', '00', false],
    ]);
    expect(host[0]!.ksn).toMatch(/^[0-9A-F]{20}$/);
    expect(host[1]!.ksn).toMatch(/^[0-9A-F]{20}$/);
    expect(host[1]!.ksn).not.toBe(host[0]!.ksn);
    expect(host[1]!.rrn).toBe(approved!.rrn);
    expect(pinTriesLeft(t)).toBe(3);
    // One receipt, the approval's: the merchant and cardholder copies of its voucher number.
    const receipts = t.board.printer.receipts;
    expect(receipts.map((r) => /MERCHANT COPY|CARDHOLDER COPY/.exec(r.text)?.[0])).toEqual(['MERCHANT COPY', 'CARDHOLDER COPY']);
    for (const r of receipts) expect(r.text).toMatch(new RegExp(`VOUCHER NO\\.\\s+${approved!.stan}`));
    // Tapped once: the card's one GENERATE AC (its ARQC) served both requests.
    expect(tapGenerateAcs(t)).toBe(1);
    expect(t.logs.filter((l) => l.event === 'sale.kernel')).toHaveLength(1);
    expect(JSON.stringify(t.logs)).not.toContain('5413330000000027');
  });

  it('three wrong PINs: 55, 55, then 75 and the sale ends with PIN tries exceeded (75 stops it even with retries left)', async () => {
    const t = await open({ onlinePinRetries: 5 });
    await tapWrongPin(t, '1111');
    await retryPrompt(t, 1);
    await t.press('2', '2', '2', '2', 'ENTER');
    await retryPrompt(t, 2);
    await t.press('3', '3', '3', '3', 'ENTER');
    await until(t, shows(t, 'DECLINED 75'));
    // "PIN tries exceeded", over two lines of 16.
    expect(t.display().join(' ').replace(/\s+/g, ' ')).toContain('PIN tries exceeded');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(records(t).map((r) => [r.status, r.responseCode])).toEqual([
      ['declined', '55'],
      ['declined', '55'],
      ['declined', '75'],
    ]);
    expect(sales(t).map((l) => l.responseCode)).toEqual(['55', '55', '75']);
    expect(new Set(records(t).map((r) => r.stan)).size).toBe(3);
    expect(new Set(sales(t).map((l) => l.ksn)).size).toBe(3);
    expect(pinTriesLeft(t)).toBe(0);
    expect(t.board.printer.receipts).toEqual([]);
  });

  it('onlinePinRetries limits the tries: with 1, the second 55 ends the sale', async () => {
    const t = await open({ onlinePinRetries: 1 });
    await tapWrongPin(t, '1111');
    await retryPrompt(t, 1);
    await t.press('2', '2', '2', '2', 'ENTER');
    await until(t, () => records(t).length === 2 && records(t)[1]!.status === 'declined');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(records(t).map((r) => r.responseCode)).toEqual(['55', '55']);
    expect(sales(t)).toHaveLength(2);
    expect(pinTriesLeft(t)).toBe(1);
  });

  it('CANCEL at the retry prompt ends the sale: nothing more is sent', async () => {
    const t = await open();
    await tapWrongPin(t);
    await retryPrompt(t, 1);
    await t.press('1', 'CANCEL');
    await until(t, shows(t, 'Cancelled'));
    await until(t, () => t.terminal.ctx.status.idle);
    await t.clock.advance(60_000);
    expect(records(t).map((r) => [r.status, r.responseCode])).toEqual([['declined', '55']]);
    expect(sales(t)).toHaveLength(1);
    expect(pinTriesLeft(t)).toBe(2);
    expect(t.board.printer.receipts).toEqual([]);
  });

  it('no answer to the retry: it is reversed like any sale, the declined first request stays', async () => {
    const t = await open();
    await tapWrongPin(t);
    await retryPrompt(t, 1);
    t.pay!.host.faults.add({ next: 'drop', count: 1 });
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'No host answer'), 200_000);
    await until(t, () => records(t)[1]?.status === 'reversed', 200_000);
    expect(records(t).map((r) => [r.status, r.responseCode])).toEqual([
      ['declined', '55'],
      ['reversed', null],
    ]);
    expect(sales(t).map((l) => [l.status, l.reversed])).toEqual([
      ['declined', false],
      ['approved', true],
    ]);
    expect(t.board.printer.receipts).toEqual([]);
  });
});

describe('online PIN retry with an inserted chip card', () => {
  it('chip-ok: a wrong PIN, then the right one; the card stays in, its one ARQC serves both requests, then its second GENERATE AC approves', async () => {
    const t = await open();
    await t.press('4', '5', '6', 'ENTER');
    t.board.presentCard('insert', 'chip-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('9', '9', '9', '9', 'ENTER');
    await retryPrompt(t, 1);
    expect(slotGenerateAcs(t)).toBe(1);
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'Remove the card'));
    expect(slotGenerateAcs(t)).toBe(2);
    t.board.presentCard('remove');
    await until(t, shows(t, 'APPROVED'));
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => t.terminal.ctx.status.idle);
    expect(records(t).map((r) => [r.status, r.responseCode])).toEqual([
      ['declined', '55'],
      ['approved', '00'],
    ]);
    expect(sales(t).map((l) => [l.status, l.reversed])).toEqual([
      ['declined', false],
      ['approved', false],
    ]);
    expect(t.board.printer.receipts[0]!.text).toMatch(/TC: [0-9A-F]{16}/);
  });

  it('chip-ok: CANCEL at the retry prompt: the card closes its transaction, is taken back, nothing more is sent', async () => {
    const t = await open();
    await t.press('4', '5', '6', 'ENTER');
    t.board.presentCard('insert', 'chip-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('9', '9', '9', '9', 'ENTER');
    await retryPrompt(t, 1);
    await t.press('CANCEL');
    await until(t, shows(t, 'Remove the card'));
    expect(slotGenerateAcs(t)).toBe(2);
    t.board.presentCard('remove');
    await until(t, shows(t, 'Cancelled'));
    await until(t, () => t.terminal.ctx.status.idle);
    expect(records(t).map((r) => [r.status, r.responseCode])).toEqual([['declined', '55']]);
    expect(sales(t)).toHaveLength(1);
  });
});
