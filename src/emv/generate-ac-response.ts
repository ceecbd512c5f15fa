/**
 * The answer to GENERATE AC, EMV 4.4 Book 3 6.5.5.4: format 1 (80: CID, ATC, AC, then the
 * Issuer Application Data) or format 2 (77: 9F27, 9F36, 9F26 or, with CDA, 9F4B; 9F10 and
 * other objects). Both kernels read it here: the contact kernel for the first and second
 * GENERATE AC, Kernels 2 and 4 for their one.
 */
import { CardError } from './errors.js';
import { decodeTlv, type Tlv } from './tlv.js';

export interface GenerateAcAnswer {
  /** Cryptogram Information Data (9F27). */
  cid: number;
  /** Application Transaction Counter (9F36), 2 bytes. */
  atc: Uint8Array;
  /** Application Cryptogram (9F26); absent in a CDA answer, whose signature carries it. */
  ac?: Uint8Array | undefined;
  /** The answer's data objects, in the card's order (format 1: made up as 9F27, 9F36, 9F26, 9F10). */
  objects: Tlv[];
  format: 1 | 2;
}

function mk(tag: number, value: Uint8Array): Tlv {
  return { tag, constructed: false, value, offset: 0 };
}

export function parseGenerateAc(data: Uint8Array): GenerateAcAnswer {
  const top = decodeTlv(data);
  if (top.length !== 1) throw new CardError('GENERATE_AC_FORMAT', `the GENERATE AC answer holds ${top.length} top-level objects; one template expected`);
  const t = top[0]!;
  if (t.tag === 0x80) {
    const v = t.value;
    if (v.length < 11) throw new CardError('GENERATE_AC_FORMAT', `format 1 GENERATE AC answer of ${v.length} bytes; at least 11 expected`);
    const objects = [mk(0x9f27, v.subarray(0, 1)), mk(0x9f36, v.subarray(1, 3)), mk(0x9f26, v.subarray(3, 11))];
    if (v.length > 11) objects.push(mk(0x9f10, v.subarray(11)));
    return { cid: v[0]!, atc: v.slice(1, 3), ac: v.slice(3, 11), objects, format: 1 };
  }
  if (t.tag === 0x77 && t.children) {
    const get = (tag: number): Uint8Array | undefined => t.children!.find((c) => c.tag === tag)?.value;
    const cid = get(0x9f27);
    const atc = get(0x9f36);
    if (!cid || cid.length !== 1) throw new CardError('CARD_DATA_MISSING', 'the GENERATE AC answer has no Cryptogram Information Data (9F27)');
    if (!atc || atc.length !== 2) throw new CardError('CARD_DATA_MISSING', 'the GENERATE AC answer has no Application Transaction Counter (9F36)');
    return { cid: cid[0]!, atc, ac: get(0x9f26), objects: t.children, format: 2 };
  }
  throw new CardError('GENERATE_AC_FORMAT', 'the GENERATE AC answer is neither format 1 (80) nor format 2 (77)');
}
