import { describe, it, expect } from 'vitest';
import {
  aesDecrypt,
  aesEncrypt,
  desDecrypt,
  desEncrypt,
  tdesDecrypt,
  tdesEncrypt,
  tdesKeyCheckValue,
  withOddParity,
} from '../../src/security/block-ciphers.js';
import { KeyLengthError, CryptoArgumentError } from '../../src/security/errors.js';
import { fromHex, toHex } from '../../src/hex.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('single DES through des-ede3 with K1=K2=K3', () => {
  // FIPS PUB 81 (DES modes of operation), Appendix B (ECB) and C (CBC): key 0123456789ABCDEF,
  // plaintext "Now is the time for all ", CBC IV 1234567890ABCDEF.
  const key = fromHex('0123456789ABCDEF');
  const text = ascii('Now is the time for all ');

  it('matches the FIPS 81 ECB example', () => {
    expect(toHex(desEncrypt(key, text))).toBe('3FA40E8A984D48156A271787AB8883F9893D51EC4B563B53');
    expect(desDecrypt(key, fromHex('3FA40E8A984D48156A271787AB8883F9893D51EC4B563B53'))).toEqual(text);
  });

  it('matches the FIPS 81 CBC example', () => {
    const iv = fromHex('1234567890ABCDEF');
    expect(toHex(desEncrypt(key, text, 'cbc', iv))).toBe('E5C7CDDE872BF27C43E934008C389C0F683788499A7C05F6');
  });

  it('refuses keys and data of the wrong size with typed errors', () => {
    expect(() => desEncrypt(new Uint8Array(7), new Uint8Array(8))).toThrow(KeyLengthError);
    expect(() => desEncrypt(key, new Uint8Array(9))).toThrow(CryptoArgumentError);
    expect(() => tdesEncrypt(new Uint8Array(8), new Uint8Array(8))).toThrow(KeyLengthError);
    expect(() => aesEncrypt(new Uint8Array(20), new Uint8Array(16))).toThrow(KeyLengthError);
    expect(() => desEncrypt(key, new Uint8Array(8), 'cbc', new Uint8Array(4))).toThrow(CryptoArgumentError);
  });
});

describe('TDES', () => {
  it('a double-length key with equal halves is single DES (keying option 3)', () => {
    const k = fromHex('0123456789ABCDEF');
    const block = fromHex('4E6F772069732074');
    expect(tdesEncrypt(fromHex('0123456789ABCDEF0123456789ABCDEF'), block)).toEqual(desEncrypt(k, block));
  });

  it('gives the key check value 08D7 for 0123456789ABCDEFFEDCBA9876543210', () => {
    // Check digits "08D7" published with this issuer master key in the pyemv project's EMV tests.
    expect(toHex(tdesKeyCheckValue(fromHex('0123456789ABCDEFFEDCBA9876543210'), 2))).toBe('08D7');
  });

  it('decrypts what it encrypts, ECB and CBC, 16 and 24-byte keys', () => {
    for (const key of [fromHex('0123456789ABCDEFFEDCBA9876543210'), fromHex('0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123')]) {
      const data = fromHex('00112233445566778899AABBCCDDEEFF');
      expect(tdesDecrypt(key, tdesEncrypt(key, data))).toEqual(data);
      expect(tdesDecrypt(key, tdesEncrypt(key, data, 'cbc'), 'cbc')).toEqual(data);
    }
  });
});

describe('AES', () => {
  it('matches FIPS 197 Appendix C.1 and C.3', () => {
    const pt = fromHex('00112233445566778899AABBCCDDEEFF');
    expect(toHex(aesEncrypt(fromHex('000102030405060708090A0B0C0D0E0F'), pt))).toBe('69C4E0D86A7B0430D8CDB78070B4C55A');
    const k256 = fromHex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');
    expect(toHex(aesEncrypt(k256, pt))).toBe('8EA2B7CA516745BFEAFC49904B496089');
    expect(aesDecrypt(k256, fromHex('8EA2B7CA516745BFEAFC49904B496089'))).toEqual(pt);
  });
});

describe('odd parity', () => {
  it('sets the low bit so each byte has an odd number of ones', () => {
    expect(toHex(withOddParity(fromHex('0000FEFF0102')))).toBe('0101FEFE0102');
    const adjusted = withOddParity(fromHex('00112233445566778899AABBCCDDEEFF'));
    for (const b of adjusted) {
      let ones = 0;
      for (let v = b; v; v >>= 1) ones += v & 1;
      expect(ones % 2).toBe(1);
    }
  });
});
