import { fontCharacters, glyphFor } from '../../../src/hal/display/font.js';

/**
 * Reads the text back off a pixel display, the way a person would: each 16-pixel row of
 * the panel is matched, cell by cell, against the glyphs of the font the terminal draws
 * with. So `/api/display` reports what the SSD1306's RAM shows, not what the UI meant to
 * show: a driver bug (a window sent to the wrong page, a byte lost) shows up as wrong text.
 * Cells that match no glyph read as '?'; a row mostly lit is read inverted (a highlighted
 * menu entry).
 */

const CELL_W = 8;
const CELL_H = 16;

type Pixel = (x: number, y: number) => boolean;

let narrow: Map<string, string> | null = null;
let wide: Map<string, string> | null = null;

/** A glyph's pixels as a key: its bytes in hex. */
function index(): { narrow: Map<string, string>; wide: Map<string, string> } {
  if (!narrow || !wide) {
    narrow = new Map();
    wide = new Map();
    for (const ch of fontCharacters()) {
      const g = glyphFor(ch)!;
      const key = Buffer.from(g.bits).toString('hex');
      if (g.width === 8) {
        if (!narrow.has(key)) narrow.set(key, ch);
      } else if (/[^0]/.test(key) && !wide.has(key)) {
        // A blank wide glyph would swallow two spaces; spaces are read as spaces.
        wide.set(key, ch);
      }
    }
  }
  return { narrow, wide };
}

function cellKey(pixel: Pixel, x0: number, y0: number, width: 8 | 16, invert: boolean): string {
  const bytes = new Uint8Array((width / 8) * CELL_H);
  for (let y = 0; y < CELL_H; y++) {
    for (let x = 0; x < width; x++) {
      if (pixel(x0 + x, y0 + y) !== invert) bytes[y * (width / 8) + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return Buffer.from(bytes).toString('hex');
}

export function readTextRows(pixel: Pixel, width: number, height: number): string[] {
  const { narrow: n, wide: w } = index();
  const rows: string[] = [];
  for (let y0 = 0; y0 + CELL_H <= height; y0 += CELL_H) {
    let lit = 0;
    for (let y = y0; y < y0 + CELL_H; y++) for (let x = 0; x < width; x++) if (pixel(x, y)) lit++;
    const invert = lit > (width * CELL_H) / 2;
    let text = '';
    for (let x = 0; x + CELL_W <= width; ) {
      const wch = x + 2 * CELL_W <= width ? w.get(cellKey(pixel, x, y0, 16, invert)) : undefined;
      if (wch) {
        text += wch;
        x += 2 * CELL_W;
        continue;
      }
      text += n.get(cellKey(pixel, x, y0, 8, invert)) ?? '?';
      x += CELL_W;
    }
    rows.push(text.trimEnd());
  }
  return rows;
}
