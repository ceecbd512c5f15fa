import { glyphDot } from './glyphs.js';

/**
 * What the emulated mechanism prints, as operations taken off its buffer one at a time,
 * and the line being composed from characters before LF prints it.
 */

export interface Style {
  bold: boolean;
  underline: 0 | 1 | 2;
  /** GS ! / ESC ! multipliers, 1-8. */
  w: number;
  h: number;
  reverse: boolean;
  fontB: boolean;
}

export const DEFAULT_STYLE: Style = Object.freeze({ bold: false, underline: 0, w: 1, h: 1, reverse: false, fontB: false });

/** A band of dot rows, each `dots / 8` bytes, MSB the leftmost dot, 1 = black. */
export type Rows = Uint8Array[];

export type PrintOp =
  /** A text line: printed rows, then `feedRows` fed. */
  | { kind: 'line'; text: string; rows: Rows; feedRows: number }
  /** A raster band (GS v 0). */
  | { kind: 'image'; rows: Rows; widthDots: number }
  /** A QR code printed by GS ( k. */
  | { kind: 'qr'; data: string; rows: Rows }
  | { kind: 'feed'; rows: number }
  | { kind: 'cut'; partial: boolean }
  /** An in-sequence answer (GS r 1 paper sensor, GS r 2 drawer): sent when the mechanism gets to it. */
  | { kind: 'reply'; what: 'paper-sensor' | 'drawer' };

export function opRows(op: PrintOp): number {
  switch (op.kind) {
    case 'line':
      return op.rows.length + op.feedRows;
    case 'image':
    case 'qr':
      return op.rows.length;
    case 'feed':
      return op.rows;
    default:
      return 0;
  }
}

interface Cell {
  ch: string;
  w: number;
  h: number;
  style: Style;
}

/** Column width of the text form: one Font A character, 12 dots. */
export const TEXT_COLUMN_DOTS = 12;

export class LineComposer {
  private cells: Cell[] = [];
  private used = 0;
  align: 'left' | 'center' | 'right' = 'left';

  constructor(readonly dots: number) {}

  get empty(): boolean {
    return this.cells.length === 0;
  }

  /** Dots a character takes in `style`: Font A 12x24 (Font B 9x17), a multi-byte character 24x24. */
  static size(multiByte: boolean, style: Style): { w: number; h: number } {
    const w = multiByte ? 24 : style.fontB ? 9 : 12;
    const h = multiByte ? 24 : style.fontB ? 17 : 24;
    return { w: w * style.w, h: h * style.h };
  }

  /** Adds a character; false when it does not fit on this line (the caller prints the line first). */
  add(ch: string, multiByte: boolean, style: Style): boolean {
    const { w, h } = LineComposer.size(multiByte, style);
    if (this.used + w > this.dots && this.cells.length > 0) return false;
    this.cells.push({ ch, w, h, style });
    this.used += w;
    return true;
  }

  /** Moves to the next multiple of 8 Font A columns (HT). */
  tab(style: Style): void {
    const col = Math.floor(this.used / TEXT_COLUMN_DOTS);
    const next = (Math.floor(col / 8) + 1) * 8;
    while (Math.floor(this.used / TEXT_COLUMN_DOTS) < next && this.used + TEXT_COLUMN_DOTS <= this.dots) this.add(' ', false, { ...style, w: 1 });
  }

  clear(): void {
    this.cells = [];
    this.used = 0;
  }

  /** The composed line as text and dot rows, and the feed after it; the composer is emptied. */
  take(lineSpacing: number): PrintOp {
    if (this.cells.length === 0) return { kind: 'feed', rows: lineSpacing };
    const bytes = Math.ceil(this.dots / 8);
    const height = Math.max(...this.cells.map((c) => c.h));
    const rows: Rows = Array.from({ length: height }, () => new Uint8Array(bytes));
    const offset = this.align === 'left' ? 0 : this.align === 'center' ? Math.floor((this.dots - this.used) / 2) : this.dots - this.used;
    const setDot = (x: number, y: number) => {
      if (x >= 0 && x < this.dots && y >= 0 && y < height) rows[y]![x >> 3]! |= 0x80 >> (x & 7);
    };
    let x0 = offset;
    let text = ' '.repeat(Math.round(offset / TEXT_COLUMN_DOTS));
    for (const c of this.cells) {
      const top = height - c.h;
      for (let y = 0; y < c.h; y++) {
        for (let x = 0; x < c.w; x++) {
          let on = c.ch !== ' ' && glyphDot(c.ch, c.w, c.h, x, y);
          if (c.style.bold && !on && x > 0) on = c.ch !== ' ' && glyphDot(c.ch, c.w, c.h, x - 1, y);
          if (c.style.underline > 0 && y >= c.h - c.style.underline) on = true;
          if (c.style.reverse) on = !on;
          if (on) setDot(x0 + x, top + y);
        }
      }
      x0 += c.w;
      text += c.ch;
    }
    this.clear();
    return { kind: 'line', text: text.replace(/\s+$/, ''), rows, feedRows: Math.max(0, lineSpacing - height) };
  }
}
