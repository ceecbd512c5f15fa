import { GLYPH_HEX } from './font-data.js';

/** One bitmap glyph, 16 pixels high: `bytesPerRow` bytes per row, MSB the leftmost pixel (Unifont's .hex layout). */
export interface Glyph {
  readonly width: 8 | 16;
  readonly height: 16;
  readonly bytesPerRow: 1 | 2;
  readonly bits: Uint8Array;
}

export const GLYPH_HEIGHT = 16;

let table: Map<number, Glyph> | null = null;

function decode(hex: string): Glyph | null {
  if (!/^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{64})$/.test(hex)) return null;
  const bits = Uint8Array.from(Buffer.from(hex, 'hex'));
  const bytesPerRow = bits.length === 16 ? 1 : 2;
  return { width: bytesPerRow === 1 ? 8 : 16, height: 16, bytesPerRow, bits };
}

/** Decoded lazily: nothing is parsed until the first glyph is drawn. */
function glyphs(): Map<number, Glyph> {
  if (!table) {
    table = new Map();
    for (const [cp, hex] of GLYPH_HEX) {
      const g = decode(hex);
      if (g) table.set(cp, g);
    }
  }
  return table;
}

/** The glyph for one character, or undefined when the font lacks it (the renderer then draws a box). */
export function glyphFor(ch: string): Glyph | undefined {
  const cp = ch.codePointAt(0);
  return cp === undefined ? undefined : glyphs().get(cp);
}

/** Every character the font holds, for tests and diagnostics. */
export function fontCharacters(): string[] {
  return [...glyphs().keys()].map((cp) => String.fromCodePoint(cp));
}

/** Whether pixel (x, y) of a glyph is lit. */
export function glyphPixel(g: Glyph, x: number, y: number): boolean {
  const byte = g.bits[y * g.bytesPerRow + (x >> 3)] ?? 0;
  return (byte & (0x80 >> (x & 7))) !== 0;
}
