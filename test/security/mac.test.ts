import { describe, it, expect } from 'vitest';
import { createCipheriv } from 'node:crypto';
import { cmac, cmacCipherForKeyLength, macMatches, padIso9797, retailMac } from '../../src/security/mac.js';
import { CryptoArgumentError, KeyLengthError } from '../../src/security/errors.js';
import { fromHex, toHex } from '../../src/hex.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('ISO 9797-1 MAC algorithm 3 (retail MAC, ANSI X9.19)', () => {
  const key = fromHex('0123456789ABCDEFFEDCBA9876543210');

  it('matches the ISO/IEC 9797-1:2011 Annex B examples (algorithm 3, padding method 1)', () => {
    // Annex B gives the leftmost 32 bits: A1C72E74 and 2E2B1428.
    expect(toHex(retailMac(key, ascii('Now is the time for all '))).slice(0, 8)).toBe('A1C72E74');
    expect(toHex(retailMac(key, ascii('Now is the time for it'))).slice(0, 8)).toBe('2E2B1428');
  });

  it('matches the Bouncy Castle ISO9797Alg3MacTest vector', () => {
    // Key 7CA110454A1A6E570131D9619DC1376E, "Hello World !!!!" -> F09B856213BAB83B.
    expect(toHex(retailMac(fromHex('7CA110454A1A6E570131D9619DC1376E'), ascii('Hello World !!!!')))).toBe('F09B856213BAB83B');
  });

  it('equals a second construction: DES-CBC then two-key TDES on the last block', () => {
    // Independent path with node:crypto directly: H(n-1) from single-DES CBC, then
    // E_K(D_K'(E_K(H(n-1) XOR D_n))) is two-key TDES of H(n-1) XOR D_n.
    const data = ascii('The quick brown fox jumps over the lazy dog');
    for (const method of [1, 2] as const) {
      const padded = padIso9797(data, method);
      const k = key.subarray(0, 8);
      const cbc = createCipheriv('des-ede3-cbc', Buffer.concat([k, k, k]), Buffer.alloc(8)).setAutoPadding(false);
      const head = Buffer.concat([cbc.update(padded.subarray(0, padded.length - 8)), cbc.final()]);
      const h = head.subarray(head.length - 8);
      const last = padded.subarray(padded.length - 8).map((b, i) => b ^ h[i]!);
      const ede = createCipheriv('des-ede-ecb', key, null).setAutoPadding(false);
      const want = Buffer.concat([ede.update(last), ede.final()]);
      expect(toHex(retailMac(key, data, method))).toBe(toHex(want));
    }
  });

  it('pads as methods 1 and 2 define', () => {
    expect(toHex(padIso9797(fromHex('0102'), 1))).toBe('0102000000000000');
    expect(toHex(padIso9797(fromHex(''), 1))).toBe('0000000000000000');
    expect(toHex(padIso9797(fromHex('0102'), 2))).toBe('0102800000000000');
    expect(toHex(padIso9797(fromHex('0102030405060708'), 2))).toBe('01020304050607088000000000000000');
    expect(() => padIso9797(fromHex('01'), 3 as never)).toThrow(CryptoArgumentError);
  });

  it('refuses keys other than 16 bytes', () => {
    expect(() => retailMac(fromHex('0123456789ABCDEF'), ascii('x'))).toThrow(KeyLengthError);
  });
});

describe('CMAC (NIST SP 800-38B)', () => {
  const M = fromHex(
    '6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710',
  );

  it('matches the RFC 4493 AES-128 examples', () => {
    const k = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
    expect(toHex(cmac(k, M.subarray(0, 0), 'aes'))).toBe('BB1D6929E95937287FA37D129B756746');
    expect(toHex(cmac(k, M.subarray(0, 16), 'aes'))).toBe('070A16B46B4D4144F79BDD9DD04A287C');
    expect(toHex(cmac(k, M.subarray(0, 40), 'aes'))).toBe('DFA66747DE9AE63030CA32611497C827');
    expect(toHex(cmac(k, M, 'aes'))).toBe('51F0BEBF7E3B9D92FC49741779363CFE');
  });

  it('matches the SP 800-38B AES-192 and AES-256 examples', () => {
    const k192 = fromHex('8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B');
    expect(toHex(cmac(k192, M.subarray(0, 0), 'aes'))).toBe('D17DDF46ADAACDE531CAC483DE7A9367');
    expect(toHex(cmac(k192, M.subarray(0, 20), 'aes'))).toBe('3D75C194ED96070444A9FA7EC740ECF8');
    const k256 = fromHex('603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4');
    expect(toHex(cmac(k256, M.subarray(0, 16), 'aes'))).toBe('28A7023F452E8F82BD4BF28D8C37C35C');
    expect(toHex(cmac(k256, M, 'aes'))).toBe('E1992190549F6ED5696A2C056C315410');
  });

  it('matches the NIST CMAC-TDES examples with three-key and two-key TDES', () => {
    // NIST CSRC "Cryptographic Standards and Guidelines: examples with intermediate values",
    // CMAC-TDES, keys 0123456789ABCDEF 23456789ABCDEF01 [456789ABCDEF0123].
    const k3 = fromHex('0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123');
    expect(toHex(cmac(k3, M.subarray(0, 0), 'tdes'))).toBe('7DB0D37DF936C550');
    expect(toHex(cmac(k3, M.subarray(0, 16), 'tdes'))).toBe('30239CF1F52E6609');
    expect(toHex(cmac(k3, M.subarray(0, 20), 'tdes'))).toBe('6C9F3EE4923F6BE2');
    expect(toHex(cmac(k3, M.subarray(0, 32), 'tdes'))).toBe('99429BD0BF7904E5');
    const k2 = fromHex('0123456789ABCDEF23456789ABCDEF01');
    expect(toHex(cmac(k2, M.subarray(0, 0), 'tdes'))).toBe('79CE52A7F786A960');
    expect(toHex(cmac(k2, M.subarray(0, 16), 'tdes'))).toBe('CC18A0B79AF2413B');
    expect(toHex(cmac(k2, M.subarray(0, 20), 'tdes'))).toBe('C06D377ECD101969');
    expect(toHex(cmac(k2, M.subarray(0, 32), 'tdes'))).toBe('9CD33580F9B64DFB');
  });

  it('chooses the cipher by key length where it is not ambiguous, and refuses bad keys', () => {
    expect(cmacCipherForKeyLength(16)).toBe('aes');
    expect(cmacCipherForKeyLength(32)).toBe('aes');
    expect(cmacCipherForKeyLength(24)).toBe('tdes');
    expect(() => cmacCipherForKeyLength(8)).toThrow(KeyLengthError);
    expect(() => cmac(new Uint8Array(32), M, 'tdes')).toThrow(KeyLengthError);
    expect(() => cmac(new Uint8Array(8), M, 'aes')).toThrow(KeyLengthError);
  });
});

describe('MAC comparison', () => {
  it('accepts a truncated MAC of at least 4 bytes that matches, and nothing else', () => {
    const full = fromHex('A1C72E74EA3FA9B6');
    expect(macMatches(full, fromHex('A1C72E74'))).toBe(true);
    expect(macMatches(full, full)).toBe(true);
    expect(macMatches(full, fromHex('A1C72E75'))).toBe(false);
    expect(macMatches(full, fromHex('A1C72E'))).toBe(false);
    expect(macMatches(full, fromHex('A1C72E74EA3FA9B600'))).toBe(false);
  });
});
