/**
 * ISO 9564-1:2017 PIN blocks: formats 0, 1 and 3 (8 bytes, enciphered with TDES by the
 * caller or by encryptPinBlock) and format 4 (16 bytes, built and enciphered here under an
 * AES key, as the format is defined together with its encipherment).
 *
 * A PIN goes in as a string of digits (the CLI) or as a Uint8Array of digit values 0-9 (the
 * keypad, which can wipe its buffer); it comes out of a decode as a Uint8Array of digit
 * values the caller wipes after use. Every clear intermediate field is wiped here.
 */
import { randomBytes } from 'node:crypto';
import { aesDecrypt, aesEncrypt, isAesKeyLength, tdesDecrypt, tdesEncrypt } from './block-ciphers.js';
import { xor, zeroize } from './bytes.js';
import { KeyLengthError, PinBlockError, PinError } from './errors.js';
import { checkPan } from './pan.js';

export type PinBlockFormat = 0 | 1 | 3 | 4;
/** The 8-byte formats. */
export type TdesPinBlockFormat = 0 | 1 | 3;

/** Where the random fill comes from; tests inject a fixed source. */
export type RandomSource = (length: number) => Uint8Array;

export interface PinBlockOptions {
  random?: RandomSource;
}

const defaultRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/** ISO 9564-1:2017: a PIN has 4 to 12 digits (the length field of every block format allows no other). */
export const PIN_MIN_DIGITS = 4;
export const PIN_MAX_DIGITS = 12;

/** A fresh copy of the PIN as digit values, checked. The caller's own buffer is not touched. */
export function pinDigits(pin: string | Uint8Array): Uint8Array {
  let d: Uint8Array;
  if (typeof pin === 'string') {
    d = new Uint8Array(pin.length);
    for (let i = 0; i < pin.length; i++) {
      const c = pin.charCodeAt(i) - 48;
      if (c < 0 || c > 9) {
        zeroize(d);
        throw new PinError(`PIN: character ${i + 1} is not a decimal digit`);
      }
      d[i] = c;
    }
  } else if (pin instanceof Uint8Array) {
    d = pin.slice();
    const bad = d.findIndex((v) => v > 9);
    if (bad >= 0) {
      zeroize(d);
      throw new PinError(`PIN: position ${bad + 1} is not a digit value 0-9`);
    }
  } else {
    throw new PinError('PIN: missing');
  }
  if (d.length < PIN_MIN_DIGITS || d.length > PIN_MAX_DIGITS) {
    const n = d.length;
    zeroize(d);
    throw new PinError(`PIN: ${n} digits; a PIN has ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} (ISO 9564-1)`);
  }
  return d;
}

function packNibbles(nibbles: Uint8Array): Uint8Array {
  const out = new Uint8Array(nibbles.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
  return out;
}

function unpackNibbles(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    out[2 * i] = bytes[i]! >> 4;
    out[2 * i + 1] = bytes[i]! & 0x0f;
  }
  return out;
}

/**
 * The PAN field of formats 0 and 3 (ISO 9564-1:2017 9.3.1, 9.3.4): four zero nibbles, then
 * the 12 rightmost PAN digits without the check digit, left-padded with zeros if shorter.
 */
export function panField(pan: string): Uint8Array {
  checkPan(pan);
  const body = pan.slice(0, -1).slice(-12).padStart(12, '0');
  const nibbles = new Uint8Array(16);
  for (let i = 0; i < 12; i++) nibbles[4 + i] = body.charCodeAt(i) - 48;
  return packNibbles(nibbles);
}

function fillNibble(format: TdesPinBlockFormat, r: number): number {
  // Format 0: fill F (9.3.1). Format 1: any value 0-F (9.3.2). Format 3: random A-F (9.3.4);
  // the slight modulo bias of a byte over six values does not matter for a fill.
  if (format === 0) return 0xf;
  if (format === 1) return r & 0x0f;
  return 0xa + (r % 6);
}

/**
 * Builds a clear 8-byte PIN block in format 0, 1 or 3 (ISO 9564-1:2017 9.3.1, 9.3.2, 9.3.4).
 * Formats 0 and 3 need the PAN; format 1 does not use it.
 */
export function encodePinBlock(
  format: TdesPinBlockFormat,
  pin: string | Uint8Array,
  pan?: string,
  options: PinBlockOptions = {},
): Uint8Array {
  if (format !== 0 && format !== 1 && format !== 3) {
    throw new PinBlockError('PIN_BLOCK_FORMAT', `PIN block format ${String(format)}: 8-byte blocks are formats 0, 1 and 3`);
  }
  const pf = format === 1 ? null : panField(pan ?? '');
  const digits = pinDigits(pin);
  const random = format === 0 ? null : (options.random ?? defaultRandom)(16);
  const nibbles = new Uint8Array(16);
  nibbles[0] = format;
  nibbles[1] = digits.length;
  nibbles.set(digits, 2);
  for (let i = 2 + digits.length; i < 16; i++) nibbles[i] = fillNibble(format, random?.[i] ?? 0);
  const pinFieldBytes = packNibbles(nibbles);
  const block = pf ? xor(pinFieldBytes, pf) : pinFieldBytes.slice();
  zeroize(digits, nibbles, pinFieldBytes, random);
  return block;
}

function checkPinField(nibbles: Uint8Array, control: number, fillEnd: number, fillOk: (n: number) => boolean, name: string): Uint8Array {
  if (nibbles[0] !== control) {
    throw new PinBlockError('PIN_BLOCK_FORMAT', `${name}: control field is ${nibbles[0]!.toString(16).toUpperCase()}, expected ${control}`);
  }
  const n = nibbles[1]!;
  if (n < PIN_MIN_DIGITS || n > PIN_MAX_DIGITS) {
    throw new PinBlockError('PIN_BLOCK_PIN_LENGTH', `${name}: PIN length field is ${n}; it must be ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS}`);
  }
  for (let i = 2; i < 2 + n; i++) {
    if (nibbles[i]! > 9) throw new PinBlockError('PIN_BLOCK_DIGIT', `${name}: PIN nibble ${i - 1} is not a decimal digit`);
  }
  for (let i = 2 + n; i < fillEnd; i++) {
    if (!fillOk(nibbles[i]!)) throw new PinBlockError('PIN_BLOCK_FILL', `${name}: fill nibble ${i + 1} has a value the format does not allow`);
  }
  return nibbles.slice(2, 2 + n);
}

/**
 * Reads the PIN out of a clear 8-byte block of format 0, 1 or 3. Formats 0 and 3 need the
 * PAN the block was built with. Returns digit values; the caller wipes them after use.
 */
export function decodePinBlock(format: TdesPinBlockFormat, block: Uint8Array, pan?: string): Uint8Array {
  const name = `PIN block format ${String(format)}`;
  if (format !== 0 && format !== 1 && format !== 3) {
    throw new PinBlockError('PIN_BLOCK_FORMAT', `${name}: 8-byte blocks are formats 0, 1 and 3`);
  }
  if (!(block instanceof Uint8Array) || block.length !== 8) {
    throw new PinBlockError('PIN_BLOCK_LENGTH', `${name}: ${block instanceof Uint8Array ? block.length : 0} bytes; it is 8`);
  }
  const pf = format === 1 ? null : panField(pan ?? '');
  const field = pf ? xor(block, pf) : block.slice();
  const nibbles = unpackNibbles(field);
  try {
    const fillOk = format === 0 ? (v: number) => v === 0xf : format === 3 ? (v: number) => v >= 0xa : () => true;
    return checkPinField(nibbles, format, 16, fillOk, name);
  } finally {
    zeroize(field, nibbles);
  }
}

/** Which format a clear 8-byte block claims to be, from its control field. */
export function pinBlockFormatOf(block: Uint8Array): number {
  if (block.length === 0) throw new PinBlockError('PIN_BLOCK_LENGTH', 'PIN block: empty');
  return block[0]! >> 4;
}

// ---- encipherment of the 8-byte formats ----------------------------------------------------

function checkTdesPinKey(key: Uint8Array): void {
  if (key.length !== 16 && key.length !== 24) {
    throw new KeyLengthError('PIN encryption key', key.length, 'formats 0, 1 and 3 are enciphered with a 16 or 24-byte TDES key');
  }
}

/** TDES-ECB of a clear 8-byte block: formats 0, 1 and 3 are enciphered as one block (ISO 9564-1:2017 9.3). */
export function encryptPinBlock(clearBlock: Uint8Array, key: Uint8Array): Uint8Array {
  checkTdesPinKey(key);
  if (clearBlock.length !== 8) throw new PinBlockError('PIN_BLOCK_LENGTH', `PIN block: ${clearBlock.length} bytes; it is 8`);
  return tdesEncrypt(key, clearBlock);
}

export function decryptPinBlock(encryptedBlock: Uint8Array, key: Uint8Array): Uint8Array {
  checkTdesPinKey(key);
  if (encryptedBlock.length !== 8) throw new PinBlockError('PIN_BLOCK_LENGTH', `PIN block: ${encryptedBlock.length} bytes; it is 8`);
  return tdesDecrypt(key, encryptedBlock);
}

// ---- format 4 (AES) ------------------------------------------------------------------------

/**
 * Plain-text PIN field of format 4 (ISO 9564-1:2017 9.4): control 4, length, PIN digits,
 * fill A up to nibble 16, then 8 random bytes.
 */
export function pinField4(pin: string | Uint8Array, options: PinBlockOptions = {}): Uint8Array {
  const digits = pinDigits(pin);
  const random = (options.random ?? defaultRandom)(8);
  if (random.length !== 8) throw new PinBlockError('PIN_BLOCK_FILL', 'format 4: the random source gave the wrong length');
  const nibbles = new Uint8Array(16).fill(0xa);
  nibbles[0] = 4;
  nibbles[1] = digits.length;
  nibbles.set(digits, 2);
  const field = new Uint8Array(16);
  field.set(packNibbles(nibbles), 0);
  field.set(random, 8);
  zeroize(digits, nibbles, random);
  return field;
}

/**
 * Plain-text PAN field of format 4 (ISO 9564-1:2017 9.4): M = PAN length minus 12 (0 if
 * shorter), the PAN left-padded with zeros to at least 12 digits, then zero nibbles.
 */
export function panField4(pan: string): Uint8Array {
  checkPan(pan);
  const m = Math.max(0, pan.length - 12);
  const digits = pan.padStart(12, '0');
  const nibbles = new Uint8Array(32);
  nibbles[0] = m;
  for (let i = 0; i < digits.length; i++) nibbles[1 + i] = digits.charCodeAt(i) - 48;
  return packNibbles(nibbles);
}

function checkAesPinKey(key: Uint8Array): void {
  if (!isAesKeyLength(key.length)) {
    throw new KeyLengthError('PIN encryption key', key.length, 'format 4 needs an AES key of 16, 24 or 32 bytes');
  }
}

/**
 * Enciphered format 4 PIN block (ISO 9564-1:2017 9.4): A = E(K, PIN field);
 * B = A XOR PAN field; block = E(K, B).
 */
export function encipherPinBlock4(
  pin: string | Uint8Array,
  pan: string,
  key: Uint8Array,
  options: PinBlockOptions = {},
): Uint8Array {
  checkAesPinKey(key);
  const pf = panField4(pan);
  const field = pinField4(pin, options);
  const a = aesEncrypt(key, field);
  const b = xor(a, pf);
  const out = aesEncrypt(key, b);
  zeroize(field, a, b);
  return out;
}

/** Reverses encipherPinBlock4 (ISO 9564-1:2017 9.4) and checks the PIN field. */
export function decipherPinBlock4(block: Uint8Array, pan: string, key: Uint8Array): Uint8Array {
  checkAesPinKey(key);
  if (!(block instanceof Uint8Array) || block.length !== 16) {
    throw new PinBlockError('PIN_BLOCK_LENGTH', `PIN block format 4: ${block instanceof Uint8Array ? block.length : 0} bytes; it is 16`);
  }
  const pf = panField4(pan);
  const b = aesDecrypt(key, block);
  const a = xor(b, pf);
  const field = aesDecrypt(key, a);
  const nibbles = unpackNibbles(field.subarray(0, 8));
  try {
    return checkPinField(nibbles, 4, 16, (v) => v === 0xa, 'PIN block format 4');
  } finally {
    zeroize(b, a, field, nibbles);
  }
}
