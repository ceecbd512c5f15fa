import { pad2, zonedTime } from '../time.js';
import { formatAmount } from '../money.js';
import { t, type Language, type MessageKey } from './messages.js';
import { alignRight, cellWidth, center, fit, spread } from './text.js';

/** A screen as the display shows it: lines of text and which rows are highlighted. */
export interface ScreenView {
  lines: string[];
  inverse?: number[];
}

export interface Layout {
  lang: Language;
  /** Width in cells (16 on the 128x64 OLED). */
  columns: number;
  rows: number;
}

const money = (minor: number, currency: string) => `${currency} ${formatAmount(minor, currency)}`;

/** YYYY-MM-DD HH:MM in the merchant's time zone. */
export function formatDateTime(epochMs: number, timeZone: string): string {
  const z = zonedTime(epochMs, timeZone);
  return `${z.year}-${pad2(z.month)}-${pad2(z.day)} ${pad2(z.hour)}:${pad2(z.minute)}`;
}

export function idleScreen(l: Layout, merchantName: string, epochMs: number, timeZone: string): ScreenView {
  return {
    lines: [center(merchantName, l.columns), center(formatDateTime(epochMs, timeZone), l.columns), '', center(t(l.lang, 'idle.prompt'), l.columns)],
  };
}

export function amountScreen(l: Layout, amount: number, currency: string, note?: string): ScreenView {
  return {
    lines: [
      t(l.lang, 'sale.title'),
      t(l.lang, 'amount.label'),
      alignRight(money(amount, currency), l.columns),
      fit(note ?? t(l.lang, 'amount.hint'), l.columns),
    ],
  };
}

export function presentCardScreen(l: Layout, amount: number, currency: string, readerFitted: boolean, title: MessageKey = 'sale.title'): ScreenView {
  return {
    lines: [
      t(l.lang, title),
      alignRight(money(amount, currency), l.columns),
      center(t(l.lang, 'card.present'), l.columns),
      center(t(l.lang, readerFitted ? 'card.cancelHint' : 'card.noReader'), l.columns),
    ],
  };
}

export function messageScreen(l: Layout, title: MessageKey, lines: string[]): ScreenView {
  return { lines: [t(l.lang, title), ...lines.map((x) => center(x, l.columns))] };
}

export interface MenuEntry {
  id: string;
  label: MessageKey;
}

/** A menu (MENU's, or another's `title`), a page of `rows - 1` entries under the title; the selected entry highlighted. */
export function menuScreen(l: Layout, entries: readonly MenuEntry[], selected: number, title: MessageKey = 'menu.title'): ScreenView {
  const per = l.rows - 1;
  const page = Math.floor(selected / per);
  const pages = Math.ceil(entries.length / per);
  const lines = [spread(t(l.lang, title), `${page + 1}/${pages}`, l.columns)];
  let inverse: number[] = [];
  for (let i = page * per; i < Math.min(entries.length, (page + 1) * per); i++) {
    lines.push(fit(`${i + 1} ${t(l.lang, entries[i]!.label)}`, l.columns));
    if (i === selected) inverse = [lines.length - 1];
  }
  return { lines, inverse };
}

export interface PinView {
  amount: number;
  currency: string;
  /** How many digits are in; the screen shows one '*' each and never a digit. */
  digits: number;
  /** A message in place of the hint (too short, wrong PIN...). */
  note?: string;
  /** ENTER on no digits skips the PIN here: the hint says so. */
  bypass?: boolean;
  /** The PIN asked again for the same card after the issuer found it wrong: the title says so. */
  again?: boolean;
}

/**
 * PIN entry: the amount the cardholder is asked to confirm, and a neutral symbol per digit
 * (ISO 9564-1:2017: a PIN entry device never shows the PIN's digits). On a two-line display
 * the amount and the echo (or the message) stay; the prompt gives way.
 */
export function pinScreen(l: Layout, v: PinView): ScreenView {
  const stars = '*'.repeat(v.digits);
  const amount = alignRight(money(v.amount, v.currency), l.columns);
  const title = t(l.lang, v.again ? 'pin.again' : 'pin.title');
  if (l.rows < 4) {
    return { lines: [amount, v.note ? fit(v.note, l.columns) : v.digits ? center(stars, l.columns) : fit(title, l.columns)] };
  }
  const hint = v.note ?? t(l.lang, v.digits === 0 && v.bypass ? 'pin.bypassHint' : 'pin.hint');
  return { lines: [fit(title, l.columns), amount, center(stars, l.columns), fit(hint, l.columns)] };
}

/**
 * A prompt for keyed digits (a password, a trace or reference number, a date): what is
 * asked, the value so far (a password as one '*' a digit, never the digits), and a hint or a
 * note. On a two-line display the prompt (or the note) and the value stay.
 */
export function entryScreen(l: Layout, title: MessageKey, prompt: string, value: string, note: string): ScreenView {
  if (l.rows < 4) return { lines: [fit(note || prompt, l.columns), alignRight(value, l.columns)] };
  return { lines: [t(l.lang, title), fit(prompt, l.columns), alignRight(value, l.columns), fit(note, l.columns)] };
}

/** Rows of text under a title line, left-aligned: a sale to confirm, a refund's sums, a choice. */
export function detailScreen(l: Layout, title: string, rows: readonly string[]): ScreenView {
  return { lines: [fit(title, l.columns), ...rows.map((r) => fit(r, l.columns))] };
}

/**
 * A screen that asks for a key to go on (a sale to void or refund): the title and the hint
 * (which key) are never cut. Both on the first line when they fit there whole with a space
 * between; otherwise the title on its own line and the hint on the last one, with as many
 * rows between as there is room for (the last rows give way first).
 */
export function confirmScreen(l: Layout, title: string, hint: string, rows: readonly string[]): ScreenView {
  if (cellWidth(title) + 1 + cellWidth(hint) <= l.columns) return detailScreen(l, spread(title, hint, l.columns), rows);
  const room = Math.max(0, l.rows - 2);
  const between = Array.from({ length: room }, (_, i) => fit(rows[i] ?? '', l.columns));
  return { lines: [fit(title, l.columns), ...between, fit(hint, l.columns)] };
}

/** One row of money: the label on the left, the amount (no currency code: it is the terminal's) on the right. */
export function moneyRow(l: Layout, label: MessageKey, minor: number, currency: string): string {
  return spread(t(l.lang, label), formatAmount(minor, currency), l.columns);
}
