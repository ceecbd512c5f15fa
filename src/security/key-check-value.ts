/**
 * Key check values as a technician compares them with the key loading facility's printout:
 * proof that the right key went in, without showing the key.
 *
 * ANSI X9.24-1:2017 (and PCI PIN Security requirement 15-1) allow two methods: a TDES key
 * enciphers a block of zeros and at most the leftmost 24 bits are shown; or a CMAC
 * (NIST SP 800-38B) over a block of zeros, with the key's own block cipher, shown to at
 * most 40 bits. AES keys must use the CMAC method. Three bytes are shown for both: within
 * both limits, and the length key loading devices and payment HSM services commonly print
 * (a longer printout matches on its first six hex digits).
 */
import { isAesKeyLength, tdesKeyCheckValue } from './block-ciphers.js';
import { zeroize } from './bytes.js';
import { KeyLengthError } from './errors.js';
import { cmac } from './mac.js';

export type KcvMethod = 'tdes-zero-block' | 'aes-cmac-zero-block';

export const KCV_LENGTH = 3;

/** KCV of a TDES key: E(K, 0^64), leftmost 3 bytes (X9.24-1:2017 method 1). */
export function tdesKcv(key: Uint8Array): Uint8Array {
  if (key.length !== 16 && key.length !== 24) throw new KeyLengthError('TDES key', key.length, 'a TDES key is 16 or 24 bytes');
  return tdesKeyCheckValue(key, KCV_LENGTH).slice();
}

/** KCV of an AES key: CMAC(K, 0^128), leftmost 3 bytes (X9.24-1:2017 method 2, required for AES). */
export function aesKcv(key: Uint8Array): Uint8Array {
  if (!isAesKeyLength(key.length)) throw new KeyLengthError('AES key', key.length, 'an AES key is 16, 24 or 32 bytes');
  const full = cmac(key, new Uint8Array(16), 'aes');
  const out = full.slice(0, KCV_LENGTH);
  zeroize(full);
  return out;
}

export function keyCheckValue(key: Uint8Array, algorithm: 'tdes' | 'aes'): { kcv: Uint8Array; method: KcvMethod } {
  return algorithm === 'aes' ? { kcv: aesKcv(key), method: 'aes-cmac-zero-block' } : { kcv: tdesKcv(key), method: 'tdes-zero-block' };
}
