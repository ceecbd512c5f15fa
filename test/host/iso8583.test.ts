/**
 * The packer and unpacker against hand-derived bytes (each expected byte string below was
 * worked out from docs/host-spec.md section 3, not produced by the code under test).
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { FieldValueError } from '../../src/host/errors.js';
import { fromJson, pack, toJson, unpack, type IsoMessage } from '../../src/host/iso8583.js';
import { HOST_FIELDS, defineFields, type FieldSpec } from '../../src/host/spec.js';
import { ValidationError } from '../../src/errors.js';

const hex = (b: Uint8Array) => toHex(b);

function fieldError(fn: () => unknown): FieldValueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FieldValueError);
    expect(e).toBeInstanceOf(ValidationError);
    return e as FieldValueError;
  }
  throw new Error('expected a FieldValueError');
}

describe('pack: layout', () => {
  it('writes the MTI in BCD and sets one bit per field, bit 1 first', () => {
    // 0200, fields 3 and 11: byte 1 bit 3 = 0x20, byte 2 bit 11 = 0x20.
    const bytes = pack({ mti: '0200', fields: { 3: '000000', 11: '000042' } });
    expect(hex(bytes)).toBe('0200' + '2020000000000000' + '000000' + '000042');
  });

  it('adds the secondary bitmap only when a field above 64 is present', () => {
    const bytes = pack({ mti: '0800', fields: { 11: '000042', 70: '301' } });
    // Bit 1 (secondary) and bit 11 in the primary; bit 70 = secondary byte 1, 0x04.
    expect(hex(bytes)).toBe('0800' + '8020000000000000' + '0400000000000000' + '000042' + '0301');
  });

  it('right-justifies an odd fixed n with a leading 0 nibble', () => {
    expect(hex(pack({ mti: '0200', fields: { 22: '071' } })).slice(20)).toBe('0071');
  });

  it('left-justifies an odd variable n with a trailing 0 nibble; LL counts digits', () => {
    expect(hex(pack({ mti: '0200', fields: { 2: '123456789012345' } })).slice(20)).toBe('15' + '1234567890123450');
  });

  it("writes z with '=' as the nibble D", () => {
    expect(hex(pack({ mti: '0200', fields: { 35: '1234=5678' } })).slice(20)).toBe('09' + '1234D56780');
  });

  it('writes an LLL prefix in 2 BCD bytes and an LL prefix of b in bytes', () => {
    const bytes = pack({ mti: '0200', fields: { 53: fromHex('FFFF9876543210E00001'), 60: '000007' } });
    expect(hex(bytes).slice(20)).toBe('10' + 'FFFF9876543210E00001' + '0006' + '000007');
  });

  it('writes an and ans as ASCII', () => {
    expect(hex(pack({ mti: '0210', fields: { 39: 'A0', 41: 'T 1-2/3!' } })).slice(20)).toBe('4130' + '5420312D322F3321');
  });

  it('writes an empty variable field as a zero length', () => {
    const bytes = pack({ mti: '0210', fields: { 44: '' } });
    expect(hex(bytes).slice(20)).toBe('00');
    expect(unpack(bytes).fields[44]).toBe('');
  });
});

/** A valid value of the largest size for every field of a table. */
function fullMessage(table = HOST_FIELDS): IsoMessage {
  const fields: IsoMessage['fields'] = {};
  for (const [key, spec] of Object.entries(table) as [string, FieldSpec][]) {
    const n = spec.length;
    const no = Number(key);
    if (spec.format === 'b') fields[no] = Uint8Array.from({ length: n }, (_, i) => (i * 37 + no) & 0xff);
    else if (spec.format === 'n') fields[no] = '9876543210'.repeat(4).slice(0, n);
    else if (spec.format === 'z') fields[no] = ('4000123456789010=' + '2512'.repeat(10)).slice(0, n);
    else if (spec.format === 'an') fields[no] = 'Ab 9'.repeat(10).slice(0, n);
    else fields[no] = '~ !Zz0'.repeat(50).slice(0, n);
  }
  return { mti: '0200', fields };
}

describe('round trips', () => {
  it('every field of the specification at its largest survives pack, unpack, pack', () => {
    const message = fullMessage();
    const bytes = pack(message);
    const back = unpack(bytes);
    expect(back).toEqual(message);
    expect(hex(pack(back))).toBe(hex(bytes));
  });

  it('odd lengths of every n and z field survive', () => {
    for (const [key, spec] of Object.entries(HOST_FIELDS)) {
      if (spec.format !== 'n' && spec.format !== 'z') continue;
      const len = spec.lengthType === 'fixed' ? spec.length : spec.length % 2 ? spec.length : spec.length - 1;
      const value = spec.format === 'z' ? '12345678=' + '7'.repeat(Math.max(0, len - 9)) : '7'.repeat(len);
      const message = { mti: '0200', fields: { [key]: value.slice(0, len) } };
      expect(unpack(pack(message))).toEqual(message);
    }
  });

  it('the JSON form has every field as a string, b as uppercase hex, keys ascending', () => {
    const message = fullMessage();
    const json = toJson(message);
    expect(Object.keys(json.fields)).toEqual(Object.keys(HOST_FIELDS));
    expect(json.fields['52']).toMatch(/^[0-9A-F]{16}$/);
    expect(Object.values(json.fields).every((v) => typeof v === 'string')).toBe(true);
    const back = fromJson(JSON.parse(JSON.stringify(json)));
    expect(hex(pack(back))).toBe(hex(pack(message)));
  });

  it('fromJson accepts lower-case hex for b fields', () => {
    const m = fromJson({ mti: '0200', fields: { '52': '1a2b3c4d5e6f7081' } });
    expect(m.fields[52]).toEqual(fromHex('1A2B3C4D5E6F7081'));
  });
});

describe('pack: values the specification forbids', () => {
  it('names the field for a wrong fixed length', () => {
    const e = fieldError(() => pack({ mti: '0200', fields: { 3: '00000' } }));
    expect(e.field).toBe(3);
    expect(e.message).toBe('field 3 (Processing code): has 5 digits; the field is fixed at 6');
  });

  it('names the field for a value over the maximum', () => {
    const e = fieldError(() => pack({ mti: '0200', fields: { 2: '1'.repeat(20) } }));
    expect(e.field).toBe(2);
    expect(e.message).toContain('the maximum is 19');
    expect(e.message).not.toContain('1111');
  });

  it('refuses a letter in n, a = in n, a control character in ans, a non-ASCII character in an', () => {
    expect(fieldError(() => pack({ mti: '0200', fields: { 4: '00000000001A' } })).message).toContain('character 12');
    expect(fieldError(() => pack({ mti: '0200', fields: { 2: '4000=1' } })).field).toBe(2);
    expect(fieldError(() => pack({ mti: '0200', fields: { 41: 'TERM\n001' } })).field).toBe(41);
    expect(fieldError(() => pack({ mti: '0200', fields: { 39: 'é1' } })).field).toBe(39);
  });

  it('refuses text for b and bytes for text', () => {
    expect(fieldError(() => pack({ mti: '0200', fields: { 52: '1A2B3C4D5E6F7081' } })).field).toBe(52);
    expect(fieldError(() => pack({ mti: '0200', fields: { 3: fromHex('000000') } })).field).toBe(3);
  });

  it('refuses bitmaps, undefined fields and a bad MTI', () => {
    expect(fieldError(() => pack({ mti: '0200', fields: { 1: fromHex('00') } })).field).toBe(1);
    expect(fieldError(() => pack({ mti: '0200', fields: { 65: fromHex('00') } })).field).toBe(65);
    expect(fieldError(() => pack({ mti: '0200', fields: { 5: '000000000001' } })).message).toContain('not defined');
    expect(fieldError(() => pack({ mti: '200', fields: {} })).field).toBe('MTI');
    expect(fieldError(() => pack({ mti: '02A0', fields: {} })).field).toBe('MTI');
  });

  it('fromJson refuses a non-object, a missing MTI, an undefined field and a number value', () => {
    expect(() => fromJson([])).toThrow(ValidationError);
    expect(() => fromJson({ fields: {} })).toThrow(ValidationError);
    expect(() => fromJson({ mti: '0200', fields: { '5': '1' } })).toThrow(/field 5: is not defined/);
    expect(() => fromJson({ mti: '0200', fields: { '3': 0 } })).toThrow(/field 3 .*string/);
    expect(() => fromJson({ mti: '0200', fields: { '52': 'XYZ' } })).toThrow(ValidationError);
  });
});

describe('defineFields', () => {
  it('refuses entries the packer could not honour', () => {
    const f = (spec: Partial<FieldSpec>, no = 2) =>
      () => defineFields({ [no]: { name: 'x', format: 'n', lengthType: 'fixed', length: 2, encoding: 'bcd', ...spec } });
    expect(f({ format: 'b', encoding: 'bcd' })).toThrow(/cannot be encoded/);
    expect(f({ format: 'an', encoding: 'bcd' })).toThrow(/cannot be encoded/);
    expect(f({ lengthType: 'llvar', length: 100 })).toThrow(/does not fit/);
    expect(f({ lengthType: 'lllvar', length: 1000 })).toThrow(/does not fit/);
    expect(f({}, 1)).toThrow(/bitmaps/);
    expect(f({}, 65)).toThrow(/bitmaps/);
    expect(f({}, 129)).toThrow(/2-128/);
  });

  it('freezes the host table', () => {
    expect(Object.isFrozen(HOST_FIELDS)).toBe(true);
    expect(Object.isFrozen(HOST_FIELDS[2])).toBe(true);
  });
});
