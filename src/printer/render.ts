import { ValidationError } from '../errors.js';
import type { Language } from '../ui/messages.js';
import type { Block, PrintDocument, TextBlock } from './document.js';
import { heightMultiplier, widthMultiplier } from './document.js';
import * as cmd from './escpos.js';
import type { PrinterProfile } from './profile.js';
import { encodeQr } from './qr/qr-code.js';
import { qrRaster, rasterBands } from './raster.js';
import type { Charset } from './text.js';
import { charColumns, encodeText, textColumns } from './text.js';

/**
 * Turns a document into the bytes a printer gets, cut into segments: one printed line or
 * one raster band each, with the dot rows it prints and feeds, so the driver can pace them
 * and look at the printer's status between them.
 */
export interface Segment {
  readonly bytes: Uint8Array;
  /** Dot rows the head prints for this segment. */
  readonly printRows: number;
  /** Dot rows fed without printing. */
  readonly feedRows: number;
}

/** The mark on every copy printed again, after an interruption or on request. */
export function reprintMark(lang: Language): string {
  return lang === 'zh-CN' ? '*** 重打印 REPRINT ***' : '*** REPRINT ***';
}

/** The lines of the strip that ends a copy cut short, before it is printed again. */
export function interruptedMark(lang: Language): string[] {
  return lang === 'zh-CN'
    ? ['*** 打印中断 以上作废 ***', '*** INTERRUPTED: VOID ABOVE ***', '重打印凭证随后 / REPRINT FOLLOWS']
    : ['*** PRINT INTERRUPTED ***', '*** VOID ABOVE ***', 'A REPRINT FOLLOWS'];
}

interface State {
  align: 'left' | 'center' | 'right';
  bold: boolean;
  w: number;
  h: number;
}

class Renderer {
  readonly segments: Segment[] = [];
  private state: State = { align: 'left', bold: false, w: 1, h: 1 };

  constructor(
    private readonly profile: PrinterProfile,
    private readonly charset: Charset,
  ) {}

  private push(parts: Uint8Array[], printRows: number, feedRows: number): void {
    this.segments.push({ bytes: cmd.concat(...parts), printRows, feedRows });
  }

  /** ESC @, then the character set: FS & for GB18030, or FS . and ESC t n. */
  start(): void {
    const mode =
      this.charset === 'gb18030'
        ? [cmd.chineseModeOn()]
        : [cmd.chineseModeOff(), cmd.codeTable(this.profile.codeTable.n)];
    this.push([cmd.initialise(), ...mode, cmd.defaultLineSpacing()], 0, 0);
    this.state = { align: 'left', bold: false, w: 1, h: 1 };
  }

  private styleBytes(want: State): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (want.align !== this.state.align) out.push(cmd.align(want.align));
    if (want.bold !== this.state.bold) out.push(cmd.bold(want.bold));
    if (want.w !== this.state.w || want.h !== this.state.h) out.push(cmd.characterSize(want.w, want.h));
    this.state = want;
    return out;
  }

  /** Splits a line longer than the paper (the layout should not make one) rather than lose text. */
  private wrap(text: string, columns: number): string[] {
    if (textColumns(text, this.charset) <= columns) return [text];
    const lines: string[] = [];
    let line = '';
    let n = 0;
    for (const ch of text) {
      const w = charColumns(ch, this.charset);
      if (n + w > columns) {
        lines.push(line);
        line = '';
        n = 0;
      }
      line += ch;
      n += w;
    }
    if (line) lines.push(line);
    return lines;
  }

  text(b: TextBlock): void {
    const w = widthMultiplier(b.size);
    const h = heightMultiplier(b.size);
    const style = this.styleBytes({ align: b.align ?? 'left', bold: b.bold ?? false, w, h });
    const lineRows = this.profile.fontHeightDots * h;
    const feed = Math.max(0, this.profile.lineSpacingDots - lineRows);
    const lines = this.wrap(b.text.replace(/\s+$/, ''), Math.floor(this.profile.columns / w));
    lines.forEach((line, i) => {
      const printRows = line.length > 0 ? lineRows : 0;
      const feedRows = line.length > 0 ? feed : Math.max(this.profile.lineSpacingDots, lineRows);
      const bytes = [...(i === 0 ? style : []), encodeText(line, this.charset, this.profile.codeTable.encoding), cmd.lineFeed()];
      this.push(bytes, printRows, feedRows);
    });
  }

  rule(char: '-' | '='): void {
    this.text({ kind: 'text', text: char.repeat(this.profile.columns) });
  }

  feed(lines: number): void {
    let left = Math.max(0, Math.floor(lines));
    while (left > 0) {
      const n = Math.min(255, left);
      this.push([cmd.feedLines(n)], 0, n * this.profile.lineSpacingDots);
      left -= n;
    }
  }

  qr(data: string, moduleDots: number, level: 'L' | 'M' | 'Q' | 'H'): void {
    const m = encodeQr(data, level);
    const dots = Math.max(1, Math.min(moduleDots, Math.floor(this.profile.dots / (m.size + 8))));
    if (this.profile.nativeQr) {
      const style = this.styleBytes({ ...this.state, align: 'center' });
      const bytes = [
        ...style,
        cmd.qrModel(),
        cmd.qrModuleSize(dots),
        cmd.qrErrorCorrection(level),
        cmd.qrStore(new TextEncoder().encode(data)),
        cmd.qrPrint(),
      ];
      this.push(bytes, m.size * dots, 0);
      return;
    }
    const style = this.styleBytes({ ...this.state, align: 'left' });
    const img = qrRaster(m, dots, Math.floor((this.profile.dots - m.size * dots) / 2));
    rasterBands(img, this.profile.rasterBandRows).forEach((band, i) => {
      this.push([...(i === 0 ? style : []), cmd.rasterImage(band.bytesPerRow, band.rows, band.data)], band.rows, 0);
    });
  }

  cut(): void {
    this.feed(this.profile.feedBeforeCutLines);
    this.push([cmd.cut(true)], 0, 0);
  }

  block(b: Block): void {
    switch (b.kind) {
      case 'text':
        return this.text(b);
      case 'rule':
        return this.rule(b.char ?? '-');
      case 'feed':
        return this.feed(b.lines);
      case 'qr':
        return this.qr(b.data, b.moduleDots ?? 4, b.errorCorrection ?? 'M');
      case 'cut':
        return this.cut();
    }
  }
}

/**
 * The segments of `doc` for `profile`. With `reprint` (or a document that is itself a
 * reprint) the first line is the REPRINT mark. Throws a ValidationError for content the
 * printer cannot take (a QR code too long): the print queue calls this when a job is
 * submitted, so a bad document is refused at once and never blocks the queue.
 */
export function renderDocument(doc: PrintDocument, profile: PrinterProfile, options: { reprint?: boolean } = {}): Segment[] {
  if (doc.columns !== profile.columns) {
    throw new ValidationError(`print document '${doc.title}': laid out for ${doc.columns} columns, the printer (${profile.name}) has ${profile.columns}`);
  }
  // A printer without a Chinese font gets single-byte text: '?' where the code page has nothing.
  const r = new Renderer(profile, doc.charset === 'gb18030' && profile.chinese ? 'gb18030' : 'single-byte');
  r.start();
  if (options.reprint || doc.reprint) r.text({ kind: 'text', text: reprintMark(doc.lang), align: 'center', bold: true });
  for (const b of doc.blocks) r.block(b);
  return r.segments;
}

/**
 * The strip printed after an interruption, before the copy goes out again: whatever of
 * the cut-short copy was still in the printer's buffer prints above it when the printer
 * comes back, and this marks it void.
 */
export function renderInterruptedStrip(lang: Language, profile: PrinterProfile): Segment[] {
  const r = new Renderer(profile, lang === 'zh-CN' && profile.chinese ? 'gb18030' : 'single-byte');
  r.start();
  for (const line of interruptedMark(lang)) r.text({ kind: 'text', text: line, align: 'center', bold: true });
  r.cut();
  return r.segments;
}
