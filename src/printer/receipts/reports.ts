import { ValidationError } from '../../errors.js';
import { formatAmount } from '../../money.js';
import type { PrintDocument } from '../document.js';
import { kindName, kindShort, label, labelParts } from './labels.js';
import { money, receiptDateTime, receiptTime, ReceiptLayout } from './layout.js';
import type { ReceiptOptions, SettlementReceiptData, TestPageData, TransactionListData } from './types.js';
import { checkAmount, checkDigits, checkMaskedPan, checkMerchant, checkTime } from './validate.js';

/** The settlement slip (结算总计单), the batch's transaction list (交易明细) and the test page. */

function header(L: ReceiptLayout, title: 'settlement' | 'list' | 'testPage', d: { merchant: SettlementReceiptData['merchant']; time: number }): void {
  for (const part of labelParts(L.lang, title)) L.center(part, { bold: true });
  L.rule();
  L.field(label(L.lang, 'merchantName'), d.merchant.name);
  L.field(label(L.lang, 'merchantId'), d.merchant.merchantId);
  L.field(label(L.lang, 'terminalId'), d.merchant.terminalId);
  if (d.merchant.operatorId) L.field(label(L.lang, 'operator'), d.merchant.operatorId);
  L.field(label(L.lang, 'dateTime'), receiptDateTime(d.time, d.merchant.timeZone));
}

export function settlementReceipt(d: SettlementReceiptData, o: ReceiptOptions): PrintDocument {
  checkMerchant(d.merchant);
  checkDigits(d.batch, 'batch', 6);
  checkTime(d.time);
  for (const k of ['sale', 'void', 'refund'] as const) {
    checkAmount(d[k].amount, `${k}.amount`, d.currency);
    if (!Number.isSafeInteger(d[k].count) || d[k].count < 0) throw new ValidationError(`receipt: ${k}.count must be a whole number`);
  }
  const L = new ReceiptLayout(o, [d.merchant.name]);
  header(L, 'settlement', d);
  L.field(label(L.lang, 'batch'), d.batch);
  L.rule();
  const head = L.row(label(L.lang, 'settleType'), label(L.lang, 'amount'), label(L.lang, 'settleCount'));
  if (head) L.raw(head);
  else L.line(`${label(L.lang, 'settleType')} / ${label(L.lang, 'settleCount')} / ${label(L.lang, 'amount')}`);
  for (const k of ['sale', 'void', 'refund'] as const) {
    const amount = money(d[k].amount, d.currency, k !== 'sale');
    const line = L.row(kindName(L.lang, k), amount, String(d[k].count));
    if (line) L.raw(line);
    else L.field(`${kindName(L.lang, k)} ${d[k].count}`, amount);
  }
  L.rule();
  const net = d.sale.amount - d.refund.amount;
  L.field(label(L.lang, 'net'), `${d.currency} ${formatAmount(net, d.currency)}`, { bold: true, size: 'tall' });
  L.rule();
  L.center(label(L.lang, d.result === 'balanced' ? 'balanced' : 'unbalanced'), { bold: true });
  L.cut();
  return L.build(`settlement ${d.batch}`, d.reprint === true);
}

export function transactionListReceipt(d: TransactionListData, o: ReceiptOptions): PrintDocument {
  checkMerchant(d.merchant);
  checkDigits(d.batch, 'batch', 6);
  checkTime(d.time);
  d.entries.forEach((e, i) => {
    checkDigits(e.trace, `entries[${i}].trace`, 6);
    checkMaskedPan(e.maskedPan, `entries[${i}].maskedPan`);
    checkAmount(e.amount, `entries[${i}].amount`, d.currency);
    checkTime(e.time, `entries[${i}].time`);
  });
  const L = new ReceiptLayout(o, [d.merchant.name]);
  header(L, 'list', d);
  L.field(label(L.lang, 'batch'), d.batch);
  L.rule();
  if (d.entries.length === 0) L.center(label(L.lang, 'listEmpty'));
  let total = 0;
  for (const e of d.entries) {
    const amount = `${e.kind === 'sale' ? '' : '-'}${formatAmount(e.amount, d.currency)}`;
    const kind = kindShort(L.lang, e.kind) + (e.voided ? `(${labelParts(L.lang, 'voided')[0]})` : '');
    const time = receiptTime(e.time, d.merchant.timeZone);
    const one = L.row(`${e.trace} ${kind}`, amount, `${e.maskedPan} ${time}`);
    if (one) L.raw(one);
    else {
      L.raw(L.row(`${e.trace} ${kind}`, amount) ?? `${e.trace} ${kind} ${amount}`);
      L.raw(`  ${e.maskedPan} ${time}${e.authCode ? ` ${e.authCode}` : ''}`);
    }
    // A void cancels a sale that is itself marked voided: neither counts.
    if (e.kind === 'sale' && !e.voided) total += e.amount;
    else if (e.kind === 'refund') total -= e.amount;
  }
  L.rule();
  L.field(`${label(L.lang, 'listTotal')} ${d.entries.length}`, `${d.currency} ${formatAmount(total, d.currency)}`, { bold: true });
  L.cut();
  return L.build(`transaction list ${d.batch}`);
}

/**
 * The printer test page of the diagnostics menu: what a technician checks by eye: the
 * width (a column ruler), both character sets, bold and double sizes, the three
 * alignments and a QR code (native or raster, whichever the printer profile uses).
 */
export function testPage(d: TestPageData, o: ReceiptOptions): PrintDocument {
  checkMerchant(d.merchant);
  checkTime(d.time);
  const L = new ReceiptLayout(o, [d.merchant.name, d.printer.name]);
  header(L, 'testPage', d);
  L.field(label(L.lang, 'software'), d.software);
  L.field(label(L.lang, 'printer'), d.printer.name);
  L.line(`${d.printer.dots} dots, ${d.printer.columns} cols, ${d.printer.baudRate} baud, QR ${d.printer.qr}`);
  L.rule();
  let ruler = '';
  for (let i = 1; i <= L.columns; i++) ruler += String(i % 10);
  L.raw(ruler);
  L.raw(' !"#$%&\'()*+,-./0123456789:;<=>?@');
  L.raw('ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`');
  L.raw('abcdefghijklmnopqrstuvwxyz{|}~');
  if (L.charset === 'gb18030') L.line('中文打印测试 汉字 签购单 金额');
  L.line('BOLD', { bold: true });
  L.line('TALL', { size: 'tall' });
  L.line('WIDE', { size: 'wide' });
  L.line('DOUBLE', { size: 'double' });
  L.line('LEFT');
  L.line('CENTER', { align: 'center' });
  L.line('RIGHT', { align: 'right' });
  L.qr(`TEST ${d.merchant.terminalId}`);
  L.center(label(L.lang, 'testEnd'), { bold: true });
  L.cut();
  return L.build('printer test page');
}
