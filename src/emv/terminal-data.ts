/**
 * The terminal's side of the data a card asks for in its DOLs: the merchant's configuration
 * (what the acquirer sets up once) and the transaction's own data (amount, date, the
 * unpredictable number). Formats and lengths are those of EMV 4.4 Book 3 Annex A1.
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { DataSource } from './dol.js';
import { encodeN, encodeText, encodeUint } from './formats.js';

/** What a merchant's configuration sets; nothing here is a property of the code. */
export interface TerminalConfig {
  /** 9F1A, ISO 3166-1 numeric (156 = China). */
  countryCode: number;
  /** 5F2A, ISO 4217 numeric (156 = CNY). */
  currencyCode: number;
  /** 5F36: digits after the decimal point of the currency (2 for CNY). */
  currencyExponent: number;
  /** 9F35, Book 4 Annex A1: 22 = attended, merchant operated, offline with online capability. */
  terminalType: number;
  /** 9F33, 3 bytes (Book 4 Annex A2). */
  terminalCapabilities: Uint8Array;
  /** 9F40, 5 bytes (Book 4 Annex A3). */
  additionalCapabilities: Uint8Array;
  /** 9F66 Terminal Transaction Qualifiers, 4 bytes (Contactless Book A 5.7 / Book C-3). */
  ttq: Uint8Array;
  /** 9F15, ISO 18245 merchant category code (4 digits). */
  merchantCategoryCode: number;
  /** 9F1C, 8 characters, as the acquirer assigned it. */
  terminalId: string;
  /** 9F16, up to 15 characters, as the acquirer assigned it (padded with spaces). */
  merchantId: string;
  /** 9F1E, 8 characters: the device's serial number. */
  ifdSerialNumber: string;
  /** 9F4E, printed by some issuers on statements. */
  merchantNameLocation?: string;
  /** 9F01, 6 to 11 digits, when the acquirer asks for it. */
  acquirerId?: string;
  /** 9F1B, in minor units of the currency. */
  floorLimit?: number;
}

/**
 * Defaults for a CNY (156) terminal in China (156). Capabilities as this terminal is built:
 * 9F33 E0 68 C8 = keyed entry, magstripe, contact chip; online PIN, signature, no CVM;
 *   SDA, DDA, CDA.
 * 9F40 60 00 B0 F0 01 = goods and services; numeric, command and function keys; printer and
 *   display for attendant and cardholder; code table 1.
 * 9F66 36 00 40 00 = contactless EMV, contact chip, online PIN and signature supported;
 *   consumer device CVM supported.
 * The identifiers are placeholders until the acquirer assigns real ones.
 */
export const DEFAULT_TERMINAL_CONFIG: Readonly<TerminalConfig> = Object.freeze({
  countryCode: 156,
  currencyCode: 156,
  currencyExponent: 2,
  terminalType: 22,
  terminalCapabilities: Uint8Array.of(0xe0, 0x68, 0xc8),
  additionalCapabilities: Uint8Array.of(0x60, 0x00, 0xb0, 0xf0, 0x01),
  ttq: Uint8Array.of(0x36, 0x00, 0x40, 0x00),
  merchantCategoryCode: 5999,
  terminalId: '00000001',
  merchantId: '000000000000001',
  ifdSerialNumber: '00000001',
});

/** Book 3 Annex A1 / Book 4 Annex A5 values of 9C Transaction Type used by this terminal. */
export const TransactionType = Object.freeze({ purchase: 0x00, cashback: 0x09, refund: 0x20 });

/** The data of one transaction that a card may ask for. */
export interface TransactionData {
  /** 9F02 and 81, in minor units of the configured currency. */
  amount: number;
  /** 9F03 and 9F04, in minor units (cashback); 0 when none. */
  otherAmount: number;
  /** 9C, as its two BCD digits read as hex: 0x00 purchase, 0x09 cashback, 0x20 refund. */
  type: number;
  /** 9A and 9F21, in the terminal's local time. */
  time: Date;
  /** 9F37, 4 bytes. */
  unpredictableNumber: Uint8Array;
  /** 95, 5 bytes, set as processing goes on. */
  tvr: Uint8Array;
  /** 9B, 2 bytes. */
  tsi: Uint8Array;
}

export interface NewTransaction {
  amount: number;
  otherAmount?: number;
  type?: number;
  time?: Date;
  /** Random bytes for 9F37; crypto random unless a test injects its own. */
  random?: (n: number) => Uint8Array;
}

/** A transaction's data with a fresh unpredictable number and clear TVR and TSI. */
export function newTransaction(t: NewTransaction): TransactionData {
  const random = t.random ?? ((n: number) => Uint8Array.from(randomBytes(n)));
  const un = random(4);
  if (un.length !== 4) throw new ValidationError(`unpredictable number: the random source gave ${un.length} bytes, not 4`);
  return {
    amount: t.amount,
    otherAmount: t.otherAmount ?? 0,
    type: t.type ?? TransactionType.purchase,
    time: t.time ?? new Date(),
    unpredictableNumber: un,
    tvr: new Uint8Array(5),
    tsi: new Uint8Array(2),
  };
}

/** Largest amount format n 12 holds (Book 3 Annex A1, 9F02). */
const MAX_N12 = 999_999_999_999;

function amount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_N12) {
    throw new ValidationError(`${what}: ${value} is not a whole amount in minor units from 0 to ${MAX_N12}`);
  }
  return value;
}

/** A code of at most `n` decimal digits (n3 for country and currency, Book 3 Annex A1). */
function digits(value: number, n: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 10 ** n) {
    throw new ValidationError(`${what}: ${value} is not a code of ${n === 1 ? 'one digit' : `up to ${n} digits`}`);
  }
  return value;
}

function fixed(bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (bytes.length !== length) throw new ValidationError(`${what} must be ${length} bytes, not ${bytes.length}`);
  return bytes;
}

function exactText(text: string, length: number, what: string): Uint8Array {
  if (text.length !== length) throw new ValidationError(`${what} must be ${length} characters, not ${text.length}`);
  return encodeText(text, length, what);
}

/** The configuration's values keyed by tag; checks each field as it goes. */
export function configValues(config: TerminalConfig): Map<number, Uint8Array> {
  const v = new Map<number, Uint8Array>();
  v.set(0x9f1a, encodeN(digits(config.countryCode, 3, 'countryCode (9F1A)'), 2));
  v.set(0x5f2a, encodeN(digits(config.currencyCode, 3, 'currencyCode (5F2A)'), 2));
  v.set(0x5f36, encodeN(digits(config.currencyExponent, 1, 'currencyExponent (5F36)'), 1));
  v.set(0x9f35, encodeN(digits(config.terminalType, 2, 'terminalType (9F35)'), 1));
  v.set(0x9f33, fixed(config.terminalCapabilities, 3, 'terminalCapabilities (9F33)'));
  v.set(0x9f40, fixed(config.additionalCapabilities, 5, 'additionalCapabilities (9F40)'));
  v.set(0x9f66, fixed(config.ttq, 4, 'ttq (9F66)'));
  v.set(0x9f15, encodeN(digits(config.merchantCategoryCode, 4, 'merchantCategoryCode (9F15)'), 2));
  v.set(0x9f1c, exactText(config.terminalId, 8, 'terminalId (9F1C)'));
  v.set(0x9f16, encodeText(config.merchantId, 15, 'merchantId (9F16)'));
  v.set(0x9f1e, exactText(config.ifdSerialNumber, 8, 'ifdSerialNumber (9F1E)'));
  if (config.merchantNameLocation !== undefined) {
    v.set(0x9f4e, encodeText(config.merchantNameLocation, undefined, 'merchantNameLocation (9F4E)'));
  }
  if (config.acquirerId !== undefined) {
    if (!/^[0-9]{6,11}$/.test(config.acquirerId)) throw new ValidationError('acquirerId (9F01) must be 6 to 11 digits');
    v.set(0x9f01, encodeN(config.acquirerId, 6, 'acquirerId (9F01)'));
  }
  if (config.floorLimit !== undefined) v.set(0x9f1b, encodeUint(config.floorLimit, 4, 'floorLimit (9F1B)'));
  return v;
}

/** The transaction's values keyed by tag, as they are now. */
export function transactionValues(txn: TransactionData): Map<number, Uint8Array> {
  const v = new Map<number, Uint8Array>();
  const amt = amount(txn.amount, 'amount (9F02)');
  const other = amount(txn.otherAmount, 'otherAmount (9F03)');
  v.set(0x9f02, encodeN(amt, 6));
  v.set(0x9f03, encodeN(other, 6));
  // The binary forms hold 4 bytes; an amount beyond them is simply not offered (zeros in a DOL).
  if (amt <= 0xffffffff) v.set(0x81, encodeUint(amt, 4));
  if (other <= 0xffffffff) v.set(0x9f04, encodeUint(other, 4));
  if (!Number.isInteger(txn.type) || txn.type < 0 || txn.type > 0x99 || (txn.type & 0x0f) > 9 || txn.type >> 4 > 9) {
    throw new ValidationError(`type (9C): ${txn.type} is not two BCD digits`);
  }
  v.set(0x9c, Uint8Array.of(txn.type));
  const t = txn.time;
  if (Number.isNaN(t.getTime())) throw new ValidationError('time (9A, 9F21) is not a valid date');
  v.set(0x9a, encodeN(pad2(t.getFullYear() % 100) + pad2(t.getMonth() + 1) + pad2(t.getDate()), 3));
  v.set(0x9f21, encodeN(pad2(t.getHours()) + pad2(t.getMinutes()) + pad2(t.getSeconds()), 3));
  v.set(0x9f37, fixed(txn.unpredictableNumber, 4, 'unpredictableNumber (9F37)'));
  v.set(0x95, fixed(txn.tvr, 5, 'tvr (95)'));
  v.set(0x9b, fixed(txn.tsi, 2, 'tsi (9B)'));
  return v;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The terminal's data source for DOLs. The configuration is checked once, here; the
 * transaction is read at each look-up, so a TVR set after this call is what the card gets.
 */
export function terminalDataSource(config: TerminalConfig, txn: TransactionData): DataSource {
  const fromConfig = configValues(config);
  transactionValues(txn); // refuse a bad transaction now rather than in the middle of a DOL
  return (tag) => fromConfig.get(tag) ?? transactionValues(txn).get(tag);
}
