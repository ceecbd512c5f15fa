import { DeviceError } from '../errors.js';

/**
 * Printer faults. None of them is thrown at a flow while a receipt waits: the print queue
 * keeps the job, names the problem in its state (paper out, cover open, no answer) and
 * prints when the printer is back. They are thrown by the low-level driver and caught there.
 */
export class PrinterError extends DeviceError {}

/** No status answer within the timeout: printer off, unplugged, wrong baud rate, RX not wired. */
export class PrinterNotRespondingError extends PrinterError {
  readonly path: string;
  constructor(path: string, timeoutMs: number, cause?: unknown) {
    super('PRINTER_NOT_RESPONDING', `${path}: the printer did not answer a status query within ${timeoutMs} ms`, { cause });
    this.path = path;
  }
}

/** A status answer that cannot be one (its fixed bits are wrong): noise, or another device. */
export class PrinterStatusError extends PrinterError {
  readonly byte: number;
  constructor(path: string, what: string, byte: number) {
    super('PRINTER_STATUS', `${path}: ${what} answered 0x${byte.toString(16).padStart(2, '0').toUpperCase()}, which is not a valid status byte`);
    this.byte = byte;
  }
}

/** The printer cannot print now; `problem` says why (a value the UI turns into a prompt). */
export class PrinterNotReadyError extends PrinterError {
  readonly problem: PrinterProblem;
  constructor(path: string, problem: PrinterProblem) {
    super(`PRINTER_${problem.toUpperCase().replace(/-/g, '_')}`, `${path}: printer not ready (${problem})`);
    this.problem = problem;
  }
}

/** What keeps a printer from printing, as the queue reports it. */
export type PrinterProblem = 'paper-out' | 'cover-open' | 'offline' | 'error' | 'not-responding' | 'link';
