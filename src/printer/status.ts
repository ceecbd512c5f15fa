import type { PrinterProblem } from './errors.js';

/**
 * Status bytes as ESC/POS defines them (Epson ESC/POS Command Reference, DLE EOT and GS r).
 *
 * DLE EOT n answers one byte whose bits 1 and 4 are always 1 and bits 0 and 7 always 0
 * (0xx1xx10b), which is how an answer is told apart from noise:
 * - n = 1 printer status: bit 3 offline.
 * - n = 2 offline cause: bit 2 cover open, bit 3 paper being fed by the FEED button,
 *   bit 5 printing stopped by paper end, bit 6 an error occurred.
 * - n = 3 error cause: bit 3 autocutter error, bit 5 unrecoverable, bit 6 auto-recoverable.
 * - n = 4 roll paper sensor: bits 2-3 near end, bits 5-6 paper end.
 * GS r 1 answers the paper sensors with bits 4 and 7 always 0: bits 0-1 near end, bits 2-3
 * paper end.
 */

export const DLE_EOT_FIXED_MASK = 0x93;
export const DLE_EOT_FIXED_VALUE = 0x12;

export function isDleEotStatus(b: number): boolean {
  return (b & DLE_EOT_FIXED_MASK) === DLE_EOT_FIXED_VALUE;
}

export function isGsRStatus(b: number): boolean {
  return (b & 0x90) === 0;
}

export interface PrinterStatus {
  readonly paperOut: boolean;
  readonly paperNearEnd: boolean;
  readonly coverOpen: boolean;
  /** An error the printer reports (cutter jam, head overheated): it stops until cleared. */
  readonly error: boolean;
  /** False when the printer has no way to tell (a TX-only link): nothing was checked. */
  readonly known: boolean;
}

export const UNKNOWN_STATUS: PrinterStatus = Object.freeze({ paperOut: false, paperNearEnd: false, coverOpen: false, error: false, known: false });

/** DLE EOT 2 (offline cause) and, when asked, DLE EOT 4 (paper sensor). */
export function fromDleEot(offlineCause: number, paperSensor?: number): PrinterStatus {
  return {
    coverOpen: (offlineCause & 0x04) !== 0,
    paperOut: (offlineCause & 0x20) !== 0 || (paperSensor !== undefined && (paperSensor & 0x60) !== 0),
    paperNearEnd: paperSensor !== undefined && (paperSensor & 0x0c) !== 0,
    error: (offlineCause & 0x40) !== 0,
    known: true,
  };
}

export function fromGsR(paperSensor: number): PrinterStatus {
  return { coverOpen: false, paperOut: (paperSensor & 0x0c) !== 0, paperNearEnd: (paperSensor & 0x03) !== 0, error: false, known: true };
}

/** What stops printing, most urgent first; near end does not. */
export function problemOf(s: PrinterStatus): PrinterProblem | null {
  if (s.coverOpen) return 'cover-open';
  if (s.paperOut) return 'paper-out';
  if (s.error) return 'error';
  return null;
}
