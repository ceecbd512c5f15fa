/**
 * What the acquirer configures for contact chip acceptance (EMV 4.4 Book 4 Annex A): the
 * terminal's list of applications with, for each, its Application Selection Indicator
 * (Book 1 12.3.1), version, floor limit, random selection parameters (Book 3 10.6.2), the
 * Terminal Action Codes (Book 3 10.7) and the default DDOL (Book 2 6.5.1). Amounts are minor
 * units of the terminal's currency.
 */
import { ValidationError } from '../errors.js';
import { fromHex } from '../hex.js';
import { shippedCaKeys, type CaKeyStore } from './ca-keys.js';
import type { ExceptionFile } from './exception-file.js';
import { DEFAULT_TERMINAL_CONFIG, type TerminalConfig } from './terminal-data.js';

export interface RandomSelection {
  /** Target Percentage to be Used for Random Selection, 0-99. */
  targetPercent: number;
  /** Maximum Target Percentage to be Used for Biased Random Selection, targetPercent-99. */
  maxTargetPercent: number;
  /** Threshold Value for Biased Random Selection, below the floor limit. */
  thresholdValue: number;
}

export interface ContactAidConfig {
  /** The terminal's AID (9F06). */
  aid: Uint8Array;
  /** Shown in logs and the technician's menu. */
  name: string;
  /**
   * Application Selection Indicator (Book 1 12.3.1): a card application whose AID is longer
   * and starts with this one matches (partial selection); otherwise only an exact match.
   */
  partialSelection: boolean;
  /** Application Version Number - terminal (9F09), compared with the card's 9F08 (Book 3 10.4.1). */
  appVersion: Uint8Array;
  /** Terminal Floor Limit (9F1B): at or above it the transaction goes online (Book 3 10.6.1). */
  floorLimit: number;
  /** Random transaction selection (Book 3 10.6.2); absent: not performed. */
  randomSelection?: RandomSelection;
  /** Terminal Action Codes (Book 3 10.7): Denial, Online, Default. */
  tacDenial: Uint8Array;
  tacOnline: Uint8Array;
  tacDefault: Uint8Array;
  /** The DDOL used when the card has none (Book 2 6.5.1); it must ask for 9F37. */
  defaultDdol: Uint8Array;
}

export interface ContactConfig {
  terminal: TerminalConfig;
  aids: readonly ContactAidConfig[];
  /** The tags of the ICC data for the host (ISO 8583 field 55), in this order. */
  iccDataTags: readonly number[];
  caKeys: CaKeyStore;
  /** The terminal can go online (Book 4 Annex A1: terminal type 22 is online capable). */
  onlineCapable: boolean;
  /** Read the Payment System Environment first (Book 1 12.3.2); false: the list of AIDs only. */
  usePse: boolean;
  /**
   * The terminal can show the candidates and let the cardholder confirm one (Book 1 12.4).
   * This terminal cannot yet: applications that ask for confirmation (87 b8) are left out.
   */
  cardholderConfirmation: boolean;
  /**
   * The terminal exception file (Book 3 10.6): cards listed get TVR byte 1 b5 and the action
   * codes decide. Absent: none (exception-file.ts: keyed PAN hashes, never PANs).
   */
  exceptionFile?: ExceptionFile;
}

/**
 * Field 55 of a contact authorisation: the cryptogram and the data it covers, then terminal
 * and card facts. The completion adds the Issuer Script Results (9F5B) when scripts ran.
 */
export const CONTACT_ICC_DATA_TAGS: readonly number[] = Object.freeze([
  0x9f26, 0x9f27, 0x9f10, 0x9f37, 0x9f36, 0x95, 0x9a, 0x9c, 0x9f02, 0x5f2a, 0x82, 0x9f1a, 0x9f03, 0x9f33, 0x9f34, 0x9f35,
  0x9f1e, 0x84, 0x9f09, 0x9f41, 0x5f34,
]);

const h = (s: string): Uint8Array => fromHex(s);

/**
 * The applications this terminal accepts by default. Floor limit 0: the terminal is online
 * capable and sends every transaction online. The TACs are the values acquirers commonly
 * load for these schemes' contact applications; the acquirer's parameter file replaces them.
 */
export const DEFAULT_CONTACT_AIDS: readonly ContactAidConfig[] = Object.freeze([
  aid('A0000000031010', 'Visa', true, '008C', ['0010000000', 'DC4004F800', 'DC4000A800']),
  aid('A0000000032010', 'Visa Electron', true, '008C', ['0010000000', 'DC4004F800', 'DC4000A800']),
  aid('A0000000041010', 'Mastercard', true, '0002', ['0000000000', 'FC50BCF800', 'FC50BCA000']),
  aid('A0000000043060', 'Maestro', true, '0002', ['0000800000', 'FC50BCF800', 'FC50BCA000']),
  aid('A00000002501', 'American Express', true, '0001', ['0000000000', 'C800000000', 'C800000000']),
  // One partial AID for UnionPay debit (..01), credit (..02) and quasi-credit (..03).
  aid('A0000003330101', 'UnionPay', true, '0030', ['0010000000', 'D84004F800', 'D84000A800']),
]);

function aid(hex: string, name: string, partialSelection: boolean, version: string, [denial, online, dflt]: [string, string, string]): ContactAidConfig {
  return {
    aid: h(hex),
    name,
    partialSelection,
    appVersion: h(version),
    floorLimit: 0,
    tacDenial: h(denial),
    tacOnline: h(online),
    tacDefault: h(dflt),
    defaultDdol: h('9F3704'),
  };
}

/**
 * The terminal of terminal-data.ts as the contact kernel presents it: Terminal Capabilities
 * (9F33, Book 4 Annex A2) byte 2 F8 adds to the contactless reader's 68 (online PIN,
 * signature, no CVM) the two offline PINs the contact card checks itself: b8 plaintext PIN
 * for ICC verification, b5 enciphered PIN for offline verification (Book 3 10.5.1).
 */
export const CONTACT_TERMINAL_CONFIG: TerminalConfig = Object.freeze({
  ...DEFAULT_TERMINAL_CONFIG,
  terminalCapabilities: Uint8Array.of(DEFAULT_TERMINAL_CONFIG.terminalCapabilities[0]!, 0xf8, DEFAULT_TERMINAL_CONFIG.terminalCapabilities[2]!),
});

/** The default contact configuration: the CN terminal of terminal-data.ts with offline PIN, the shipped test CA keys. */
export function defaultContactConfig(overrides: Partial<ContactConfig> = {}): ContactConfig {
  return {
    terminal: CONTACT_TERMINAL_CONFIG,
    aids: DEFAULT_CONTACT_AIDS,
    iccDataTags: CONTACT_ICC_DATA_TAGS,
    caKeys: overrides.caKeys ?? shippedCaKeys(),
    onlineCapable: true,
    usePse: true,
    cardholderConfirmation: false,
    ...overrides,
  };
}

/** Refuses a configuration the kernel could not run with, naming the field. */
export function checkContactConfig(config: ContactConfig): void {
  if (config.aids.length === 0) throw new ValidationError('contact aids: the terminal must accept at least one application');
  config.aids.forEach((a, i) => {
    const where = `contact aids[${i}] (${a.name})`;
    if (a.aid.length < 5 || a.aid.length > 16) throw new ValidationError(`${where}: an AID is 5 to 16 bytes`);
    if (!Number.isSafeInteger(a.floorLimit) || a.floorLimit < 0 || a.floorLimit > 0xffffffff) {
      throw new ValidationError(`${where}: floorLimit must be a whole amount in minor units that fits 9F1B (4 bytes)`);
    }
    for (const [name, v] of [['tacDenial', a.tacDenial], ['tacOnline', a.tacOnline], ['tacDefault', a.tacDefault]] as const) {
      if (v.length !== 5) throw new ValidationError(`${where}: ${name} is 5 bytes`);
    }
    if (a.appVersion.length !== 2) throw new ValidationError(`${where}: appVersion (9F09) is 2 bytes`);
    const r = a.randomSelection;
    if (r) {
      const pct = (v: number) => Number.isInteger(v) && v >= 0 && v <= 99;
      if (!pct(r.targetPercent) || !pct(r.maxTargetPercent) || r.maxTargetPercent < r.targetPercent) {
        throw new ValidationError(`${where}: randomSelection percentages must be 0-99 with maxTargetPercent >= targetPercent`);
      }
      if (!Number.isSafeInteger(r.thresholdValue) || r.thresholdValue < 0 || (a.floorLimit > 0 && r.thresholdValue >= a.floorLimit)) {
        throw new ValidationError(`${where}: randomSelection.thresholdValue must be a whole amount below the floor limit`);
      }
    }
  });
  for (const t of config.iccDataTags) {
    if (!Number.isInteger(t) || t <= 0) throw new ValidationError(`iccDataTags: ${t} is not a tag`);
  }
}
