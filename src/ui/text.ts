/**
 * Text in display cells: a Latin character takes one cell, a CJK (East Asian Wide or
 * Fullwidth, Unicode UAX #11) character two. Layout never cuts a wide character in half.
 */

export function charCells(ch: string): 1 | 2 {
  const cp = ch.codePointAt(0) ?? 0;
  // The wide ranges the terminal's texts use: CJK punctuation, ideographs, fullwidth forms.
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function cellWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += charCells(ch);
  return n;
}

/** The longest head of `text` that fits in `cells`. */
export function fit(text: string, cells: number): string {
  let out = '';
  let n = 0;
  for (const ch of text) {
    const w = charCells(ch);
    if (n + w > cells) break;
    out += ch;
    n += w;
  }
  return out;
}

export function padEnd(text: string, cells: number): string {
  const t = fit(text, cells);
  return t + ' '.repeat(cells - cellWidth(t));
}

export function alignRight(text: string, cells: number): string {
  const t = fit(text, cells);
  return ' '.repeat(cells - cellWidth(t)) + t;
}

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
