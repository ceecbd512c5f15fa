/**
 * Published ISO 8583 binary messages, decoded. Only the bytes and the expected values are
 * taken from the sources (no code). Where a source's field formats differ from ours, the
 * message is decoded with a variant table built from HOST_FIELDS plus that source's
 * definitions of the differing fields; each such field is listed.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { pack, unpack } from '../../src/host/iso8583.js';
import { HOST_FIELDS, defineFields, type FieldSpec } from '../../src/host/spec.js';

function variant(changes: Record<number, Omit<FieldSpec, 'name'>>) {
  const entries: Record<number, FieldSpec> = { ...HOST_FIELDS };
  for (const [no, spec] of Object.entries(changes)) entries[Number(no)] = { name: `variant ${no}`, ...spec };
  return defineFields(entries);
}

const lengthOf = (b: Uint8Array) => (b[0]! << 8) | b[1]!;

describe('saeiddrv/ISO8583Interpreter: 0200 with TPDU (test mti_0200_tpdu_header_tests.java)', () => {
  // Source: github.com/saeiddrv/ISO8583Interpreter, src/test/java/ir/saeiddrv/iso8583/
  // mti_0200_tpdu_header_tests.java, the "expected" packing of its 0200 message. Framing:
  // 2-byte binary length, then a 5-byte TPDU (60 0121 0121), then the ISO message.
  const framed = fromHex(
    '007B' + '6001210121' + '0200' + '7038018020C11009' + '166219861026599414' + '000000' + '000001000000' +
      '000023' + '144103' + '0531' + '0121' + '24' + '376219861026599414D250710046638588118930' +
      '3936303930303032' + '313030323733373939343130303031' + '0003303030' + '3E6739B48BFD0A59' +
      '001350323630333030303030303636' + '91D941BA6D22AA42',
  );
  // That source defines 24 (NII, n3), 48 and 61 (LLL, ASCII content) where we have no 24 and
  // 61 is n..16; every other field here has our format.
  const table = variant({
    24: { format: 'n', lengthType: 'fixed', length: 3, encoding: 'bcd' },
    48: { format: 'ans', lengthType: 'lllvar', length: 999, encoding: 'ascii' },
    61: { format: 'ans', lengthType: 'lllvar', length: 999, encoding: 'ascii' },
  });

  it('has a length header that counts the bytes after it', () => {
    expect(lengthOf(framed)).toBe(framed.length - 2);
  });

  it('decodes to the values the source set', () => {
    const message = unpack(framed.subarray(7), table);
    expect(message.mti).toBe('0200');
    expect(message.fields).toEqual({
      2: '6219861026599414',
      3: '000000',
      4: '000001000000',
      11: '000023',
      12: '144103',
      13: '0531',
      24: '121',
      25: '24',
      35: '6219861026599414=25071004663858811893',
      41: '96090002',
      42: '100273799410001',
      48: '000',
      52: fromHex('3E6739B48BFD0A59'),
      61: 'P260300000066',
      64: fromHex('91D941BA6D22AA42'),
    });
    expect(toHex(pack(message, table))).toBe(toHex(framed.subarray(7)));
  });

  it('our own table refuses it at field 24, which we do not define (10 + 9 + 3 + 6 + 3 + 3 + 2 = 36)', () => {
    expect(() => unpack(framed.subarray(7))).toThrow(/field 24 at offset 36: is not defined/);
  });
});

describe('China UnionPay POS sale request (blog "POS调试8583报文-消费")', () => {
  // Source: https://www.codetd.com/article/5053461 (a copy of
  // https://blog.csdn.net/MaxWoods/article/details/86490475): a consumption (sale) request
  // to a UnionPay POS centre, with its decoded fields 2-26 listed under "请求解析".
  // Framing: 2-byte length 01AA, TPDU 6000060000, 6-byte header 603100311003.
  const framed = fromHex(`
    01 AA 60 00 06 00 00 60 31 00 31 10 03 02 00 70 24 06 C0 20 C1 9A 31 16 62 24 24 29 00
    00 01 13 00 00 00 00 00 00 00 00 01 00 04 03 28 06 07 10 00 00 00 12 34 62 24 24 29 00
    00 01 13 D2 80 62 01 39 49 03 10 13 31 30 30 30 30 30 31 39 38 35 30 31 30 30 30 38 32
    34 31 30 30 30 32 00 01 00 31 35 36 D1 EE F4 19 D0 AE 26 09 26 00 00 00 00 00 00 00 01
    39 9F 26 08 95 BB E3 72 27 1D DA 7C 9F 27 01 80 9F 10 13 07 01 01 03 A0 00 00 01 0A 01
    00 00 00 00 00 ED 53 8F E4 9F 37 04 7F 9F 34 9E 9F 36 02 01 57 95 05 00 00 00 00 00 9A
    03 19 08 30 9C 01 00 9F 02 06 00 00 00 00 00 01 5F 2A 02 01 56 82 02 7C 00 9F 1A 02 01
    56 9F 03 06 00 00 00 00 00 00 9F 33 03 E0 E1 C8 9F 35 01 22 9F 1E 08 31 30 30 30 30 30
    31 39 84 08 A0 00 00 03 33 01 01 02 9F 09 02 00 8C 9F 41 04 00 00 04 03 01 53 31 32 32
    30 38 39 38 36 30 36 31 37 30 38 30 30 30 32 35 38 33 39 39 33 31 33 31 31 48 46 54 31
    37 30 38 30 33 30 31 31 34 31 34 32 30 31 39 30 38 33 30 30 39 33 34 33 35 31 35 30 32
    30 30 31 37 32 32 42 44 33 30 2E 36 32 31 35 35 35 2C 31 31 34 2E 33 36 31 39 35 34 41
    32 36 30 30 31 30 32 30 32 30 32 31 36 30 30 30 30 32 39 30 32 31 30 30 31 35 37 30 38
    30 33 30 36 30 30 30 31 31 33 30 34 30 38 30 34 32 34 37 32 39 32 30 35 30 38 48 37 30
    36 32 38 30 31 00 14 22 00 00 24 00 06 00 38 46 36 35 31 42 32 36`);
  // The UnionPay specification differs from ours in: 22 and 23 (n3 left-justified in 2 bytes;
  // the blog's decoder shows them as 4 digits, so n4 here), 48 (n..322 LLLVAR), 49 (an3,
  // ASCII), 53 (n16 fixed), 59 (ans..999 LLLVAR), 60 (n..17 LLLVAR, longer than ours).
  const table = variant({
    22: { format: 'n', lengthType: 'fixed', length: 4, encoding: 'bcd' },
    23: { format: 'n', lengthType: 'fixed', length: 4, encoding: 'bcd' },
    48: { format: 'n', lengthType: 'lllvar', length: 322, encoding: 'bcd' },
    49: { format: 'an', lengthType: 'fixed', length: 3, encoding: 'ascii' },
    53: { format: 'n', lengthType: 'fixed', length: 16, encoding: 'bcd' },
    59: { format: 'ans', lengthType: 'lllvar', length: 999, encoding: 'ascii' },
    60: { format: 'n', lengthType: 'lllvar', length: 17, encoding: 'bcd' },
  });
  const message = unpack(framed.subarray(2 + 5 + 6), table);

  it('has a length header that counts the bytes after it', () => {
    expect(lengthOf(framed)).toBe(framed.length - 2);
  });

  it('decodes the bitmap to the fields the blog lists', () => {
    expect(message.mti).toBe('0200');
    expect(Object.keys(message.fields).map(Number)).toEqual([2, 3, 4, 11, 14, 22, 23, 25, 26, 35, 41, 42, 48, 49, 52, 53, 55, 59, 60, 64]);
  });

  it('decodes fields 2-26 to the values the blog gives', () => {
    expect(message.fields).toMatchObject({
      2: '6224242900000113',
      3: '000000',
      4: '000000000001',
      11: '000403',
      14: '2806',
      22: '0710',
      23: '0000',
      25: '00',
      26: '12',
    });
  });

  it('decodes the rest consistently: track 2 carries the PAN and expiry, 55 the amount and currency', () => {
    const t2 = message.fields[35] as string;
    expect(t2.startsWith('6224242900000113=2806')).toBe(true);
    expect(message.fields[41]).toBe('10000019');
    expect(message.fields[49]).toBe('156');
    const icc = toHex(message.fields[55] as Uint8Array);
    expect(icc.length).toBe(139 * 2);
    expect(icc).toContain('9F0206000000000001'); // amount authorised = field 4
    expect(icc).toContain('5F2A020156'); // currency 156 = field 49
    expect(icc).toContain('9F41040000' + '0403'); // sequence counter = STAN
    expect(message.fields[60]).toBe('22000024000600');
    expect(toHex(pack(message, table))).toBe(toHex(framed.subarray(13)));
  });
});

describe('ralvescosta/digital-payments README: 0800 key exchange', () => {
  // Source: github.com/ralvescosta/digital-payments, README.md "ISO 8583 Sample Message",
  // with its breakdown: MTI 0800, bitmap 2038000000200002, 3 = 810000, 11 = 000001,
  // 12 = 084909, 13 = 0522, then 43 and 63. No length header, no TPDU.
  const bytes = fromHex(
    '08002038000000200002810000000001084909052253415630305A303537363331202020205341564E47583130303131303032303030302020202020200011010008B9F3F723CA3CD2F8',
  );
  // That message uses 43 (ans40, which we do not define) and 63 as binary LLLVAR.
  const table = variant({
    43: { format: 'ans', lengthType: 'fixed', length: 40, encoding: 'ascii' },
    63: { format: 'b', lengthType: 'lllvar', length: 999, encoding: 'binary' },
  });

  it('decodes to the breakdown of the source', () => {
    const message = unpack(bytes, table);
    expect(message.mti).toBe('0800');
    expect(message.fields[3]).toBe('810000');
    expect(message.fields[11]).toBe('000001');
    expect(message.fields[12]).toBe('084909');
    expect(message.fields[13]).toBe('0522');
    expect(message.fields[43]).toBe('SAV00Z057631    SAVNGX100110020000      ');
    expect(toHex(message.fields[63] as Uint8Array)).toBe('010008B9F3F723CA3CD2F8');
    expect(toHex(pack(message, table))).toBe(toHex(bytes));
  });
});
