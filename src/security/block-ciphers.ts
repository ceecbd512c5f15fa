/**
 * The block ciphers under everything else: DES, TDES (TDEA) and AES, in ECB and CBC without
 * padding, over whole blocks. node:crypto does the work.
 *
 * Single DES: Node 20 ships OpenSSL 3, whose default provider no longer offers des-ecb or
 * des-cbc (they moved to the legacy provider, which is not loaded). TDEA with K1 = K2 = K3
 * is E_K(D_K(E_K(x))) = E_K(x) (ANSI X9.52 / NIST SP 800-67 3.1 keying option 3), so single
 * DES is computed as des-ede3 with the one key repeated three times.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concat, plain } from './bytes.js';
import { CryptoArgumentError, KeyLengthError } from './errors.js';

type Mode = 'ecb' | 'cbc';

function run(
  algorithm: string,
  decrypt: boolean,
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
): Uint8Array {
  const c = decrypt ? createDecipheriv(algorithm, key, iv) : createCipheriv(algorithm, key, iv);
  c.setAutoPadding(false);
  const out = concat(c.update(data), c.final());
  return plain(out);
}

function checkBlocks(data: Uint8Array, size: number, what: string): void {
  if (data.length % size !== 0) {
    throw new CryptoArgumentError(`${what}: ${data.length} bytes is not a whole number of ${size}-byte blocks`);
  }
}

function checkIv(iv: Uint8Array | undefined, size: number): Uint8Array {
  const v = iv ?? new Uint8Array(size);
  if (v.length !== size) throw new CryptoArgumentError(`IV: ${v.length} bytes; the block size is ${size}`);
  return v;
}

// ---- DES (8-byte key) --------------------------------------------------------------------

function desKey(key: Uint8Array): Uint8Array {
  if (key.length !== 8) throw new KeyLengthError('DES key', key.length, 'a DES key is 8 bytes');
  return concat(key, key, key);
}

export function desEncrypt(key: Uint8Array, data: Uint8Array, mode: Mode = 'ecb', iv?: Uint8Array): Uint8Array {
  checkBlocks(data, 8, 'DES data');
  return run(`des-ede3-${mode}`, false, desKey(key), mode === 'cbc' ? checkIv(iv, 8) : null, data);
}

export function desDecrypt(key: Uint8Array, data: Uint8Array, mode: Mode = 'ecb', iv?: Uint8Array): Uint8Array {
  checkBlocks(data, 8, 'DES data');
  return run(`des-ede3-${mode}`, true, desKey(key), mode === 'cbc' ? checkIv(iv, 8) : null, data);
}

// ---- TDES (16-byte double-length or 24-byte triple-length key) -----------------------------

/** A double-length key K1 K2 is the three-key bundle K1 K2 K1 (NIST SP 800-67 3.1 option 2). */
function tdesKey(key: Uint8Array): Uint8Array {
  if (key.length === 16) return concat(key, key.subarray(0, 8));
  if (key.length === 24) return key;
  throw new KeyLengthError('TDES key', key.length, 'a TDES key is 16 or 24 bytes');
}

export function isTdesKeyLength(n: number): boolean {
  return n === 16 || n === 24;
}

export function tdesEncrypt(key: Uint8Array, data: Uint8Array, mode: Mode = 'ecb', iv?: Uint8Array): Uint8Array {
  const k = tdesKey(key);
  checkBlocks(data, 8, 'TDES data');
  return run(`des-ede3-${mode}`, false, k, mode === 'cbc' ? checkIv(iv, 8) : null, data);
}

export function tdesDecrypt(key: Uint8Array, data: Uint8Array, mode: Mode = 'ecb', iv?: Uint8Array): Uint8Array {
  const k = tdesKey(key);
  checkBlocks(data, 8, 'TDES data');
  return run(`des-ede3-${mode}`, true, k, mode === 'cbc' ? checkIv(iv, 8) : null, data);
}

// ---- AES (16, 24 or 32-byte key) ---------------------------------------------------------

function aesName(key: Uint8Array, mode: Mode): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new KeyLengthError('AES key', key.length, 'an AES key is 16, 24 or 32 bytes');
  }
  return `aes-${key.length * 8}-${mode}`;
}

export function isAesKeyLength(n: number): boolean {
  return n === 16 || n === 24 || n === 32;
}

export function aesEncrypt(key: Uint8Array, data: Uint8Array, mode: Mode = 'ecb', iv?: Uint8Array): Uint8Array {
  const name = aesName(key, mode);
  checkBlocks(data, 16, 'AES data');
  return run(name, false, key, mode === 'cbc' ? checkIv(iv, 16) : null, data);
}

export function aesDecrypt(key: Uint8Array, data: Uint8Array, mode: Mode = 'ecb', iv?: Uint8Array): Uint8Array {
  const name = aesName(key, mode);
  checkBlocks(data, 16, 'AES data');
  return run(name, true, key, mode === 'cbc' ? checkIv(iv, 16) : null, data);
}

// ---- key helpers -------------------------------------------------------------------------

/**
 * Sets the low bit of each byte so every byte has an odd number of ones (FIPS 46-3: the
 * DES parity bits). EMV derived keys are published this way (EMV 4.4 Book 2 A1.4.1).
 */
export function withOddParity(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const b = key[i]! & 0xfe;
    let ones = 0;
    for (let v = b; v; v >>= 1) ones += v & 1;
    out[i] = ones % 2 === 1 ? b : b | 1;
  }
  return out;
}

/**
 * Key check value of a DES or TDES key: the key enciphers a block of zeros and the first
 * `length` bytes are shown (ANSI X9.24-1:2009 7.7).
 */
export function tdesKeyCheckValue(key: Uint8Array, length = 3): Uint8Array {
  const zero = new Uint8Array(8);
  return (key.length === 8 ? desEncrypt(key, zero) : tdesEncrypt(key, zero)).subarray(0, length);
}

/** The same zero-block check value for an AES key (the CMAC form of X9.24-1:2017 is not used). */
export function aesKeyCheckValue(key: Uint8Array, length = 3): Uint8Array {
  return aesEncrypt(key, new Uint8Array(16)).subarray(0, length);
}
