/**
 * Application selection over the contact interface (EMV 4.4 Book 1 12): the PSE directory,
 * the list of AIDs with partial names and "select next", priorities, confirmation, blocked
 * cards and applications, and the return to selection after GPO 6985. Cards speak T=1 here
 * (no procedure answers) to keep each script to the commands that matter.
 */
import { describe, expect, it } from 'vitest';
import { ContactChipCard } from '../../simulator/cards/contact-card.js';
import { contactCardDescription, T1_ATR } from '../../simulator/cards/contact-catalog.js';
import type { ContactApplicationDescription, ContactCardDescription } from '../../simulator/cards/contact-description.js';
import { hostAccount } from '../../simulator/cards/host-account.js';
import { findCandidates, matchingAid, selectionOrder } from '../../src/emv/application-selection.js';
import { transceive } from '../../src/emv/apdu.js';
import { DEFAULT_CONTACT_AIDS, defaultContactConfig } from '../../src/emv/contact-config.js';
import { runContactTransaction } from '../../src/emv/contact-kernel.js';
import { fromHex, toHex } from '../../src/hex.js';
import { expectExchange, insertAndRun } from './helpers/contact-harness.js';
import { transaction, UN } from './helpers/kernel-harness.js';
import { scriptedCard } from './helpers/scripted-card.js';

const NOT_FOUND_ELSEWHERE: [string, string, string][] = [
  ['00A4040007 A0000000032010 00', '6A82', 'Visa Electron: not on the card'],
  ['00A4040007 A0000000041010 00', '6A82', 'Mastercard'],
  ['00A4040007 A0000000043060 00', '6A82', 'Maestro'],
  ['00A4040006 A00000002501 00', '6A82', 'American Express'],
];
const SELECT_PSE = '00A404000E 315041592E5359532E4444463031 00';

/** An application on a host account, like chip-ok's otherwise. */
function app(aid: string, accountId: string, o: Partial<ContactApplicationDescription> = {}): ContactApplicationDescription {
  const a = hostAccount(accountId);
  const base = contactCardDescription('chip-ok').applications[0]!;
  return { ...base, aid, pan: a.pan, imk: a.imk, oda: 'none', velocity: undefined as never, ...o };
}

function card(applications: ContactApplicationDescription[], o: Partial<ContactCardDescription> = {}): ContactChipCard {
  const apps = applications.map((a) => {
    const copy = { ...a };
    if (copy.velocity === undefined) delete copy.velocity;
    return copy;
  });
  return new ContactChipCard({ ...contactCardDescription('chip-ok'), atr: T1_ATR, applications: apps, ...o });
}

const UP_DEBIT = (o: Partial<ContactApplicationDescription> = {}) => app('A000000333010101', 'two-apps-debit', { label: 'UNIONPAY DEBIT', appVersion: '0030', ...o });
const UP_CREDIT = (o: Partial<ContactApplicationDescription> = {}) => app('A000000333010102', 'unionpay-ok', { label: 'UNIONPAY CREDIT', appVersion: '0030', ...o });

describe('the list of AIDs (Book 1 12.3.3)', () => {
  it('a card without a PSE: each terminal AID selected in turn, then the final SELECT', async () => {
    const run = await insertAndRun(card([contactCardDescription('chip-ok').applications[0]!], { pse: false }), 100);
    expectExchange(run, [
      [SELECT_PSE, '6A82', 'SELECT PSE: no PSE on this card'],
      ['00A4040007 A0000000031010 00', '9000', 'Visa: exact match, a candidate'],
      ...NOT_FOUND_ELSEWHERE,
      ['00A4040007 A0000003330101 00', '6A82', 'UnionPay (partial AID)'],
      ['00A4040007 A0000000031010 00', '9000', 'final SELECT'],
      ['80A8000002830000', '9000', 'GPO'],
      ['00B2010C00', '9000', 'record 1/1'],
      ['00B2011400', '9000', 'record 2/1'],
      ['00B2021400', '9000', 'record 2/2'],
      [`0088000004 ${UN} 00`, '9000', 'INTERNAL AUTHENTICATE'],
      ['80CA9F3600', '9000', 'GET DATA ATC'],
      ['80CA9F1300', '9000', 'GET DATA LOATC'],
      [`80AE800021 000000000100 000000000000 0156 0000048000 0156 260315 00 ${UN} 22 420300 00`, '9000', 'GENERATE AC: ARQC'],
    ]);
    expect(run.result.outcome).toBe('online-request');
    expect(run.result.label).toBe('VISA CREDIT');
  });

  it('partial selection: one terminal AID finds two applications by "select next"; priority 1 wins', async () => {
    const run = await insertAndRun(card([UP_DEBIT({ priority: 2 }), UP_CREDIT({ priority: 1 })], { pse: false }), 100);
    expect(run.script().slice(0, 10)).toEqual([
      '00A404000E315041592E5359532E444446303100 -> 6A82',
      '00A4040007A000000003101000 -> 6A82',
      '00A4040007A000000003201000 -> 6A82',
      '00A4040007A000000004101000 -> 6A82',
      '00A4040007A000000004306000 -> 6A82',
      '00A4040006A0000000250100 -> 6A82',
      '00A4040007A000000333010100 -> 9000', // ...0101: longer than the AID, partial allowed
      '00A4040207A000000333010100 -> 9000', // select next: ...0102
      '00A4040207A000000333010100 -> 6A82', // no more
      '00A4040008A00000033301010200 -> 9000', // final SELECT: priority 1, the credit application
    ]);
    expect(run.result.label).toBe('UNIONPAY CREDIT');
    expect(run.result.maskedPan).toBe('621234******1232');
    expect(run.result.outcome).toBe('online-request');
  });

  it('without partial selection for the AID, a longer name is not a candidate', async () => {
    const aids = DEFAULT_CONTACT_AIDS.map((a) => ({ ...a, partialSelection: false }));
    const run = await insertAndRun(card([UP_DEBIT()], { pse: false }), 100, defaultContactConfig({ aids }));
    expect(run.result.outcome).toBe('try-another-interface');
    expect(run.result.reason).toBe('no application on the card is accepted here');
    expect(run.commands().at(-1)).toBe('00A4040207A000000333010100');
  });

  it('a blocked application (SELECT 6283) is not a candidate', async () => {
    const run = await insertAndRun(card([contactCardDescription('chip-ok').applications[0]!].map((a) => ({ ...a, blocked: true })), { pse: false }), 100);
    expect(run.script()[1]).toMatch(/^00A4040007A000000003101000 -> 6283$/);
    expect(run.result.outcome).toBe('try-another-interface');
  });
});

describe('the PSE (Book 1 12.3.2) and final selection (12.4)', () => {
  it('the directory lists two applications; the one with priority 1 is selected though listed second', async () => {
    const run = await insertAndRun(card([UP_DEBIT({ priority: 2 }), UP_CREDIT({ priority: 1 })]), 100);
    expect(run.script().slice(0, 4)).toEqual([
      '00A404000E315041592E5359532E444446303100 -> 9000',
      '00B2010C00 -> 9000',
      '00B2020C00 -> 6A83',
      '00A4040008A00000033301010200 -> 9000',
    ]);
    expect(run.result.label).toBe('UNIONPAY CREDIT');
  });

  it('an application that requires the cardholder\'s confirmation is left out: this terminal cannot ask', async () => {
    const only = await insertAndRun(card([UP_CREDIT({ confirmationRequired: true, priority: 1 })]), 100);
    expect(only.result.outcome).toBe('try-another-interface');
    expect(only.result.reason).toMatch(/confirmation/);
    const two = await insertAndRun(card([UP_CREDIT({ confirmationRequired: true, priority: 1 }), UP_DEBIT({ priority: 2 })]), 100);
    expect(two.result.label).toBe('UNIONPAY DEBIT');
  });

  it('GPO answers 6985: back to selection, the next candidate is tried (Book 3 10.1)', async () => {
    const run = await insertAndRun(card([UP_CREDIT({ priority: 1, gpoRefused: true }), UP_DEBIT({ priority: 2 })]), 100);
    expect(run.script().slice(3, 7)).toEqual([
      '00A4040008A00000033301010200 -> 9000',
      '80A8000002830000 -> 6985',
      '00A4040008A00000033301010100 -> 9000',
      '80A8000002830000 -> 9000',
    ]);
    expect(run.result.label).toBe('UNIONPAY DEBIT');
    expect(run.result.outcome).toBe('online-request');
  });

  it('the only application refuses GPO: end application, naming why', async () => {
    const run = await insertAndRun(card([UP_CREDIT({ gpoRefused: true })]), 100);
    expect(run.result.outcome).toBe('end-application');
    expect(run.result.reason).toMatch(/GPO of A000000333010102 answered 6985/);
  });

  it('a blocked card (SELECT 6A81) ends the session after one command', async () => {
    const run = await insertAndRun(card([contactCardDescription('chip-ok').applications[0]!], { cardBlocked: true }), 100);
    expect(run.script()).toEqual(['00A404000E315041592E5359532E444446303100 -> 6A81']);
    expect(run.result.outcome).toBe('end-application');
    expect(run.result.reason).toMatch(/6A81/);
  });

  it('a PSE whose FCI cannot be read sends the terminal to the list of AIDs', async () => {
    const c = scriptedCard([
      { c: SELECT_PSE, r: '6F05840E3150 9000', note: 'SELECT PSE: a truncated FCI' },
      { c: '00A4040007 A0000000031010 00', r: '6A82' },
      { c: '00A4040007 A0000000032010 00', r: '6A82' },
      { c: '00A4040007 A0000000041010 00', r: '6A82' },
      { c: '00A4040007 A0000000043060 00', r: '6A82' },
      { c: '00A4040006 A00000002501 00', r: '6A82' },
      { c: '00A4040007 A0000003330101 00', r: '6A82' },
    ]);
    const result = await runContactTransaction({ transmit: c.send, config: defaultContactConfig(), transaction: transaction(100), signal: new AbortController().signal });
    c.assertDone();
    expect(result.outcome).toBe('try-another-interface');
  });

  it('a directory READ RECORD error other than 6A83 goes to the list of AIDs too', async () => {
    const c = scriptedCard([
      { c: SELECT_PSE, r: '6F1C840E315041592E5359532E4444463031A50A8801015F2D047A68656E 9000' },
      { c: '00B2010C00', r: '6F00', note: 'the directory cannot be read' },
      { c: '00A4040007 A0000000031010 00', r: '6A82' },
      { c: '00A4040007 A0000000032010 00', r: '6A82' },
      { c: '00A4040007 A0000000041010 00', r: '6A82' },
      { c: '00A4040007 A0000000043060 00', r: '6A82' },
      { c: '00A4040006 A00000002501 00', r: '6A82' },
      { c: '00A4040007 A0000003330101 00', r: '6A82' },
    ]);
    const send = (apdu: Uint8Array) => c.send(apdu);
    const found = await findCandidates((cmd) => transceive(send, cmd), defaultContactConfig());
    c.assertDone();
    expect(found).toEqual({ kind: 'candidates', method: 'aid-list', candidates: [] });
  });
});

/** "1PAY.SYS.DDF02" and "1PAY.SYS.DDF03": DDF names (Book 1 12.2.2 names DFs 5 to 16 bytes). */
const DDF2 = toHex(Uint8Array.from(Buffer.from('1PAY.SYS.DDF02', 'ascii')));
const DDF3 = toHex(Uint8Array.from(Buffer.from('1PAY.SYS.DDF03', 'ascii')));
const PSE_HEX = '315041592E5359532E4444463031';

/** The candidates findCandidates finds on a card, by ADF name, in the order found. */
async function found(c: ContactChipCard): Promise<string[]> {
  const send = async (apdu: Uint8Array) => c.transceive(apdu);
  const r = await findCandidates((cmd) => transceive(send, cmd), defaultContactConfig());
  if (r.kind !== 'candidates') throw new Error(r.kind);
  expect(r.method).toBe('pse');
  return r.candidates.map((x) => toHex(x.adfName));
}

describe('DDFs in the PSE (Book 1 12.3.2)', () => {
  it('the only ADF sits under a DDF: the DDF is selected, its directory read, the PSE selected again, then the ADF', async () => {
    const run = await insertAndRun(card([contactCardDescription('chip-ok').applications[0]!], { directory: [[{ ddf: { name: DDF2, records: [[{ application: 0 }]] } }]] }), 100);
    expectExchange(run, [
      [SELECT_PSE, '9000', 'SELECT PSE: its directory is SFI 1'],
      ['00B2010C00', '9000', 'PSE record 1: one entry, a DDF (61 with 9D)'],
      [`00A404000E ${DDF2} 00`, '9000', 'SELECT the DDF: its FCI names SFI 2'],
      ['00B2011400', '9000', 'DDF record 1: the Visa ADF'],
      ['00B2021400', '6A83', 'end of the DDF directory'],
      [SELECT_PSE, '9000', 'back to the PSE to read on (READ RECORD reads the current DF\'s files)'],
      ['00B2020C00', '6A83', 'end of the PSE directory'],
      ['00A4040007 A0000000031010 00', '9000', 'final SELECT'],
      ['80A8000002830000', '9000', 'GPO'],
      ['00B2010C00', '9000', 'record 1/1'],
      ['00B2011400', '9000', 'record 2/1'],
      ['00B2021400', '9000', 'record 2/2'],
      [`0088000004 ${UN} 00`, '9000', 'INTERNAL AUTHENTICATE'],
      ['80CA9F3600', '9000', 'GET DATA ATC'],
      ['80CA9F1300', '9000', 'GET DATA LOATC'],
      [`80AE800021 000000000100 000000000000 0156 0000048000 0156 260315 00 ${UN} 22 420300 00`, '9000', 'GENERATE AC: ARQC'],
    ]);
    expect(run.result.outcome).toBe('online-request');
    expect(run.result.label).toBe('VISA CREDIT');
  });

  it('depth first: an ADF before the DDF, the DDF\'s ADF, then the ADF of the PSE\'s next record', async () => {
    const c = card([UP_DEBIT(), UP_CREDIT(), contactCardDescription('chip-ok').applications[0]!], {
      directory: [[{ application: 0 }, { ddf: { name: DDF2, records: [[{ application: 1 }]] } }], [{ application: 2 }]],
    });
    expect(await found(c)).toEqual(['A000000333010101', 'A000000333010102', 'A0000000031010']);
  });

  it('DDFs that list each other, themselves or the PSE are each entered once; DDFs nest', async () => {
    const c = card([UP_DEBIT(), UP_CREDIT()], {
      directory: [
        [
          {
            ddf: {
              name: DDF2,
              records: [[{ ddf: { name: DDF2, records: [] } }, { ddf: { name: PSE_HEX, records: [] } }, { ddf: { name: DDF3, records: [[{ application: 1 }, { ddf: { name: DDF2, records: [] } }]] } }, { application: 0 }]],
            },
          },
        ],
      ],
    });
    expect(await found(c)).toEqual(['A000000333010102', 'A000000333010101']);
    const selects = c.log.map((e) => toHex(e.c)).filter((x) => x.startsWith('00A40400'));
    expect(selects).toEqual([
      `00A404000E${PSE_HEX}00`,
      `00A404000E${DDF2}00`,
      `00A404000E${DDF3}00`,
      `00A404000E${DDF2}00`, // back to DDF2 after DDF3, to read DDF2 on
      `00A404000E${PSE_HEX}00`, // back to the PSE after DDF2
    ]);
  });

  it('a DDF the card cannot select is passed over; the PSE is read on without selecting it again', async () => {
    const c = scriptedCard([
      { c: SELECT_PSE, r: '6F1C840E315041592E5359532E4444463031A50A8801015F2D047A68656E 9000' },
      { c: '00B2010C00', r: `7012 6110 9D0E ${DDF2} 9000`, note: 'a DDF entry' },
      { c: `00A404000E ${DDF2} 00`, r: '6A82', note: 'not there' },
      { c: '00B2020C00', r: '700B 6109 4F07A0000000031010 9000', note: 'the PSE\'s record 2: an ADF' },
      { c: '00B2030C00', r: '6A83' },
    ]);
    const send = (apdu: Uint8Array) => c.send(apdu);
    const r = await findCandidates((cmd) => transceive(send, cmd), defaultContactConfig());
    c.assertDone();
    expect(r.kind === 'candidates' && r.candidates.map((x) => toHex(x.adfName))).toEqual(['A0000000031010']);
  });
});

describe('the selection rules as functions', () => {
  it('matchingAid: exact always, longer only with partial selection, the longest AID wins', () => {
    const aids = [
      { ...DEFAULT_CONTACT_AIDS[0]!, aid: fromHex('A000000003'), partialSelection: true, name: 'short' },
      { ...DEFAULT_CONTACT_AIDS[0]!, aid: fromHex('A0000000031010'), partialSelection: false, name: 'exact' },
    ];
    expect(matchingAid(fromHex('A0000000031010'), aids)?.name).toBe('exact');
    expect(matchingAid(fromHex('A000000003101001'), aids)?.name).toBe('short');
    expect(matchingAid(fromHex('A000000004'), aids)).toBeUndefined();
  });

  it('selectionOrder: priority 1 first, no priority last, the card\'s order among equals', () => {
    const c = (name: string, priority: number, order: number, confirmationRequired = false) => ({ adfName: fromHex('A000000003'), aid: DEFAULT_CONTACT_AIDS[0]!, label: name, priority, confirmationRequired, order });
    const list = [c('none', 0, 0), c('two-a', 2, 1), c('one', 1, 2), c('two-b', 2, 3), c('confirm', 1, 4, true)];
    expect(selectionOrder(list, false).map((x) => x.label)).toEqual(['one', 'two-a', 'two-b', 'none']);
    expect(selectionOrder(list, true).map((x) => x.label)).toEqual(['one', 'confirm', 'two-a', 'two-b', 'none']);
    expect(toHex(selectionOrder(list, false)[0]!.adfName)).toBe('A000000003');
  });
});
