import type { CurrencyCode } from '../../money.js';
import type { Language } from '../../ui/messages.js';

/**
 * The data each receipt is printed from. Plain values (strings, integers, epoch ms), so a
 * journal record maps onto them and a receipt can be printed again from the journal. A
 * card appears only as its masked number: the layouts refuse anything else.
 */

export interface MerchantInfo {
  /** 商户名称: as set up by the acquirer; may be Chinese. */
  name: string;
  /** 商户编号: ISO 8583 field 42, 15 characters. */
  merchantId: string;
  /** 终端编号: ISO 8583 field 41, 8 characters. */
  terminalId: string;
  /** IANA time zone the receipt's dates are shown in (the terminal's setting). */
  timeZone: string;
  /** 操作员号, when operators log in. */
  operatorId?: string;
}

export type CardEntryMode = 'contactless' | 'chip' | 'magstripe' | 'fallback' | 'manual';

/** How the cardholder was verified: 'signature' puts a signature line on the merchant copy. */
export type Cvm = 'signature' | 'online-pin' | 'offline-pin' | 'cdcvm' | 'none';

export type TransactionKind = 'sale' | 'void' | 'refund';

/** EMV data printed for chip and contactless chip transactions (hex, as the kernel holds them). */
export interface ChipData {
  /** 9F06 / 4F: the application identifier. */
  aid: string;
  /** 50: the application label. */
  appLabel?: string;
  /** 9F26 of the final GENERATE AC: the TC (or ARQC when the card went online only). */
  tc?: string;
  /** What `tc` is (9F27): printed as its label ("ARQC: ...", "TC: ..."); TC when absent. */
  cryptogramType?: 'ARQC' | 'TC' | 'AAC';
  /** 95: terminal verification results. */
  tvr?: string;
  /** 9B: transaction status information. */
  tsi?: string;
}

export interface TransactionReceiptData {
  merchant: MerchantInfo;
  kind: TransactionKind;
  /** Masked as maskPan() does it: at most the first 6 and last 4 digits. */
  maskedPan: string;
  /** VISA, MASTERCARD, UNIONPAY... */
  cardBrand: string;
  entryMode: CardEntryMode;
  /** 批次号, 6 digits. */
  batch: string;
  /** 凭证号 (the voucher or trace number, STAN), 6 digits. */
  trace: string;
  /** 授权码, ISO 8583 field 38; absent when the host gave none. */
  authCode?: string;
  /** 参考号, ISO 8583 field 37, 12 characters. */
  rrn: string;
  /** When the host approved it, epoch ms. */
  time: number;
  /** Positive minor units; voids and refunds print with a minus sign. */
  amount: number;
  currency: CurrencyCode;
  /** For a void: the voided sale's voucher number; for a refund: the original's reference and date. */
  original?: { trace?: string; rrn?: string; date?: string };
  chip?: ChipData;
  cvm: Cvm;
  /** Printed again on request (menu: reprint): marked at the top. */
  reprint?: boolean;
  /** Printed as a QR code on the customer copy (an e-receipt link, a lookup reference). */
  qr?: string;
}

export interface SettlementTotals {
  count: number;
  /** Minor units. */
  amount: number;
}

export interface SettlementReceiptData {
  merchant: MerchantInfo;
  batch: string;
  time: number;
  currency: CurrencyCode;
  /** Sales still standing (voided sales are not in here). */
  sale: SettlementTotals;
  void: SettlementTotals;
  refund: SettlementTotals;
  /** Whether the host's totals agreed with the terminal's (对账平 / 对账不平). */
  result: 'balanced' | 'unbalanced';
  reprint?: boolean;
}

export interface TransactionListEntry {
  trace: string;
  kind: TransactionKind;
  maskedPan: string;
  amount: number;
  authCode?: string;
  time: number;
  /** A sale voided later in the batch. */
  voided?: boolean;
}

export interface TransactionListData {
  merchant: MerchantInfo;
  batch: string;
  time: number;
  currency: CurrencyCode;
  entries: TransactionListEntry[];
}

export interface TestPageData {
  merchant: MerchantInfo;
  time: number;
  /** The runtime's version, for the technician. */
  software: string;
  printer: { name: string; dots: number; columns: number; baudRate: number; qr: 'native' | 'raster' };
}

export interface ReceiptOptions {
  lang: Language;
  /** 58 mm paper: 32 columns; 80 mm: 48. */
  paper: 58 | 80;
}

/** A transaction receipt's two copies, printed separately: the flow asks to tear off the first. */
export interface ReceiptCopies<T> {
  merchant: T;
  customer: T;
}
