/**
 * Lines a flow adds to a report the printer's layouts made (the settlement report's alerts,
 * the transaction list's totals by kind). A PrintDocument is plain data, so the lines go in
 * before its cut, laid out in the document's own columns and charset.
 */
import type { Block, PrintDocument } from '../printer/index.js';
import { fitColumns, textColumns } from '../printer/text.js';

/** `left` and `right` on one line of `doc`, the gap filled with spaces. */
export function reportRow(doc: PrintDocument, left: string, right: string): string {
  const r = fitColumns(right, doc.columns, doc.charset);
  const l = fitColumns(left, Math.max(0, doc.columns - textColumns(r, doc.charset) - 1), doc.charset);
  return l + ' '.repeat(doc.columns - textColumns(l, doc.charset) - textColumns(r, doc.charset)) + r;
}

/** A text block that fits `doc`. */
export function reportLine(doc: PrintDocument, text: string, style: { bold?: boolean; align?: 'left' | 'center' } = {}): Block {
  return { kind: 'text', text: fitColumns(text, doc.columns, doc.charset), ...style };
}

/** `doc` with `blocks` before its last cut. */
export function beforeCut(doc: PrintDocument, blocks: readonly Block[]): PrintDocument {
  if (blocks.length === 0) return doc;
  const all = [...doc.blocks];
  const cut = all.findLastIndex((b) => b.kind === 'cut');
  all.splice(cut < 0 ? all.length : cut, 0, ...blocks);
  return { ...doc, blocks: all };
}
