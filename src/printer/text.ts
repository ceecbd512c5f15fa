import iconv from 'iconv-lite';

/**
 * Receipt text: which character set a document is printed in, how many columns each
 * character takes on the printer, and the bytes it becomes.
 *
 * - 'gb18030': FS & Chinese mode. ASCII is one byte and one column (12 dots); every other
 *   character is a GB18030 multi-byte character printed from the 24 x 24 font: two columns,
 *   whatever Unicode says of its width (a '·' takes as much room as a '中').
 * - 'single-byte': FS . and the ESC t code table (PC437 by default): one byte and one column
 *   each; a character the table lacks prints as '?'.
 */
export type Charset = 'gb18030' | 'single-byte';

/**
 * C0 controls, DEL and the C1 range never reach the printer from text: a merchant name
 * holding ESC or GS would otherwise be a command.
 */
export function sanitise(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

export function charColumns(ch: string, charset: Charset): 1 | 2 {
  if (charset === 'single-byte') return 1;
  return ch.codePointAt(0)! < 0x80 ? 1 : 2;
}

export function textColumns(text: string, charset: Charset): number {
  let n = 0;
  for (const ch of text) n += charColumns(ch, charset);
  return n;
}

/** Whether every character of `text` is in the single-byte code page `encoding`. */
export function fitsCodePage(text: string, encoding: string): boolean {
  for (const ch of text) {
    if (ch.codePointAt(0)! < 0x80) continue;
    if (iconv.decode(iconv.encode(ch, encoding), encoding) !== ch) return false;
  }
  return true;
}

/** The charset for a document holding `texts`: single-byte when the code page has them all. */
export function chooseCharset(texts: readonly string[], encoding = 'cp437'): Charset {
  return texts.every((t) => fitsCodePage(t, encoding)) ? 'single-byte' : 'gb18030';
}

/** The bytes of `text` in `charset` (the code page named by `encoding` for single-byte). */
export function encodeText(text: string, charset: Charset, encoding = 'cp437'): Uint8Array {
  const clean = sanitise(text);
  return Uint8Array.from(iconv.encode(clean, charset === 'gb18030' ? 'gb18030' : encoding));
}

/** The longest head of `text` that fits in `columns`; a wide character is never split. */
export function fitColumns(text: string, columns: number, charset: Charset): string {
  let out = '';
  let n = 0;
  for (const ch of text) {
    const w = charColumns(ch, charset);
    if (n + w > columns) break;
    out += ch;
    n += w;
  }
  return out;
}
