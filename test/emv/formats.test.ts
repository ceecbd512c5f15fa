import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { toHex } from '../../src/hex.js';
import { decodeCn, decodeN, encodeCn, encodeN, encodeText, encodeUint } from '../../src/emv/formats.js';

describe('EMV data formats (Book 3 4.3)', () => {
  it('n: right justified BCD with leading zeros', () => {
    expect(toHex(encodeN(156, 2))).toBe('0156');
    expect(toHex(encodeN('000123', 6))).toBe('000000000123');
    expect(toHex(encodeN(999_999_999_999n, 6))).toBe('999999999999');
    expect(toHex(encodeN(0, 1))).toBe('00');
    expect(() => encodeN(1000, 1)).toThrow(ValidationError);
    expect(() => encodeN(-1, 2)).toThrow(ValidationError);
    expect(() => encodeN('12a', 2)).toThrow(ValidationError);
    expect(decodeN(Uint8Array.of(0x01, 0x56))).toBe('0156');
    expect(decodeN(Uint8Array.of(0x1a))).toBeUndefined();
  });

  it('cn: left justified BCD with trailing F', () => {
    expect(toHex(encodeCn('4761739001010119'))).toBe('4761739001010119');
    expect(toHex(encodeCn('476173900101011'))).toBe('476173900101011F');
    expect(toHex(encodeCn('123', 4))).toBe('123FFFFF');
    expect(() => encodeCn('12345', 2)).toThrow(ValidationError);
    expect(() => encodeCn('12F')).toThrow(ValidationError);
    expect(decodeCn(Uint8Array.of(0x12, 0x3f, 0xff))).toBe('123');
    expect(decodeCn(Uint8Array.of(0x1f, 0x23))).toBeUndefined(); // a digit after the padding
    expect(decodeCn(Uint8Array.of(0x1a))).toBeUndefined();
  });

  it('an / ans: ASCII, space padded to a fixed size', () => {
    expect(Buffer.from(encodeText('SHOP', 6)).toString()).toBe('SHOP  ');
    expect(() => encodeText('TOO LONG', 3)).toThrow(ValidationError);
    expect(() => encodeText('caf\u00e9')).toThrow(ValidationError);
  });

  it('binary numbers, big-endian', () => {
    expect(toHex(encodeUint(50000, 4))).toBe('0000C350');
    expect(toHex(encodeUint(0xffffffff, 4))).toBe('FFFFFFFF');
    expect(() => encodeUint(0x100000000, 4)).toThrow(ValidationError);
    expect(() => encodeUint(-1, 4)).toThrow(ValidationError);
  });
});
