import type { Language } from '../ui/messages.js';
import type { Charset } from './text.js';

/**
 * A receipt as the printer is asked for it: lines already laid out for a paper width, in
 * a form that is plain JSON, so the print queue (and later the journal) can keep it and
 * print it again after a power cut. It holds what the receipt shows and nothing more: a
 * masked card number at most, never a full PAN, track data or a PIN.
 */
export interface PrintDocument {
  /** What the job is, for logs and the simulator page: "sale 000123 merchant copy". */
  readonly title: string;
  readonly lang: Language;
  /** Columns of Font A the layout was made for: 32 (58 mm) or 48 (80 mm). */
  readonly columns: 32 | 48;
  readonly charset: Charset;
  /** The document is itself a reprint (the flow's "reprint last receipt"): marked at the top. */
  readonly reprint?: boolean;
  readonly blocks: readonly Block[];
}

export type TextSize = 'normal' | 'tall' | 'wide' | 'double';

/** One printed line; its text fits `columns` (halved when wide or double). */
export interface TextBlock {
  readonly kind: 'text';
  readonly text: string;
  readonly align?: 'left' | 'center' | 'right';
  readonly bold?: boolean;
  readonly size?: TextSize;
}

/** A line of '-' or '=' across the paper. */
export interface RuleBlock {
  readonly kind: 'rule';
  readonly char?: '-' | '=';
}

/** A QR code, centred; printed by GS ( k, or as a raster image when the printer lacks it. */
export interface QrBlock {
  readonly kind: 'qr';
  readonly data: string;
  /** Dots per module (default 4: 0.5 mm), reduced when the symbol would not fit. */
  readonly moduleDots?: number;
  readonly errorCorrection?: 'L' | 'M' | 'Q' | 'H';
}

/** Blank lines. */
export interface FeedBlock {
  readonly kind: 'feed';
  readonly lines: number;
}

/** The end of a receipt: feed past the tear bar or cutter, and cut. */
export interface CutBlock {
  readonly kind: 'cut';
}

export type Block = TextBlock | RuleBlock | QrBlock | FeedBlock | CutBlock;

export function widthMultiplier(size: TextSize | undefined): 1 | 2 {
  return size === 'wide' || size === 'double' ? 2 : 1;
}

export function heightMultiplier(size: TextSize | undefined): 1 | 2 {
  return size === 'tall' || size === 'double' ? 2 : 1;
}

/** Every text of a document, in order: what tests and logs read. */
export function documentText(doc: PrintDocument): string[] {
  return doc.blocks.flatMap((b) => (b.kind === 'text' ? [b.text] : b.kind === 'qr' ? [`[QR ${b.data}]`] : []));
}
