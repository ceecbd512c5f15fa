import { PRINTER_GLYPH_HEX } from './font-data.js';

/**
 * The emulator's character pictures: Unifont's 8x16 and 16x16 glyphs scaled (nearest
 * neighbour) to the printer's cells, 12x24 for Font A and 24x24 for Chinese, then by the
 * GS ! multipliers. A character the subset lacks is a hollow box, as on the display.
 */

interface Glyph {
  width: number;
  bits: Uint8Array;
}

let table: Map<number, Glyph> | null = null;

function glyphs(): Map<number, Glyph> {
  if (!table) {
    table = new Map();
    for (const [cp, hex] of PRINTER_GLYPH_HEX) {
      table.set(cp, { width: hex.length === 32 ? 8 : 16, bits: Uint8Array.from(Buffer.from(hex, 'hex')) });
    }
  }
  return table;
}

export function hasGlyph(ch: string): boolean {
  return glyphs().has(ch.codePointAt(0) ?? -1);
}

/** Whether dot (x, y) of `ch` drawn in a `w` x `h` cell is black. */
export function glyphDot(ch: string, w: number, h: number, x: number, y: number): boolean {
  const g = glyphs().get(ch.codePointAt(0) ?? -1);
  if (!g) {
    const edge = x === 1 || x === w - 2 || y === 2 || y === h - 3;
    return edge && x >= 1 && x <= w - 2 && y >= 2 && y <= h - 3;
  }
  const gx = Math.floor((x * g.width) / w);
  const gy = Math.floor((y * 16) / h);
  const bytesPerRow = g.width / 8;
  const byte = g.bits[gy * bytesPerRow + (gx >> 3)] ?? 0;
  return (byte & (0x80 >> (gx & 7))) !== 0;
}
