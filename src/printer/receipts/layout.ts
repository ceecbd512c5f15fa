import { pad2, zonedTime } from '../../time.js';
import { formatAmount } from '../../money.js';
import type { Language } from '../../ui/messages.js';
import type { Block, PrintDocument, TextBlock, TextSize } from '../document.js';
import { widthMultiplier } from '../document.js';
import type { Charset } from '../text.js';
import { chooseCharset, fitColumns, sanitise, textColumns } from '../text.js';
import type { ReceiptOptions } from './types.js';

/**
 * Lays receipt lines out in printer columns: 32 on 58 mm paper, 48 on 80 mm. Widths are
 * the printer's (text.ts): in a GB18030 document every non-ASCII character takes two
 * columns, and no line is cut through a character.
 */
export class ReceiptLayout {
  readonly columns: 32 | 48;
  readonly lang: Language;
  readonly charset: Charset;
  private readonly blocks: Block[] = [];

  /**
   * `texts`: every string of data the receipt will show (merchant name...), so the charset
   * is chosen before the first line: a zh-CN receipt is always GB18030; an English one is
   * single-byte unless its data holds characters the code page lacks.
   */
  constructor(options: ReceiptOptions, texts: readonly string[] = []) {
    this.columns = options.paper === 80 ? 48 : 32;
    this.lang = options.lang;
    this.charset = options.lang === 'zh-CN' ? 'gb18030' : chooseCharset(texts);
  }

  width(text: string): number {
    return textColumns(text, this.charset);
  }

  private push(b: TextBlock): void {
    this.blocks.push({ ...b, text: sanitise(b.text) });
  }

  /** Breaks `text` into lines of at most `columns`, at spaces where it can. */
  wrap(text: string, columns: number = this.columns): string[] {
    const lines: string[] = [];
    let line = '';
    for (const word of sanitise(text).split(/(?<= )/)) {
      if (this.width((line + word).trimEnd()) <= columns) {
        line += word;
        continue;
      }
      if (line.trim()) lines.push(line.trimEnd());
      line = '';
      let rest = word;
      while (this.width(rest.trimEnd()) > columns) {
        const head = fitColumns(rest, columns, this.charset);
        lines.push(head);
        rest = rest.slice(head.length);
      }
      line = rest;
    }
    if (line.trim()) lines.push(line.trimEnd());
    return lines;
  }

  line(text: string, options: { align?: 'left' | 'center' | 'right'; bold?: boolean; size?: TextSize } = {}): this {
    const cols = Math.floor(this.columns / widthMultiplier(options.size));
    for (const l of this.wrap(text, cols)) this.push({ kind: 'text', text: l, ...options });
    return this;
  }

  center(text: string, options: { bold?: boolean; size?: TextSize } = {}): this {
    return this.line(text, { ...options, align: 'center' });
  }

  blank(): this {
    this.blocks.push({ kind: 'feed', lines: 1 });
    return this;
  }

  rule(char: '-' | '=' = '-'): this {
    this.blocks.push({ kind: 'rule', char });
    return this;
  }

  /**
   * A label and its value: on one line, the value against the right edge, when both fit
   * with a space between; otherwise the label, then the value on the next line, right-aligned.
   */
  field(label: string, value: string, options: { bold?: boolean; size?: TextSize } = {}): this {
    const v = sanitise(value);
    const big = options.size !== undefined && options.size !== 'normal';
    const lw = this.width(label);
    const vw = this.width(v);
    if (!big && lw + 1 + vw <= this.columns) {
      this.push({ kind: 'text', text: label + ' '.repeat(this.columns - lw - vw) + v, bold: options.bold ?? false });
      return this;
    }
    this.line(label);
    const cols = Math.floor(this.columns / widthMultiplier(options.size));
    for (const l of this.wrap(v, cols)) this.push({ kind: 'text', text: l, align: 'right', ...options });
    return this;
  }

  /** Columns laid out in one line: left, middle and right parts, the gaps filled. */
  row(left: string, right: string, middle = ''): string | null {
    const used = this.width(left) + this.width(middle) + this.width(right);
    const gaps = middle ? 2 : 1;
    if (used + gaps > this.columns) return null;
    if (!middle) return left + ' '.repeat(this.columns - used) + right;
    const spare = this.columns - used;
    const a = Math.max(1, Math.floor(spare / 2));
    return left + ' '.repeat(a) + middle + ' '.repeat(spare - a) + right;
  }

  raw(text: string, options: { align?: 'left' | 'center' | 'right'; bold?: boolean } = {}): this {
    this.push({ kind: 'text', text, ...options });
    return this;
  }

  qr(data: string): this {
    this.blocks.push({ kind: 'feed', lines: 1 }, { kind: 'qr', data }, { kind: 'feed', lines: 1 });
    return this;
  }

  cut(): this {
    this.blocks.push({ kind: 'cut' });
    return this;
  }

  build(title: string, reprint = false): PrintDocument {
    return { title, lang: this.lang, columns: this.columns, charset: this.charset, ...(reprint ? { reprint: true } : {}), blocks: [...this.blocks] };
  }
}

/** "CNY 1,234.56"; a debit (void, refund) as "CNY -1,234.56". */
export function money(minor: number, currency: string, negative = false): string {
  return `${currency} ${negative && minor !== 0 ? '-' : ''}${formatAmount(minor, currency)}`;
}

/** YYYY/MM/DD HH:MM:SS in the merchant's time zone, as 签购单 print it. */
export function receiptDateTime(epochMs: number, timeZone: string): string {
  const z = zonedTime(epochMs, timeZone);
  return `${z.year}/${pad2(z.month)}/${pad2(z.day)} ${pad2(z.hour)}:${pad2(z.minute)}:${pad2(z.second)}`;
}

/** HH:MM in the merchant's time zone. */
export function receiptTime(epochMs: number, timeZone: string): string {
  return receiptDateTime(epochMs, timeZone).slice(11, 16);
}
