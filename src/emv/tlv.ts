/**
 * BER-TLV as EMV uses it: EMV 4.4 Book 3 Annex B (B1 tag, B2 length, B3 value), a subset of
 * ISO/IEC 8825-1 (BER). Pure functions: bytes in, a tree out, and back.
 */
import { concat } from '../bytes.js';
import { ValidationError } from '../errors.js';
import { toHex } from '../hex.js';
import { TlvError } from './errors.js';

/** One decoded data object. `value` is a view into the decoded input, not a copy. */
export interface Tlv {
  /** The tag bytes read big-endian as one number: 0x6F, 0x9F38, 0xDF8129. */
  tag: number;
  /** b6 of the first tag byte (Annex B1): the value is itself a list of data objects. */
  constructed: boolean;
  value: Uint8Array;
  /** Present exactly when `constructed`: the objects the value holds. */
  children?: Tlv[];
  /** Where the tag starts in the input given to decodeTlv. */
  offset: number;
}

/**
 * What encodeTlv takes: a value, or for a constructed tag children to encode into one. When
 * both are there the children win, so a decoded tree (whose values hold the padding and
 * length forms the card used) encodes in the minimal form.
 */
export interface TlvInput {
  tag: number;
  value?: Uint8Array;
  children?: TlvInput[];
}

export interface DecodeOptions {
  /**
   * Deepest nesting of constructed objects accepted. EMV templates nest four or five deep;
   * the bound keeps a hostile card from exhausting the stack with 'E1 02 E1 00...'.
   */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 16;
/**
 * Our tags are numbers; four bytes still fit exactly in a double. EMV's own tags are one
 * or two bytes and the contactless kernels' three (DF8129), so four leaves room.
 */
const MAX_TAG_BYTES = 4;

/** Tag number as the uppercase hex the specifications print: 0x9F02 -> "9F02". */
export function tagToHex(tag: number): string {
  let hex = tag.toString(16).toUpperCase();
  if (hex.length % 2) hex = '0' + hex;
  return hex;
}

/** Bytes of a tag number, checked against the rules of Annex B1 (for the encoder). */
export function tagBytes(tag: number): Uint8Array {
  if (!Number.isSafeInteger(tag) || tag <= 0 || tag > 0xffffffff) {
    throw new ValidationError(`tag ${tag} is not a BER-TLV tag number`);
  }
  const bytes: number[] = [];
  for (let t = tag; t > 0; t = Math.floor(t / 256)) bytes.unshift(t % 256);
  const name = tagToHex(tag);
  const first = bytes[0]!;
  const multi = (first & 0x1f) === 0x1f;
  if (!multi && bytes.length > 1) {
    throw new ValidationError(`tag ${name}: first byte does not announce subsequent bytes (b5-b1 must be 11111)`);
  }
  if (multi) {
    if (bytes.length === 1) throw new ValidationError(`tag ${name}: b5-b1 = 11111 needs a subsequent byte`);
    for (let i = 1; i < bytes.length; i++) {
      const more = (bytes[i]! & 0x80) !== 0;
      if (more !== i < bytes.length - 1) {
        throw new ValidationError(`tag ${name}: b8 of each subsequent byte but the last must be 1`);
      }
    }
  }
  return Uint8Array.from(bytes);
}

/** Whether a tag number is constructed (b6 of its first byte, Annex B1). */
export function isConstructed(tag: number): boolean {
  return (tagBytes(tag)[0]! & 0x20) !== 0;
}

/** Decodes a whole buffer of concatenated BER-TLV objects, templates recursively. */
export function decodeTlv(data: Uint8Array, options: DecodeOptions = {}): Tlv[] {
  return decodeList(data, 0, data.length, 0, options.maxDepth ?? DEFAULT_MAX_DEPTH);
}

function decodeList(data: Uint8Array, start: number, end: number, depth: number, maxDepth: number): Tlv[] {
  const out: Tlv[] = [];
  let p = start;
  while (p < end) {
    const b = data[p]!;
    // EMV 4.4 Book 3 Annex B1 allows '00' bytes before, between and after objects (left by
    // erased or modified objects); ISO/IEC 7816-4:2005 5.2.2.1 says the same of 'FF'.
    if (b === 0x00 || b === 0xff) {
      p++;
      continue;
    }
    const objStart = p;
    const { tag, next: afterTag } = readTag(data, p, end);
    const { length, next: valueStart } = readLength(data, afterTag, end, tag, objStart);
    const valueEnd = valueStart + length;
    if (valueEnd > end) {
      throw new TlvError(
        'TLV_LENGTH_BEYOND_DATA',
        objStart,
        `tag ${tagToHex(tag)} declares ${length} value bytes but only ${end - valueStart} remain`,
      );
    }
    const constructed = (b & 0x20) !== 0;
    const node: Tlv = { tag, constructed, value: data.subarray(valueStart, valueEnd), offset: objStart };
    if (constructed) {
      if (depth + 1 > maxDepth) {
        throw new TlvError('TLV_TOO_DEEP', objStart, `templates nested deeper than ${maxDepth} levels`);
      }
      node.children = decodeList(data, valueStart, valueEnd, depth + 1, maxDepth);
    }
    out.push(node);
    p = valueEnd;
  }
  return out;
}

/** Annex B1 and ISO/IEC 8825-1 8.1.2: one byte, or 11111 then bytes while b8 is set. */
function readTag(data: Uint8Array, p: number, end: number): { tag: number; next: number } {
  const start = p;
  const first = data[p++]!;
  let tag = first;
  if ((first & 0x1f) !== 0x1f) return { tag, next: p };
  for (let count = 1; ; count++) {
    if (p >= end) {
      throw new TlvError(
        'TLV_TRUNCATED_TAG',
        start,
        `tag ${toHex(data.subarray(start, p))} is cut short: expected a subsequent tag byte, found the end of the data`,
      );
    }
    if (count >= MAX_TAG_BYTES) {
      throw new TlvError('TLV_TAG_TOO_LONG', start, `tag is longer than ${MAX_TAG_BYTES} bytes`);
    }
    const b = data[p++]!;
    if (count === 1 && b === 0x80) {
      // ISO/IEC 8825-1 8.1.2.4.2 c): b7-b1 of the first subsequent byte shall not all be 0.
      throw new TlvError('TLV_BAD_TAG', start, `tag ${toHex(data.subarray(start, p))}: first subsequent byte may not be 80`);
    }
    tag = tag * 256 + b;
    if ((b & 0x80) === 0) return { tag, next: p };
  }
}

/** Annex B2: short form below 128; long form 81, 82, 83 with 1-3 length bytes. */
function readLength(
  data: Uint8Array,
  p: number,
  end: number,
  tag: number,
  objStart: number,
): { length: number; next: number } {
  if (p >= end) {
    throw new TlvError('TLV_TRUNCATED_LENGTH', objStart, `tag ${tagToHex(tag)} has no length field (end of data)`);
  }
  const first = data[p++]!;
  if (first < 0x80) return { length: first, next: p };
  if (first === 0x80) {
    // Indefinite length (ISO/IEC 8825-1 8.1.3.6) is not allowed by EMV's Annex B2.
    throw new TlvError('TLV_INDEFINITE_LENGTH', objStart, `tag ${tagToHex(tag)}: indefinite length (80) is not allowed`);
  }
  const count = first & 0x7f;
  if (count > 3) {
    throw new TlvError(
      'TLV_LENGTH_FIELD_TOO_LONG',
      objStart,
      `tag ${tagToHex(tag)}: length field ${tagToHex(first)} announces ${count} length bytes; at most 3 (83) are accepted`,
    );
  }
  if (p + count > end) {
    throw new TlvError(
      'TLV_TRUNCATED_LENGTH',
      objStart,
      `tag ${tagToHex(tag)}: length field ${tagToHex(first)} needs ${count} more bytes, only ${end - p} remain`,
    );
  }
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + data[p++]!;
  return { length, next: p };
}

/** Minimal length field (Annex B2; DER form), up to 83 (16 MiB - 1). */
export function encodeLength(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new ValidationError(`length ${length} is not a byte count`);
  if (length < 0x80) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(0x81, length);
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length <= 0xffffff) return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new ValidationError(`length ${length} does not fit a three-byte length field`);
}

/** Encodes objects one after another; constructed objects given children encode them. */
export function encodeTlv(objects: readonly TlvInput[]): Uint8Array {
  const parts = objects.map(encodeOne);
  return concat(...parts);
}

function encodeOne(o: TlvInput): Uint8Array {
  const tb = tagBytes(o.tag);
  let value: Uint8Array;
  if (o.children !== undefined) {
    if ((tb[0]! & 0x20) === 0) {
      throw new ValidationError(`tag ${tagToHex(o.tag)} is primitive (b6 = 0) and cannot hold children`);
    }
    value = encodeTlv(o.children);
  } else {
    value = o.value ?? new Uint8Array(0);
  }
  return concat(tb, encodeLength(value.length), value);
}


/** The first object with `tag`, searching depth first in the order the card sent them. */
export function findTag(objects: readonly Tlv[], tag: number): Tlv | undefined {
  for (const o of objects) {
    if (o.tag === tag) return o;
    if (o.children) {
      const hit = findTag(o.children, tag);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Every object with `tag`, anywhere in the tree, in the order the card sent them. */
export function findAll(objects: readonly Tlv[], tag: number): Tlv[] {
  const out: Tlv[] = [];
  const walk = (list: readonly Tlv[]): void => {
    for (const o of list) {
      if (o.tag === tag) out.push(o);
      if (o.children) walk(o.children);
    }
  };
  walk(objects);
  return out;
}

/** Follows a path of tags from the top: findPath(tree, 0x6F, 0xA5, 0x9F38). */
export function findPath(objects: readonly Tlv[], ...path: number[]): Tlv | undefined {
  let list: readonly Tlv[] = objects;
  let hit: Tlv | undefined;
  for (const tag of path) {
    hit = list.find((o) => o.tag === tag);
    if (!hit) return undefined;
    list = hit.children ?? [];
  }
  return hit;
}
