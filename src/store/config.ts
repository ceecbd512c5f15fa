import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { isAbsolute, join } from 'node:path';
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
   * How many more times a sale asks for the online PIN after the issuer answers 55
   * (incorrect PIN): each a new authorisation (new STAN, new DUKPT transaction) for the same
   * card and amount. 2 by default, so 3 tries in all, as issuers block the PIN at the third
   * wrong one (75); 0 ends the sale at the first 55.
   */
  onlinePinRetries: number;
  /**
   * A chip card whose chip failed may be swiped (ISO 8583 entry mode 80, "fallback"), when
   * the acquirer allows it. Off by default: fallback is where card skimming lives.
   */
  magstripeFallbackAllowed: boolean;
  /**
   * The terminal exception file (EMV Book 3 10.6): chip cards the acquirer listed get TVR
   * "card appears on terminal exception file" and the action codes decline them or send
   * them online. Keyed PAN hashes, never PANs: each entry is what the journal keeps as a
   * record's `panHash` (64 hex digits), optionally with '/NN' for one PAN sequence number
   * (src/emv/exception-file.ts). Empty: no exception file.
   */
  exceptionFile: string[];
  /**
   * A void asks for the sale's card again and checks it is the same card. Off by default:
   * the journal holds the sale's PAN sealed, and the supervisor password guards the void.
   */
  voidNeedsCard: boolean;
  /** The merchant's rules for refunds of settled sales (退货); the day's cap is refundDailyCap. */
  refundPolicy: RefundPolicy;
  /**
   * The most the day's approved sales may add up to, in minor units of `currency` (the
   * merchant's local day). A sale that would pass it is refused before it goes online:
   * a stolen or misused terminal cannot run up more than a day's worth.
   */
  dailySalesLimit: number;
  /**
   * The most the day's approved refunds may add up to, in minor units of `currency`.
   * Refunds send the merchant's money out: the refund flow refuses one that would pass it.
   */
  refundDailyCap: number;
  /** When the transaction monitor flags an anomaly (log events monitor.*, the settlement report). */
  monitor: {
    /** This many declines in a row (card testing, a broken reader, a host problem). */
    declineRun: number;
    /** More refunds than this in a day. */
    refundsPerDay: number;
    /** Refunds of the day adding up to more than this, minor units. */
    refundAmountPerDay: number;
    /** One refund of at least this much, minor units. */
    largeRefund: number;
  };
  /**
   * Where diagnostics exports logs and the masked journal: a USB stick's mount point
   * (/media/pos-usb). Empty: <data>/export. A directory set here must exist (the stick is
   * mounted); the default one is made when needed.
   */
  exportDir: string;
  timeouts: {
    amountEntryMs: number;
    presentCardMs: number;
    menuMs: number;
    messageMs: number;
    /** pinEntryTimeout: how long PIN entry waits for the next key before it gives up. */
    pinEntryMs: number;
  };
}

/**
 * A refund's rules. The handling fee is kept by the merchant: the card is credited the
 * refund less the fee. At most one of the two fee forms is non-zero.
 */
export interface RefundPolicy {
  /** How many days after the sale a refund is taken (the acquirer's own limit is 30). */
  windowDays: number;
  /** Handling fee as a share of the refund, in basis points (100 = 1 %); 0: none. */
  feeBasisPoints: number;
  /** Handling fee as a fixed amount in minor units; 0: none. */
  feeFixed: number;
  /** A refund needs the supervisor's password (the usual rule of CN acquirers). */
  supervisorRequired: boolean;
}

export const DEFAULT_REFUND_POLICY: RefundPolicy = Object.freeze({
  windowDays: 30,
  feeBasisPoints: 0,
  feeFixed: 0,
  supervisorRequired: true,
}) as RefundPolicy;

export const DEFAULT_SETTINGS: TerminalSettings = Object.freeze({
  merchantName: '示例商户',
  merchantId: '123456789012345',
  terminalId: '12345678',
  currency: 'CNY',
  maxAmount: 5_000_000,
  language: 'zh-CN',
  timeZone: 'Asia/Shanghai',
  pinBypassAllowed: false,
  onlinePinRetries: 2,
  magstripeFallbackAllowed: false,
  exceptionFile: Object.freeze([]) as unknown as string[],
  voidNeedsCard: false,
  refundPolicy: DEFAULT_REFUND_POLICY,
  dailySalesLimit: 100_000_000,
  refundDailyCap: 2_000_000,
  monitor: Object.freeze({ declineRun: 5, refundsPerDay: 5, refundAmountPerDay: 500_000, largeRefund: 200_000 }),
  exportDir: '',
  timeouts: Object.freeze({ amountEntryMs: 60_000, presentCardMs: 60_000, menuMs: 30_000, messageMs: 3_000, pinEntryMs: 30_000 }),
}) as TerminalSettings;

const whole = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

function refundPolicyProblems(raw: unknown): string[] {
  const r = raw as Partial<RefundPolicy> | undefined;
  if (typeof r !== 'object' || r === null) return ['refundPolicy must be an object'];
  const p: string[] = [];
  if (!whole(r.windowDays, 1, 365)) p.push('refundPolicy.windowDays must be a whole number of days from 1 to 365');
  if (!whole(r.feeBasisPoints, 0, 10_000)) p.push('refundPolicy.feeBasisPoints must be from 0 to 10000 (100 = 1 %)');
  if (!whole(r.feeFixed, 0, 999_999_999_999)) p.push('refundPolicy.feeFixed must be a whole number of minor units, 0 or more');
  if ((r.feeBasisPoints as number) > 0 && (r.feeFixed as number) > 0 && p.length === 0) p.push('refundPolicy: set feeBasisPoints or feeFixed, not both');
  if (typeof r.supervisorRequired !== 'boolean') p.push('refundPolicy.supervisorRequired must be true or false');
  return p;
}

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
  if (!whole(s.onlinePinRetries, 0, 5)) p.push('onlinePinRetries must be a whole number from 0 to 5');
  if (typeof s.magstripeFallbackAllowed !== 'boolean') p.push('magstripeFallbackAllowed must be true or false');
  if (!Array.isArray(s.exceptionFile) || s.exceptionFile.some((e) => typeof e !== 'string' || !/^[0-9A-Fa-f]{64}(\/[0-9]{2})?$/.test(e))) {
    p.push("exceptionFile must list keyed PAN hashes (a journal record's panHash): 64 hex digits, optionally '/' and a 2-digit PAN sequence number");
  }
  for (const k of ['dailySalesLimit', 'refundDailyCap'] as const) {
    const v = s[k];
    if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > 999_999_999_999) p.push(`${k} must be a whole number of minor units from 1 to 999999999999`);
  }
  const m = s.monitor as Record<string, unknown> | undefined;
  const monitorLimits: Record<string, number> = { declineRun: 999, refundsPerDay: 999, refundAmountPerDay: 999_999_999_999, largeRefund: 999_999_999_999 };
  for (const [k, max] of Object.entries(monitorLimits)) {
    const v = m?.[k];
    if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > max) p.push(`monitor.${k} must be a whole number from 1 to ${max}`);
  }
  if (typeof s.voidNeedsCard !== 'boolean') p.push('voidNeedsCard must be true or false');
  p.push(...refundPolicyProblems(s.refundPolicy));
  if (typeof s.exportDir !== 'string' || (s.exportDir !== '' && !isAbsolute(s.exportDir))) p.push("exportDir must be '' (<data>/export) or an absolute path");
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
  const merged = { ...DEFAULT_SETTINGS, ...db.data, timeouts: { ...DEFAULT_SETTINGS.timeouts, ...db.data.timeouts }, monitor: { ...DEFAULT_SETTINGS.monitor, ...db.data.monitor }, refundPolicy: { ...DEFAULT_SETTINGS.refundPolicy, ...db.data.refundPolicy } };
  const settings = validateSettings(merged);
  if (fresh || JSON.stringify(db.data) !== JSON.stringify(settings)) {
    db.data = settings;
    await db.write();
  }
  return settings;
}
