import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { isCurrencyCode, type CurrencyCode } from '../money.js';
import { isLanguage, type Language } from '../ui/messages.js';

/** What the merchant and the acquirer set up; kept in <data>/config.json (lowdb). */
export interface TerminalSettings {
  merchantName: string;
  /** ISO 8583 field 42, 15 characters. */
  merchantId: string;
  /** ISO 8583 field 41, 8 characters. */
  terminalId: string;
  currency: CurrencyCode;
  /** The largest amount of one transaction, in minor units. */
  maxAmount: number;
  language: Language;
  /** IANA time zone for the screen and receipts. */
  timeZone: string;
  /**
   * Whether the cardholder may skip PIN entry by pressing ENTER on no digits (EMV "PIN
   * bypass"). Off unless the acquirer allows it: a bypassed PIN CVM is then reported to the
   * card and host as such.
   */
  pinBypassAllowed: boolean;
  /**
   * A chip card whose chip failed may be swiped (ISO 8583 entry mode 80, "fallback"), when
   * the acquirer allows it. Off by default: fallback is where card skimming lives.
   */
  magstripeFallbackAllowed: boolean;
  timeouts: {
    amountEntryMs: number;
    presentCardMs: number;
    menuMs: number;
    messageMs: number;
    /** pinEntryTimeout: how long PIN entry waits for the next key before it gives up. */
    pinEntryMs: number;
  };
}

export const DEFAULT_SETTINGS: TerminalSettings = Object.freeze({
  merchantName: '示例商户',
  merchantId: '123456789012345',
  terminalId: '12345678',
  currency: 'CNY',
  maxAmount: 5_000_000,
  language: 'zh-CN',
  timeZone: 'Asia/Shanghai',
  pinBypassAllowed: false,
  magstripeFallbackAllowed: false,
  timeouts: Object.freeze({ amountEntryMs: 60_000, presentCardMs: 60_000, menuMs: 30_000, messageMs: 3_000, pinEntryMs: 30_000 }),
}) as TerminalSettings;

/** Checks settings read from disk; every mistake named with its field. */
export function validateSettings(raw: unknown): TerminalSettings {
  const s = raw as Partial<TerminalSettings>;
  const p: string[] = [];
  if (typeof s.merchantName !== 'string' || !s.merchantName.trim()) p.push('merchantName must be a non-empty string');
  if (typeof s.merchantId !== 'string' || !/^[\x20-\x7e]{15}$/.test(s.merchantId)) p.push('merchantId must be 15 printable characters');
  if (typeof s.terminalId !== 'string' || !/^[\x20-\x7e]{8}$/.test(s.terminalId)) p.push('terminalId must be 8 printable characters');
  if (!isCurrencyCode(s.currency)) p.push('currency must be an ISO 4217 code the terminal knows (CNY, USD, ...)');
  if (!Number.isSafeInteger(s.maxAmount) || (s.maxAmount as number) < 1 || (s.maxAmount as number) > 999_999_999_999) {
    p.push('maxAmount must be a whole number of minor units from 1 to 999999999999');
  }
  if (!isLanguage(s.language)) p.push("language must be 'zh-CN' or 'en'");
  try {
    new Intl.DateTimeFormat('en', { timeZone: s.timeZone });
  } catch {
    p.push(`timeZone '${String(s.timeZone)}' is not an IANA time zone`);
  }
  if (typeof s.pinBypassAllowed !== 'boolean') p.push('pinBypassAllowed must be true or false');
  if (typeof s.magstripeFallbackAllowed !== 'boolean') p.push('magstripeFallbackAllowed must be true or false');
  const t = s.timeouts as Record<string, unknown> | undefined;
  for (const k of ['amountEntryMs', 'presentCardMs', 'menuMs', 'messageMs', 'pinEntryMs']) {
    const v = t?.[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 600_000) p.push(`timeouts.${k} must be from 100 to 600000 ms`);
  }
  if (p.length) throw new ValidationError(`config.json: ${p.join('; ')}`, 'CONFIG_INVALID');
  return s as TerminalSettings;
}

/**
 * Loads <dir>/config.json, creating it with the defaults the first time. Settings missing
 * from an older file take their defaults; a wrong value is refused with its field named.
 */
export async function loadSettings(dir: string): Promise<TerminalSettings> {
  // Not JSONFilePreset: it swaps in a memory adapter whenever NODE_ENV is 'test'.
  const db = new Low<TerminalSettings>(new JSONFile(join(dir, 'config.json')), DEFAULT_SETTINGS);
  await db.read();
  const fresh = db.data === DEFAULT_SETTINGS;
  const merged = { ...DEFAULT_SETTINGS, ...db.data, timeouts: { ...DEFAULT_SETTINGS.timeouts, ...db.data.timeouts } };
  const settings = validateSettings(merged);
  if (fresh || JSON.stringify(db.data) !== JSON.stringify(settings)) {
    db.data = settings;
    await db.write();
  }
  return settings;
}
