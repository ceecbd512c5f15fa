/**
 * Builders, MAC sealing and checking, matching and response readers. The MAC is a retail
 * MAC built on node:crypto in helpers.ts, checked first against the published vector.
 * Card data are synthetic (helpers.ts).
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { FieldValueError, MacMismatchError, MessageFormatError } from '../../src/host/errors.js';
import { pack, unpack, type IsoMessage } from '../../src/host/iso8583.js';
import {
  buildBatchUpload,
  buildEcho,
  buildRefund,
  buildReversal,
  buildSale,
  buildSettlement,
  buildSignOn,
  buildVoid,
  checkPresence,
  checkResponse,
  encodeTotals,
  nextStan,
  openResponse,
  packWithMac,
  readBatchUploadResponse,
  readFinancialResponse,
  readNetworkResponse,
  readReversalResponse,
  readSettlementResponse,
  responseMti,
  responseOutcome,
  type BatchUploadInput,
  type RefundInput,
  type SettlementInput,
  type VoidInput,
} from '../../src/host/messages.js';
import { HOST_FIELDS, MESSAGE_TYPES, RESPONSE_CODES, type MessageKind } from '../../src/host/spec.js';
import { AES_KSN, AT, ICC, KSN, PAN, TERMINAL, TRACK2, requestMac, responseMac, retailMac, saleInput } from './helpers.js';

const KSN2 = fromHex('FFFF9876543210E00002');

function voidInput(over: Partial<VoidInput> = {}): VoidInput {
  return {
    ...TERMINAL,
    stan: 43,
    at: { ...AT, minute: 50 },
    amount: 1234,
    currency: '156',
    batch: 7,
    ksn: KSN2,
    original: { rrn: '000123456789', authCode: 'A1B2C3', batch: 7, stan: 42, date: { month: 5, day: 31 } },
    ...over,
  };
}

function refundInput(over: Partial<RefundInput> = {}): RefundInput {
  return {
    ...TERMINAL,
    stan: 44,
    at: { month: 6, day: 2, hour: 9, minute: 5, second: 0 },
    amount: 500,
    currency: '156',
    batch: 8,
    ksn: KSN2,
    card: { pan: PAN, entryMode: 'contact-chip', expiry: '3012', panSequence: 1, icc: ICC },
    original: { rrn: '000123456789', date: { month: 5, day: 31 } },
    ...over,
  };
}

function settlementInput(over: Partial<SettlementInput> = {}): SettlementInput {
  return {
    ...TERMINAL,
    stan: 50,
    at: { ...AT, hour: 23 },
    currency: '156',
    batch: 7,
    ksn: KSN2,
    totals: { debitCount: 3, debitAmount: 12345, creditCount: 1, creditAmount: 500 },
    ...over,
  };
}

function uploadInput(over: Partial<BatchUploadInput['record']> = {}): BatchUploadInput {
  return {
    ...TERMINAL,
    stan: 51,
    currency: '156',
    batch: 7,
    ksn: KSN2,
    record: { kind: 'sale', amount: 1234, stan: 42, at: { ...AT }, entryMode: 'contactless-chip', rrn: '000123456789', authCode: 'A1B2C3', ...over },
  };
}

function invalid(fn: () => unknown): FieldValueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FieldValueError);
    expect(e).toBeInstanceOf(ValidationError);
    return e as FieldValueError;
  }
  throw new Error('expected a FieldValueError');
}

describe('the test MAC', () => {
  it('matches ISO/IEC 9797-1:2011 annex B.4 (MAC algorithm 3, padding 1)', () => {
    // Key K || K' and both data strings are the standard's example, as also used by
    // RustCrypto's retail-mac documentation.
    const key = fromHex('0123456789ABCDEFFEDCBA9876543210');
    expect(toHex(retailMac(key, new TextEncoder().encode('Now is the time for all ')))).toBe('A1C72E74EA3FA9B6');
    expect(toHex(retailMac(key, new TextEncoder().encode('Now is the time for it')))).toBe('2E2B1428CC78254F');
  });
});

/** Each request kind, built, sealed when it is MACed, and unpacked again. */
const REQUESTS: Array<[MessageKind, () => IsoMessage, boolean]> = [
  ['sale', () => buildSale(saleInput()), true],
  ['void', () => buildVoid(voidInput()), true],
  ['refund', () => buildRefund(refundInput()), true],
  ['reversal', () => buildReversal(buildSale(saleInput()), { reason: 'no-response', ksn: KSN2 }), true],
  ['batch-upload', () => buildBatchUpload(uploadInput()), true],
  ['settlement', () => buildSettlement(settlementInput()), true],
  ['sign-on', () => buildSignOn({ ...TERMINAL, stan: 1, at: AT }), false],
  ['echo', () => buildEcho({ ...TERMINAL, stan: 2, at: AT }), false],
];

describe('every request: build, seal, round trip', () => {
  for (const [kind, build, maced] of REQUESTS) {
    it(`${kind}: fits the presence table, and unpack gives back the same fields and bytes`, () => {
      const message = build();
      const bytes = maced ? packWithMac(message, requestMac) : pack(message);
      const back = unpack(bytes);
      expect(checkPresence(back, kind)).toEqual([]);
      const { 64: mac, ...rest } = back.fields;
      expect(rest).toEqual(message.fields);
      expect(mac !== undefined).toBe(maced);
      expect(toHex(pack(back))).toBe(toHex(bytes));
      if (maced) expect(openResponse(bytes, requestMac)).toEqual(back);
    });
  }

  it('the responses of the host, built to the table, round trip too', () => {
    for (const [kind, message] of Object.entries(hostResponses())) {
      const bytes = packWithMac(message, responseMac);
      expect(checkPresence(unpack(bytes), kind as MessageKind), kind).toEqual([]);
      expect(toHex(pack(openResponse(bytes, responseMac)))).toBe(toHex(bytes));
    }
  });
});

describe('sale', () => {
  it('carries the card, amount, PIN and KSN in the fields of the specification', () => {
    const f = buildSale(saleInput()).fields;
    expect(f).toMatchObject({ 3: '000000', 4: '000000001234', 11: '000042', 12: '144103', 13: '0531', 14: '3012', 22: '071', 23: '001', 25: '00', 26: '12', 35: TRACK2, 41: 'TERM0001', 42: '898310048160001', 49: '156', 60: '000007' });
    expect(f[2]).toBe(PAN);
    expect(f[53]).toEqual(KSN);
    expect(f[55]).toEqual(ICC);
  });

  it('without a PIN sends neither 26 nor 52', () => {
    const f = buildSale(saleInput({ pinBlock: undefined })).fields;
    expect(f[26]).toBeUndefined();
    expect(f[52]).toBeUndefined();
  });

  it('writes entry mode and PIN capability into field 22', () => {
    const mode = (entryMode: Parameters<typeof buildSale>[0]['card']['entryMode'], pinCapable?: boolean) =>
      buildSale(saleInput({ card: { pan: PAN, entryMode }, pinCapable })).fields[22];
    expect(mode('contact-chip')).toBe('051');
    expect(mode('magstripe')).toBe('901');
    expect(mode('fallback')).toBe('801');
    expect(mode('contactless-chip', false)).toBe('072');
  });

  it('pads the merchant ID and accepts a 12-byte AES DUKPT KSN', () => {
    const f = buildSale(saleInput({ merchantId: 'M1', ksn: AES_KSN })).fields;
    expect(f[42]).toBe('M1             ');
    expect(f[53]).toEqual(AES_KSN);
  });

  it('refuses bad inputs by name, never quoting card data', () => {
    expect(invalid(() => buildSale(saleInput({ amount: 0 }))).field).toBe('amount');
    expect(invalid(() => buildSale(saleInput({ amount: 12.5 }))).field).toBe('amount');
    expect(invalid(() => buildSale(saleInput({ amount: 10 ** 12 }))).field).toBe('amount');
    expect(invalid(() => buildSale(saleInput({ stan: 0 }))).field).toBe('stan');
    expect(invalid(() => buildSale(saleInput({ stan: 1_000_000 }))).field).toBe('stan');
    expect(invalid(() => buildSale(saleInput({ currency: 'CNY' }))).field).toBe('currency');
    expect(invalid(() => buildSale(saleInput({ ksn: KSN.subarray(0, 9) }))).field).toBe('ksn');
    expect(invalid(() => buildSale(saleInput({ pinBlock: fromHex('00112233445566') }))).field).toBe('pinBlock');
    expect(invalid(() => buildSale(saleInput({ terminalId: 'TERMINAL9' }))).field).toBe('terminalId');
    expect(invalid(() => buildSale(saleInput({ at: { ...AT, hour: 24 } }))).field).toBe('at.hour');
    expect(invalid(() => buildSale(saleInput({ at: { ...AT, month: 13 } }))).field).toBe('at.month');
    const badPan = invalid(() => buildSale(saleInput({ card: { pan: '62123456789012X2', entryMode: 'magstripe' } })));
    expect(badPan.field).toBe('card.pan');
    expect(badPan.message).not.toContain('6212');
    const otherTrack = invalid(() => buildSale(saleInput({ card: { pan: PAN, entryMode: 'magstripe', track2: '4000123456789010=3012' } })));
    expect(otherTrack.field).toBe('card.track2');
    expect(otherTrack.message).not.toContain('4000');
    expect(invalid(() => buildSale(saleInput({ card: { pan: PAN, entryMode: 'magstripe', expiry: '3013' } }))).field).toBe('card.expiry');
    expect(invalid(() => buildSale(saleInput({ card: { pan: PAN, entryMode: 'tap' as never } }))).field).toBe('entryMode');
    expect(invalid(() => buildSale(saleInput({ card: { pan: PAN, entryMode: 'toString' as never } }))).field).toBe('entryMode');
  });
});

describe('void and refund', () => {
  it('a void from the journal: 020000, entry mode 00x, no card fields, the original in 37, 38, 61', () => {
    const f = buildVoid(voidInput()).fields;
    expect(f).toMatchObject({ 3: '020000', 4: '000000001234', 11: '000043', 22: '001', 37: '000123456789', 38: 'A1B2C3', 60: '000007', 61: '0000070000420531' });
    expect(f[2]).toBeUndefined();
    expect(f[35]).toBeUndefined();
  });

  it('a void with the card read again sends its fields but no ICC data', () => {
    const f = buildVoid(voidInput({ card: { pan: PAN, entryMode: 'contactless-chip', icc: ICC, track2: TRACK2 } })).fields;
    expect(f[2]).toBe(PAN);
    expect(f[22]).toBe('071');
    expect(f[55]).toBeUndefined();
  });

  it('a refund: 200000, the RRN in 37, zeros for the batch and STAN it does not know', () => {
    const f = buildRefund(refundInput()).fields;
    expect(f).toMatchObject({ 3: '200000', 4: '000000000500', 22: '051', 37: '000123456789', 60: '000008', 61: '0000000000000531' });
    expect(buildRefund(refundInput({ original: { rrn: '000123456789', date: { month: 5, day: 31 }, batch: 7, stan: 42 } })).fields[61]).toBe('0000070000420531');
  });

  it('refuses an RRN that is not 12 characters', () => {
    expect(invalid(() => buildVoid(voidInput({ original: { ...voidInput().original, rrn: '123' } }))).field).toBe('original.rrn');
    expect(invalid(() => buildRefund(refundInput({ original: { rrn: '00012345678!', date: { month: 5, day: 31 } } }))).field).toBe('original.rrn');
  });
});

describe('reversal', () => {
  const sale = buildSale(saleInput());

  it('0400 keeps the STAN and the original fields, drops track 2 and PIN, gives the reason and a new KSN', () => {
    const r = buildReversal(sale, { reason: 'no-response', ksn: KSN2 });
    expect(r.mti).toBe('0400');
    expect(r.fields[11]).toBe(sale.fields[11]);
    expect(r.fields[4]).toBe(sale.fields[4]);
    expect(r.fields[2]).toBe(PAN);
    expect(r.fields[39]).toBe('68');
    expect(r.fields[53]).toEqual(KSN2);
    for (const no of [26, 35, 52, 64]) expect(r.fields[no], `field ${no}`).toBeUndefined();
    expect(r.fields[55]).toEqual(ICC);
  });

  it('a repeat is a 0401; the reasons map to their codes', () => {
    expect(buildReversal(sale, { reason: 'bad-mac', repeat: true, ksn: KSN2 }).mti).toBe('0401');
    const code = (reason: Parameters<typeof buildReversal>[1]['reason']) => buildReversal(sale, { reason, ksn: KSN2 }).fields[39];
    expect([code('bad-mac'), code('bad-response'), code('terminal-failure'), code('cancelled')]).toEqual(['A0', '30', '22', '17']);
  });

  it('reversing a void keeps its processing code, RRN and original data', () => {
    const v = buildVoid(voidInput());
    const r = buildReversal(v, { reason: 'no-response', ksn: KSN2 });
    expect(r.fields).toMatchObject({ 3: '020000', 11: '000043', 37: '000123456789', 61: '0000070000420531' });
  });

  it('refuses a reason it does not know', () => {
    expect(invalid(() => buildReversal(sale, { reason: 'toString' as never, ksn: KSN2 })).field).toBe('reason');
  });

  it('refuses to reverse anything but a 0200', () => {
    expect(invalid(() => buildReversal(buildSettlement(settlementInput()), { reason: 'no-response', ksn: KSN2 })).field).toBe('original');
  });
});

describe('settlement and batch upload', () => {
  it('writes the totals as debit count, debit amount, credit count, credit amount', () => {
    expect(encodeTotals({ debitCount: 3, debitAmount: 12345, creditCount: 1, creditAmount: 500 })).toBe('003' + '000000012345' + '001' + '000000000500');
    expect(buildSettlement(settlementInput()).fields[63]).toBe('003000000012345001000000000500');
    expect(invalid(() => encodeTotals({ debitCount: 1000, debitAmount: 0, creditCount: 0, creditAmount: 0 })).field).toBe('totals.debitCount');
  });

  it('uses 920000, and 960000 after an upload', () => {
    expect(buildSettlement(settlementInput()).fields[3]).toBe('920000');
    expect(buildSettlement(settlementInput({ afterUpload: true })).fields[3]).toBe('960000');
  });

  it('a 0320 carries the transaction: its processing code, time, RRN, approval code, and 61', () => {
    const f = buildBatchUpload(uploadInput()).fields;
    expect(f).toMatchObject({ 3: '000000', 4: '000000001234', 11: '000051', 12: '144103', 13: '0531', 22: '071', 37: '000123456789', 38: 'A1B2C3', 61: '0000070000420531' });
    expect(buildBatchUpload(uploadInput({ kind: 'refund' })).fields[3]).toBe('200000');
    expect(invalid(() => buildBatchUpload(uploadInput({ kind: 'void' as never }))).field).toBe('record.kind');
  });
});

describe('sign-on and echo', () => {
  it('are 0800 with 001 and 301 in field 70, so a secondary bitmap', () => {
    const s = pack(buildSignOn({ ...TERMINAL, stan: 1, at: AT }));
    expect(toHex(s.subarray(0, 3))).toBe('080080');
    expect(unpack(s).fields[70]).toBe('001');
    expect(buildEcho({ ...TERMINAL, stan: 2, at: AT }).fields[70]).toBe('301');
  });
});

describe('MAC', () => {
  it('is computed over the bytes from the MTI up to field 64, with bit 64 already set', () => {
    const bytes = packWithMac(buildSale(saleInput()), requestMac);
    const body = bytes.subarray(0, bytes.length - 8);
    expect(body[9]! & 0x01).toBe(1);
    expect(toHex(bytes.subarray(bytes.length - 8))).toBe(toHex(retailMac(fromHex('0123456789ABCDEFFEDCBA9876543210'), body)));
  });

  it('goes in field 128 when the message has a secondary bitmap', () => {
    const bytes = packWithMac(buildSignOn({ ...TERMINAL, stan: 1, at: AT }), requestMac);
    const m = unpack(bytes);
    expect(m.fields[64]).toBeUndefined();
    expect(m.fields[128]).toEqual(retailMac(fromHex('0123456789ABCDEFFEDCBA9876543210'), bytes.subarray(0, bytes.length - 8)));
    expect(openResponse(bytes, requestMac).fields[70]).toBe('001');
  });

  it('replaces a MAC the message already had', () => {
    const sale = buildSale(saleInput());
    const once = packWithMac(sale, requestMac);
    expect(toHex(packWithMac(unpack(once), requestMac))).toBe(toHex(once));
  });

  it('refuses a MAC function that does not return 8 bytes', () => {
    expect(() => packWithMac(buildSale(saleInput()), () => new Uint8Array(4))).toThrow(/returned 4 bytes/);
  });

  it('a response whose MAC is wrong, missing, or made with the other key is refused', () => {
    const good = packWithMac(hostResponses()['financial-response'], responseMac);
    expect(() => openResponse(good, responseMac)).not.toThrow();
    const tampered = Uint8Array.from(good);
    tampered[20] ^= 0x01;
    expect(() => openResponse(tampered, responseMac)).toThrow(MacMismatchError);
    expect(() => openResponse(good, requestMac)).toThrow(/does not verify; treated as no response/);
    const bare = pack(hostResponses()['financial-response']);
    expect(() => openResponse(bare, responseMac)).toThrow(/field 64 is missing/);
    expect(() => openResponse(good.subarray(0, 30), responseMac)).toThrow(MessageFormatError);
  });
});

/** What a host would send back to each request (built here, as the simulator will). */
function hostResponses(): Record<string, IsoMessage> {
  return {
    'financial-response': {
      mti: '0210',
      fields: { 3: '000000', 4: '000000001234', 11: '000042', 12: '144103', 13: '0531', 15: '0601', 37: '000123456789', 38: 'A1B2C3', 39: '00', 41: 'TERM0001', 55: fromHex('910A1122334455667788990071039F1801'), 60: '000007' },
    },
    'reversal-response': { mti: '0410', fields: { 3: '000000', 11: '000042', 39: '00', 41: 'TERM0001' } },
    'batch-upload-response': { mti: '0330', fields: { 3: '000000', 11: '000051', 39: '00', 41: 'TERM0001' } },
    'settlement-response': { mti: '0510', fields: { 3: '920000', 11: '000050', 39: '95', 41: 'TERM0001', 60: '000007', 63: '004000000013579001000000000500' } },
  };
}

describe('response readers', () => {
  it('an approval: code, action, approval code, RRN, settlement date, issuer data', () => {
    const r = readFinancialResponse(hostResponses()['financial-response']);
    expect(r).toMatchObject({ stan: 42, terminalId: 'TERM0001', responseCode: '00', action: 'approve', approved: true, authCode: 'A1B2C3', rrn: '000123456789', settlementDate: '0601', amount: 1234, processingCode: '000000' });
    expect(toHex(r.iccData!)).toBe('910A1122334455667788990071039F1801');
  });

  it('declines, retries and referrals carry words, not just codes', () => {
    const with39 = (code: string) => {
      const m = hostResponses()['financial-response'];
      m.fields[39] = code;
      delete m.fields[38];
      return readFinancialResponse(m);
    };
    expect(with39('51')).toMatchObject({ approved: false, action: 'decline', text: 'Insufficient funds' });
    expect(with39('55')).toMatchObject({ action: 'retry', text: 'Wrong PIN; try again' });
    expect(with39('01')).toMatchObject({ action: 'refer' });
    expect(with39('Q1')).toMatchObject({ action: 'decline', text: 'Declined (code Q1)' });
  });

  it('has an action and words for every code the specification lists', () => {
    const listed = ['00', '01', '03', '05', '12', '13', '14', '25', '30', '51', '54', '55', '57', '58', '61', '62', '65', '75', '91', '94', '96', 'A0'];
    for (const code of listed) {
      expect(RESPONSE_CODES[code], code).toBeDefined();
      expect(responseOutcome(code).text).not.toMatch(/code/);
    }
    expect(responseOutcome('toString').action).toBe('decline');
  });

  it('an approval without an approval code or RRN is malformed', () => {
    const m = hostResponses()['financial-response'];
    delete m.fields[38];
    expect(() => readFinancialResponse(m)).toThrow(expect.objectContaining({ code: 'ISO_MISSING_FIELD', field: 38 }));
    const n = hostResponses()['financial-response'];
    delete n.fields[37];
    expect(() => readFinancialResponse(n)).toThrow(/0210 field 37 \(Retrieval reference number\): is missing from an approval/);
  });

  it('a response without a mandatory field, or with the wrong MTI, is malformed', () => {
    const m = hostResponses()['financial-response'];
    delete m.fields[39];
    expect(() => readFinancialResponse(m)).toThrow(expect.objectContaining({ code: 'ISO_MISSING_FIELD', field: 39 }));
    expect(() => readFinancialResponse({ ...hostResponses()['financial-response'], mti: '0410' })).toThrow(MessageFormatError);
  });

  it('reversal responses: done, not found, already done, try again, refused', () => {
    const r = (code: string) => readReversalResponse({ mti: '0410', fields: { 3: '000000', 11: '000042', 39: code, 41: 'TERM0001' } }).outcome;
    expect([r('00'), r('25'), r('94'), r('91'), r('96'), r('12')]).toEqual(['reversed', 'not-found', 'already', 'retry', 'retry', 'refused']);
  });

  it('settlement responses: 95 asks for an upload and may bring the host totals', () => {
    const s = readSettlementResponse(hostResponses()['settlement-response']);
    expect(s).toMatchObject({ outcome: 'upload', batch: 7, hostTotals: { debitCount: 4, debitAmount: 13579, creditCount: 1, creditAmount: 500 } });
    const ok = hostResponses()['settlement-response'];
    ok.fields[39] = '00';
    delete ok.fields[63];
    expect(readSettlementResponse(ok)).toMatchObject({ outcome: 'balanced' });
    expect(readSettlementResponse(ok).hostTotals).toBeUndefined();
    ok.fields[63] = '12';
    expect(() => readSettlementResponse(ok)).toThrow(/field 63 .*30 digits/);
  });

  it('batch upload responses', () => {
    expect(readBatchUploadResponse(hostResponses()['batch-upload-response']).accepted).toBe(true);
  });

  it('sign-on responses carry the host clock; echo responses do not need it', () => {
    const s = readNetworkResponse({ mti: '0810', fields: { 11: '000001', 39: '00', 41: 'TERM0001', 62: '20250531144103', 70: '001' } });
    expect(s).toMatchObject({ kind: 'sign-on', ok: true, hostTime: { year: 2025, month: 5, day: 31, hour: 14, minute: 41, second: 3 } });
    const e = readNetworkResponse({ mti: '0810', fields: { 11: '000002', 39: '96', 41: 'TERM0001', 70: '301' } });
    expect(e).toMatchObject({ kind: 'echo', ok: false });
    expect(() => readNetworkResponse({ mti: '0810', fields: { 11: '000001', 39: '00', 41: 'TERM0001', 70: '001' } })).toThrow(/field 62 .*missing/);
    expect(() => readNetworkResponse({ mti: '0810', fields: { 11: '000001', 39: '00', 41: 'TERM0001', 62: '20251331144103', 70: '001' } })).toThrow(/YYYYMMDDhhmmss/);
    expect(() => readNetworkResponse({ mti: '0810', fields: { 11: '000001', 39: '00', 41: 'TERM0001', 70: '002' } })).toThrow(/field 70/);
  });
});

describe('matching a response to its request', () => {
  const sale = buildSale(saleInput());
  const answer = hostResponses()['financial-response'];

  it('pairs MTIs as ISO 8583:1987 does', () => {
    expect(['0200', '0400', '0401', '0320', '0500', '0800'].map(responseMti)).toEqual(['0210', '0410', '0410', '0330', '0510', '0810']);
  });

  it('matches by MTI, STAN and terminal ID', () => {
    expect(checkResponse(sale, answer)).toEqual({ kind: 'match' });
    expect(checkResponse(sale, { ...answer, fields: { ...answer.fields, 11: '000041' } }).kind).toBe('foreign');
    expect(checkResponse(sale, { ...answer, fields: { ...answer.fields, 41: 'TERM0002' } }).kind).toBe('foreign');
    expect(checkResponse(sale, { ...answer, mti: '0410' }).kind).toBe('foreign');
  });

  it('a matched answer that changes the amount or processing code is inconsistent', () => {
    expect(checkResponse(sale, { ...answer, fields: { ...answer.fields, 4: '000000001235' } })).toEqual({ kind: 'inconsistent', why: 'field 4 differs from the request' });
    expect(checkResponse(sale, { ...answer, fields: { ...answer.fields, 3: '200000' } }).kind).toBe('inconsistent');
  });

  it('a 0401 is answered by a 0410 with the original STAN', () => {
    const rep = buildReversal(sale, { reason: 'no-response', repeat: true, ksn: KSN2 });
    expect(checkResponse(rep, hostResponses()['reversal-response'])).toEqual({ kind: 'match' });
  });
});

describe('STAN', () => {
  it('wraps from 999999 to 1, never 0', () => {
    expect(nextStan(41)).toBe(42);
    expect(nextStan(999999)).toBe(1);
  });
});

describe('presence table', () => {
  it('names every kind with at least one MTI and only fields the table defines', () => {
    for (const [kind, spec] of Object.entries(MESSAGE_TYPES)) {
      expect(spec.mtis.length, kind).toBeGreaterThan(0);
      for (const no of Object.keys(spec.fields)) expect(HOST_FIELDS[Number(no)], `${kind} field ${no}`).toBeDefined();
    }
  });

  it('checkPresence reports a missing mandatory field and a field that does not belong', () => {
    const sale = buildSale(saleInput());
    const { 4: _amount, ...fields } = sale.fields;
    expect(checkPresence({ mti: '0200', fields: { ...fields, 38: 'ABCDEF' } }, 'sale')).toEqual(['field 4 is mandatory', 'field 64 is mandatory', 'field 38 is not part of this message']);
  });
});
