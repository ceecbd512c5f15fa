export { EscPosPrinter, type EscPosPrinterOptions } from './printer.js';
export { PrintQueue, type PrintJobRecord, type PrintOutcome, type PrintQueueOptions, type PrintQueueState, type PrintTicket, type QueueStatus } from './queue.js';
export { CSN_A2, GENERIC_80MM, mechanismMs, wireMs, type PrinterProfile } from './profile.js';
export { renderDocument, renderInterruptedStrip, reprintMark, interruptedMark, type Segment } from './render.js';
export { documentText, type Block, type PrintDocument } from './document.js';
export { PrinterError, PrinterNotReadyError, PrinterNotRespondingError, PrinterStatusError, type PrinterProblem } from './errors.js';
export type { PrinterStatus } from './status.js';
export * from './receipts/index.js';
