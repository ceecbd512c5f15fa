import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { checkPan, luhnCheckDigit, luhnValid, maskPan, panLookupHash } from '../../src/security/pan.js';
import { KeyLengthError, PanError } from '../../src/security/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { onlyTypedErrors, randomInt, seeded } from './fuzz-helpers.js';

describe('maskPan', () => {
  it('keeps at most the first 6 and last 4 digits and the length', () => {
    expect(maskPan('4111111111111111')).toBe('411111******1111');
    expect(maskPan('6212345678901234567')).toBe('621234*********4567');
    expect(maskPan('4012345678909')).toBe('401******8909');
  });

  it('hides more of short values: at least six characters, or half of a shorter value', () => {
    expect(maskPan('1234567890')).toBe('1*****7890');
    expect(maskPan('12345678')).toBe('12****78');
    expect(maskPan('1234')).toBe('1**4');
    expect(maskPan('')).toBe('');
  });

  it('never shows more than 10 characters, nor throws, on arbitrary input', () => {
    const next = seeded(7812);
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: randomInt(next, 30) }, () => String.fromCharCode(32 + randomInt(next, 90))).join('');
      const m = maskPan(s);
      expect(m.length).toBe(s.length);
      const shown = [...m].filter((c) => c !== '*').length;
      expect(shown).toBeLessThanOrEqual(Math.min(10, s.length - Math.min(6, Math.ceil(s.length / 2))));
    }
  });
});

describe('Luhn (ISO/IEC 7812-1 Annex B)', () => {
  it('accepts the Wikipedia example 79927398713 and test PANs, refuses altered ones', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41111111111x1111')).toBe(false);
    expect(luhnCheckDigit('7992739871')).toBe('3');
  });
});

describe('checkPan', () => {
  it('accepts 8 to 19 digits and names the problem otherwise, without the digits', () => {
    expect(checkPan('12345678')).toBe('12345678');
    for (const bad of ['1234567', '12345678901234567890', '4111-1111-1111-1111', '']) {
      try {
        checkPan(bad);
        expect.fail('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(PanError);
        if (bad.length > 6) expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('panLookupHash (HMAC-SHA256)', () => {
  // RFC 2104 built by hand from SHA-256, and checked against RFC 4231 test case 1
  // (key 0x0b x 20, "Hi There").
  function hmacByHand(key: Uint8Array, msg: Uint8Array): string {
    const k = new Uint8Array(64);
    k.set(key);
    const inner = createHash('sha256').update(k.map((b) => b ^ 0x36)).update(msg).digest();
    return createHash('sha256').update(k.map((b) => b ^ 0x5c)).update(inner).digest('hex').toUpperCase();
  }

  it('is HMAC-SHA256 of the PAN digits', () => {
    expect(hmacByHand(new Uint8Array(20).fill(0x0b), new TextEncoder().encode('Hi There'))).toBe(
      'B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7',
    );
    const key = fromHex('00112233445566778899AABBCCDDEEFF');
    expect(toHex(panLookupHash(key, '4111111111111111'))).toBe(hmacByHand(key, new TextEncoder().encode('4111111111111111')));
  });

  it('differs by key and by PAN, and refuses short keys and bad PANs', () => {
    const k1 = new Uint8Array(16).fill(1);
    const k2 = new Uint8Array(16).fill(2);
    expect(panLookupHash(k1, '4111111111111111')).toEqual(panLookupHash(k1, '4111111111111111'));
    expect(panLookupHash(k1, '4111111111111111')).not.toEqual(panLookupHash(k2, '4111111111111111'));
    expect(panLookupHash(k1, '4111111111111111')).not.toEqual(panLookupHash(k1, '4111111111111129'));
    expect(() => panLookupHash(new Uint8Array(15), '4111111111111111')).toThrow(KeyLengthError);
    expect(() => panLookupHash(k1, '4111 1111')).toThrow(PanError);
    onlyTypedErrors(() => panLookupHash(k1, undefined as never));
  });
});
