import { cellWidth, fitCells as fit, rightAlignCells as alignRight } from '../hal/display/text-cells.js';

/**
 * Layout of the UI's texts in display cells: a Latin character takes one cell, a CJK one
 * two (the widths are the display's own, src/hal/display/text-cells.ts). Layout never
 * cuts a wide character in half, and leaves no trailing spaces for the API to show.
 */
export { alignRight, cellWidth, fit };

export function center(text: string, cells: number): string {
  const t = fit(text, cells);
  if (!t) return '';
  const room = cells - cellWidth(t);
  return ' '.repeat(Math.floor(room / 2)) + t;
}

/** `left` and `right` on one line, the gap between them filled with spaces. */
export function spread(left: string, right: string, cells: number): string {
  const r = fit(right, cells);
  const l = fit(left, Math.max(0, cells - cellWidth(r) - 1));
  return l + ' '.repeat(cells - cellWidth(l) - cellWidth(r)) + r;
}

/** Breaks `text` into lines of at most `cells`, at spaces where it can, anywhere in CJK. */
export function wrap(text: string, cells: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(?<= )/)) {
    if (cellWidth(line + word.trimEnd()) <= cells) {
      line += word;
      continue;
    }
    if (line.trim()) lines.push(line.trimEnd());
    line = '';
    let rest = word;
    while (cellWidth(rest.trimEnd()) > cells) {
      const head = fit(rest, cells);
      lines.push(head);
      rest = rest.slice(head.length);
    }
    line = rest;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}
