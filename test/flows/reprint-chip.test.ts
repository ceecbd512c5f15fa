/**
 * A reprint (MENU 5) of a chip sale prints the EMV block the original receipt printed: the
 * AID, the application label, the cryptogram with its type (ARQC for a tap that went online,
 * TC after an inserted card's second GENERATE AC), TVR and TSI, kept in the journal when
 * the sale was approved. Driven as a cashier would on the sim board: keypad, card
 * emulators, the printer's receipts read off the ESC/POS emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { simTerminal } from '../helpers/sim-terminal.js';

type T = Awaited<ReturnType<typeof simTerminal>>;
let term: T | null = null;
afterEach(async () => {
  await term?.stop();
  term = null;
});

const until = (t: T, done: () => boolean, maxMs = 200_000) => t.until(done, maxMs);

const shows = (t: T, text: string) => t.shows(text);
const idle = (t: T) => () => t.terminal.ctx.status.idle;
const receipts = (t: T) => t.board.printer.receipts.map((r) => r.text);

/** The receipt's chip block: its heading and the EMV lines under it. */
function chipLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(REFERENCE:|AID: |APP: |ARQC: |TC: |AAC: |TVR: |TSI: )/.test(l));
}

/** MENU 5, 2 (by trace number), the trace keyed in: resolves with the receipt printed. */
async function reprintByTrace(t: T, stan: string): Promise<string> {
  const before = receipts(t).length;
  await t.press('MENU', '5');
  await until(t, shows(t, '2 By trace no.'));
  await t.press('2');
  await until(t, shows(t, 'Trace no.:'));
  await t.press(...([...stan.replace(/^0+/, '')] as KeyName[]), 'ENTER');
  await until(t, () => receipts(t).length > before && idle(t)());
  return receipts(t).at(-1)!;
}

describe('reprint of chip sales: the EMV lines of the original customer copy', () => {
  it('a tap and an inserted card, reprinted from MENU 5 before and after the batch is settled', async () => {
    const t = (term = await simTerminal({ lang: 'en', payments: true }));
    const journal = t.pay!.payments.online.journal;

    // A tap under the CVM limit: online with the card's ARQC.
    await t.press('1', '2', '3', '4', 'ENTER');
    t.board.presentCard('tap', 'visa-ok');
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => idle(t)() && receipts(t).length === 2);
    t.board.presentCard('remove');
    const tapped = { stan: journal.all()[0]!.stan, customer: receipts(t)[1]! };

    // An inserted chip card: PIN, online, the second GENERATE AC's TC.
    await t.press('4', '5', '6', 'ENTER');
    t.board.presentCard('insert', 'chip-ok');
    await until(t, () => t.display()[0] === 'Enter PIN');
    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, shows(t, 'Remove the card'));
    t.board.presentCard('remove');
    await until(t, shows(t, 'Tear off copy'));
    await t.press('ENTER');
    await until(t, () => idle(t)() && receipts(t).length === 4);
    const inserted = { stan: journal.all()[1]!.stan, customer: receipts(t)[3]! };

    expect(chipLines(tapped.customer)).toEqual(['REFERENCE:', expect.stringMatching(/^AID: A0000000031010$/), expect.stringMatching(/^APP: /), expect.stringMatching(/^ARQC: [0-9A-F]{16}$/), expect.stringMatching(/^TVR: [0-9A-F]{10} TSI: [0-9A-F]{4}$/)]);
    expect(chipLines(inserted.customer)).toEqual(['REFERENCE:', expect.stringMatching(/^AID: /), expect.stringMatching(/^APP: /), expect.stringMatching(/^TC: [0-9A-F]{16}$/), expect.stringMatching(/^TVR: [0-9A-F]{10} TSI: [0-9A-F]{4}$/)]);

    for (const sale of [tapped, inserted]) {
      const again = await reprintByTrace(t, sale.stan);
      expect(again).toContain('*** REPRINT ***');
      expect(chipLines(again)).toEqual(chipLines(sale.customer));
    }

    // Settled: the batch's records let go of their reversal fields, not of the chip data.
    await t.press('MENU', '4');
    await until(t, shows(t, 'Settle now?'));
    await t.press('ENTER');
    await until(t, () => receipts(t).some((r) => /BALANCED/.test(r)) && idle(t)());
    expect(journal.batch).toBe(2);
    for (const sale of [tapped, inserted]) expect(chipLines(await reprintByTrace(t, sale.stan))).toEqual(chipLines(sale.customer));

    // The chip data is kept out of GET /api/journal's shape.
    for (const r of journal.toApi()) expect(Object.keys(r)).not.toContain('chip');
  });
});
