/**
 * PAN protection: validation, masking for screens, receipts and logs, the Luhn check, and
 * a keyed hash so a PAN can be looked up (duplicate checks, velocity) without storing it.
 */
import { createHmac } from 'node:crypto';
import { PanError, KeyLengthError } from './errors.js';

/** ISO/IEC 7812-1:2017: a PAN has 8 to 19 digits. */
export const PAN_MIN_DIGITS = 8;
export const PAN_MAX_DIGITS = 19;

/**
 * Returns the PAN if it is 8 to 19 decimal digits, else throws PanError. The message names
 * the length or the offending position, never the digits.
 */
export function checkPan(pan: string, what = 'PAN'): string {
  if (typeof pan !== 'string' || pan.length === 0) throw new PanError(`${what}: missing`);
  const bad = pan.search(/[^0-9]/);
  if (bad >= 0) throw new PanError(`${what}: character ${bad + 1} is not a decimal digit`);
  if (pan.length < PAN_MIN_DIGITS || pan.length > PAN_MAX_DIGITS) {
    throw new PanError(`${what}: ${pan.length} digits; a PAN has ${PAN_MIN_DIGITS} to ${PAN_MAX_DIGITS}`);
  }
  return pan;
}

/**
 * Masks a PAN for display: at most the first 6 and the last 4 characters stay, every other
 * one becomes '*', and the length is kept (PCI DSS 4.0 3.4.1 allows at most BIN and last
 * four). Short values show less so at least six characters, or half of a very short value,
 * are always hidden. Never throws: it is called on the way to a log line.
 */
export function maskPan(pan: string): string {
  const s = String(pan);
  const n = s.length;
  const hiddenAtLeast = Math.min(6, Math.ceil(n / 2));
  const last = n >= 10 ? 4 : Math.floor(n / 4);
  const first = Math.max(0, Math.min(6, n - last - hiddenAtLeast));
  return s.slice(0, first) + '*'.repeat(n - first - last) + s.slice(n - last);
}

/** True when the digits pass the Luhn (mod 10) check of ISO/IEC 7812-1:2017 Annex B. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The check digit that makes `partial` + digit pass the Luhn check. */
export function luhnCheckDigit(partial: string): string {
  if (!/^[0-9]+$/.test(partial)) throw new PanError('Luhn: the digits must be decimal');
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + d)) return String(d);
  /* c8 ignore next */
  throw new PanError('Luhn: no check digit found');
}

/**
 * HMAC-SHA256 (RFC 2104, FIPS 198-1) of the PAN's ASCII digits under a key held by the
 * terminal's key store: the same PAN always gives the same 32 bytes, which reveal nothing
 * without the key, so journals can index by it. The key must be at least 16 bytes
 * (NIST SP 800-107 5.3.4: at least the security strength wanted).
 */
export function panLookupHash(key: Uint8Array, pan: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < 16) {
    throw new KeyLengthError('PAN hash key', key instanceof Uint8Array ? key.length : 0, 'at least 16 bytes');
  }
  checkPan(pan);
  const mac = createHmac('sha256', key).update(pan, 'ascii').digest();
  return new Uint8Array(mac);
}
