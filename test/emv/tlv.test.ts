import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { CardError, TlvError } from '../../src/emv/errors.js';
import {
  decodeTlv,
  encodeLength,
  encodeTlv,
  findAll,
  findPath,
  findTag,
  isConstructed,
  tagBytes,
  tagToHex,
  type Tlv,
  type TlvInput,
} from '../../src/emv/tlv.js';
import * as S from './helpers/samples.js';

const hex = (t: Tlv | undefined): string | undefined => (t ? toHex(t.value) : undefined);

/** Decode and expect a TlvError with this code at this offset. */
function decodeError(h: string): TlvError {
  try {
    decodeTlv(fromHex(h));
  } catch (e) {
    expect(e).toBeInstanceOf(TlvError);
    expect(e).toBeInstanceOf(CardError);
    return e as TlvError;
  }
  throw new Error(`decoding ${h} did not fail`);
}

/** The tree without views and offsets, for comparing two decodes. */
function shape(list: Tlv[]): unknown[] {
  return list.map((o) => (o.children ? { tag: o.tag, children: shape(o.children) } : { tag: o.tag, value: toHex(o.value) }));
}

function toInput(list: Tlv[]): TlvInput[] {
  return list.map((o) => (o.children ? { tag: o.tag, children: toInput(o.children) } : { tag: o.tag, value: o.value }));
}

describe('decoding published card responses', () => {
  it('a Visa PPSE FCI: 6F > A5 > BF0C > 61 with the AID, label, priority', () => {
    const tree = decodeTlv(fromHex(S.VISA_PPSE_FCI));
    expect(tree).toHaveLength(1);
    const fci = tree[0]!;
    expect(fci.tag).toBe(0x6f);
    expect(fci.constructed).toBe(true);
    expect(fci.value).toHaveLength(0x3a);
    expect(hex(findPath(tree, 0x6f, 0x84))).toBe(toHex(Buffer.from('2PAY.SYS.DDF01')));
    const app = findPath(tree, 0x6f, 0xa5, 0xbf0c, 0x61)!;
    expect(app.children!.map((c) => tagToHex(c.tag))).toEqual(['4F', '50', '87', '9F0A']);
    expect(hex(findTag(tree, 0x4f))).toBe('A0000000031010');
    expect(Buffer.from(findTag(tree, 0x50)!.value).toString('ascii')).toBe('Visa Debit');
    expect(hex(findTag(tree, 0x87))).toBe('01');
  });

  it('a Visa SELECT answer: the PDOL, and a constructed BF63 holding a three-level DF20', () => {
    const tree = decodeTlv(fromHex(S.VISA_SELECT_FCI));
    expect(hex(findPath(tree, 0x6f, 0x84))).toBe('A0000000031010');
    expect(hex(findPath(tree, 0x6f, 0xa5, 0x9f38))).toBe(S.VISA_PDOL.toUpperCase());
    expect(Buffer.from(findTag(tree, 0x9f12)!.value).toString('ascii')).toBe('comdirect Debit');
    const bf63 = findPath(tree, 0x6f, 0xa5, 0xbf0c, 0xbf63)!;
    expect(bf63.constructed).toBe(true);
    expect(bf63.children).toEqual([expect.objectContaining({ tag: 0xdf20, constructed: false })]);
    expect(hex(findTag(tree, 0xdf20))).toBe('80');
    // Offsets are absolute in the input: 6F(2) 84 07 ..(9) A5 64 at 11.
    expect(findPath(tree, 0x6f, 0xa5)!.offset).toBe(11);
  });

  it('a Mastercard PPSE FCI and SELECT answer', () => {
    const ppse = decodeTlv(fromHex(S.MC_PPSE_FCI));
    expect(hex(findTag(ppse, 0x4f))).toBe('A0000000041010');
    expect(Buffer.from(findTag(ppse, 0x50)!.value).toString('ascii')).toBe('Debit MasterCard');
    const fci = decodeTlv(fromHex(S.MC_SELECT_FCI));
    expect(findTag(fci, 0x9f38)).toBeUndefined();
    expect(hex(findPath(fci, 0x6f, 0xa5, 0x5f2d))).toBe(toHex(Buffer.from('deen')));
    expect(hex(findPath(fci, 0x6f, 0xa5, 0xbf0c, 0x9f6e))).toBe('02800000303000');
  });

  it('a Maestro PPSE FCI with a Kernel Identifier 9F2A', () => {
    const tree = decodeTlv(fromHex(S.MAESTRO_PPSE_FCI));
    expect(hex(findTag(tree, 0x9f2a))).toBe('02');
    expect(hex(findTag(tree, 0x4f))).toBe('A0000000043060C123456789');
  });

  it('a GPO answer in format 1 (tag 80): AIP and AFL as one primitive value', () => {
    const tree = decodeTlv(fromHex(S.VISA_ELECTRON_GPO_FORMAT1));
    expect(tree).toHaveLength(1);
    expect(tree[0]!.tag).toBe(0x80);
    expect(tree[0]!.constructed).toBe(false);
    expect(tree[0]!.children).toBeUndefined();
    expect(toHex(tree[0]!.value.subarray(0, 2))).toBe('1C00');
    expect(toHex(tree[0]!.value.subarray(2))).toBe('0801030010010100');
  });

  it('a GPO answer in format 2 (tag 77) with a long-form length 81 C6 and 9F4B 81 80', () => {
    const tree = decodeTlv(fromHex(S.VISA_GPO_FORMAT2));
    const t77 = tree[0]!;
    expect(t77.tag).toBe(0x77);
    expect(t77.value).toHaveLength(0xc6);
    expect(t77.children!.map((c) => tagToHex(c.tag))).toEqual(['82', '94', '57', '9F10', '9F26', '9F27', '9F36', '9F6C', '9F4B']);
    expect(hex(findTag(tree, 0x82))).toBe('2020');
    expect(hex(findTag(tree, 0x94))).toBe('10010300');
    expect(findTag(tree, 0x9f4b)!.value).toHaveLength(0x80);
    expect(hex(findTag(tree, 0x9f26))).toBe('EC1C5779FF267037');
    const mc = decodeTlv(fromHex(S.MC_GPO_FORMAT2));
    expect(hex(findTag(mc, 0x82))).toBe('1980');
    expect(hex(findTag(mc, 0x94))).toBe('080101001001010120010200');
  });

  it('the contact PSE FCI of the EMV Contact Interface Specification Annex A', () => {
    const tree = decodeTlv(fromHex(S.PSE_FCI_ANNEX_A));
    expect(hex(findTag(tree, 0x88))).toBe('01');
    expect(Buffer.from(findTag(tree, 0x5f2d)!.value).toString('ascii')).toBe('enesfrde');
  });
});

describe('padding between objects', () => {
  it("skips '00' and 'FF' before, between and after objects, at every level", () => {
    const tree = decodeTlv(fromHex('00 FF 5A 01 12 00 00 70 07 00 9F 02 01 05 FF 00 FF'));
    expect(tree.map((o) => tagToHex(o.tag))).toEqual(['5A', '70']);
    expect(tree[1]!.children!.map((o) => [tagToHex(o.tag), toHex(o.value)])).toEqual([['9F02', '05']]);
    expect(tree[1]!.children![0]!.offset).toBe(10);
  });

  it('gives no objects for padding alone or nothing', () => {
    expect(decodeTlv(new Uint8Array(0))).toEqual([]);
    expect(decodeTlv(fromHex('0000FF'))).toEqual([]);
  });
});

describe('tags and lengths', () => {
  it('reads one-, two-, three- and four-byte tags', () => {
    const tree = decodeTlv(fromHex('5A0101 9F0201 02 DF812901 03 DF8F8F0101 04'));
    expect(tree.map((o) => o.tag)).toEqual([0x5a, 0x9f02, 0xdf8129, 0xdf8f8f01]);
    expect(tree.map((o) => tagToHex(o.tag))).toEqual(['5A', '9F02', 'DF8129', 'DF8F8F01']);
  });

  it('reads long-form lengths 81, 82 and 83, and the non-minimal 81 05', () => {
    const v200 = 'AB'.repeat(200);
    expect(decodeTlv(fromHex(`C1 81 C8 ${v200}`))[0]!.value).toHaveLength(200);
    const v300 = 'CD'.repeat(300);
    expect(decodeTlv(fromHex(`C1 82 01 2C ${v300}`))[0]!.value).toHaveLength(300);
    const v70000 = new Uint8Array(5 + 70000);
    v70000.set([0xc1, 0x83, 0x01, 0x11, 0x70]);
    expect(decodeTlv(v70000)[0]!.value).toHaveLength(0x011170);
    expect(toHex(decodeTlv(fromHex('5A 81 02 1234'))[0]!.value)).toBe('1234');
  });

  it('gives values as views of the input, not copies', () => {
    const data = fromHex('5A021234');
    const [o] = decodeTlv(data);
    expect(o!.value.buffer).toBe(data.buffer);
    expect(o!.value.byteOffset).toBe(2);
  });
});

describe('malformed input: the code, the offset and what was expected', () => {
  it('a multi-byte tag cut short', () => {
    const e = decodeError('5A0100 9F');
    expect(e.code).toBe('TLV_TRUNCATED_TAG');
    expect(e.offset).toBe(3);
    expect(e.message).toBe('TLV at offset 3: tag 9F is cut short: expected a subsequent tag byte, found the end of the data');
    expect(decodeError('DF81').code).toBe('TLV_TRUNCATED_TAG');
  });

  it('a tag longer than four bytes', () => {
    const e = decodeError('DF81818101 00');
    expect(e.code).toBe('TLV_TAG_TOO_LONG');
    expect(e.offset).toBe(0);
  });

  it('a first subsequent tag byte of 80 (ISO/IEC 8825-1 8.1.2.4.2)', () => {
    expect(decodeError('9F800100').code).toBe('TLV_BAD_TAG');
  });

  it('a tag with no length', () => {
    const e = decodeError('5A0100 9F02');
    expect(e.code).toBe('TLV_TRUNCATED_LENGTH');
    expect(e.offset).toBe(3);
    expect(e.message).toContain('tag 9F02 has no length field');
  });

  it('a long-form length cut short', () => {
    const e = decodeError('70 82 01');
    expect(e.code).toBe('TLV_TRUNCATED_LENGTH');
    expect(e.message).toBe('TLV at offset 0: tag 70: length field 82 needs 2 more bytes, only 1 remain');
  });

  it('an indefinite length', () => {
    const e = decodeError('5A0112 6F80 840100 0000');
    expect(e.code).toBe('TLV_INDEFINITE_LENGTH');
    expect(e.offset).toBe(3);
  });

  it('a length field longer than three bytes', () => {
    const e = decodeError('9F02 84 00000006 000000000100');
    expect(e.code).toBe('TLV_LENGTH_FIELD_TOO_LONG');
    expect(e.message).toContain('at most 3 (83)');
  });

  it('a length beyond the data, at top level and inside a template (absolute offset)', () => {
    const top = decodeError('5A 08 1234');
    expect(top.code).toBe('TLV_LENGTH_BEYOND_DATA');
    expect(top.message).toBe('TLV at offset 0: tag 5A declares 8 value bytes but only 2 remain');
    // The template fits the data, but its child claims more than the template holds.
    const inner = decodeError('6F 05 84 01 AA 50 05 FFFF');
    expect(inner.code).toBe('TLV_LENGTH_BEYOND_DATA');
    expect(inner.offset).toBe(5);
    expect(inner.message).toContain('tag 50 declares 5 value bytes but only 0 remain');
  });

  it('templates nested deeper than the bound, instead of a stack overflow', () => {
    const depth = 2000;
    // Each level is E1 (constructed) with an 83 length holding all the levels below it.
    const parts: number[] = [];
    for (let i = 0; i < depth; i++) {
      const rest = (depth - i - 1) * 5;
      parts.push(0xe1, 0x83, rest >> 16, (rest >> 8) & 0xff, rest & 0xff);
    }
    const e = (() => {
      try {
        decodeTlv(Uint8Array.from(parts));
      } catch (x) {
        return x as TlvError;
      }
      throw new Error('no error');
    })();
    expect(e).toBeInstanceOf(TlvError);
    expect(e.code).toBe('TLV_TOO_DEEP');
    expect(decodeTlv(fromHex('E102E100'), { maxDepth: 2 })[0]!.children![0]!.tag).toBe(0xe1);
    expect(() => decodeTlv(fromHex('E102E100'), { maxDepth: 1 })).toThrow(TlvError);
  });
});

describe('encoding', () => {
  it('writes the minimal length form at each boundary', () => {
    expect(toHex(encodeLength(0))).toBe('00');
    expect(toHex(encodeLength(127))).toBe('7F');
    expect(toHex(encodeLength(128))).toBe('8180');
    expect(toHex(encodeLength(255))).toBe('81FF');
    expect(toHex(encodeLength(256))).toBe('820100');
    expect(toHex(encodeLength(65535))).toBe('82FFFF');
    expect(toHex(encodeLength(65536))).toBe('83010000');
    expect(() => encodeLength(0x1000000)).toThrow(ValidationError);
    expect(() => encodeLength(-1)).toThrow(ValidationError);
  });

  it('encodes templates from children and primitives from values', () => {
    const bytes = encodeTlv([
      { tag: 0x6f, children: [{ tag: 0x84, value: fromHex('A0000000031010') }, { tag: 0xa5, children: [{ tag: 0x87, value: fromHex('01') }] }] },
      { tag: 0x9f37, value: fromHex('01020304') },
      { tag: 0xdf8129, value: new Uint8Array(0) },
    ]);
    expect(toHex(bytes)).toBe('6F0E8407A0000000031010A5038701019F370401020304DF812900');
  });

  it('refuses tag numbers that are not BER-TLV tags, and children under a primitive tag', () => {
    expect(() => tagBytes(0x9f)).toThrow(ValidationError); // announces a second byte
    expect(() => tagBytes(0x5a01)).toThrow(ValidationError); // 5A does not announce one
    expect(() => tagBytes(0x9f8101)).not.toThrow();
    expect(() => tagBytes(0x9f0181)).toThrow(ValidationError); // last byte has b8 set
    expect(() => tagBytes(0)).toThrow(ValidationError);
    expect(() => encodeTlv([{ tag: 0x5a, children: [] }])).toThrow(/primitive/);
    expect(toHex(encodeTlv([{ tag: 0x70, value: fromHex('AABB'), children: [] }]))).toBe('7000'); // children win
    expect(isConstructed(0xbf0c)).toBe(true);
    expect(isConstructed(0xdf20)).toBe(false);
  });

  it('round-trips every published sample byte for byte', () => {
    for (const h of [
      S.VISA_PPSE_FCI,
      S.VISA_SELECT_FCI,
      S.VISA_GPO_FORMAT2,
      S.MC_PPSE_FCI,
      S.MC_SELECT_FCI,
      S.MC_GPO_FORMAT2,
      S.MAESTRO_PPSE_FCI,
      S.VISA_ELECTRON_SELECT_FCI,
      S.VISA_ELECTRON_GPO_FORMAT1,
      S.PSE_FCI_ANNEX_A,
    ]) {
      const tree = decodeTlv(fromHex(h));
      expect(toHex(encodeTlv(toInput(tree)))).toBe(h.toUpperCase());
      expect(toHex(encodeTlv(tree))).toBe(h.toUpperCase()); // decoded nodes encode as they are
    }
  });

  it('re-encodes non-minimal lengths minimally, and drops padding, with the same tree', () => {
    const loose = fromHex('00 70 81 06 5A 81 02 1234 00 FF');
    const tight = encodeTlv(toInput(decodeTlv(loose)));
    expect(toHex(tight)).toBe('70045A021234');
    expect(shape(decodeTlv(tight))).toEqual(shape(decodeTlv(loose)));
  });
});

describe('finding tags', () => {
  const tree = decodeTlv(fromHex('70 0D 5A 01 11 61 05 5A 01 22 87 00 5A 01 33 5A 01 44'));

  it('finds the first in card order, depth first', () => {
    expect(hex(findTag(tree, 0x5a))).toBe('11');
    expect(hex(findTag(tree, 0x87))).toBe('');
    expect(findTag(tree, 0x9f02)).toBeUndefined();
  });

  it('finds all, in card order', () => {
    expect(findAll(tree, 0x5a).map((o) => toHex(o.value))).toEqual(['11', '22', '33', '44']);
    expect(findAll(tree, 0x9f02)).toEqual([]);
  });

  it('follows a path from the top only', () => {
    expect(hex(findPath(tree, 0x70, 0x61, 0x5a))).toBe('22');
    expect(findPath(tree, 0x61)).toBeUndefined();
    expect(hex(findPath(tree, 0x5a))).toBe('44');
  });
});
