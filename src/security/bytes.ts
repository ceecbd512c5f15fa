import { timingSafeEqual } from 'node:crypto';

/** a XOR b; both the same length (callers check lengths before). */
export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export { concat } from '../bytes.js';

/** Overwrites secret material so it does not linger in memory until collected. */
export function zeroize(...buffers: (Uint8Array | null | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** Compares MACs and cryptograms in constant time, so timing does not leak a prefix match. */
export function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Number of one bits of a non-negative integer below 2^53. */
export function countOneBits(n: number): number {
  let c = 0;
  let v = n;
  while (v > 0) {
    c += v % 2;
    v = Math.floor(v / 2);
  }
  return c;
}

/** Copies a Node Buffer into a plain Uint8Array so results compare and serialise alike. */
export function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
