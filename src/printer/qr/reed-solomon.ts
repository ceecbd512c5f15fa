/**
 * Reed-Solomon error correction codewords as QR codes use them (ISO/IEC 18004:2015, 7.5.2
 * and Annex A): arithmetic in GF(2^8) modulo the primitive polynomial
 * x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator polynomial with roots a^0 .. a^(n-1).
 */

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
(() => {
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  // Doubled so a product's exponent sum needs no modulo.
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
})();

export function gfMultiply(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

const generators = new Map<number, Uint8Array>();

/** Coefficients of prod (x - a^i), i < degree, highest power first, the leading 1 left out. */
export function generatorPolynomial(degree: number): Uint8Array {
  const cached = generators.get(degree);
  if (cached) return cached;
  let poly = Uint8Array.of(1);
  for (let i = 0; i < degree; i++) {
    const next = new Uint8Array(poly.length + 1);
    for (let j = 0; j < poly.length; j++) {
      next[j] = next[j]! ^ poly[j]!; // times x
      next[j + 1] = next[j + 1]! ^ gfMultiply(poly[j]!, EXP[i]!); // times a^i (minus is plus in GF(2^8))
    }
    poly = next;
  }
  const g = poly.subarray(1);
  generators.set(degree, g);
  return g;
}

/** The `ecLength` error correction codewords of one block: the remainder of data(x) * x^n / g(x). */
export function reedSolomonRemainder(data: Uint8Array, ecLength: number): Uint8Array {
  const g = generatorPolynomial(ecLength);
  const rem = new Uint8Array(ecLength);
  for (const byte of data) {
    const factor = byte ^ rem[0]!;
    rem.copyWithin(0, 1);
    rem[ecLength - 1] = 0;
    for (let i = 0; i < ecLength; i++) rem[i] = rem[i]! ^ gfMultiply(g[i]!, factor);
  }
  return rem;
}
