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

const KINDS = ['sale', 'void', 'refund'] as const;

/**
 * The settlement's kinds as a table whose columns line up on every row, the heading's
 * included: the kind on the left, the count right-aligned on one column, the amount
 * right-aligned against the right edge. Where the counts end is found from the widest cell
 * of each column, so counts and amounts of any width keep their edges. The labels as wide
 * as the paper allows: the bilingual heading on one line; or on two (Chinese, then English);
 * or one language's words only (a zh-CN slip's Chinese). When even those do not fit
 * (amounts of many digits on 58 mm paper), each kind takes two lines: the kind with its
 * count against the right edge, then its amount.
 */
function totalsTable(L: ReceiptLayout, d: SettlementReceiptData): void {
  const counts = KINDS.map((k) => String(d[k].count));
  const amounts = KINDS.map((k) => money(d[k].amount, d.currency, k !== 'sale'));
  const widest = (texts: readonly string[]) => Math.max(...texts.map((x) => L.width(x)));
  /** `a` on the left, `b` ending at column `edge`, `c` against the right edge. */
  const row = (a: string, b: string, edge: number, c = '') => {
    const mid = a + ' '.repeat(edge - L.width(a) - L.width(b)) + b;
    return c ? mid + ' '.repeat(L.columns - edge - L.width(c)) + c : mid;
  };
  type Cells = readonly [string, string, string];
  const parts = (['settleType', 'settleCount', 'amount'] as const).map((k) => labelParts(L.lang, k));
  const both: Cells = [label(L.lang, 'settleType'), label(L.lang, 'settleCount'), label(L.lang, 'amount')];
  const byLanguage = parts[0]!.map((_, i): Cells => [parts[0]![i]!, parts[1]![i]!, parts[2]![i]!]);
  const styles: { heads: readonly Cells[]; names: readonly string[] }[] = [
    { heads: [both], names: KINDS.map((k) => kindName(L.lang, k)) },
    { heads: byLanguage, names: KINDS.map((k) => kindName(L.lang, k)) },
    { heads: byLanguage.slice(0, 1), names: KINDS.map((k) => kindShort(L.lang, k)) },
  ];
  for (const { heads, names } of styles) {
    const lines: Cells[] = [...heads, ...names.map((n, i): Cells => [n, counts[i]!, amounts[i]!])];
    // Where the counts end: past every kind and its count, before every amount.
    const lo = Math.max(...lines.map(([a, b]) => L.width(a) + 1 + L.width(b)));
    const hi = L.columns - 1 - widest(lines.map(([, , c]) => c));
    if (lo > hi) continue;
    const edge = lo + Math.floor((hi - lo) / 2);
    for (const [a, b, c] of lines) L.raw(row(a, b, edge, c));
    return;
  }
  const [type, count, amount] = byLanguage[0]!;
  L.raw(row(type, count, L.columns));
  L.raw(row('', amount, L.columns));
  KINDS.forEach((k, i) => {
    L.raw(row(kindShort(L.lang, k), counts[i]!, L.columns));
    for (const part of L.wrap(amounts[i]!)) L.raw(row('', part, L.columns));
  });
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
  totalsTable(L, d);
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
