/**
 * EMV dates as the kernel compares them: format n 6 YYMMDD (5F24 expiry, 5F25 effective
 * date, 9A transaction date; EMV 4.4 Book 3 Annex A1) and the MMYY of certificate expiry
 * dates (Book 2 5.3 Table 6 and 6.3 Table 13). Dates become yyyymmdd numbers so that plain
 * comparison orders them. Two-digit years: 00-49 are 2000-2049 and 50-99 are 1950-1999, as
 * Book 4 6.7.3 ("Date Management") asks of terminals.
 */
import { decodeN } from './formats.js';

/** Book 4 6.7.3: YY below 50 is 20YY, else 19YY. */
export function fullYear(yy: number): number {
  return yy < 50 ? 2000 + yy : 1900 + yy;
}

/** A yyyymmdd number from n 6 YYMMDD bytes; undefined unless a real calendar date. */
export function yymmddToNumber(bytes: Uint8Array): number | undefined {
  if (bytes.length !== 3) return undefined;
  const digits = decodeN(bytes);
  if (digits === undefined) return undefined;
  const yy = Number(digits.slice(0, 2));
  const mm = Number(digits.slice(2, 4));
  const dd = Number(digits.slice(4, 6));
  if (mm < 1 || mm > 12 || dd < 1 || dd > daysInMonth(fullYear(yy), mm)) return undefined;
  return fullYear(yy) * 10000 + mm * 100 + dd;
}

/** The transaction date (the terminal's local date, as 9A carries it) as yyyymmdd. */
export function dateNumber(d: Date): number {
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
}

function daysInMonth(year: number, month: number): number {
  return new Date(year, month, 0).getDate();
}

/**
 * A certificate's MMYY expiry (2 bytes, n 4) as the yyyymmdd of its last valid day: a
 * certificate is valid through the end of the month it names (Book 2 5.3 step 9, 6.4 step 10).
 */
export function mmyyToLastDay(bytes: Uint8Array): number | undefined {
  if (bytes.length !== 2) return undefined;
  const digits = decodeN(bytes);
  if (digits === undefined) return undefined;
  const mm = Number(digits.slice(0, 2));
  const year = fullYear(Number(digits.slice(2, 4)));
  if (mm < 1 || mm > 12) return undefined;
  return year * 10000 + mm * 100 + daysInMonth(year, mm);
}
