import { ValidationError } from './errors.js';

/** Uppercase hex of bytes: the one form logs, tests and `pos tool` print. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/**
 * Bytes from hex typed by a person or read from a file: upper or lower case, spaces
 * allowed between bytes. `what` names the input in the error ("--key", "APDU").
 */
export function fromHex(text: string, what = 'hex'): Uint8Array {
  const s = text.replace(/\s+/g, '');
  if (s.length % 2 !== 0) throw new ValidationError(`${what}: odd number of hex digits (${s.length})`);
  if (!/^[0-9a-fA-F]*$/.test(s)) {
    const bad = s.search(/[^0-9a-fA-F]/);
    throw new ValidationError(`${what}: '${s[bad]}' at position ${bad} is not a hex digit`);
  }
  return Uint8Array.from(Buffer.from(s, 'hex'));
}
