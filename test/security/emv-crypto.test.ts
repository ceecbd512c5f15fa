import { describe, it, expect } from 'vitest';
import { createCipheriv } from 'node:crypto';
import {
  atcDiversifier,
  deriveAcSessionKey,
  deriveCommonSessionKey,
  deriveIccMasterKey,
} from '../../src/security/emv-keys.js';
import {
  arpcMethod1,
  arpcMethod2,
  generateArqc,
  verifyArpcMethod1,
  verifyArpcMethod2,
  verifyArqc,
} from '../../src/security/emv-cryptogram.js';
import { tdesKeyCheckValue } from '../../src/security/block-ciphers.js';
import { CryptoArgumentError, KeyLengthError, PanError } from '../../src/security/errors.js';
import { fromHex, toHex } from '../../src/hex.js';

// No EMVCo-published numeric examples were found for option A and the common session key.
// The values below are the worked examples of the open-source pyemv project (its docstrings
// and tests: issuer master key 0123456789ABCDEFFEDCBA9876543210), and every one is also
// recomputed here a second way straight from the EMV 4.4 Book 2 formulas with node:crypto.
const IMK = fromHex('0123456789ABCDEFFEDCBA9876543210');

function tdes2(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv('des-ede-ecb', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}
function parity(k: Uint8Array): string {
  return toHex(k.map((b) => {
    let n = 0;
    for (let v = b >> 1; v; v >>= 1) n += v & 1;
    return (b & 0xfe) | (n % 2 === 0 ? 1 : 0);
  }));
}

describe('ICC master key, option A (EMV 4.4 Book 2 A1.4.1)', () => {
  it('matches the pyemv examples', () => {
    expect(toHex(deriveIccMasterKey(IMK, '12345678901234567', '01'))).toBe('73AD54688CEF2934B0979857E3C719F1');
    expect(toHex(deriveIccMasterKey(IMK, '99012345678901234', '45'))).toBe('67F8292358083E5EA7AB7FDA58D53B6B');
    expect(toHex(tdesKeyCheckValue(deriveIccMasterKey(IMK, '9901234567890123', '45'), 2))).toBe('1DA5');
  });

  it('equals the formula computed directly: rightmost 16 digits of PAN || PSN', () => {
    const y = fromHex('4567890123456701');
    const noty = y.map((b) => b ^ 0xff);
    const direct = parity(new Uint8Array([...tdes2(IMK, y), ...tdes2(IMK, noty)]));
    expect(toHex(deriveIccMasterKey(IMK, '12345678901234567', 1))).toBe(direct);
  });

  it('takes PSN 00 when absent and pads short PANs with zeros on the left', () => {
    expect(deriveIccMasterKey(IMK, '4761739001010010')).toEqual(deriveIccMasterKey(IMK, '4761739001010010', '00'));
    const y = fromHex('0000476173900101');
    const direct = parity(new Uint8Array([...tdes2(IMK, y), ...tdes2(IMK, y.map((b) => b ^ 0xff))]));
    expect(toHex(deriveIccMasterKey(IMK, '4761739001', '01'))).toBe(direct);
  });

  it('refuses bad PANs, PSNs and keys with typed errors', () => {
    expect(() => deriveIccMasterKey(IMK, '1234x678901234567', '01')).toThrow(PanError);
    expect(() => deriveIccMasterKey(IMK, '12345678901234567', '1A')).toThrow(CryptoArgumentError);
    expect(() => deriveIccMasterKey(IMK.subarray(0, 8), '12345678901234567', '01')).toThrow(KeyLengthError);
  });
});

describe('common session key (EMV 4.4 Book 2 A1.3.1)', () => {
  it('matches the pyemv example (MK = IMK, R = 001C000000000000)', () => {
    expect(toHex(deriveCommonSessionKey(IMK, fromHex('001C000000000000')))).toBe('E9FB384AF807B940FEDCEA613461B0C4');
    expect(toHex(deriveCommonSessionKey(IMK, atcDiversifier(fromHex('001C'))))).toBe('E9FB384AF807B940FEDCEA613461B0C4');
  });

  it('equals F1 = R0 R1 F0 R3..R7, F2 = R0 R1 0F R3..R7 computed directly', () => {
    const mk = deriveIccMasterKey(IMK, '9901234567890123', '45');
    const sk = deriveCommonSessionKey(mk, fromHex('1234567890123456'));
    expect(toHex(tdesKeyCheckValue(sk, 2))).toBe('0995');
    const direct = parity(new Uint8Array([...tdes2(mk, fromHex('1234F07890123456')), ...tdes2(mk, fromHex('12340F7890123456'))]));
    expect(toHex(sk)).toBe(direct);
    expect(() => deriveCommonSessionKey(mk, fromHex('0012'))).toThrow(CryptoArgumentError);
    expect(() => atcDiversifier(fromHex('000012'))).toThrow(CryptoArgumentError);
  });
});

describe('ARQC and ARPC, host and card', () => {
  const mk = deriveIccMasterKey(IMK, '9901234567890123', '45');
  const sk = deriveCommonSessionKey(mk, fromHex('1234567890123456'));
  const data = fromHex('0123456789ABCDEF0123456789ABCDEF');

  it('gives the pyemv ARQC and ARPC values', () => {
    const arqc = generateArqc(sk, data);
    expect(toHex(arqc)).toBe('4B46013359B7A58B');
    // Method 1 under the ICC master key as pyemv's example does (the formula is the same under SK).
    expect(toHex(arpcMethod1(mk, arqc, fromHex('0000')))).toBe('F8C9CECAABD55AD1');
    expect(toHex(arpcMethod2(sk, arqc, fromHex('00000000'), fromHex('1234567890ABCDEF')))).toBe('4962B76C');
    expect(toHex(arpcMethod2(sk, arqc, fromHex('00000000')))).toBe('7DFB1188');
  });

  it('ARPC method 1 is TDES of ARQC XOR (ARC || 000000000000), computed directly', () => {
    const arqc = fromHex('4B46013359B7A58B');
    const x = fromHex('7B77013359B7A58B'); // 4B46 XOR 3031 (ARC "01")
    expect(toHex(arpcMethod1(sk, arqc, fromHex('3031')))).toBe(toHex(tdes2(sk, x)));
  });

  it('the host verifies what the card made, and the card verifies the answer', () => {
    const { sessionKey } = deriveAcSessionKey(IMK, '5413330089600010', '01', fromHex('0042'));
    const cdol1 = fromHex('000000001000000000000000097800000000000978260115000123456780');
    const arqc = generateArqc(sessionKey, cdol1);
    expect(verifyArqc(sessionKey, cdol1, arqc)).toBe(true);
    const tampered = cdol1.slice();
    tampered[5]! ^= 1;
    expect(verifyArqc(sessionKey, tampered, arqc)).toBe(false);
    expect(verifyArqc(sessionKey, cdol1, arqc.subarray(0, 4))).toBe(false);
    const arc = fromHex('3030');
    const arpc1 = arpcMethod1(sessionKey, arqc, arc);
    expect(verifyArpcMethod1(sessionKey, arqc, arc, arpc1)).toBe(true);
    expect(verifyArpcMethod1(sessionKey, arqc, fromHex('3035'), arpc1)).toBe(false);
    const csu = fromHex('00820000');
    const arpc2 = arpcMethod2(sessionKey, arqc, csu, new Uint8Array(0));
    expect(verifyArpcMethod2(sessionKey, arqc, csu, new Uint8Array(0), arpc2)).toBe(true);
    expect(verifyArpcMethod2(sessionKey, arqc, fromHex('00000000'), new Uint8Array(0), arpc2)).toBe(false);
  });

  it('refuses wrong lengths with typed errors', () => {
    expect(() => arpcMethod1(sk, fromHex('0102'), fromHex('3030'))).toThrow(CryptoArgumentError);
    expect(() => arpcMethod1(sk, new Uint8Array(8), fromHex('30'))).toThrow(CryptoArgumentError);
    expect(() => arpcMethod2(sk, new Uint8Array(8), fromHex('00'))).toThrow(CryptoArgumentError);
    expect(() => arpcMethod2(sk, new Uint8Array(8), new Uint8Array(4), new Uint8Array(9))).toThrow(CryptoArgumentError);
    expect(() => generateArqc(new Uint8Array(24), data)).toThrow(KeyLengthError);
  });
});
