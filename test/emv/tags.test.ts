import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/hex.js';
import { TAGS, lengthProblem, tagInfo, tagName, type Kernel } from '../../src/emv/tags.js';
import { decodeTlv, isConstructed, tagBytes, tagToHex, type Tlv } from '../../src/emv/tlv.js';
import * as S from './helpers/samples.js';

function* walk(list: Tlv[]): Generator<Tlv> {
  for (const o of list) {
    yield o;
    if (o.children) yield* walk(o.children);
  }
}

describe('the tag dictionary', () => {
  it('holds well-formed entries: a valid tag, a name, a format, a sane length range', () => {
    expect(TAGS.size).toBeGreaterThan(150);
    for (const [tag, info] of TAGS) {
      expect(info.tag).toBe(tag);
      expect(() => tagBytes(tag), tagToHex(tag)).not.toThrow();
      expect(info.name.length, tagToHex(tag)).toBeGreaterThan(1);
      expect(['n', 'cn', 'a', 'an', 'ans', 'b', 'var']).toContain(info.format);
      expect(['ICC', 'terminal', 'issuer']).toContain(info.source);
      expect(info.minLength, tagToHex(tag)).toBeLessThanOrEqual(info.maxLength);
      // A constructed tag's value is a list of objects: its format can only be 'var'.
      if (isConstructed(tag)) expect(info.format, tagToHex(tag)).toBe('var');
    }
  });

  it('names tags the way `pos tool tlv` prints them (CONTRACT.md: 6F is "FCI Template")', () => {
    expect(tagName(0x6f)).toBe('FCI Template');
    expect(tagName(0xa5)).toBe('FCI Proprietary Template');
    expect(tagName(0xbf0c)).toBe('FCI Issuer Discretionary Data');
    expect(tagName(0x9f38)).toBe('PDOL');
    expect(tagName(0x57)).toBe('Track 2 Equivalent Data');
    expect(tagName(0xdf8129)).toBe('Outcome Parameter Set');
    expect(tagName(0xdf7f)).toBeUndefined();
  });

  it('knows formats and sources of Book 3 Annex A1', () => {
    expect(tagInfo(0x9f02)).toMatchObject({ format: 'n', source: 'terminal', minLength: 6, maxLength: 6 });
    expect(tagInfo(0x5a)).toMatchObject({ format: 'cn', source: 'ICC', minLength: 1, maxLength: 10 });
    expect(tagInfo(0x9f1c)).toMatchObject({ format: 'an', minLength: 8 });
    expect(tagInfo(0x9f16)).toMatchObject({ format: 'ans', minLength: 15 });
    expect(tagInfo(0x91)).toMatchObject({ source: 'issuer', minLength: 8, maxLength: 16 });
    expect(tagInfo(0x4f)).toMatchObject({ minLength: 5, maxLength: 16 });
  });

  it('gives Kernel 2 its own meaning of the 9F6x tags, and the common one otherwise', () => {
    expect(tagName(0x9f66)).toBe('Terminal Transaction Qualifiers (TTQ)');
    expect(tagName(0x9f66, 'C-2')).toBe('PUNATC(Track2)');
    expect(tagName(0x9f6e)).toBe('Form Factor Indicator');
    expect(tagName(0x9f6e, 'C-2')).toBe('Third Party Data');
    expect(tagName(0x9f02, 'C-2')).toBe('Amount, Authorised (Numeric)');
  });

  it('says why a length is wrong, and nothing for a right length or an unknown tag', () => {
    expect(lengthProblem(0x9f02, 6)).toBeUndefined();
    expect(lengthProblem(0x9f02, 5)).toBe('9F02 (Amount, Authorised (Numeric)) is 5 bytes long; it must be 6');
    expect(lengthProblem(0x4f, 17)).toBe('4F (Application Identifier (AID) - card) is 17 bytes long; it must be 5 to 16');
    expect(lengthProblem(0x9f66, 2)).toMatch(/must be 4/);
    expect(lengthProblem(0x9f66, 2, 'C-2')).toBeUndefined();
    expect(lengthProblem(0xdf7f, 999)).toBeUndefined();
  });

  it('accepts the length of every object in the published card responses', () => {
    const samples: [string, Kernel | undefined][] = [
      [S.VISA_PPSE_FCI, undefined],
      [S.VISA_SELECT_FCI, undefined],
      [S.VISA_GPO_FORMAT2, undefined],
      [S.VISA_ELECTRON_SELECT_FCI, undefined],
      [S.VISA_ELECTRON_GPO_FORMAT1, undefined],
      [S.MAESTRO_PPSE_FCI, undefined],
      [S.PSE_FCI_ANNEX_A, undefined],
      [S.MC_PPSE_FCI, 'C-2'],
      [S.MC_SELECT_FCI, 'C-2'],
      [S.MC_GPO_FORMAT2, 'C-2'],
    ];
    for (const [hex, kernel] of samples) {
      for (const o of walk(decodeTlv(fromHex(hex)))) {
        expect(lengthProblem(o.tag, o.value.length, kernel), hex).toBeUndefined();
      }
    }
    // The Mastercard's 7-byte 9F6E is Third Party Data, not a Visa Form Factor Indicator.
    const mc9f6e = [...walk(decodeTlv(fromHex(S.MC_SELECT_FCI)))].find((o) => o.tag === 0x9f6e)!;
    expect(lengthProblem(mc9f6e.tag, mc9f6e.value.length)).toMatch(/must be 4/);
  });
});
