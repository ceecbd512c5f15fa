/**
 * What the acquirer configures for contactless acceptance, per application (AID) and
 * kernel: EMV Contactless Book A 5.7 (the configuration data of Entry Point and kernels),
 * Book B 3.1 (the limits pre-processing checks), and the kernels' own data (Book C-2 Annex A
 * DF81xx for Mastercard, C-3 for Visa's TTQ, C-4 for Amex, C-7 for UnionPay). Amounts are
 * minor units of the terminal's currency.
 */
import { ValidationError } from '../errors.js';
import { fromHex } from '../hex.js';
import { shippedCaKeys, type CaKeyStore } from './ca-keys.js';
import { DEFAULT_TERMINAL_CONFIG, type TerminalConfig } from './terminal-data.js';

/** Kernel identifiers of Book B Table 3-6 that this terminal runs. */
export type KernelId = 2 | 3 | 4 | 7;

export interface AidConfig {
  /** The terminal's AID (9F06); a card's ADF name matches when it starts with it. */
  aid: Uint8Array;
  kernel: KernelId;
  /** Shown in logs and the technician's menu. */
  name: string;
  /** Application Version Number - terminal (9F09), compared with the card's 9F08 by Kernels 2 and 4. */
  appVersion: Uint8Array;
  /** Reader Contactless Floor Limit: above it the transaction goes online. */
  floorLimit: number;
  /** Reader Contactless Transaction Limit: at or above it contactless is not allowed. */
  transactionLimit: number;
  /** Kernel 2's limit when the card verifies the cardholder on the device (DF8125). */
  transactionLimitOnDevice?: number;
  /** Reader CVM Required Limit: at or above it a CVM is required. */
  cvmRequiredLimit: number;
  /** Whether a zero amount may be processed (Book B 3.1.1.5), going online when it is. */
  zeroAmountAllowed: boolean;
  /** Terminal Action Codes (Book 3 10.7): Denial, Online, Default; used by Kernels 2 and 4. */
  tacDenial: Uint8Array;
  tacOnline: Uint8Array;
  tacDefault: Uint8Array;
  /** Kernels 3 and 7: the TTQ (9F66) before pre-processing sets its dynamic bits. */
  ttq?: Uint8Array;
  /** Kernels 2 and 4: 9F33 byte 2 above and below the CVM Required Limit (C-2 DF8118 and DF8119). */
  cvmCapabilityCvmRequired?: number;
  cvmCapabilityNoCvmRequired?: number;
  /** Kernel 2's Kernel Configuration (DF811B); b6 = on-device cardholder verification supported. */
  kernelConfiguration?: number;
  /** Other terminal data this kernel may be asked for in a DOL (9F6E for Amex, 9F7C...). */
  terminalData?: ReadonlyMap<number, Uint8Array>;
}

export interface ContactlessConfig {
  terminal: TerminalConfig;
  aids: readonly AidConfig[];
  /** The tags of the ICC data for the host (ISO 8583 field 55), in this order. */
  iccDataTags: readonly number[];
  caKeys: CaKeyStore;
  /** The terminal can go online (its terminal type, Book 4 Annex A1: 22 is online capable). */
  onlineCapable: boolean;
}

/**
 * Field 55 of a contactless authorisation: the data an issuer needs to check the
 * cryptogram and decide (the usual acquirer list: cryptogram and its inputs, then
 * terminal and card facts).
 */
export const DEFAULT_ICC_DATA_TAGS: readonly number[] = Object.freeze([
  0x9f26, 0x9f27, 0x9f10, 0x9f37, 0x9f36, 0x95, 0x9a, 0x9c, 0x9f02, 0x5f2a, 0x82, 0x9f1a, 0x9f03, 0x9f33, 0x9f34, 0x9f35,
  0x9f1e, 0x84, 0x9f09, 0x9f41, 0x9f66, 0x9f6c, 0x9f6e, 0x5f34,
]);

const h = (s: string): Uint8Array => fromHex(s);

/** 100,000.00 and 1,000.00 in the minor units of CNY: the limits of a CN merchant. */
const CNY_TRANSACTION_LIMIT = 10_000_000;
const CNY_CVM_LIMIT = 100_000;

/**
 * The applications this terminal accepts by default, with CNY limits: floor limit 0 (every
 * transaction goes online: the terminal is online capable), CVM required from 1,000.00.
 * TACs for Kernel 2 are the values Mastercard publishes for contactless readers; Amex's
 * those of its Expresspay terminal guide. Kernels 3 and 7 do no terminal action analysis.
 */
export const DEFAULT_AIDS: readonly AidConfig[] = Object.freeze([
  visa('A0000000031010', 'Visa'),
  visa('A0000000032010', 'Visa Electron'),
  {
    aid: h('A0000000041010'),
    kernel: 2,
    name: 'Mastercard',
    appVersion: h('0002'),
    floorLimit: 0,
    transactionLimit: CNY_TRANSACTION_LIMIT,
    transactionLimitOnDevice: CNY_TRANSACTION_LIMIT,
    cvmRequiredLimit: CNY_CVM_LIMIT,
    zeroAmountAllowed: false,
    tacDenial: h('0000000000'),
    tacOnline: h('F45084800C'),
    tacDefault: h('F45084800C'),
    // DF8118 60: online PIN and signature; DF8119 08: no CVM (Book C-2 Annex A).
    cvmCapabilityCvmRequired: 0x60,
    cvmCapabilityNoCvmRequired: 0x08,
    kernelConfiguration: 0x20,
  },
  {
    aid: h('A0000000043060'),
    kernel: 2,
    name: 'Maestro',
    appVersion: h('0002'),
    floorLimit: 0,
    transactionLimit: CNY_TRANSACTION_LIMIT,
    transactionLimitOnDevice: CNY_TRANSACTION_LIMIT,
    cvmRequiredLimit: CNY_CVM_LIMIT,
    zeroAmountAllowed: false,
    tacDenial: h('0000800000'),
    tacOnline: h('F45084800C'),
    tacDefault: h('F45084800C'),
    cvmCapabilityCvmRequired: 0x40,
    cvmCapabilityNoCvmRequired: 0x08,
    kernelConfiguration: 0x20,
  },
  {
    aid: h('A00000002501'),
    kernel: 4,
    name: 'American Express',
    appVersion: h('0001'),
    floorLimit: 0,
    transactionLimit: CNY_TRANSACTION_LIMIT,
    cvmRequiredLimit: CNY_CVM_LIMIT,
    zeroAmountAllowed: false,
    tacDenial: h('0010000000'),
    tacOnline: h('DE00FC9800'),
    tacDefault: h('DC50FC9800'),
    cvmCapabilityCvmRequired: 0x60,
    cvmCapabilityNoCvmRequired: 0x08,
    // 9F6E Enhanced Contactless Reader Capabilities (Book C-4): the reader's interfaces,
    // modes and CVMs as an Expresspay card asks for them in its PDOL. An example value:
    // the acquirer's Amex terminal parameters give the real one.
    terminalData: new Map([[0x9f6e, h('D8E00000')]]),
  },
  unionPay('A000000333010101', 'UnionPay Debit'),
  unionPay('A000000333010102', 'UnionPay Credit'),
  unionPay('A000000333010103', 'UnionPay Quasi-credit'),
]);

function visa(aid: string, name: string): AidConfig {
  return {
    aid: h(aid),
    kernel: 3,
    name,
    appVersion: h('0096'),
    floorLimit: 0,
    transactionLimit: CNY_TRANSACTION_LIMIT,
    cvmRequiredLimit: CNY_CVM_LIMIT,
    zeroAmountAllowed: false,
    tacDenial: h('0000000000'),
    tacOnline: h('0000000000'),
    tacDefault: h('0000000000'),
  };
}

function unionPay(aid: string, name: string): AidConfig {
  return { ...visa(aid, name), kernel: 7, appVersion: h('0030') };
}

/** The default contactless configuration: the CN terminal of terminal-data.ts, the shipped test CA keys. */
export function defaultContactlessConfig(overrides: Partial<ContactlessConfig> = {}): ContactlessConfig {
  return {
    terminal: DEFAULT_TERMINAL_CONFIG,
    aids: DEFAULT_AIDS,
    iccDataTags: DEFAULT_ICC_DATA_TAGS,
    caKeys: overrides.caKeys ?? shippedCaKeys(),
    onlineCapable: true,
    ...overrides,
  };
}

/** Refuses a configuration the kernel could not run with, naming the field. */
export function checkContactlessConfig(config: ContactlessConfig): void {
  config.aids.forEach((a, i) => {
    const where = `aids[${i}] (${a.name})`;
    if (a.aid.length < 5 || a.aid.length > 16) throw new ValidationError(`${where}: an AID is 5 to 16 bytes`);
    if (![2, 3, 4, 7].includes(a.kernel)) throw new ValidationError(`${where}: kernel ${a.kernel} is not one this terminal runs (2, 3, 4, 7)`);
    for (const [name, v] of [['floorLimit', a.floorLimit], ['transactionLimit', a.transactionLimit], ['cvmRequiredLimit', a.cvmRequiredLimit]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new ValidationError(`${where}: ${name} must be a whole amount in minor units`);
    }
    for (const [name, v] of [['tacDenial', a.tacDenial], ['tacOnline', a.tacOnline], ['tacDefault', a.tacDefault]] as const) {
      if (v.length !== 5) throw new ValidationError(`${where}: ${name} is 5 bytes`);
    }
    if (a.appVersion.length !== 2) throw new ValidationError(`${where}: appVersion (9F09) is 2 bytes`);
    if (a.ttq && a.ttq.length !== 4) throw new ValidationError(`${where}: ttq (9F66) is 4 bytes`);
  });
  for (const t of config.iccDataTags) {
    if (!Number.isInteger(t) || t <= 0) throw new ValidationError(`iccDataTags: ${t} is not a tag`);
  }
}
