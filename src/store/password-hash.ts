import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Operator passwords as scrypt hashes (RFC 7914), never in clear.
 *
 * Parameters: N = 2^14, r = 8, p = 1, a 32-byte key and a 16-byte random salt for each
 * password. Why these: scrypt's memory is 128 * N * r bytes = 16 MiB, which a Raspberry Pi
 * has to spare and which stays under Node's default maxmem (32 MiB); one check takes about
 * 50-100 ms on a Pi 4, unnoticed by a cashier pressing ENTER once, while each guess costs an
 * attacker who copied the file the same memory and time. (RFC 7914 section 2 and the
 * OWASP password storage sheet name N = 2^14..2^17 with r = 8 for interactive logins; the
 * low end suits the Pi.) Keypad passwords are short digit strings, so the hash alone cannot
 * protect them against an offline search: the file is mode 0600 and the lockout
 * (operators.ts) guards the keypad. The parameters are stored with each hash, so they can
 * be raised later without invalidating passwords already set.
 *
 * Memory: node:crypto's scrypt runs in a libuv pool thread, and glibc, once a large block
 * has been freed, raises its mmap threshold, so later 16 MiB blocks come from that thread's
 * arena and stay in the RSS after the check (up to 64 MiB with four pool threads; measured
 * by the soak, docs/performance.md). deploy/pos.service and `npm start` set
 * MALLOC_MMAP_THRESHOLD_ so each block goes back to the system when the check ends.
 */
export interface PasswordHash {
  alg: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** Base64. */
  salt: string;
  /** Base64, `keyLength` bytes. */
  hash: string;
}

export const SCRYPT_PARAMS = Object.freeze({ N: 1 << 14, r: 8, p: 1, keyLength: 32, saltLength: 16 });

function derive(password: Uint8Array, salt: Uint8Array, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new hash of `password` (its bytes are not kept or changed). */
export async function hashPassword(password: Uint8Array): Promise<PasswordHash> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, keyLength, { N, r, p });
  const out: PasswordHash = { alg: 'scrypt', N, r, p, salt: salt.toString('base64'), hash: key.toString('base64') };
  key.fill(0);
  return out;
}

/** Whether `password` is the one `stored` was made from; compared in constant time. */
export async function verifyPassword(password: Uint8Array, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), expected.length, { N: stored.N, r: stored.r, p: stored.p });
  try {
    return key.length === expected.length && timingSafeEqual(key, expected);
  } finally {
    key.fill(0);
  }
}

/** A hash record read back from disk has the shape hashPassword makes. */
export function isPasswordHash(v: unknown): v is PasswordHash {
  const h = v as Partial<PasswordHash> | null;
  const pow2 = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0 && n <= 1 << 20;
  const small = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 16;
  const b64 = (s: unknown, min: number) => typeof s === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s, 'base64').length >= min;
  return typeof h === 'object' && h !== null && h.alg === 'scrypt' && pow2(h.N) && small(h.r) && small(h.p) && b64(h.salt, 8) && b64(h.hash, 16);
}
