/**
 * Recorded cards: published traces of real contactless cards (their PANs replaced by test
 * PANs, see each file's note) played back to the kernel, and the playback rules themselves.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { parseTrace, RecordedCard } from '../../src/emv/recorded-card.js';
import { tvrBits } from '../../src/emv/tvr.js';
import { expectScript, qvsdcGpo, run, SELECT_PPSE } from './helpers/kernel-harness.js';

const DIR = fileURLToPath(new URL('../../simulator/cards/traces/', import.meta.url));
const load = (name: string) => new RecordedCard(parseTrace(JSON.parse(readFileSync(DIR + name, 'utf8')), name));

describe('published traces through the kernel', () => {
  it('every trace file names its source and says what was changed', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
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
