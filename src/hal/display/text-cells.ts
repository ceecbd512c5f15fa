/**
 * Text measured in display cells. A cell is 8x16 pixels on the graphic displays and one
 * character position on a character LCD. A Latin character takes one cell; an East Asian
 * Wide or Fullwidth character (Unicode UAX #11) takes two, as it does in Unifont, whose
 * CJK glyphs are 16 pixels wide. Every helper here cuts at a cell boundary and never
 * splits a wide character: one that would straddle the edge is left out and its cell
 * padded instead.
 */

/**
 * UAX #11 W and F ranges that matter to a payment terminal: Hangul Jamo, CJK punctuation
 * and ideographs, Hangul syllables, compatibility ideographs, vertical and small forms,
 * fullwidth forms. Kept equal to src/ui/text.ts so the UI and the drivers agree on widths.
 */
const WIDE: readonly (readonly [number, number])[] = Object.freeze([
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
] as const);

/** Cells taken by one character (one code point). Never 0: a control or combining mark shows as a box. */
export function charCells(ch: string): 1 | 2 {
  const cp = ch.codePointAt(0);
  if (cp === undefined) return 1;
  for (const [lo, hi] of WIDE) {
    if (cp < lo) return 1;
    if (cp <= hi) return 2;
  }
  return 1;
}

/** Cells taken by `text`. */
export function cellWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += charCells(ch);
  return n;
}

/** The longest head of `text` that fits in `width` cells. */
export function fitCells(text: string, width: number): string {
  const limit = Math.max(0, Math.floor(width));
  let out = '';
  let n = 0;
  for (const ch of text) {
    const w = charCells(ch);
    if (n + w > limit) break;
    out += ch;
    n += w;
  }
  return out;
}

function spaces(n: number): string {
  return n > 0 ? ' '.repeat(n) : '';
}

/** `text` cut or padded with spaces on the right to exactly `width` cells. */
export function padCells(text: string, width: number): string {
  const t = fitCells(text, width);
  return t + spaces(Math.floor(width) - cellWidth(t));
}

/** `text` centred in exactly `width` cells; an odd spare cell goes to the right. */
export function centreCells(text: string, width: number): string {
  const t = fitCells(text, width);
  const room = Math.max(0, Math.floor(width) - cellWidth(t));
  const left = Math.floor(room / 2);
  return spaces(left) + t + spaces(room - left);
}

/** `text` against the right edge of exactly `width` cells (amounts, dates). */
export function rightAlignCells(text: string, width: number): string {
  const t = fitCells(text, width);
  return spaces(Math.floor(width) - cellWidth(t)) + t;
}
