import { charCells } from './text-cells.js';

/**
 * Unicode to the HD44780U's character generator ROM A00 (HD44780U datasheet, Table 4,
 * the Japanese ROM fitted to nearly every module sold): ASCII 20h-7Dh except that 5Ch
 * holds the yen sign and 7Eh/7Fh arrows; A1h-DFh half-width katakana.
 */

/** Code FFh of ROM A00: every pixel lit, the "box" a missing character shows as. */
export const A00_BLOCK = 0xff;

const SPECIAL: ReadonlyMap<string, number> = new Map([
  ['¥', 0x5c],
  ['→', 0x7e],
  ['←', 0x7f],
  ['█', 0xff],
]);

/** The ROM codes for one character: one per cell it takes, a block for what the ROM lacks. */
export function a00Codes(ch: string): number[] {
  const cells = charCells(ch);
  const cp = ch.codePointAt(0) ?? 0;
  const special = SPECIAL.get(ch);
  if (special !== undefined) return [special];
  // 5Ch and 7Eh hold other glyphs in ROM A00, so a backslash or tilde cannot be shown as itself.
  if (cells === 1 && cp >= 0x20 && cp <= 0x7d && cp !== 0x5c) return [cp];
  if (cp >= 0xff61 && cp <= 0xff9f) return [cp - 0xff61 + 0xa1];
  return cells === 2 ? [A00_BLOCK, A00_BLOCK] : [A00_BLOCK];
}
