import { ValidationError } from '../errors.js';

/**
 * ESC/POS command bytes, one builder per command, each with the section of the Epson
 * "ESC/POS Application Programming Guide" / "ESC/POS Command Reference" it follows, and
 * where the CSN-A2 user manual (Cashino, v4.0) differs. Pure functions: no I/O.
 */

export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const DLE = 0x10;
export const EOT = 0x04;
export const LF = 0x0a;

function byte(n: number, name: string, lo = 0, hi = 255): number {
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ValidationError(`ESC/POS ${name}: ${n} is outside ${lo}-${hi}`);
  return n;
}

/** ESC @: initialise: clears the line being composed and resets every print mode to default. */
export const initialise = (): Uint8Array => Uint8Array.of(ESC, 0x40);

/** LF: prints the line and feeds by the current line spacing. */
export const lineFeed = (): Uint8Array => Uint8Array.of(LF);

/** ESC d n: prints the line and feeds n lines. */
export const feedLines = (n: number): Uint8Array => Uint8Array.of(ESC, 0x64, byte(n, 'ESC d n'));

/** ESC J n: prints the line and feeds n dots (n/8 mm at 8 dots/mm). */
export const feedDots = (n: number): Uint8Array => Uint8Array.of(ESC, 0x4a, byte(n, 'ESC J n'));

/** ESC 3 n: line spacing of n dots. ESC 2: back to the default (30 dots on 8 dots/mm heads). */
export const lineSpacing = (dots: number): Uint8Array => Uint8Array.of(ESC, 0x33, byte(dots, 'ESC 3 n'));
export const defaultLineSpacing = (): Uint8Array => Uint8Array.of(ESC, 0x32);

/** ESC E n: emphasised (bold) on when bit 0 is set. */
export const bold = (on: boolean): Uint8Array => Uint8Array.of(ESC, 0x45, on ? 1 : 0);

/** ESC - n: underline 0 off, 1 one dot, 2 two dots. */
export const underline = (dots: 0 | 1 | 2): Uint8Array => Uint8Array.of(ESC, 0x2d, dots);

/** GS ! n: character size; bits 4-6 width multiplier - 1, bits 0-2 height multiplier - 1 (1 to 8 each). */
export function characterSize(width: number, height: number): Uint8Array {
  return Uint8Array.of(GS, 0x21, ((byte(width, 'GS ! width', 1, 8) - 1) << 4) | (byte(height, 'GS ! height', 1, 8) - 1));
}

export type Alignment = 'left' | 'center' | 'right';
const ALIGN = { left: 0, center: 1, right: 2 } as const;

/** ESC a n: justification, applied to lines started after it (only at the start of a line). */
export const align = (a: Alignment): Uint8Array => Uint8Array.of(ESC, 0x61, ALIGN[a]);

/** ESC t n: single-byte character code table (0 = PC437, the power-on default). */
export const codeTable = (n: number): Uint8Array => Uint8Array.of(ESC, 0x74, byte(n, 'ESC t n'));

/**
 * FS &: Kanji (Chinese) character mode: a byte of 0x81-0xFE starts a multi-byte character
 * (2 bytes of GB2312/GBK, or 4 bytes of GB18030 on fonts that have them); ASCII stays one
 * byte. FS .: back to the single-byte code table. The CSN-A2 manual lists both ("set / cancel
 * Chinese character mode"); its Chinese firmware starts in Chinese mode.
 */
export const chineseModeOn = (): Uint8Array => Uint8Array.of(FS, 0x26);
export const chineseModeOff = (): Uint8Array => Uint8Array.of(FS, 0x2e);

/**
 * GS V: cut. m = 0 full, 1 partial (one point left uncut), m = 65/66 feed to the cutting
 * position plus n dots and cut. A printer without a cutter (the CSN-A2 has a tear bar)
 * ignores it; we still send it so an 80 mm printer with a cutter cuts.
 */
export const cut = (partial: boolean, feedDotsBefore = 0): Uint8Array =>
  Uint8Array.of(GS, 0x56, partial ? 66 : 65, byte(feedDotsBefore, 'GS V n'));

/** DLE EOT n: real-time status, answered at once even while offline: 1 printer, 2 offline cause, 3 error, 4 paper. */
export const realTimeStatus = (n: 1 | 2 | 3 | 4): Uint8Array => Uint8Array.of(DLE, EOT, n);

/**
 * GS r 1: paper sensor status, answered in sequence: only once everything sent before it
 * has been processed, and not at all while the printer is offline (paper out, cover open).
 */
export const transmitPaperStatus = (): Uint8Array => Uint8Array.of(GS, 0x72, 1);

/** GS ( k with cn = 49 (QR code): pL pH count the bytes after them. */
function qrFunction(fn: number, params: Uint8Array): Uint8Array {
  const len = params.length + 2;
  const out = new Uint8Array(5 + len);
  out.set([GS, 0x28, 0x6b, len & 0xff, len >> 8, 49, fn]);
  out.set(params, 7);
  return out;
}

/** GS ( k fn 65: QR model (49 model 1, 50 model 2). */
export const qrModel = (): Uint8Array => qrFunction(65, Uint8Array.of(50, 0));
/** GS ( k fn 67: module size in dots (1-16). */
export const qrModuleSize = (dots: number): Uint8Array => qrFunction(67, Uint8Array.of(byte(dots, 'QR module size', 1, 16)));
/** GS ( k fn 69: error correction level, 48 L, 49 M, 50 Q, 51 H. */
export const qrErrorCorrection = (level: 'L' | 'M' | 'Q' | 'H'): Uint8Array => qrFunction(69, Uint8Array.of({ L: 48, M: 49, Q: 50, H: 51 }[level]));
/** GS ( k fn 80: stores the symbol data (m = 48). */
export function qrStore(data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length > 7089) throw new ValidationError(`ESC/POS QR data: ${data.length} bytes (1-7089)`);
  const params = new Uint8Array(1 + data.length);
  params[0] = 48;
  params.set(data, 1);
  return qrFunction(80, params);
}
/** GS ( k fn 81: prints the stored symbol (m = 48). */
export const qrPrint = (): Uint8Array => qrFunction(81, Uint8Array.of(48));

/**
 * GS v 0 m xL xH yL yH d...: a raster bit image, `bytesPerRow` bytes (8 dots each, MSB on
 * the left) by `rows`, m = 0 (normal density). Epson advises bands of modest height so a
 * printer with a small buffer is not flooded; the renderer cuts images into bands.
 */
export function rasterImage(bytesPerRow: number, rows: number, data: Uint8Array): Uint8Array {
  byte(bytesPerRow, 'GS v 0 width bytes', 1, 65535);
  byte(rows, 'GS v 0 rows', 1, 65535);
  if (data.length !== bytesPerRow * rows) throw new ValidationError(`ESC/POS GS v 0: ${data.length} data bytes for ${bytesPerRow} x ${rows}`);
  const out = new Uint8Array(8 + data.length);
  out.set([GS, 0x76, 0x30, 0, bytesPerRow & 0xff, bytesPerRow >> 8, rows & 0xff, rows >> 8]);
  out.set(data, 8);
  return out;
}

export { concat } from '../bytes.js';
