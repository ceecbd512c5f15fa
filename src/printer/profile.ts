/**
 * What the driver must know about a printer model, with the figures used for pacing and
 * where each comes from. A board file picks a profile; a merchant whose mechanism runs
 * slower (a weak 5 V supply, thick paper) gives a lower speed.
 */
export interface PrinterProfile {
  readonly name: string;
  /** Dots across the print head: 384 (58 mm paper, 48 mm printed) or 576 (80 mm paper, 72 mm printed). */
  readonly dots: 384 | 576;
  /** Columns of Font A (12 dots wide) across the head: 32 or 48; a Chinese character takes two. */
  readonly columns: 32 | 48;
  readonly baudRate: number;
  /** Font A is 12 x 24 dots and the Chinese font 24 x 24: a text line prints 24 dot rows. */
  readonly fontHeightDots: number;
  /** ESC 2 default line spacing in dots (3.75 mm at 8 dots/mm): 24 printed rows plus 6 fed. */
  readonly lineSpacingDots: number;
  /** Mechanism speed while printing, in dot rows per second. */
  readonly printRowsPerSecond: number;
  /** Mechanism speed while only feeding paper, in dot rows per second. */
  readonly feedRowsPerSecond: number;
  /** GS ( k QR codes; without it a QR code goes out as a GS v 0 raster image. */
  readonly nativeQr: boolean;
  /** FS & Chinese mode with a GB2312/GB18030 font. */
  readonly chinese: boolean;
  /** ESC t n table for single-byte mode and the iconv-lite name of the same code page. */
  readonly codeTable: { readonly n: number; readonly encoding: string };
  /** A cutter: GS V cuts. Without one the paper is torn at the tear bar after the same feed. */
  readonly cutter: boolean;
  /** Lines to feed so the last printed line clears the tear bar or the cutter. */
  readonly feedBeforeCutLines: number;
  /**
   * How the printer reports paper and cover: 'dle-eot' (real-time DLE EOT n, answered at once
   * even when offline), 'gs-r' (GS r 1, answered in sequence, silent while offline), 'none'
   * (TX-only wiring: print blind).
   */
  readonly status: 'dle-eot' | 'gs-r' | 'none';
  /**
   * Pacing for a printer with no flow control (no BUSY/CTS wired, no XON/XOFF): the driver
   * sends a line only once the estimated print time still queued in the printer is below
   * this, so its input buffer never fills. 200 ms is about three text lines: enough that
   * the wire (17 ms a line) never starves the mechanism, little enough that a paper-out
   * leaves only a few lines in the buffer.
   */
  readonly leadMs: number;
  /** Rows of a raster image per GS v 0 band. */
  readonly rasterBandRows: number;
  /** How long a status answer may take beyond the wire time (USB-serial adapters add ~16 ms). */
  readonly statusTimeoutMs: number;
}

/**
 * The 58 mm TTL panel printer of the README's parts list (Cashino CSN-A2 and its clones,
 * sold as the Adafruit "Mini Thermal Receipt Printer").
 *
 * Figures and their sources:
 * - 384 dots a line at 8 dots/mm, 48 mm printed on 58 mm paper, Font A 12 x 24, Chinese
 *   24 x 24 (GB2312), TTL serial at 19200 baud 8N1 by default: the CSN-A2 user manual
 *   (Cashino, v4.0), general specifications.
 * - Print speed: the manual gives 50-80 mm/s; we take the low end, 50 mm/s = 400 dot rows/s,
 *   and feed no faster. So a text line (24 rows printed + 6 fed = 30 rows) takes 75 ms:
 *   about 13 lines per second; a double-height line (48 rows) 120 ms.
 * - Bytes a line costs: 32 columns of ASCII or 16 Chinese characters of 2 bytes, plus LF,
 *   = 33 bytes, 17.2 ms on the wire at 19200 baud (10 bits a byte): the wire is about four
 *   times faster than the mechanism, so without pacing a long receipt or a raster image
 *   overruns the printer's input buffer.
 * - Adafruit's Arduino library paces these printers the same way (a timeout per byte
 *   sent, per dot row printed and per dot row fed); its defaults, measured on one unit with
 *   heavy heating settings, are far slower (30 ms a printed dot row): use a lower
 *   `printRowsPerSecond` for a mechanism on a weak supply.
 * - No GS ( k: the v4.0 manual's command list has no QR command (Cashino added QR printing
 *   to its A2L manual in 2018), so QR codes go as raster images.
 * - No cutter: a tear bar about 4 lines above the head.
 * - DLE EOT: assumed (it is standard ESC/POS); set 'gs-r' or 'none' for firmware without it.
 */
export const CSN_A2: PrinterProfile = Object.freeze({
  name: 'CSN-A2 58 mm',
  dots: 384,
  columns: 32,
  baudRate: 19200,
  fontHeightDots: 24,
  lineSpacingDots: 30,
  printRowsPerSecond: 400,
  feedRowsPerSecond: 400,
  nativeQr: false,
  chinese: true,
  codeTable: Object.freeze({ n: 0, encoding: 'cp437' }),
  cutter: false,
  feedBeforeCutLines: 4,
  status: 'dle-eot',
  leadMs: 200,
  rasterBandRows: 24,
  statusTimeoutMs: 200,
});

/**
 * A generic 80 mm ESC/POS receipt printer with a cutter and GS ( k (the Epson TM-T20/T88
 * class and its Chinese equivalents): 576 dots at 8 dots/mm (72 mm printed), 48 columns.
 * Its speed here (100 mm/s = 800 rows/s) is a cautious assumption, not a datasheet figure;
 * such printers usually offer flow control, and pacing then costs nothing.
 */
export const GENERIC_80MM: PrinterProfile = Object.freeze({
  name: 'ESC/POS 80 mm',
  dots: 576,
  columns: 48,
  baudRate: 19200,
  fontHeightDots: 24,
  lineSpacingDots: 30,
  printRowsPerSecond: 800,
  feedRowsPerSecond: 800,
  nativeQr: true,
  chinese: true,
  codeTable: Object.freeze({ n: 0, encoding: 'cp437' }),
  cutter: true,
  feedBeforeCutLines: 4,
  status: 'dle-eot',
  leadMs: 200,
  rasterBandRows: 24,
  statusTimeoutMs: 200,
});

/** Milliseconds the mechanism needs for `printRows` printed and `feedRows` fed dot rows. */
export function mechanismMs(profile: PrinterProfile, printRows: number, feedRows: number): number {
  return (printRows * 1000) / profile.printRowsPerSecond + (feedRows * 1000) / profile.feedRowsPerSecond;
}

/** Milliseconds `bytes` take on the wire at the profile's baud rate, 8N1 (10 bit times a byte). */
export function wireMs(profile: PrinterProfile, bytes: number): number {
  return (bytes * 10 * 1000) / profile.baudRate;
}
