/**
 * ISO 8583:1987 packer and unpacker, driven entirely by a FieldTable (spec.ts).
 *
 * Layout (ISO 8583:1987 section 4.1): MTI as 4 BCD digits in 2 bytes, the primary bitmap
 * (8 bytes, bit 1 = a secondary bitmap follows), the secondary bitmap (field 1, 8 bytes),
 * then the fields in ascending order. No length header and no TPDU: those belong to the
 * transport (docs/host-spec.md section 2).
 *
 * The unpacker accepts only what the packer would write, so unpack then pack gives the
 * same bytes back; anything else is a MessageFormatError naming the field and offset.
 */
import { toHex, fromHex } from '../hex.js';
import { FieldValueError, MessageFormatError, type FieldRef, type FormatErrorCode } from './errors.js';
import { HOST_FIELDS, type FieldSpec, type FieldTable } from './spec.js';

/** A message: n, an, ans and z fields as text (z writes the separator as '='), b fields as bytes. */
export interface IsoMessage {
  mti: string;
  fields: Record<number, string | Uint8Array>;
}

/** The same message with every field a string: b fields as uppercase hex. */
export interface IsoJson {
  mti: string;
  fields: Record<string, string>;
}

/** Where a field sits in the packed bytes: from its length prefix (if any) to its end. */
export interface FieldLayout {
  start: number;
  end: number;
}

const AN = /^[A-Za-z0-9 ]*$/;
const ANS = /^[\x20-\x7E]*$/;
const N = /^[0-9]*$/;
const Z = /^[0-9=]*$/;

function describe(no: FieldRef, table: FieldTable): string {
  if (no === 'MTI') return 'MTI';
  if (no === 'bitmap') return 'primary bitmap';
  if (no === 1) return 'field 1 (secondary bitmap)';
  const spec = table[no];
  return spec ? `field ${no} (${spec.name})` : `field ${no}`;
}

// ---------------------------------------------------------------------------------------
// Packing

function valueError(no: FieldRef, table: FieldTable, detail: string): FieldValueError {
  return new FieldValueError(no, describe(no, table), detail);
}

/** Unit of a field's length, for messages. */
function unit(spec: FieldSpec): string {
  return spec.format === 'b' ? 'bytes' : spec.format === 'n' || spec.format === 'z' ? 'digits' : 'characters';
}

function checkLength(no: number, spec: FieldSpec, count: number, table: FieldTable): void {
  if (spec.lengthType === 'fixed' && count !== spec.length) {
    throw valueError(no, table, `has ${count} ${unit(spec)}; the field is fixed at ${spec.length}`);
  }
  if (count > spec.length) {
    throw valueError(no, table, `has ${count} ${unit(spec)}; the maximum is ${spec.length}`);
  }
}

/**
 * Packed BCD of digits ('=' as the nibble D for z). An odd count gets one 0 pad nibble:
 * in front for a fixed field (right-justified, so the number reads the same), behind for a
 * variable one (left-justified, the prefix says how many digits count).
 */
function bcd(text: string, fixed: boolean): Uint8Array {
  const digits = text.length % 2 === 0 ? text : fixed ? `0${text}` : `${text}0`;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < digits.length; i += 2) {
    out[i / 2] = (nibbleOf(digits[i]!) << 4) | nibbleOf(digits[i + 1]!);
  }
  return out;
}

function nibbleOf(c: string): number {
  return c === '=' ? 0xd : c.charCodeAt(0) - 0x30;
}

function lengthPrefix(spec: FieldSpec, count: number): Uint8Array {
  if (spec.lengthType === 'llvar') return bcd(String(count).padStart(2, '0'), true);
  if (spec.lengthType === 'lllvar') return bcd(String(count).padStart(4, '0'), true);
  return new Uint8Array(0);
}

function encodeField(no: number, spec: FieldSpec, value: string | Uint8Array, table: FieldTable): Uint8Array[] {
  if (spec.format === 'b') {
    if (!(value instanceof Uint8Array)) throw valueError(no, table, 'a b field takes bytes (Uint8Array)');
    checkLength(no, spec, value.length, table);
    return [lengthPrefix(spec, value.length), value];
  }
  if (typeof value !== 'string') throw valueError(no, table, `an ${spec.format} field takes text`);
  const allowed = spec.format === 'n' ? N : spec.format === 'z' ? Z : spec.format === 'an' ? AN : ANS;
  if (!allowed.test(value)) {
    const at = [...value].findIndex((c) => !allowed.test(c));
    throw valueError(no, table, `character ${at + 1} is not allowed in an ${spec.format} field`);
  }
  checkLength(no, spec, value.length, table);
  const body = spec.encoding === 'bcd' ? bcd(value, spec.lengthType === 'fixed') : Buffer.from(value, 'latin1');
  return [lengthPrefix(spec, value.length), body];
}

/** The field numbers of a message, ascending; anything that is not a field is refused. */
function fieldNumbers(message: IsoMessage, table: FieldTable): number[] {
  const numbers = Object.keys(message.fields).map((key) => {
    const no = Number(key);
    if (!Number.isInteger(no) || String(no) !== key) throw new FieldValueError(key, `field '${key}'`, 'is not a field number');
    if (no === 1 || no === 65) throw valueError(no, table, 'is a bitmap; the packer writes bitmaps itself');
    if (!table[no]) throw valueError(no, table, 'is not defined in the specification');
    return no;
  });
  return numbers.sort((a, b) => a - b);
}

/** Packs a message: MTI, bitmap(s), fields. Throws FieldValueError for a value the table forbids. */
export function pack(message: IsoMessage, table: FieldTable = HOST_FIELDS): Uint8Array {
  if (typeof message.mti !== 'string' || !/^[0-9]{4}$/.test(message.mti)) {
    throw valueError('MTI', table, 'must be 4 digits');
  }
  const numbers = fieldNumbers(message, table);
  const secondary = numbers.some((no) => no > 64);
  const bitmap = new Uint8Array(secondary ? 16 : 8);
  if (secondary) bitmap[0] |= 0x80;
  const parts: Uint8Array[] = [bcd(message.mti, true), bitmap];
  for (const no of numbers) {
    bitmap[(no - 1) >> 3] |= 0x80 >> ((no - 1) & 7);
    parts.push(...encodeField(no, table[no]!, message.fields[no]!, table));
  }
  return Uint8Array.from(Buffer.concat(parts));
}

// ---------------------------------------------------------------------------------------
// Unpacking

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly table: FieldTable,
  ) {}

  fail(code: FormatErrorCode, no: FieldRef, offset: number, detail: string): MessageFormatError {
    return new MessageFormatError(code, no, describe(no, this.table), offset, detail);
  }

  take(count: number, no: FieldRef, what: string): Uint8Array {
    const left = this.bytes.length - this.pos;
    if (count > left) {
      throw this.fail('ISO_TRUNCATED', no, this.pos, `${what} needs ${count} bytes, only ${left} left`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  /** BCD digits of `bytes` that start at `offset`; z allows the nibble D, read as '='. */
  digits(bytes: Uint8Array, offset: number, no: FieldRef, z = false): string {
    let out = '';
    for (let i = 0; i < bytes.length; i++) {
      for (const nib of [bytes[i]! >> 4, bytes[i]! & 0x0f]) {
        if (nib <= 9) out += String(nib);
        else if (z && nib === 0xd) out += '=';
        else throw this.fail('ISO_BAD_NIBBLE', no, offset + i, `nibble ${nib.toString(16).toUpperCase()} is not a BCD digit`);
      }
    }
    return out;
  }

  /** The count in a length prefix (BCD; the LLL prefix takes 2 bytes with a 0 lead nibble). */
  prefix(no: number, spec: FieldSpec): number {
    const start = this.pos;
    const size = spec.lengthType === 'llvar' ? 1 : 2;
    const count = Number(this.digits(this.take(size, no, 'the length prefix'), start, no));
    if (count > spec.length) {
      throw this.fail('ISO_TOO_LONG', no, start, `length ${count} is over the maximum of ${spec.length} ${unit(spec)}`);
    }
    return count;
  }

  field(no: number, spec: FieldSpec): string | Uint8Array {
    const count = spec.lengthType === 'fixed' ? spec.length : this.prefix(no, spec);
    const start = this.pos;
    if (spec.format === 'b') return Uint8Array.from(this.take(count, no, `a value of ${count} bytes`));
    if (spec.encoding === 'ascii') {
      const raw = this.take(count, no, `a value of ${count} characters`);
      const allowed = spec.format === 'n' ? N : spec.format === 'an' ? AN : ANS;
      const text = Buffer.from(raw).toString('latin1');
      const bad = [...text].findIndex((c) => !allowed.test(c));
      if (bad >= 0) {
        throw this.fail('ISO_BAD_CHAR', no, start + bad, `byte ${toHex(raw.subarray(bad, bad + 1))} is not allowed in an ${spec.format} field`);
      }
      return text;
    }
    const raw = this.take(Math.ceil(count / 2), no, `a value of ${count} digits`);
    const text = this.digits(raw, start, no, spec.format === 'z');
    if (count % 2 === 0) return text;
    const fixed = spec.lengthType === 'fixed';
    const pad = fixed ? text[0] : text[text.length - 1];
    if (pad !== '0') {
      const at = fixed ? start : start + raw.length - 1;
      throw this.fail('ISO_BAD_PAD', no, at, `the pad nibble of an odd-length value must be 0, not ${pad === '=' ? 'D' : pad}`);
    }
    return fixed ? text.slice(1) : text.slice(0, -1);
  }
}

/** Field numbers set in a bitmap, bit 1 first (ISO 8583:1987 section 4.1.2). */
function bitsOf(bitmap: Uint8Array, base: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < bitmap.length * 8; i++) {
    if (bitmap[i >> 3]! & (0x80 >> (i & 7))) out.push(base + i + 1);
  }
  return out;
}

/** Unpacks and says where each field lay (for the MAC input and for diagnostics). */
export function unpackWithLayout(
  bytes: Uint8Array,
  table: FieldTable = HOST_FIELDS,
): { message: IsoMessage; layout: Map<number, FieldLayout> } {
  const r = new Reader(bytes, table);
  const mti = r.digits(r.take(2, 'MTI', 'the MTI'), 0, 'MTI');
  const present = bitsOf(r.take(8, 'bitmap', 'the primary bitmap'), 0);
  if (present[0] === 1) {
    const secondaryAt = r.pos;
    const more = bitsOf(r.take(8, 1, 'the secondary bitmap'), 64);
    // An empty secondary bitmap would not survive a round trip: the packer omits it.
    if (more.length === 0) throw r.fail('ISO_BAD_BITMAP', 1, secondaryAt, 'present but names no field');
    present.shift();
    present.push(...more);
  }
  const fields: Record<number, string | Uint8Array> = {};
  const layout = new Map<number, FieldLayout>();
  for (const no of present) {
    const spec = table[no];
    if (!spec) {
      // Its length cannot be known, so nothing after it can be read either.
      throw r.fail('ISO_UNDEFINED_FIELD', no, r.pos, 'is not defined in the specification');
    }
    const start = r.pos;
    fields[no] = r.field(no, spec);
    layout.set(no, { start, end: r.pos });
  }
  if (r.pos !== bytes.length) {
    const last = present[present.length - 1]!;
    throw r.fail('ISO_TRAILING_BYTES', last, r.pos, `${bytes.length - r.pos} bytes follow the last field`);
  }
  return { message: { mti, fields }, layout };
}

/** Unpacks a message (from the MTI on). Throws MessageFormatError naming the field and offset. */
export function unpack(bytes: Uint8Array, table: FieldTable = HOST_FIELDS): IsoMessage {
  return unpackWithLayout(bytes, table).message;
}

// ---------------------------------------------------------------------------------------
// JSON form

/** Every field as a string, b fields as uppercase hex; keys in ascending field order. */
export function toJson(message: IsoMessage, table: FieldTable = HOST_FIELDS): IsoJson {
  const fields: Record<string, string> = {};
  for (const no of fieldNumbers(message, table)) {
    const v = message.fields[no]!;
    fields[String(no)] = v instanceof Uint8Array ? toHex(v) : v;
  }
  return { mti: message.mti, fields };
}

/** The message from its JSON form; b fields from hex. Throws ValidationError on anything else. */
export function fromJson(value: unknown, table: FieldTable = HOST_FIELDS): IsoMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FieldValueError('MTI', 'message', 'must be an object {"mti": "0200", "fields": {...}}');
  }
  const { mti, fields } = value as { mti?: unknown; fields?: unknown };
  if (typeof mti !== 'string') throw new FieldValueError('MTI', 'MTI', 'must be a string of 4 digits');
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new FieldValueError('fields', 'fields', 'must be an object of field number to string');
  }
  const out: IsoMessage = { mti, fields: {} };
  for (const [key, v] of Object.entries(fields)) {
    const no = Number(key);
    const spec = Number.isInteger(no) ? table[no] : undefined;
    if (!spec) throw new FieldValueError(key, `field ${key}`, 'is not defined in the specification');
    if (typeof v !== 'string') throw valueError(no, table, 'must be a string in the JSON form');
    out.fields[no] = spec.format === 'b' ? fromHex(v, describe(no, table)) : v;
  }
  return out;
}
