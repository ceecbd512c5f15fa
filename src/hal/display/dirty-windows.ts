/**
 * Which parts of a page-major 1-bit framebuffer changed, as the few rectangular windows
 * (pages p0..p1, columns c0..c1) that cover every changed byte at the least cost. A
 * window costs its bytes plus a fixed overhead (the column/page address commands and one
 * more transfer), so two nearby windows are merged when the bytes sent in between cost
 * less than the second window's overhead.
 */
export interface Window {
  c0: number;
  c1: number;
  p0: number;
  p1: number;
}

/** Bytes one extra window costs: the 7-byte command transfer plus a data control byte. */
export const WINDOW_OVERHEAD = 8;

const area = (w: Window) => (w.c1 - w.c0 + 1) * (w.p1 - w.p0 + 1);

/**
 * `before` null means the device's contents are unknown (after start or a failed
 * transfer): the whole screen is one window.
 */
export function dirtyWindows(before: Uint8Array | null, after: Uint8Array, width: number, pages: number): Window[] {
  if (before === null || before.length !== after.length) {
    return [{ c0: 0, c1: width - 1, p0: 0, p1: pages - 1 }];
  }
  const perPage: Window[] = [];
  for (let p = 0; p < pages; p++) {
    let c0 = -1;
    let c1 = -1;
    for (let c = 0; c < width; c++) {
      const i = p * width + c;
      if (before[i] !== after[i]) {
        if (c0 < 0) c0 = c;
        c1 = c;
      }
    }
    if (c0 >= 0) perPage.push({ c0, c1, p0: p, p1: p });
  }
  const merged: Window[] = [];
  for (const w of perPage) {
    const last = merged[merged.length - 1];
    if (last) {
      const union = { c0: Math.min(last.c0, w.c0), c1: Math.max(last.c1, w.c1), p0: last.p0, p1: w.p1 };
      if (area(union) <= area(last) + area(w) + WINDOW_OVERHEAD) {
        merged[merged.length - 1] = union;
        continue;
      }
    }
    merged.push({ ...w });
  }
  return merged;
}

/** The bytes of one window in the order horizontal addressing mode stores them: page by page, left to right. */
export function windowBytes(data: Uint8Array, width: number, w: Window): Uint8Array {
  const cols = w.c1 - w.c0 + 1;
  const out = new Uint8Array(cols * (w.p1 - w.p0 + 1));
  for (let p = w.p0; p <= w.p1; p++) out.set(data.subarray(p * width + w.c0, p * width + w.c1 + 1), (p - w.p0) * cols);
  return out;
}
