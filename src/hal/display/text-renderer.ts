import { GLYPH_HEIGHT, glyphFor, glyphPixel } from './font.js';
import type { MonoFramebuffer } from './framebuffer.js';
import { charCells, padCells } from './text-cells.js';

/** A cell is 8x16 pixels: Unifont's half-width glyph. */
export const CELL_WIDTH = 8;
export const CELL_HEIGHT = GLYPH_HEIGHT;

/** Text grid a framebuffer holds. */
export function textGrid(fb: MonoFramebuffer): { columns: number; rows: number } {
  return { columns: Math.floor(fb.width / CELL_WIDTH), rows: Math.floor(fb.height / CELL_HEIGHT) };
}

/**
 * The "missing glyph" mark: a hollow box inside the character's cells, so text the font
 * lacks is visibly wrong on screen instead of silently blank.
 */
function drawBox(fb: MonoFramebuffer, x0: number, y0: number, cells: 1 | 2): void {
  const w = cells * CELL_WIDTH;
  const left = x0 + 1;
  const right = x0 + w - 2;
  const top = y0 + 2;
  const bottom = y0 + CELL_HEIGHT - 3;
  for (let x = left; x <= right; x++) {
    fb.set(x, top, true);
    fb.set(x, bottom, true);
  }
  for (let y = top; y <= bottom; y++) {
    fb.set(left, y, true);
    fb.set(right, y, true);
  }
}

/** Draws one character at pixel (x0, y0), taking `charCells(ch)` cells. */
export function drawChar(fb: MonoFramebuffer, ch: string, x0: number, y0: number): void {
  const cells = charCells(ch);
  const g = glyphFor(ch);
  // A glyph whose width disagrees with the cell count would overlap its neighbour: box it.
  if (!g || g.width !== cells * CELL_WIDTH) {
    drawBox(fb, x0, y0, cells);
    return;
  }
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) if (glyphPixel(g, x, y)) fb.set(x0 + x, y0 + y, true);
  }
}

/**
 * Redraws the whole framebuffer as a grid of text rows. Returns the lines as shown: each
 * exactly `columns` cells, cut at a cell boundary (a wide character that would straddle
 * the right edge is left out) and padded with spaces.
 */
export function renderText(
  fb: MonoFramebuffer,
  lines: readonly string[],
  options: { inverse?: readonly number[] } = {},
): string[] {
  const { columns, rows } = textGrid(fb);
  fb.clear();
  const shown: string[] = [];
  for (let row = 0; row < rows; row++) {
    const raw = lines[row];
    const text = padCells(typeof raw === 'string' ? raw : '', columns);
    shown.push(text);
    const y0 = row * CELL_HEIGHT;
    let x = 0;
    for (const ch of text) {
      drawChar(fb, ch, x, y0);
      x += charCells(ch) * CELL_WIDTH;
    }
  }
  for (const row of new Set(options.inverse ?? [])) {
    if (Number.isInteger(row) && row >= 0 && row < rows) fb.invertRect(0, row * CELL_HEIGHT, fb.width, CELL_HEIGHT);
  }
  return shown;
}
