import { ValidationError } from '../../errors.js';
import { reedSolomonRemainder } from './reed-solomon.js';

/**
 * A QR code (model 2) encoder for what receipts carry: byte mode, versions 1 to 10 (up to
 * 271 bytes at level L, 213 at M), every error correction level. It makes the module
 * matrix for printers without the GS ( k QR command, whose picture then goes out as a
 * raster image; the emulator uses it to draw the QR codes it is asked to print.
 * Clauses cited are ISO/IEC 18004:2015.
 */

export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';

export const QR_MAX_VERSION = 10;

/** A square of modules; `dark(x, y)` with x to the right, y down, quiet zone not included. */
export interface QrMatrix {
  readonly version: number;
  readonly size: number;
  readonly errorCorrection: QrErrorCorrection;
  readonly mask: number;
  /** size * size bytes, row by row: 1 = dark. */
  readonly modules: Uint8Array;
}

export function qrDark(m: QrMatrix, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= m.size || y >= m.size) return false;
  return m.modules[y * m.size + x] === 1;
}

/** Table 7 format bits of each level (L 01, M 00, Q 11, H 10). */
const LEVEL_BITS: Record<QrErrorCorrection, number> = { L: 1, M: 0, Q: 3, H: 2 };

/**
 * Table 9, versions 1-10: error correction codewords per block and the number of blocks,
 * for L, M, Q, H. Where the data does not split evenly the later blocks take one more
 * data codeword (7.5.2).
 */
const EC_PER_BLOCK: Record<QrErrorCorrection, readonly number[]> = {
  L: [7, 10, 15, 20, 26, 18, 20, 24, 30, 18],
  M: [10, 16, 26, 18, 24, 16, 18, 22, 22, 26],
  Q: [13, 22, 18, 26, 18, 24, 18, 22, 20, 24],
  H: [17, 28, 22, 16, 22, 28, 26, 26, 24, 28],
};
const BLOCKS: Record<QrErrorCorrection, readonly number[]> = {
  L: [1, 1, 1, 1, 1, 2, 2, 2, 2, 4],
  M: [1, 1, 1, 2, 2, 4, 4, 4, 5, 5],
  Q: [1, 1, 2, 2, 4, 4, 6, 6, 8, 8],
  H: [1, 1, 2, 4, 4, 4, 5, 6, 8, 8],
};

/** Annex E: centre coordinates of the alignment patterns, versions 2-10. */
const ALIGNMENT: readonly (readonly number[])[] = [
  [],
  [6, 18],
  [6, 22],
  [6, 26],
  [6, 30],
  [6, 34],
  [6, 22, 38],
  [6, 24, 42],
  [6, 26, 46],
  [6, 28, 50],
];

/** Modules left for codewords once every function pattern is drawn (Table 1), in whole codewords. */
function totalCodewords(version: number): number {
  let modules = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const n = Math.floor(version / 7) + 2;
    modules -= (25 * n - 10) * n - 55;
    if (version >= 7) modules -= 36; // the two version information blocks
  }
  return Math.floor(modules / 8);
}

function dataCodewords(version: number, level: QrErrorCorrection): number {
  return totalCodewords(version) - EC_PER_BLOCK[level][version - 1]! * BLOCKS[level][version - 1]!;
}

/** Bytes of data that fit in byte mode at this version and level (7.4.5, 7.4.10). */
export function qrByteCapacity(version: number, level: QrErrorCorrection): number {
  const countBits = version <= 9 ? 8 : 16;
  return Math.floor((dataCodewords(version, level) * 8 - 4 - countBits) / 8);
}

class BitBuffer {
  readonly bits: number[] = [];
  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.bits.push((value >>> i) & 1);
  }
}

/** Mode indicator, count, data, terminator, padding to full codewords (7.4.2-7.4.10). */
function encodeData(data: Uint8Array, version: number, level: QrErrorCorrection): Uint8Array {
  const capacity = dataCodewords(version, level);
  const bb = new BitBuffer();
  bb.put(0b0100, 4); // byte mode
  bb.put(data.length, version <= 9 ? 8 : 16);
  for (const b of data) bb.put(b, 8);
  bb.put(0, Math.min(4, capacity * 8 - bb.bits.length));
  bb.put(0, (8 - (bb.bits.length % 8)) % 8);
  const out = new Uint8Array(capacity);
  let i = 0;
  for (; i < bb.bits.length / 8; i++) {
    let v = 0;
    for (let k = 0; k < 8; k++) v = (v << 1) | bb.bits[i * 8 + k]!;
    out[i] = v;
  }
  for (let pad = 0; i < capacity; i++, pad++) out[i] = pad % 2 === 0 ? 0xec : 0x11;
  return out;
}

/** Splits into blocks, adds each block's error correction, interleaves (7.5.2, 7.6). */
function addErrorCorrection(data: Uint8Array, version: number, level: QrErrorCorrection): Uint8Array {
  const blocks = BLOCKS[level][version - 1]!;
  const ecLen = EC_PER_BLOCK[level][version - 1]!;
  const total = totalCodewords(version);
  const shortBlocks = blocks - (total % blocks);
  const shortLen = Math.floor(total / blocks) - ecLen;
  const dataBlocks: Uint8Array[] = [];
  const ecBlocks: Uint8Array[] = [];
  let k = 0;
  for (let b = 0; b < blocks; b++) {
    const len = shortLen + (b < shortBlocks ? 0 : 1);
    const d = data.subarray(k, k + len);
    k += len;
    dataBlocks.push(d);
    ecBlocks.push(reedSolomonRemainder(d, ecLen));
  }
  const out: number[] = [];
  for (let i = 0; i <= shortLen; i++) {
    for (const d of dataBlocks) if (i < d.length) out.push(d[i]!);
  }
  for (let i = 0; i < ecLen; i++) for (const e of ecBlocks) out.push(e[i]!);
  return Uint8Array.from(out);
}

/** BCH(15,5) format information, masked with 101010000010010 (7.9.1). */
export function formatBits(level: QrErrorCorrection, mask: number): number {
  const data = (LEVEL_BITS[level] << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

/** BCH(18,6) version information for versions 7 and up (7.10). */
export function versionBits(version: number): number {
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | rem;
}

/** Table 10: the eight data mask conditions; true means invert the module. */
export function maskApplies(mask: number, x: number, y: number): boolean {
  switch (mask) {
    case 0:
      return (x + y) % 2 === 0;
    case 1:
      return y % 2 === 0;
    case 2:
      return x % 3 === 0;
    case 3:
      return (x + y) % 3 === 0;
    case 4:
      return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
    case 5:
      return ((x * y) % 2) + ((x * y) % 3) === 0;
    case 6:
      return (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
    default:
      return (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
  }
}

class Grid {
  readonly dark: Uint8Array;
  /** Function patterns: never masked, never hold data. */
  readonly fixed: Uint8Array;
  constructor(readonly size: number) {
    this.dark = new Uint8Array(size * size);
    this.fixed = new Uint8Array(size * size);
  }
  set(x: number, y: number, dark: boolean): void {
    if (x < 0 || y < 0 || x >= this.size || y >= this.size) return;
    this.dark[y * this.size + x] = dark ? 1 : 0;
    this.fixed[y * this.size + x] = 1;
  }
  isFixed(x: number, y: number): boolean {
    return this.fixed[y * this.size + x] === 1;
  }
}

/** Finder pattern with its separator, centred on (cx, cy) (6.3.3). */
function drawFinder(g: Grid, cx: number, cy: number): void {
  for (let dy = -4; dy <= 4; dy++) {
    for (let dx = -4; dx <= 4; dx++) {
      const d = Math.max(Math.abs(dx), Math.abs(dy));
      g.set(cx + dx, cy + dy, d !== 2 && d !== 4);
    }
  }
}

function drawAlignment(g: Grid, cx: number, cy: number): void {
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) g.set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
  }
}

function drawFormat(g: Grid, level: QrErrorCorrection, mask: number): void {
  const bits = formatBits(level, mask);
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  const n = g.size;
  // Around the top-left finder (7.9.1, Figure 25).
  for (let i = 0; i <= 5; i++) g.set(8, i, bit(i));
  g.set(8, 7, bit(6));
  g.set(8, 8, bit(7));
  g.set(7, 8, bit(8));
  for (let i = 9; i < 15; i++) g.set(14 - i, 8, bit(i));
  // The copy split between the other two finders.
  for (let i = 0; i < 8; i++) g.set(n - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) g.set(8, n - 15 + i, bit(i));
  g.set(8, n - 8, true); // the dark module
}

function drawFunctionPatterns(g: Grid, version: number): void {
  const n = g.size;
  for (let i = 0; i < n; i++) {
    g.set(6, i, i % 2 === 0); // timing patterns (6.3.5)
    g.set(i, 6, i % 2 === 0);
  }
  drawFinder(g, 3, 3);
  drawFinder(g, n - 4, 3);
  drawFinder(g, 3, n - 4);
  const centres = ALIGNMENT[version - 1]!;
  for (const cy of centres) {
    for (const cx of centres) {
      const onFinder = (cx === 6 && cy === 6) || (cx === 6 && cy === n - 7) || (cx === n - 7 && cy === 6);
      if (!onFinder) drawAlignment(g, cx, cy);
    }
  }
  drawFormat(g, 'L', 0); // reserves the format areas; redrawn with the real values later
  if (version >= 7) {
    const v = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const b = ((v >>> i) & 1) === 1;
      const a = n - 11 + (i % 3);
      const c = Math.floor(i / 3);
      g.set(a, c, b);
      g.set(c, a, b);
    }
  }
}

/** Places codewords in the two-module-wide zigzag from the bottom right, skipping column 6 (7.7.3). */
function placeCodewords(g: Grid, codewords: Uint8Array): void {
  const n = g.size;
  let i = 0;
  const totalBits = codewords.length * 8;
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let vert = 0; vert < n; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const upward = ((right + 1) & 2) === 0;
        const y = upward ? n - 1 - vert : vert;
        if (g.isFixed(x, y)) continue;
        if (i < totalBits) g.dark[y * n + x] = (codewords[i >>> 3]! >>> (7 - (i & 7))) & 1;
        i++; // remainder bits stay light
      }
    }
  }
}

function applyMask(g: Grid, mask: number): Uint8Array {
  const out = Uint8Array.from(g.dark);
  for (let y = 0; y < g.size; y++) {
    for (let x = 0; x < g.size; x++) {
      if (!g.isFixed(x, y) && maskApplies(mask, x, y)) out[y * g.size + x] ^= 1;
    }
  }
  return out;
}

/** Penalty points of 7.8.3 (N1 = 3, N2 = 3, N3 = 40, N4 = 10); the lowest-scoring mask is used. */
export function maskPenalty(m: Uint8Array, n: number): number {
  let score = 0;
  const at = (x: number, y: number) => m[y * n + x]!;
  for (let horizontal = 0; horizontal < 2; horizontal++) {
    for (let a = 0; a < n; a++) {
      const line: number[] = [];
      for (let b = 0; b < n; b++) line.push(horizontal ? at(b, a) : at(a, b));
      let run = 1;
      for (let b = 1; b <= n; b++) {
        if (b < n && line[b] === line[b - 1]) run++;
        else {
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
      }
      // 1:1:3:1:1 finder-like pattern with four light modules on either side.
      for (let b = 0; b + 7 <= n; b++) {
        const core = line[b] === 1 && line[b + 1] === 0 && line[b + 2] === 1 && line[b + 3] === 1 && line[b + 4] === 1 && line[b + 5] === 0 && line[b + 6] === 1;
        if (!core) continue;
        const lightBefore = [1, 2, 3, 4].every((k) => b - k < 0 || line[b - k] === 0);
        const lightAfter = [7, 8, 9, 10].every((k) => b + k >= n || line[b + k] === 0);
        if (lightBefore || lightAfter) score += 40;
      }
    }
  }
  for (let y = 0; y + 1 < n; y++) {
    for (let x = 0; x + 1 < n; x++) {
      const c = at(x, y);
      if (c === at(x + 1, y) && c === at(x, y + 1) && c === at(x + 1, y + 1)) score += 3;
    }
  }
  let darkCount = 0;
  for (const v of m) darkCount += v;
  const total = n * n;
  const k = Math.floor(Math.abs(darkCount * 20 - total * 10) / total);
  score += k * 10;
  return score;
}

/**
 * Encodes `data` (UTF-8 for a string) in the smallest version that holds it at `level`.
 * Throws a ValidationError when it needs more than version 10.
 */
export function encodeQr(data: string | Uint8Array, level: QrErrorCorrection = 'M', options: { mask?: number } = {}): QrMatrix {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let version = 1;
  while (version <= QR_MAX_VERSION && qrByteCapacity(version, level) < bytes.length) version++;
  if (version > QR_MAX_VERSION) {
    throw new ValidationError(`QR code: ${bytes.length} bytes do not fit in version ${QR_MAX_VERSION} at level ${level} (at most ${qrByteCapacity(QR_MAX_VERSION, level)})`);
  }
  const size = version * 4 + 17;
  const g = new Grid(size);
  drawFunctionPatterns(g, version);
  placeCodewords(g, addErrorCorrection(encodeData(bytes, version, level), version, level));

  let best: { mask: number; modules: Uint8Array; score: number } | null = null;
  const masks = options.mask !== undefined ? [options.mask] : [0, 1, 2, 3, 4, 5, 6, 7];
  for (const mask of masks) {
    drawFormat(g, level, mask);
    const modules = applyMask(g, mask);
    const score = maskPenalty(modules, size);
    if (!best || score < best.score) best = { mask, modules, score };
  }
  return { version, size, errorCorrection: level, mask: best!.mask, modules: best!.modules };
}
