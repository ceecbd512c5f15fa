/**
 * The answer to GET PROCESSING OPTIONS, EMV 4.4 Book 3 6.5.8.4: format 1 (80: AIP then AFL,
 * no tags) or format 2 (77: data objects, among them 82 AIP and 94 AFL). Contactless
 * kernels get more in format 2: Kernel 3 and 7 cards return the cryptogram here (Book C-3).
 */
import { CardError } from './errors.js';
import { decodeTlv, type Tlv } from './tlv.js';

export interface GpoResponse {
  aip: Uint8Array;
  /** Empty when the card has no records to read (Book C-3 allows an absent AFL). */
  afl: Uint8Array;
  /** The format 2 data objects (AIP and AFL among them); for format 1, 82 and 94 made up. */
  objects: Tlv[];
  format: 1 | 2;
}

export function parseGpoResponse(data: Uint8Array): GpoResponse {
  const top = decodeTlv(data);
  if (top.length !== 1) throw new CardError('GPO_FORMAT', `the GPO answer holds ${top.length} top-level objects; one template (80 or 77) expected`);
  const t = top[0]!;
  if (t.tag === 0x80) {
    const v = t.value;
    if (v.length < 2 || (v.length - 2) % 4 !== 0) {
      throw new CardError('GPO_FORMAT', `format 1 GPO answer of ${v.length} bytes: AIP (2) and whole AFL entries (4 each) expected`);
    }
    const aip = v.subarray(0, 2);
    const afl = v.subarray(2);
    return { aip, afl, format: 1, objects: [tlv(0x82, aip), tlv(0x94, afl)] };
  }
  if (t.tag === 0x77 && t.children) {
    const aip = t.children.find((c) => c.tag === 0x82);
    if (!aip) throw new CardError('CARD_DATA_MISSING', 'the GPO answer has no Application Interchange Profile (82)');
    if (aip.value.length !== 2) throw new CardError('CARD_DATA_LENGTH', `the AIP (82) is ${aip.value.length} bytes; it is 2`);
    const afl = t.children.find((c) => c.tag === 0x94);
    return { aip: aip.value, afl: afl?.value ?? new Uint8Array(0), format: 2, objects: t.children };
  }
  throw new CardError('GPO_FORMAT', 'the GPO answer is neither a format 1 (80) nor a format 2 (77) template');
}

function tlv(tag: number, value: Uint8Array): Tlv {
  return { tag, constructed: false, value, offset: 0 };
}
