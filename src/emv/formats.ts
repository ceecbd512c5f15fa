/**
 * The data element formats of EMV 4.4 Book 3 4.3: n (numeric BCD, right justified, leading
 * zeros), cn (compressed numeric, left justified, trailing 'F' nibbles), an / ans (ASCII).
 * Pure functions for the terminal's own values; everything here refuses what does not fit
 * rather than cutting it (cutting is the DOL rule's job, not a value's).
 */
import { ValidationError } from '../errors.js';

/** Digits as format n of `bytes` bytes: 156 in 2 bytes -> 01 56. */
export function encodeN(value: number | bigint | string, bytes: number, what = 'value'): Uint8Array {
  const digits = typeof value === 'string' ? value : value.toString();
  if (!/^[0-9]+$/.test(digits)) throw new ValidationError(`${what}: '${digits}' is not a non-negative whole number`);
  const significant = digits.replace(/^0+(?=.)/, '');
  if (significant.length > bytes * 2) {
    throw new ValidationError(`${what}: ${significant.length} digits do not fit ${bytes * 2} (format n, ${bytes} bytes)`);
  }
  const padded = significant.padStart(bytes * 2, '0');
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (Number(padded[2 * i]) << 4) | Number(padded[2 * i + 1]);
  return out;
}

/** Format n back to its digit string (leading zeros kept); undefined if a nibble is not 0-9. */
export function decodeN(bytes: Uint8Array): string | undefined {
  let s = '';
  for (const b of bytes) {
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) return undefined;
    s += String(hi) + String(lo);
  }
  return s;
}

/** Digits as format cn: left justified, padded with 'F' nibbles to `bytes` (or to whole bytes). */
export function encodeCn(digits: string, bytes?: number, what = 'value'): Uint8Array {
  if (!/^[0-9]*$/.test(digits)) throw new ValidationError(`${what}: format cn holds digits only`);
  const size = bytes ?? Math.ceil(digits.length / 2);
  if (digits.length > size * 2) throw new ValidationError(`${what}: ${digits.length} digits do not fit ${size} bytes`);
  const nibbles = digits.padEnd(size * 2, 'F');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(nibbles.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Format cn back to digits, stopping at the first 'F'; undefined if it is not cn. */
export function decodeCn(bytes: Uint8Array): string | undefined {
  let s = '';
  let ended = false;
  for (const b of bytes) {
    for (const nib of [b >> 4, b & 0x0f]) {
      if (ended) {
        if (nib !== 0xf) return undefined;
      } else if (nib === 0xf) {
        ended = true;
      } else if (nib > 9) {
        return undefined;
      } else {
        s += String(nib);
      }
    }
  }
  return s;
}

/**
 * Text as a / an / ans: one ASCII character a byte. A fixed-length element (9F16 Merchant
 * Identifier, 15 bytes) given shorter text is padded with spaces, as merchant data usually
 * is; padding a DOL entry is another rule (zeros, Book 3 5.4), applied in dol.ts.
 */
export function encodeText(text: string, bytes?: number, what = 'value'): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new ValidationError(`${what}: only printable ASCII is allowed`);
  const size = bytes ?? text.length;
  if (text.length > size) throw new ValidationError(`${what}: ${text.length} characters do not fit ${size}`);
  return Uint8Array.from(Buffer.from(text.padEnd(size, ' '), 'ascii'));
}

/** Unsigned big-endian binary of `bytes` bytes (format b numbers: 81, 9F04, 9F1B). */
export function encodeUint(value: number, bytes: number, what = 'value'): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (8 * bytes)) {
    throw new ValidationError(`${what}: ${value} does not fit ${bytes} unsigned bytes`);
  }
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}
