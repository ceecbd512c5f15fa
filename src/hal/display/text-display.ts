/**
 * The text display contract the UI draws on. Its grid is measured in cells (see
 * text-cells.ts): 16 columns x 4 rows on a 128x64 OLED, 20 x 4 on an HD44780 LCD. A line
 * longer than `columns` is cut at a cell boundary, never through a wide character.
 */
export interface TextDisplay {
  /** Cells per row. */
  readonly columns: number;
  /** Rows of text. */
  readonly rows: number;
  /** True when the display can show Chinese; an HD44780's character ROM cannot, so the UI falls back to English. */
  readonly cjk: boolean;
  /**
   * Shows `lines` top to bottom, one per row: missing rows are blank, extra lines are
   * ignored, long lines are cut. `inverse` lists row indices to draw in inverse video (a
   * menu's selected item); a display without inverse video ignores it. Resolves once the
   * device shows it; rejects with a DeviceError when the device does not answer.
   */
  show(lines: readonly string[], options?: { inverse?: number[] }): Promise<void>;
  /** Blanks every row. */
  clear(): Promise<void>;
  /** What the display shows now, one string of exactly `columns` cells per row (for /api/display and logs). */
  readonly lines: readonly string[];
}

export { cellWidth, centreCells, charCells, fitCells, padCells, rightAlignCells } from './text-cells.js';
