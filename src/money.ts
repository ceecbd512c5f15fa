import { ValidationError } from './errors.js';

/**
 * Currencies the terminal knows, with their ISO 4217 numeric codes and minor-unit
 * exponents (ISO 4217:2015, table A.1). Money is always integer minor units.
 */
export const CURRENCIES = Object.freeze({
  CNY: { numeric: '156', exponent: 2, symbol: '¥' },
  HKD: { numeric: '344', exponent: 2, symbol: 'HK$' },
  MOP: { numeric: '446', exponent: 2, symbol: 'MOP$' },
  TWD: { numeric: '901', exponent: 2, symbol: 'NT$' },
  USD: { numeric: '840', exponent: 2, symbol: '$' },
  EUR: { numeric: '978', exponent: 2, symbol: '€' },
  GBP: { numeric: '826', exponent: 2, symbol: '£' },
  SGD: { numeric: '702', exponent: 2, symbol: 'S$' },
  JPY: { numeric: '392', exponent: 0, symbol: '¥' },
  KRW: { numeric: '410', exponent: 0, symbol: '₩' },
} as const);

export type CurrencyCode = keyof typeof CURRENCIES;

export function isCurrencyCode(s: unknown): s is CurrencyCode {
  return typeof s === 'string' && Object.hasOwn(CURRENCIES, s);
}

export function currency(code: string): (typeof CURRENCIES)[CurrencyCode] {
  if (!isCurrencyCode(code)) throw new ValidationError(`unknown currency '${code}' (known: ${Object.keys(CURRENCIES).join(', ')})`);
  return CURRENCIES[code];
}

/** 123456 CNY -> "1,234.56"; 500 JPY -> "500". No floats on the way. */
export function formatAmount(minor: number, code: string, options: { grouping?: boolean } = {}): string {
  if (!Number.isSafeInteger(minor)) throw new ValidationError(`amount ${minor} is not a whole number of minor units`);
  const { exponent } = currency(code);
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  let whole = digits.slice(0, digits.length - exponent);
  const frac = digits.slice(digits.length - exponent);
  if (options.grouping ?? true) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${whole}${exponent > 0 ? `.${frac}` : ''}`;
}
