/**
 * Recorded cards: published traces of real cards and of schemes' test cards (real PANs
 * replaced by test PANs, see each file's note and simulator/cards/traces/README.md) played
 * back to the kernels, and the playback rules themselves.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { parseTrace, RecordedCard } from '../../src/emv/recorded-card.js';
import { defaultContactConfig } from '../../src/emv/contact-config.js';
import { runContactTransaction } from '../../src/emv/contact-kernel.js';
import { tvrBits } from '../../src/emv/tvr.js';
import { expectScript, qvsdcGpo, run, SELECT_PPSE, transaction } from './helpers/kernel-harness.js';

const DIR = fileURLToPath(new URL('../../simulator/cards/traces/', import.meta.url));
const load = (name: string) => new RecordedCard(parseTrace(JSON.parse(readFileSync(DIR + name, 'utf8')), name));

describe('published traces through the kernel', () => {
  it('every trace file names its source and says what was changed', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const [head] = JSON.parse(readFileSync(DIR + f, 'utf8')) as { source?: string; note?: string }[];
      expect(head?.source, f).toMatch(/^https:\/\//);
      expect(head?.note, f).toMatch(/test PAN/);
    }
  });

  it('Visa Debit (qVSDC): PAN, expiry, PSN and AID read; the recorded ARQC goes online; every step used', async () => {
    const card = load('visa-debit-comdirect.json');
    const { result, commands } = await run(card, 100);
    expectScript(commands, [
      SELECT_PPSE,
      ['00A4040007 A0000000031010 00', 'SELECT Visa'],
      [qvsdcGpo('36804000'), 'GPO (answered with the recorded GPO)'],
      ['00B2011400', 'READ RECORD SFI 2 record 1'],
      ['00B2021400', 'READ RECORD SFI 2 record 2'],
      ['00B2031400', 'READ RECORD SFI 2 record 3'],
    ]);
    expect(card.unused()).toEqual([]);
    expect(card.misses).toEqual([]);
    expect(result.sensitive?.pan).toBe('4761739001010010');
    expect(result.maskedPan).toBe('476173******0010');
    expect(result.expiry).toBe('2507');
    expect(result.panSequence).toBe('01');
    expect(toHex(result.aid!)).toBe('A0000000031010');
    expect(result.label).toBe('Visa Debit');
    expect(result.outcome).toBe('online-request');
    expect(toHex(result.cryptogram!.value)).toBe('EC1C5779FF267037');
    expect(toHex(result.cryptogram!.atc)).toBe('00C3');
    expect(toHex(result.sensitive!.track2!)).toBe('4761739001010010D25072211328662101000F');
  });

  it('Debit Mastercard (M/Chip): PAN, expiry and AID read; CDA fails (live CA key 05 is not held); GENERATE AC is not in the recording', async () => {
    const card = load('mastercard-debit-aab.json');
    const { result, commands } = await run(card, 100);
    expect(commands.slice(0, 7)).toEqual(
      ['00A404000E325041592E5359532E444446303100', '00A4040007A000000004101000', '80A8000002830000', '00B2010C00', '00B2011400', '00B2012400', '00B2022400'],
    );
    expect(commands).toHaveLength(8);
    expect(commands[7]!.slice(0, 8)).toBe('80AE8000');
    expect(card.unused()).toEqual([]);
    expect(card.misses.map(toHex)).toEqual([commands[7]]);
    expect(result.sensitive?.pan).toBe('5413330089020011');
    expect(result.expiry).toBe('2403');
    expect(result.panSequence).toBe('00');
    expect(toHex(result.aid!)).toBe('A0000000041010');
    expect(result.label).toBe('Debit MasterCard');
    expect(result.oda.failure?.check).toBe('CA_KEY_NOT_FOUND');
    // Expired in 2024, CDA not possible, above the floor limit of 0.
    expect(tvrBits(result.tvr)).toEqual(['cdaFailed', 'expiredApplication', 'floorLimitExceeded']);
    expect(result.outcome).toBe('end-application');
    expect(result.reason).toMatch(/GENERATE AC answered 6D00/);
  });

  it('American Express Expresspay test card (Kernel 4): PAN, expiry and AID read; the recorded GENERATE AC asked for CDA, this terminal (no CA key A1) does not', async () => {
    const card = load('amex-expresspay-test-card.json');
    const { result, commands } = await run(card, 100);
    expect(commands.slice(0, 10)).toEqual([
      '00A404000E325041592E5359532E444446303100', '00A4040008A00000002501040300', '80A800000383012200',
      '00B2010C00', '00B2020C00', '00B2040C00', '00B2050C00', '00B2021400', '00B2031400', '00B2031C00',
    ]);
    expect(commands).toHaveLength(11);
    expect(commands[10]!.slice(0, 8)).toBe('80AE8000');
    expect(card.unused().map((s) => toHex(s.c).slice(0, 8))).toEqual(['80AE9000']);
    expect(card.misses.map(toHex)).toEqual([commands[10]]);
    expect(result.sensitive?.pan).toBe('374245001741007');
    expect(result.expiry).toBe('1812');
    expect(result.panSequence).toBe('00');
    expect(toHex(result.aid!)).toBe('A000000025010403');
    expect(result.label).toBe('American Express');
    expect(result.kernel).toBe(4);
    expect(result.oda.failure?.check).toBe('CA_KEY_NOT_FOUND');
    expect(result.outcome).toBe('end-application');
  });

  it('Maestro of a girocard (Kernel 2): the Maestro application chosen from four, PAN (19 digits), expiry and AID read; GENERATE AC is not in the recording', async () => {
    const card = load('maestro-girocard-volksbank.json');
    const { result, commands } = await run(card, 100);
    expect(commands.slice(0, 10)).toEqual([
      '00A404000E325041592E5359532E444446303100', '00A4040007A000000004306000', '80A800000683042260000000',
      '00B2013400', '00B2023400', '00B2012400', '00B2024400', '00B2050C00', '00B2010C00', '00B2030C00',
    ]);
    expect(commands).toHaveLength(11);
    expect(commands[10]!.slice(0, 8)).toBe('80AE8000');
    expect(card.unused()).toEqual([]);
    expect(card.misses.map(toHex)).toEqual([commands[10]]);
    expect(result.sensitive?.pan).toBe('6799990100000000019');
    expect(result.maskedPan).toBe('679999*********0019');
    expect(result.expiry).toBe('2412');
    expect(result.panSequence).toBe('00');
    expect(toHex(result.aid!)).toBe('A0000000043060');
    expect(result.label).toBe('Maestro');
    expect(toHex(result.sensitive!.track2!)).toBe('6799990100000000019D24122010210104669F');
    expect(result.oda.failure?.check).toBe('CA_KEY_NOT_FOUND');
    expect(result.outcome).toBe('end-application');
  });

  it('UnionPay test card through a contact reader (contact kernel): PSE, credit application, PAN, expiry and AID read; the recorded ARQC, then the recorded TC after an approval', async () => {
    const card = load('unionpay-credit-test-card-contact.json');
    const commands: string[] = [];
    const result = await runContactTransaction({
      transmit: async (apdu) => {
        commands.push(toHex(apdu));
        return card.transceive(apdu);
      },
      config: defaultContactConfig(),
      transaction: transaction(100),
      signal: new AbortController().signal,
    });
    // The PSE directory (record 4: 6A83 ends it), the credit application (priority 1), its AFL.
    expect(commands.slice(0, 16)).toEqual([
      '00A404000E315041592E5359532E444446303100', '00B2010C00', '00B2020C00', '00B2030C00', '00B2040C00',
      '00A4040008A00000033301010200', '80A8000002830000',
      '00B2010C00', '00B2020C00', '00B2030C00', '00B2011400', '00B2021400', '00B2031400', '00B2041400', '00B2051400', '00B2012400',
    ]);
    expect(commands.at(-1)!.slice(0, 8)).toBe('80AE8000');
    // Everything the kernel asked (risk management's GET DATAs too) is in the recording.
    expect(card.misses).toEqual([]);
    expect(result.sensitive?.pan).toBe('6210948000000011');
    expect(result.expiry).toBe('3010');
    expect(result.panSequence).toBe('01');
    expect(toHex(result.aid!)).toBe('A000000333010102');
    expect(result.label).toBe('UICC CREDIT');
    // DDA needs UnionPay's test CA key 09, which this terminal does not hold: no INTERNAL AUTHENTICATE.
    expect(result.oda.failure?.check).toBe('CA_KEY_NOT_FOUND');
    expect(result.outcome).toBe('online-request');
    expect(toHex(result.cryptogram!.value)).toBe('B04398D218017BF9');
    const done = await result.complete!({ kind: 'online', approved: true, responseCode: '00' });
    expect(commands.at(-1)!.slice(0, 8)).toBe('80AE4000');
    expect(done.outcome).toBe('approved');
    expect(card.unused().map((s) => toHex(s.c).slice(0, 8))).toEqual(['00880000', '00820000']);
  });
});

describe('playback of a recording', () => {
  const trace = parseTrace([
    { source: 'a test', note: 'comment items are skipped' },
    { c: '00A404000E325041592E5359532E444446303100', r: '6F009000' },
    { c: '00A4040007A000000003101000', r: '6F029000', note: 'SELECT Visa' },
    { c: '80A8000004830212340', r: '' },
  ].slice(0, 3));

  it('answers a SELECT by the name it selects and any other command by its header', () => {
    const card = new RecordedCard([...trace, { c: fromHex('80A8000002830000'), r: fromHex('770A9000') }, { c: fromHex('80A8000002830000'), r: fromHex('770B9000') }]);
    expect(toHex(card.transceive(fromHex('00A4040007A000000003101000')))).toBe('6F029000');
    // The GPO's data differs from the recording's: the header decides; repeats in order, then the last again.
    expect(toHex(card.transceive(fromHex('80A80000058303AABBCC00')))).toBe('770A9000');
    expect(toHex(card.transceive(fromHex('80A8000002830000')))).toBe('770B9000');
    expect(toHex(card.transceive(fromHex('80A8000002830000')))).toBe('770B9000');
    expect(card.unused().map((s) => toHex(s.c))).toEqual(['00A404000E325041592E5359532E444446303100']);
  });

  it('what the recording lacks gets what a card without it answers, and is noted', () => {
    const card = new RecordedCard(trace);
    expect(toHex(card.transceive(fromHex('00A4040007A000000004101000')))).toBe('6A82');
    expect(toHex(card.transceive(fromHex('00B2011400')))).toBe('6A83');
    expect(toHex(card.transceive(fromHex('80AE8000020000')))).toBe('6D00');
    expect(card.misses).toHaveLength(3);
  });

  it.each([
    ['not a list', { c: '00' }, /JSON list/],
    ['a command too short', [{ c: '00A4', r: '9000' }], /item 1: a command has at least/],
    ['a response without status', [{ c: '00A40400', r: '90' }], /item 1: a response ends with SW1 SW2/],
    ['hex that is not', [{ c: '00A4040G', r: '9000' }], /item 1 c/],
    ['c without r', [{ c: '00A40400' }], /item 1: "c" and "r"/],
    ['only comments', [{ note: 'x' }], /no exchanges/],
  ])('refuses %s with a ValidationError naming the item', (_, json, message) => {
    expect(() => parseTrace(json, 'T')).toThrow(ValidationError);
    expect(() => parseTrace(json, 'T')).toThrow(message);
  });
});
