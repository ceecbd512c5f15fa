/**
 * Data object lists: PDOL (9F38), CDOL1 (8C), CDOL2 (8D), DDOL (9F49), TDOL (97).
 * EMV 4.4 Book 3 5.4 "Rules for Using a Data Object List (DOL)": a DOL is a list of
 * tag + length entries with no values; the terminal answers with the values concatenated,
 * each fitted to the length the card asked for.
 */
import { DolError } from './errors.js';
import { tagInfo, type Kernel, type TagFormat } from './tags.js';
import { tagToHex } from './tlv.js';

export interface DolEntry {
  tag: number;
  /** How many bytes the card wants for this data object. */
  length: number;
}

/** Where the values come from: the terminal's configuration, the transaction, the card. */
export type DataSource = (tag: number) => Uint8Array | undefined;

/** The first source that knows a tag answers for it. */
export function chainSources(...sources: DataSource[]): DataSource {
  return (tag) => {
    for (const s of sources) {
      const v = s(tag);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/** A source over fixed values, for data read from the card or set by a test. */
export function mapSource(values: ReadonlyMap<number, Uint8Array>): DataSource {
  return (tag) => values.get(tag);
}

/**
 * Parses a DOL's value into its entries. Tags follow Annex B1; each length is one byte
 * below 128 as every DOL in the field uses, or a long form (81/82) read as Annex B2 says.
 */
export function parseDol(dol: Uint8Array): DolEntry[] {
  const out: DolEntry[] = [];
  let p = 0;
  while (p < dol.length) {
    const start = p;
    let tag = dol[p++]!;
    if ((tag & 0x1f) === 0x1f) {
      let count = 1;
      for (;;) {
        if (p >= dol.length) throw dolError('DOL_TRUNCATED_TAG', start, 'a multi-byte tag is cut short');
        if (++count > 4) throw dolError('DOL_TAG_TOO_LONG', start, 'tag longer than 4 bytes');
        const b = dol[p++]!;
        tag = tag * 256 + b;
        if ((b & 0x80) === 0) break;
      }
    }
    if (tag === 0x00 || tag === 0xff) throw dolError('DOL_BAD_TAG', start, `'${tagToHex(tag)}' is not a tag`);
    if (p >= dol.length) throw dolError('DOL_MISSING_LENGTH', start, `tag ${tagToHex(tag)} has no length`);
    let length = dol[p++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 2) {
        throw dolError('DOL_BAD_LENGTH', start, `tag ${tagToHex(tag)}: length byte ${tagToHex(length)} is not usable`);
      }
      if (p + count > dol.length) throw dolError('DOL_MISSING_LENGTH', start, `tag ${tagToHex(tag)}: length is cut short`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + dol[p++]!;
    }
    out.push({ tag, length });
  }
  return out;
}

function dolError(code: string, offset: number, message: string): DolError {
  return new DolError(code, `DOL at offset ${offset}: ${message}`);
}

/**
 * Fits a value to the length a DOL entry asks for, by the rules of Book 3 5.4:
 * - longer than asked: format n loses its leftmost bytes, every other format its rightmost;
 * - shorter than asked: n gets leading '00' bytes, cn trailing 'FF' bytes, every other
 *   format (an, ans, b, ...) trailing '00' bytes.
 */
export function fitToLength(value: Uint8Array, length: number, format: TagFormat): Uint8Array {
  if (value.length === length) return value;
  const out = new Uint8Array(length);
  if (value.length > length) {
    out.set(format === 'n' ? value.subarray(value.length - length) : value.subarray(0, length));
    return out;
  }
  if (format === 'n') {
    out.set(value, length - value.length);
  } else {
    out.set(value, 0);
    if (format === 'cn') out.fill(0xff, value.length);
  }
  return out;
}

export interface BuildOptions {
  /** Kernel whose meaning of a tag decides its format (Book C-2 reuses some 9F6x tags). */
  kernel?: Kernel;
  /** Largest result accepted; a command's data field holds 255 bytes at most. */
  maxLength?: number;
}

/**
 * The concatenated values a DOL asks for (Book 3 5.4). A tag the terminal has no value for
 * (unknown to it, or optional data that is absent) and a constructed tag (b6 of the first
 * byte) are given as zeros of the length asked for, as 5.4 requires. A value the source has
 * for a tag missing from the dictionary is fitted as format b.
 */
export function buildDolData(dol: Uint8Array | readonly DolEntry[], source: DataSource, options: BuildOptions = {}): Uint8Array {
  const entries = dol instanceof Uint8Array ? parseDol(dol) : dol;
  const total = entries.reduce((n, e) => n + e.length, 0);
  const max = options.maxLength ?? 255;
  if (total > max) {
    throw new DolError('DOL_TOO_LONG', `the DOL asks for ${total} bytes of data; at most ${max} fit the command`);
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const e of entries) {
    const constructed = (firstTagByte(e.tag) & 0x20) !== 0;
    const info = tagInfo(e.tag, options.kernel);
    const value = constructed ? undefined : source(e.tag);
    if (value !== undefined && info) out.set(fitToLength(value, e.length, info.format), p);
    else if (value !== undefined) out.set(fitToLength(value, e.length, 'b'), p);
    // else: zeros, already there
    p += e.length;
  }
  return out;
}

function firstTagByte(tag: number): number {
  let t = tag;
  while (t > 0xff) t = Math.floor(t / 256);
  return t;
}
