import type { KeyName } from '../hal/keypad/keys.js';
import { t, type MessageKey } from './messages.js';
import type { Layout, ScreenView } from './screens.js';
import { fit, spread } from './text.js';

/**
 * Screens of the diagnostics menu. Results are lists of short lines; a display shows
 * `rows - 1` of them under the title at a time, so a 16x4 OLED and a 16x2 LCD page the same
 * list differently.
 */

/** How many lines of a result fit under the title line. */
export function linesPerPage(l: Layout): number {
  return Math.max(1, l.rows - 1);
}

/** Page `page` (from 0) of `pages`, each a list of lines, under the title with "n/m" on the right. */
export function pagerScreen(l: Layout, title: MessageKey, pages: readonly (readonly string[])[], page: number): ScreenView {
  const heading = t(l.lang, title);
  const count = Math.max(1, pages.length);
  const p = Math.min(Math.max(0, page), count - 1);
  const head = count > 1 ? spread(heading, `${p + 1}/${count}`, l.columns) : fit(heading, l.columns);
  return { lines: [head, ...(pages[p] ?? []).slice(0, linesPerPage(l)).map((x) => fit(x, l.columns))] };
}

/** Splits result lines into pages of what fits under the title. */
export function paginate(l: Layout, lines: readonly string[]): string[][] {
  const per = linesPerPage(l);
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += per) pages.push(lines.slice(i, i + per));
  return pages.length ? pages : [[]];
}

/** The keypad's 16 keys in two rows of eight, as they sit on the 4x4 pad: 1 2 3 A / 4 5 6 B, then 7 8 9 C / * 0 # D. */
export const KEYPAD_TEST_ROWS: readonly (readonly KeyName[])[] = [
  ['1', '2', '3', 'CANCEL', '4', '5', '6', 'CLEAR'],
  ['7', '8', '9', 'MENU', 'UP', '0', 'DOWN', 'ENTER'],
];

/** One character a key, where the 16-cell row has room for no names. */
const KEY_SYMBOL: Record<KeyName, string> = {
  '0': '0', '1': '1', '2': '2', '3': '3', '4': '4', '5': '5', '6': '6', '7': '7', '8': '8', '9': '9',
  CANCEL: 'X', CLEAR: '<', MENU: 'M', UP: '^', DOWN: 'v', ENTER: 'E',
};

/**
 * The keypad test: every key of the pad, shown by its symbol once it has been pressed and as
 * a dot until then, the last key by name, and how to leave (CANCEL twice in a row).
 */
export function keypadTestScreen(l: Layout, pressed: ReadonlySet<KeyName>, last: KeyName | null, cancels: number): ScreenView {
  const grid = KEYPAD_TEST_ROWS.map((row) => row.map((k) => (pressed.has(k) ? KEY_SYMBOL[k] : '.')).join(' '));
  const status = cancels > 0 ? t(l.lang, 'diag.cancelAgain') : last ? t(l.lang, 'diag.lastKey', { key: last }) : t(l.lang, 'diag.keysHint');
  if (l.rows < 4) return { lines: [fit(last ? t(l.lang, 'diag.lastKey', { key: last }) : t(l.lang, 'diag.keypad'), l.columns), fit(status, l.columns)] };
  return { lines: [fit(t(l.lang, 'diag.keypad'), l.columns), ...grid.map((g) => fit(g, l.columns)), fit(status, l.columns)] };
}

/**
 * The display test's patterns, shown one after the other: every pixel lit (each row in
 * inverse video over blanks), every pixel dark, alternate rows lit (a stuck row or column
 * shows against its neighbours), then the character set. A character LCD has no inverse
 * video: it shows the blank and character pages only.
 */
export function displayTestPatterns(l: Layout): ScreenView[] {
  const all = Array.from({ length: l.rows }, (_, i) => i);
  const blank = Array.from({ length: l.rows }, () => '');
  const chars = ['0123456789ABCDEF', 'abcdefghijklmnop', t(l.lang, 'diag.testLine'), t(l.lang, 'diag.next')].slice(0, l.rows);
  return [
    { lines: blank, inverse: all },
    { lines: blank },
    { lines: blank, inverse: all.filter((r) => r % 2 === 0) },
    { lines: chars.map((c) => fit(c, l.columns)) },
  ];
}
