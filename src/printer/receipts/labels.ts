import type { Language } from '../../ui/messages.js';
import type { CardEntryMode, TransactionKind } from './types.js';

/**
 * Receipt labels. A zh-CN receipt carries both languages, as a 签购单 does ("商户名称
 * MERCHANT NAME"); an English one carries the English only.
 */
const LABELS = {
  slip: ['签购单', 'POS SALES SLIP'],
  merchantCopy: ['商户存根', 'MERCHANT COPY'],
  customerCopy: ['持卡人存根', 'CARDHOLDER COPY'],
  merchantName: ['商户名称', 'MERCHANT NAME'],
  merchantId: ['商户编号', 'MERCHANT NO.'],
  terminalId: ['终端编号', 'TERMINAL NO.'],
  operator: ['操作员号', 'OPERATOR NO.'],
  cardNo: ['卡号', 'CARD NO.'],
  cardBrand: ['卡组织', 'CARD BRAND'],
  entryMode: ['输入方式', 'ENTRY MODE'],
  transType: ['交易类型', 'TRANS TYPE'],
  batch: ['批次号', 'BATCH NO.'],
  trace: ['凭证号', 'VOUCHER NO.'],
  authCode: ['授权码', 'AUTH NO.'],
  rrn: ['参考号', 'REFER NO.'],
  dateTime: ['日期时间', 'DATE/TIME'],
  amount: ['金额', 'AMOUNT'],
  origTrace: ['原凭证号', 'ORIG. VOUCHER'],
  origRrn: ['原参考号', 'ORIG. REFER NO.'],
  origDate: ['原交易日期', 'ORIG. DATE'],
  reference: ['备注', 'REFERENCE'],
  signature: ['持卡人签名', 'CARDHOLDER SIGNATURE'],
  acknowledge: ['本人确认以上交易,同意将其记入本卡账户', 'I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES'],
  noSignature: ['免签名', 'NO SIGNATURE REQUIRED'],
  pinVerified: ['密码已验证', 'PIN VERIFIED'],
  deviceVerified: ['持卡人设备已验证', 'VERIFIED ON DEVICE'],
  keep: ['请妥善保管', 'PLEASE KEEP THIS RECEIPT'],
  settlement: ['结算总计单', 'SETTLEMENT'],
  settleType: ['类型', 'TYPE'],
  settleCount: ['笔数', 'COUNT'],
  net: ['净额', 'NET AMOUNT'],
  balanced: ['对账平', 'BALANCED'],
  unbalanced: ['对账不平', 'NOT BALANCED'],
  list: ['交易明细', 'TRANSACTION LIST'],
  listTotal: ['合计', 'TOTAL'],
  listEmpty: ['无交易', 'NO TRANSACTIONS'],
  voided: ['已撤销', 'VOIDED'],
  testPage: ['打印机自检', 'PRINTER TEST PAGE'],
  software: ['软件版本', 'SOFTWARE'],
  printer: ['打印机', 'PRINTER'],
  testEnd: ['自检结束', 'END OF TEST'],
} as const satisfies Record<string, readonly [string, string]>;

export type LabelKey = keyof typeof LABELS;

export function label(lang: Language, key: LabelKey): string {
  const [zh, en] = LABELS[key];
  return lang === 'zh-CN' ? `${zh} ${en}` : en;
}

/** The two halves, for layouts that put them on separate lines. */
export function labelParts(lang: Language, key: LabelKey): string[] {
  const [zh, en] = LABELS[key];
  return lang === 'zh-CN' ? [zh, en] : [en];
}

const KIND: Record<TransactionKind, readonly [string, string]> = {
  sale: ['消费', 'SALE'],
  void: ['撤销', 'VOID'],
  refund: ['退货', 'REFUND'],
};

export function kindName(lang: Language, kind: TransactionKind): string {
  const [zh, en] = KIND[kind];
  return lang === 'zh-CN' ? `${zh} ${en}` : en;
}

export function kindShort(lang: Language, kind: TransactionKind): string {
  const [zh, en] = KIND[kind];
  return lang === 'zh-CN' ? zh : en;
}

const ENTRY: Record<CardEntryMode, readonly [string, string]> = {
  contactless: ['挥卡', 'CONTACTLESS'],
  chip: ['插卡', 'CHIP'],
  magstripe: ['刷卡', 'SWIPE'],
  fallback: ['降级刷卡', 'FALLBACK SWIPE'],
  manual: ['手输', 'MANUAL'],
};

export function entryModeName(lang: Language, mode: CardEntryMode): string {
  const [zh, en] = ENTRY[mode];
  return lang === 'zh-CN' ? `${zh} ${en}` : en;
}

/** Every Chinese text a receipt may print, for the emulator's font subset and its check. */
export function allReceiptTexts(): string[] {
  return [...Object.values(LABELS), ...Object.values(KIND), ...Object.values(ENTRY)].flat();
}
