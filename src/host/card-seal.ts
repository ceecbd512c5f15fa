/**
 * Card data at rest: the PAN and expiry date a reversal must send again (fields 2 and 14,
 * docs/host-spec.md section 8 rule 1) are kept on disk only encrypted. src/security has
 * masking and a keyed hash but no encryption, so this small helper lives here.
 *
 * AES-256-GCM (NIST SP 800-38D): a fresh 12-byte random IV per seal, the 16-byte tag, and
 * the record's identity as additional data, so a sealed value cannot be moved to another
 * record unnoticed. The key comes from the terminal's key store (32 bytes).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { KeyLengthError } from '../security/errors.js';

const IV = 12;
const TAG = 16;

/** A sealed value could not be opened: wrong key, wrong record, or damaged. */
export class SealError extends ValidationError {
  constructor(detail: string) {
    super(`sealed card data: ${detail}`, 'SEAL_OPEN');
  }
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new KeyLengthError('card data key', key instanceof Uint8Array ? key.length : 0, 'AES-256-GCM takes a 32-byte key');
  }
}

/** Encrypts `text` bound to `context`; base64 of IV || ciphertext || tag. */
export function seal(key: Uint8Array, text: string, context: string): string {
  checkKey(key);
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64');
}

/** The text seal() was given; SealError when the key, the context or the bytes are wrong. */
export function unseal(key: Uint8Array, sealed: string, context: string): string {
  checkKey(key);
  const raw = Buffer.from(typeof sealed === 'string' ? sealed : '', 'base64');
  if (raw.length < IV + TAG) throw new SealError('too short');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV));
  d.setAAD(Buffer.from(context, 'utf8'));
  d.setAuthTag(raw.subarray(raw.length - TAG));
  try {
    return Buffer.concat([d.update(raw.subarray(IV, raw.length - TAG)), d.final()]).toString('utf8');
  } catch {
    throw new SealError('does not authenticate (another key or record, or damaged)');
  }
}
