export { transactionReceipt } from './transaction.js';
export { settlementReceipt, testPage, transactionListReceipt } from './reports.js';
export { allReceiptTexts } from './labels.js';
export { checkMaskedPan } from './validate.js';
export type * from './types.js';
