import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { encodeCommand, getProcessingOptions } from '../../src/emv/apdu.js';
import { buildDolData, chainSources, fitToLength, mapSource, parseDol } from '../../src/emv/dol.js';
import { DolError } from '../../src/emv/errors.js';
import {
  DEFAULT_TERMINAL_CONFIG,
  TransactionType,
  configValues,
  newTransaction,
  terminalDataSource,
  transactionValues,
  type TerminalConfig,
} from '../../src/emv/terminal-data.js';
import * as S from './helpers/samples.js';

const fixedRandom = (hex: string) => () => fromHex(hex);

describe('parsing a DOL', () => {
  it("reads the Visa card's PDOL into tags and lengths", () => {
    expect(parseDol(fromHex(S.VISA_PDOL))).toEqual([
      { tag: 0x9f66, length: 4 },
      { tag: 0x9f02, length: 6 },
      { tag: 0x9f03, length: 6 },
      { tag: 0x9f1a, length: 2 },
      { tag: 0x95, length: 5 },
      { tag: 0x5f2a, length: 2 },
      { tag: 0x9a, length: 3 },
      { tag: 0x9c, length: 1 },
      { tag: 0x9f37, length: 4 },
    ]);
  });

  it("reads the Mastercard's CDOL1 (14 entries, 66 bytes)", () => {
    const entries = parseDol(fromHex(S.MC_CDOL1));
    expect(entries).toHaveLength(14);
    expect(entries.reduce((n, e) => n + e.length, 0)).toBe(66);
    expect(entries.at(-1)).toEqual({ tag: 0x9f7c, length: 20 });
  });

  it('reads a long-form length and an empty DOL', () => {
    expect(parseDol(fromHex('9F7C8120'))).toEqual([{ tag: 0x9f7c, length: 32 }]);
    expect(parseDol(new Uint8Array(0))).toEqual([]);
  });

  it.each([
    ['9F', 'DOL_TRUNCATED_TAG', 'DOL at offset 0: a multi-byte tag is cut short'],
    ['9F0206 9F02', 'DOL_MISSING_LENGTH', 'DOL at offset 3: tag 9F02 has no length'],
    ['9F0280', 'DOL_BAD_LENGTH', 'DOL at offset 0: tag 9F02: length byte 80 is not usable'],
    ['9F0283000001', 'DOL_BAD_LENGTH', 'DOL at offset 0: tag 9F02: length byte 83 is not usable'],
    ['9F0282', 'DOL_MISSING_LENGTH', 'DOL at offset 0: tag 9F02: length is cut short'],
    ['9F02 06 00 01', 'DOL_BAD_TAG', "DOL at offset 3: '00' is not a tag"],
    ['DF81818101 01', 'DOL_TAG_TOO_LONG', 'DOL at offset 0: tag longer than 4 bytes'],
  ])('refuses %s with %s', (h, code, message) => {
    try {
      parseDol(fromHex(h));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DolError);
      expect((e as DolError).code).toBe(code);
      expect((e as DolError).message).toBe(message);
    }
  });
});

describe('fitting values to DOL lengths (EMV 4.4 Book 3 5.4)', () => {
  const v = (h: string) => fromHex(h);
  it('n: cut on the left, padded with leading zeros', () => {
    expect(toHex(fitToLength(v('000000001234'), 4, 'n'))).toBe('00001234');
    expect(toHex(fitToLength(v('000000001234'), 8, 'n'))).toBe('0000000000001234');
  });
  it('cn: cut on the right, padded with trailing FF', () => {
    expect(toHex(fitToLength(v('4761739001010119'), 10, 'cn'))).toBe('4761739001010119FFFF');
    expect(toHex(fitToLength(v('4761739001010119'), 6, 'cn'))).toBe('476173900101');
  });
  it('an, ans and b: cut on the right, padded with trailing zeros', () => {
    expect(toHex(fitToLength(v('5445524D30303031'), 10, 'an'))).toBe('5445524D303030310000');
    expect(toHex(fitToLength(v('5445524D30303031'), 4, 'ans'))).toBe('5445524D');
    expect(toHex(fitToLength(v('E068C8'), 5, 'b'))).toBe('E068C80000');
    expect(toHex(fitToLength(v('E068C8'), 2, 'b'))).toBe('E068');
  });
  it('the exact length: the value itself', () => {
    const x = v('0102');
    expect(fitToLength(x, 2, 'n')).toBe(x);
  });
});

describe('building DOL data', () => {
  const source = mapSource(
    new Map([
      [0x9f02, fromHex('000000001234')],
      [0x5a, fromHex('4761739001010119')],
      [0x9f1c, Buffer.from('TERM0001')],
      [0x9f33, fromHex('E068C8')],
      [0xdf7f, fromHex('AABBCC')], // a tag the dictionary does not know
      [0xbf0c, fromHex('9F0A00')], // constructed: never sent
    ]),
  );

  it('fits each value by its format and concatenates', () => {
    const dol = fromHex('9F0204 5A0A 9F1C0A 9F3302');
    expect(toHex(buildDolData(dol, source))).toBe('00001234' + '4761739001010119FFFF' + '5445524D303030310000' + 'E068');
  });

  it('zeros for a tag nobody has, a known tag with no value, and a constructed tag', () => {
    expect(toHex(buildDolData(fromHex('DF7E03 9F3704 BF0C03'), source))).toBe('000000' + '00000000' + '000000');
  });

  it('a value for a tag missing from the dictionary is fitted as binary', () => {
    expect(toHex(buildDolData(fromHex('DF7F05 DF7F02'), source))).toBe('AABBCC0000' + 'AABB');
  });

  it('chains sources: the first that has a tag answers', () => {
    const a = mapSource(new Map([[0x9f37, fromHex('01020304')]]));
    const b = mapSource(new Map([[0x9f37, fromHex('AAAAAAAA')], [0x9c, fromHex('20')]]));
    expect(toHex(buildDolData(fromHex('9F37049C01'), chainSources(a, b)))).toBe('0102030420');
  });

  it('refuses a DOL that asks for more than a command holds', () => {
    expect(() => buildDolData(fromHex('9F7C81FF 9F0201'), source)).toThrow(DolError);
    expect(buildDolData(fromHex('9F7C81FF'), source)).toHaveLength(255);
  });

  it("rebuilds the published Visa GPO byte for byte from the card's PDOL and the log's values", () => {
    // The values the log lists in step 04 (country code 0978 as that terminal set it).
    const config: TerminalConfig = { ...DEFAULT_TERMINAL_CONFIG, countryCode: 978, currencyCode: 978, ttq: fromHex('27000000') };
    const txn = newTransaction({
      amount: 1000,
      type: TransactionType.purchase,
      time: new Date(2023, 2, 1, 12, 0, 0),
      random: fixedRandom('38393031'),
    });
    const data = buildDolData(fromHex(S.VISA_PDOL), terminalDataSource(config, txn));
    expect(toHex(encodeCommand(getProcessingOptions(data)))).toBe(S.VISA_GPO_COMMAND.toUpperCase());
  });

  it("fills the Mastercard's CDOL1 from the default CNY terminal", () => {
    const txn = newTransaction({ amount: 12345, time: new Date(2024, 1, 17, 9, 5, 7), random: fixedRandom('CAFEBABE') });
    const data = buildDolData(fromHex(S.MC_CDOL1), terminalDataSource(DEFAULT_TERMINAL_CONFIG, txn));
    expect(toHex(data)).toBe(
      '000000012345' + // 9F02
        '000000000000' + // 9F03
        '0156' + // 9F1A
        '0000000000' + // 95
        '0156' + // 5F2A
        '240217' + // 9A
        '00' + // 9C
        'CAFEBABE' + // 9F37
        '22' + // 9F35
        '0000' + // 9F45, the card's own: zeros from the terminal
        '0000000000000000' + // 9F4C, likewise
        '000000' + // 9F34, not set yet
        '090507' + // 9F21
        '00'.repeat(20), // 9F7C, no merchant custom data
    );
  });
});

describe('the terminal data source', () => {
  it('gives the defaults of a CNY terminal in China', () => {
    const v = configValues(DEFAULT_TERMINAL_CONFIG);
    const h = (tag: number) => toHex(v.get(tag)!);
    expect(h(0x9f1a)).toBe('0156');
    expect(h(0x5f2a)).toBe('0156');
    expect(h(0x5f36)).toBe('02');
    expect(h(0x9f35)).toBe('22');
    expect(h(0x9f33)).toBe('E068C8');
    expect(h(0x9f40)).toBe('6000B0F001');
    expect(h(0x9f66)).toBe('36004000');
    expect(h(0x9f15)).toBe('5999');
    expect(Buffer.from(v.get(0x9f1c)!).toString()).toBe('00000001');
    expect(v.get(0x9f16)).toHaveLength(15);
    expect(Object.isFrozen(DEFAULT_TERMINAL_CONFIG)).toBe(true);
  });

  it('optional fields: merchant name, acquirer id, floor limit; short merchant id padded with spaces', () => {
    const v = configValues({
      ...DEFAULT_TERMINAL_CONFIG,
      merchantId: 'SHOP42',
      merchantNameLocation: 'TEA HOUSE SHANGHAI CN',
      acquirerId: '12345678',
      floorLimit: 50000,
    });
    expect(Buffer.from(v.get(0x9f16)!).toString()).toBe('SHOP42         ');
    expect(Buffer.from(v.get(0x9f4e)!).toString()).toBe('TEA HOUSE SHANGHAI CN');
    expect(toHex(v.get(0x9f01)!)).toBe('000012345678');
    expect(toHex(v.get(0x9f1b)!)).toBe('0000C350');
  });

  it.each([
    [{ terminalId: 'T1' }, 'terminalId (9F1C) must be 8 characters, not 2'],
    [{ ifdSerialNumber: '123456789' }, 'ifdSerialNumber (9F1E) must be 8 characters, not 9'],
    [{ terminalCapabilities: fromHex('E068') }, 'terminalCapabilities (9F33) must be 3 bytes, not 2'],
    [{ ttq: fromHex('3600400000') }, 'ttq (9F66) must be 4 bytes, not 5'],
    [{ countryCode: 1560 }, 'countryCode (9F1A): 1560 is not a code of up to 3 digits'],
    [{ merchantCategoryCode: 12345 }, 'merchantCategoryCode (9F15): 12345 is not a code of up to 4 digits'],
    [{ currencyExponent: -1 }, 'currencyExponent (5F36): -1 is not a code of one digit'],
    [{ merchantId: 'M'.repeat(16) }, 'merchantId (9F16): 16 characters do not fit 15'],
    [{ acquirerId: '123' }, 'acquirerId (9F01) must be 6 to 11 digits'],
  ] as [Partial<TerminalConfig>, string][])('refuses a bad configuration %j', (bad, message) => {
    expect(() => configValues({ ...DEFAULT_TERMINAL_CONFIG, ...bad })).toThrow(new ValidationError(message));
  });

  it('encodes amounts in n12 and binary, the type, the local date and time', () => {
    const txn = newTransaction({ amount: 12345, otherAmount: 500, type: TransactionType.cashback, time: new Date(2024, 11, 31, 23, 59, 58), random: fixedRandom('00000000') });
    const v = transactionValues(txn);
    expect(toHex(v.get(0x9f02)!)).toBe('000000012345');
    expect(toHex(v.get(0x81)!)).toBe('00003039');
    expect(toHex(v.get(0x9f03)!)).toBe('000000000500');
    expect(toHex(v.get(0x9f04)!)).toBe('000001F4');
    expect(toHex(v.get(0x9c)!)).toBe('09');
    expect(toHex(v.get(0x9a)!)).toBe('241231');
    expect(toHex(v.get(0x9f21)!)).toBe('235958');
    expect(toHex(v.get(0x95)!)).toBe('0000000000');
    expect(toHex(v.get(0x9b)!)).toBe('0000');
  });

  it('leaves out the binary amount when it does not fit 4 bytes', () => {
    const v = transactionValues(newTransaction({ amount: 999_999_999_999, random: fixedRandom('00000000') }));
    expect(toHex(v.get(0x9f02)!)).toBe('999999999999');
    expect(v.has(0x81)).toBe(false);
  });

  it.each([
    [{ amount: -1 }, /amount \(9F02\)/],
    [{ amount: 1.5 }, /amount \(9F02\)/],
    [{ amount: 1_000_000_000_000 }, /amount \(9F02\)/],
    [{ amount: 1, otherAmount: -5 }, /otherAmount \(9F03\)/],
    [{ amount: 1, type: 0x1a }, /type \(9C\)/],
    [{ amount: 1, time: new Date(NaN) }, /not a valid date/],
  ])('refuses a bad transaction %j', (bad, message) => {
    const txn = newTransaction({ ...bad, random: fixedRandom('00000000') });
    expect(() => terminalDataSource(DEFAULT_TERMINAL_CONFIG, txn)).toThrow(message);
  });

  it('takes the unpredictable number from the injected source, or crypto random', () => {
    expect(toHex(newTransaction({ amount: 1, random: fixedRandom('DEADBEEF') }).unpredictableNumber)).toBe('DEADBEEF');
    expect(() => newTransaction({ amount: 1, random: fixedRandom('DEAD') })).toThrow(ValidationError);
    const a = newTransaction({ amount: 1 }).unpredictableNumber;
    const b = newTransaction({ amount: 1 }).unpredictableNumber;
    expect(a).toHaveLength(4);
    // Equal by chance once in 2^32 runs.
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('reads the transaction at each look-up: a TVR bit set later reaches the card', () => {
    const txn = newTransaction({ amount: 100, random: fixedRandom('00000000') });
    const source = terminalDataSource(DEFAULT_TERMINAL_CONFIG, txn);
    expect(toHex(source(0x95)!)).toBe('0000000000');
    txn.tvr[0] = 0x80; // offline data authentication was not performed
    expect(toHex(buildDolData(fromHex('9505'), source))).toBe('8000000000');
  });
});
