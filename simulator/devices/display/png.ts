import { crc32 } from '../../../src/crc32.js';
import { deflateSync } from 'node:zlib';

/**
 * A minimal PNG encoder for monochrome pictures (PNG specification, ISO/IEC 15948:
 * signature, IHDR, one IDAT, IEND; each chunk with its CRC-32). Greyscale at bit depth 1,
 * filter type 0 on every row: the smallest valid file for a 1-bit screen, and no dependency.
 */

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);


function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes a width x height picture, each pixel scaled to a `scale` x `scale` square;
 * `lit(x, y)` true is white.
 */
export function encodeMonochromePng(
  width: number,
  height: number,
  lit: (x: number, y: number) => boolean,
  options: { scale?: number } = {},
): Uint8Array {
  const scale = Math.max(1, Math.floor(options.scale ?? 1));
  const w = width * scale;
  const h = height * scale;
  const rowBytes = Math.ceil(w / 8);
  const raw = new Uint8Array(h * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(rowBytes);
    for (let x = 0; x < width; x++) {
      if (!lit(x, y)) continue;
      for (let sx = x * scale; sx < (x + 1) * scale; sx++) row[sx >> 3]! |= 0x80 >> (sx & 7);
    }
    for (let sy = 0; sy < scale; sy++) raw.set(row, (y * scale + sy) * (rowBytes + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // colour type: greyscale
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
