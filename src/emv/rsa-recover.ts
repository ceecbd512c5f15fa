/**
 * The RSA public-key operation that recovers what a card or issuer signed (EMV 4.4 Book 2
 * Annex A2.1: X = S^e mod n, with the signature the same length as the modulus). EMV's
 * signatures have no PKCS padding, so this is the raw operation, on BigInt.
 */

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function toBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = v;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    e >>= 1n;
    if (e > 0n) b = (b * b) % modulus;
  }
  return result;
}

/**
 * S^e mod n, as many bytes as the modulus. Undefined when the signature is not exactly the
 * modulus length, or is not smaller than the modulus (Book 2 5.3 step 1, 6.3 step 1: the
 * length check comes first; a larger value cannot be a signature under that key).
 */
export function rsaRecover(signature: Uint8Array, modulus: Uint8Array, exponent: Uint8Array): Uint8Array | undefined {
  if (modulus.length === 0 || signature.length !== modulus.length || exponent.length === 0) return undefined;
  const n = toBigInt(modulus);
  const s = toBigInt(signature);
  if (n === 0n || s >= n) return undefined;
  return toBytes(modPow(s, toBigInt(exponent), n), modulus.length);
}
