import { ValidationError } from '../../errors.js';
import { isCurrencyCode } from '../../money.js';
import type { ChipData, MerchantInfo } from './types.js';

/**
 * Checks on receipt data before anything is laid out. A receipt must never carry a full
 * card number: the number must already be masked as maskPan() does it (at most the first
 * six and last four digits, at least one '*'). Messages name the field, never the value,
 * since the value might be the very PAN that must not be logged.
 */

const MASKED = /^[0-9]{0,6}\*+[0-9]{0,4}$/;

export function checkMaskedPan(s: unknown, field = 'maskedPan'): string {
  if (typeof s !== 'string' || s.length < 8 || s.length > 19 || !MASKED.test(s)) {
    throw new ValidationError(`receipt: ${field} must be a masked card number (at most the first 6 and last 4 digits shown)`, 'RECEIPT_PAN_NOT_MASKED');
  }
  return s;
}

export function checkDigits(s: unknown, field: string, length: number): string {
  if (typeof s !== 'string' || !new RegExp(`^[0-9]{${length}}$`).test(s)) throw new ValidationError(`receipt: ${field} must be ${length} digits`);
  return s;
}

export function checkPrintable(s: unknown, field: string, max: number): string {
  if (typeof s !== 'string' || s.length === 0 || s.length > max || /[\u0000-\u001f\u007f]/.test(s)) {
    throw new ValidationError(`receipt: ${field} must be 1-${max} printable characters`);
  }
  return s;
}

export function checkAmount(n: unknown, field: string, currency: unknown): number {
  if (!isCurrencyCode(currency)) throw new ValidationError(`receipt: currency must be an ISO 4217 code the terminal knows`);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ValidationError(`receipt: ${field} must be a whole, non-negative number of minor units`);
  return n;
}

export function checkTime(n: unknown, field = 'time'): number {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ValidationError(`receipt: ${field} must be epoch milliseconds`);
  return n;
}

export function checkMerchant(m: MerchantInfo): void {
  checkPrintable(m.name, 'merchant.name', 40);
  checkPrintable(m.merchantId, 'merchant.merchantId', 15);
  checkPrintable(m.terminalId, 'merchant.terminalId', 8);
  try {
    new Intl.DateTimeFormat('en', { timeZone: m.timeZone });
  } catch {
    throw new ValidationError('receipt: merchant.timeZone must be an IANA time zone');
  }
  if (m.operatorId !== undefined) checkPrintable(m.operatorId, 'merchant.operatorId', 8);
}

const HEX = (min: number, max: number) => new RegExp(`^[0-9A-Fa-f]{${min},${max}}$`);

export function checkChip(c: ChipData): void {
  if (!HEX(10, 32).test(c.aid)) throw new ValidationError('receipt: chip.aid must be 5-16 bytes of hex');
  if (c.tc !== undefined && !HEX(16, 16).test(c.tc)) throw new ValidationError('receipt: chip.tc must be 8 bytes of hex');
  if (c.cryptogramType !== undefined && !['ARQC', 'TC', 'AAC'].includes(c.cryptogramType)) throw new ValidationError('receipt: chip.cryptogramType must be ARQC, TC or AAC');
  if (c.tvr !== undefined && !HEX(10, 10).test(c.tvr)) throw new ValidationError('receipt: chip.tvr must be 5 bytes of hex');
  if (c.tsi !== undefined && !HEX(4, 4).test(c.tsi)) throw new ValidationError('receipt: chip.tsi must be 2 bytes of hex');
  if (c.appLabel !== undefined) checkPrintable(c.appLabel, 'chip.appLabel', 16);
}
