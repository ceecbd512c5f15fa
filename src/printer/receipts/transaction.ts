import { ValidationError } from '../../errors.js';
import type { PrintDocument } from '../document.js';
import { entryModeName, kindName, label, labelParts } from './labels.js';
import { money, receiptDateTime, ReceiptLayout } from './layout.js';
import type { ReceiptCopies, ReceiptOptions, TransactionReceiptData } from './types.js';
import { checkAmount, checkChip, checkDigits, checkMaskedPan, checkMerchant, checkPrintable, checkTime } from './validate.js';

/**
 * The 签购单 of a sale, a void or a refund: a merchant copy, which the cardholder signs
 * when the CVM asks for a signature, and a cardholder copy. The two are separate documents
 * because the flow prints the first, asks the merchant to tear it off, then prints the
 * second.
 */

function check(d: TransactionReceiptData): void {
  checkMerchant(d.merchant);
  if (!['sale', 'void', 'refund'].includes(d.kind)) throw new ValidationError('receipt: kind must be sale, void or refund');
  checkMaskedPan(d.maskedPan);
  checkPrintable(d.cardBrand, 'cardBrand', 16);
  checkDigits(d.batch, 'batch', 6);
  checkDigits(d.trace, 'trace', 6);
  if (d.authCode !== undefined) checkPrintable(d.authCode, 'authCode', 6);
  checkPrintable(d.rrn, 'rrn', 12);
  checkTime(d.time);
  checkAmount(d.amount, 'amount', d.currency);
  if (d.chip) checkChip(d.chip);
  if (d.original?.trace !== undefined) checkDigits(d.original.trace, 'original.trace', 6);
  if (d.original?.rrn !== undefined) checkPrintable(d.original.rrn, 'original.rrn', 12);
  if (d.original?.date !== undefined) checkPrintable(d.original.date, 'original.date', 10);
}

function copy(d: TransactionReceiptData, o: ReceiptOptions, which: 'merchant' | 'customer'): PrintDocument {
  const L = new ReceiptLayout(o, [d.merchant.name, d.cardBrand, d.chip?.appLabel ?? '']);
  const lang = o.lang;

  for (const part of labelParts(lang, 'slip')) L.center(part, { bold: true });
  L.center(label(lang, which === 'merchant' ? 'merchantCopy' : 'customerCopy'));
  L.rule();
  L.field(label(lang, 'merchantName'), d.merchant.name);
  L.field(label(lang, 'merchantId'), d.merchant.merchantId);
  L.field(label(lang, 'terminalId'), d.merchant.terminalId);
  if (d.merchant.operatorId) L.field(label(lang, 'operator'), d.merchant.operatorId);
  L.rule();
  L.field(label(lang, 'cardNo'), d.maskedPan, { bold: true });
  L.field(label(lang, 'cardBrand'), d.cardBrand);
  L.field(label(lang, 'entryMode'), entryModeName(lang, d.entryMode));
  L.field(label(lang, 'transType'), kindName(lang, d.kind), { bold: true, size: 'tall' });
  L.field(label(lang, 'batch'), d.batch);
  L.field(label(lang, 'trace'), d.trace);
  if (d.authCode) L.field(label(lang, 'authCode'), d.authCode);
  L.field(label(lang, 'rrn'), d.rrn);
  L.field(label(lang, 'dateTime'), receiptDateTime(d.time, d.merchant.timeZone));
  if (d.original?.trace) L.field(label(lang, 'origTrace'), d.original.trace);
  if (d.original?.rrn) L.field(label(lang, 'origRrn'), d.original.rrn);
  if (d.original?.date) L.field(label(lang, 'origDate'), d.original.date);
  L.field(label(lang, 'amount'), money(d.amount, d.currency, d.kind !== 'sale'), { bold: true, size: 'double' });
  L.rule();

  if (d.chip) {
    L.line(`${label(lang, 'reference')}:`);
    L.line(`AID: ${d.chip.aid.toUpperCase()}`);
    if (d.chip.appLabel) L.line(`APP: ${d.chip.appLabel}`);
    if (d.chip.tc) L.line(`${d.chip.cryptogramType ?? 'TC'}: ${d.chip.tc.toUpperCase()}`);
    const tvrTsi = [d.chip.tvr ? `TVR: ${d.chip.tvr.toUpperCase()}` : '', d.chip.tsi ? `TSI: ${d.chip.tsi.toUpperCase()}` : ''].filter(Boolean);
    if (tvrTsi.length) L.line(tvrTsi.join(' '));
    L.rule();
  }

  if (which === 'merchant') {
    if (d.cvm === 'signature') {
      L.line(`${label(lang, 'signature')}:`);
      L.blank().blank().blank();
      L.rule('-');
      for (const part of labelParts(lang, 'acknowledge')) L.line(part);
    } else if (d.cvm === 'online-pin' || d.cvm === 'offline-pin') {
      L.line(label(lang, 'pinVerified'));
      L.line(label(lang, 'noSignature'));
    } else if (d.cvm === 'cdcvm') {
      L.line(label(lang, 'deviceVerified'));
      L.line(label(lang, 'noSignature'));
    } else {
      L.line(label(lang, 'noSignature'));
    }
  } else {
    L.center(label(lang, 'keep'));
    if (d.qr) L.qr(d.qr);
  }
  L.cut();
  return L.build(`${d.kind} ${d.trace} ${which} copy`, d.reprint === true);
}

/** Both copies of a sale, void or refund receipt. Throws ValidationError on bad data (a PAN not masked). */
export function transactionReceipt(d: TransactionReceiptData, o: ReceiptOptions): ReceiptCopies<PrintDocument> {
  check(d);
  return { merchant: copy(d, o, 'merchant'), customer: copy(d, o, 'customer') };
}
