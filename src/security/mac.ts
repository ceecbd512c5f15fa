/**
 * Message authentication codes:
 *  - ISO/IEC 9797-1:2011 MAC algorithm 3 with DES (the "retail MAC" of ANSI X9.19), padding
 *    method 1 or 2, with a 16-byte key K || K';
 *  - CMAC of NIST SP 800-38B (RFC 4493 for AES) with AES or TDES.
 * Each returns the whole last block; a caller that sends fewer bytes (X9.19 sends 4, EMV
 * ARPC method 2 sends 4) takes the leftmost ones.
 */
import { aesEncrypt, desDecrypt, desEncrypt, isAesKeyLength, tdesEncrypt } from './block-ciphers.js';
import { equalConstantTime, xor, zeroize } from './bytes.js';
import { CryptoArgumentError, KeyLengthError } from './errors.js';

export type PaddingMethod = 1 | 2;

/**
 * ISO/IEC 9797-1:2011 padding method 1 (zeros to a whole block; one zero block for empty
 * data) or method 2 (one 0x80 byte, then zeros).
 */
export function padIso9797(data: Uint8Array, method: PaddingMethod, blockSize = 8): Uint8Array {
  if (method === 1) {
    const n = data.length === 0 ? blockSize : Math.ceil(data.length / blockSize) * blockSize;
    const out = new Uint8Array(n);
    out.set(data);
    return out;
  }
  if (method === 2) {
    const out = new Uint8Array((Math.floor(data.length / blockSize) + 1) * blockSize);
    out.set(data);
    out[data.length] = 0x80;
    return out;
  }
  throw new CryptoArgumentError(`ISO 9797-1 padding method ${String(method)}: use 1 or 2`);
}

/**
 * MAC algorithm 3 of ISO/IEC 9797-1:2011 (ANSI X9.19): CBC with single DES under K over
 * all blocks, then output transformation 3 on the last one: E_K(D_K'(H)).
 */
export function retailMac(key: Uint8Array, data: Uint8Array, padding: PaddingMethod = 1): Uint8Array {
  if (key.length !== 16) throw new KeyLengthError('retail MAC key', key.length, 'ISO 9797-1 MAC algorithm 3 takes a 16-byte key K || K\'');
  const padded = padIso9797(data, padding, 8);
  const k = key.subarray(0, 8);
  const k2 = key.subarray(8, 16);
  const cbc = desEncrypt(k, padded, 'cbc');
  const h = cbc.slice(cbc.length - 8);
  const d = desDecrypt(k2, h);
  const mac = desEncrypt(k, d);
  zeroize(padded, cbc, h, d);
  return mac;
}

export type CmacCipher = 'aes' | 'tdes';

/** Doubles a block in GF(2^b) as NIST SP 800-38B 6.1 does to make the subkeys K1 and K2. */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(block.length);
  let carry = 0;
  for (let i = block.length - 1; i >= 0; i--) {
    const b = block[i]!;
    out[i] = ((b << 1) & 0xff) | carry;
    carry = b >> 7;
  }
  // R_b: 0x87 for 128-bit blocks, 0x1B for 64-bit blocks (SP 800-38B 5.3).
  if (carry) out[out.length - 1]! ^= block.length === 16 ? 0x87 : 0x1b;
  return out;
}

/**
 * CMAC (NIST SP 800-38B 6.2). `cipher` says which block cipher the key is for, since a
 * 16 or 24-byte key can be either.
 */
export function cmac(key: Uint8Array, data: Uint8Array, cipher: CmacCipher): Uint8Array {
  let enc: (d: Uint8Array, mode?: 'ecb' | 'cbc') => Uint8Array;
  let b: number;
  if (cipher === 'aes') {
    if (!isAesKeyLength(key.length)) throw new KeyLengthError('AES-CMAC key', key.length, 'an AES key is 16, 24 or 32 bytes');
    enc = (d, mode = 'ecb') => aesEncrypt(key, d, mode);
    b = 16;
  } else if (cipher === 'tdes') {
    if (key.length !== 16 && key.length !== 24) throw new KeyLengthError('TDES-CMAC key', key.length, 'a TDES key is 16 or 24 bytes');
    enc = (d, mode = 'ecb') => tdesEncrypt(key, d, mode);
    b = 8;
  } else {
    throw new CryptoArgumentError(`CMAC cipher '${String(cipher)}': use aes or tdes`);
  }
  const l = enc(new Uint8Array(b));
  const k1 = dbl(l);
  const k2 = dbl(k1);
  const complete = data.length > 0 && data.length % b === 0;
  const n = complete ? data.length / b : Math.floor(data.length / b) + 1;
  const m = new Uint8Array(n * b);
  m.set(data);
  if (!complete) m[data.length] = 0x80;
  const last = xor(m.subarray((n - 1) * b), complete ? k1 : k2);
  m.set(last, (n - 1) * b);
  const cbc = enc(m, 'cbc');
  const t = cbc.slice(cbc.length - b);
  zeroize(l, k1, k2, m, last, cbc);
  return t;
}

/** The CMAC cipher a key length suggests: AES for 16 and 32 bytes, TDES for 24 (see the tool). */
export function cmacCipherForKeyLength(n: number): CmacCipher {
  if (n === 24) return 'tdes';
  if (n === 16 || n === 32) return 'aes';
  throw new KeyLengthError('CMAC key', n, 'AES keys are 16, 24 or 32 bytes; TDES keys 16 or 24');
}

/**
 * Checks a received MAC in constant time; `received` may be a leftmost part of the full
 * value (4 bytes for X9.19) but at least 4 bytes.
 */
export function macMatches(expectedFull: Uint8Array, received: Uint8Array): boolean {
  if (received.length < 4 || received.length > expectedFull.length) return false;
  return equalConstantTime(expectedFull.subarray(0, received.length), received);
}

