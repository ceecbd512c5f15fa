/**
 * Cardholder Verification by the card's CVM List (8E), EMV 4.4 Book 3 10.5 and Annex C3:
 * amounts X and Y, then rules of two bytes (CVM code, condition), tried in order until one
 * applies. processCvmList() is the contactless kernels' reading: a reader cannot check an
 * offline PIN, so only online PIN, signature, no CVM (and, by Kernel 2, on-device
 * verification) can succeed there. The contact kernel performs each rule's CVM, offline PIN
 * included, with contact-cvm.ts on the same rule pieces exported here.
 */
import type { CvmMethod } from './kernel-result.js';
import type { TvrBit } from './tvr.js';

export interface CvmListContext {
  amount: number;
  /** The transaction is in the application's currency (9F42 = 5F2A): X and Y apply. */
  inApplicationCurrency: boolean;
  /** 9F33 byte 2 as this transaction uses it (Book 4 Annex A2: b7 online PIN, b6 signature, b4 no CVM). */
  capability: number;
  /** 9C: 0x01 cash, 0x09 purchase with cashback, else purchase. */
  transactionType: number;
  unattended: boolean;
}

export interface CvmOutcome {
  method: CvmMethod;
  /** CVM Results (9F34): method code, condition, result (00 unknown, 01 failed, 02 successful). */
  results: Uint8Array;
  tvr: TvrBit[];
}

/** Book 3 Annex C3 Table 39, b6-b1 of the CVM code. */
export const FAIL_CVM = 0x00;
export const PLAINTEXT_PIN_BY_ICC = 0x01;
export const ENCIPHERED_PIN_ONLINE = 0x02;
export const PLAINTEXT_PIN_BY_ICC_AND_SIGNATURE = 0x03;
export const ENCIPHERED_PIN_BY_ICC = 0x04;
export const ENCIPHERED_PIN_BY_ICC_AND_SIGNATURE = 0x05;
export const SIGNATURE = 0x1e;
export const NO_CVM = 0x1f;
export const OFFLINE_PIN_CODES: ReadonlySet<number> = new Set([0x01, 0x03, 0x04, 0x05]);

/** One rule of the list: the CVM Code byte (b7: apply the next rule on failure) and the CVM Condition Code. */
export interface CvmRule {
  cvmByte: number;
  /** b6-b1 of the CVM Code. */
  code: number;
  condition: number;
  /** b7 of the CVM Code: "apply succeeding CV Rule if this CVM is unsuccessful". */
  applyNext: boolean;
}

/** Amounts X and Y and the rules; undefined for a list shorter than X, Y and one rule, or of odd length. */
export function parseCvmList(list: Uint8Array | undefined): { x: number; y: number; rules: CvmRule[] } | undefined {
  if (!list || list.length < 10 || list.length % 2 !== 0) return undefined;
  const rules: CvmRule[] = [];
  for (let i = 8; i < list.length; i += 2) {
    const cvmByte = list[i]!;
    rules.push({ cvmByte, code: cvmByte & 0x3f, condition: list[i + 1]!, applyNext: (cvmByte & 0x40) !== 0 });
  }
  return { x: readU32(list, 0), y: readU32(list, 4), rules };
}

/** Terminal Capabilities byte 2 (Book 4 Annex A2): b8 plaintext PIN for ICC verification, b7 enciphered PIN online, b6 signature, b5 enciphered PIN for offline verification, b4 no CVM. */
export function supported(code: number, capability: number): boolean {
  switch (code) {
    case ENCIPHERED_PIN_ONLINE:
      return (capability & 0x40) !== 0;
    case SIGNATURE:
      return (capability & 0x20) !== 0;
    case NO_CVM:
      return (capability & 0x08) !== 0;
    case 0x01:
    case 0x03:
      return (capability & 0x80) !== 0;
    case 0x04:
    case 0x05:
      return (capability & 0x10) !== 0;
    default:
      return false;
  }
}

export function recognised(code: number): boolean {
  return code === FAIL_CVM || code === ENCIPHERED_PIN_ONLINE || code === SIGNATURE || code === NO_CVM || OFFLINE_PIN_CODES.has(code);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

/** Book 3 Annex C3 Table 40: whether a rule's condition holds for this transaction. */
export function conditionSatisfied(condition: number, code: number, x: number, y: number, c: CvmListContext): boolean {
  const cash = c.transactionType === 0x01;
  const cashback = c.transactionType === 0x09;
  switch (condition) {
    case 0x00:
      return true;
    case 0x01:
      return c.unattended && cash;
    case 0x02:
      return !(c.unattended && cash) && !cash && !cashback;
    case 0x03:
      return supported(code, c.capability);
    case 0x04:
      return !c.unattended && cash;
    case 0x05:
      return cashback;
    case 0x06:
      return c.inApplicationCurrency && c.amount < x;
    case 0x07:
      return c.inApplicationCurrency && c.amount > x;
    case 0x08:
      return c.inApplicationCurrency && c.amount < y;
    case 0x09:
      return c.inApplicationCurrency && c.amount > y;
    default:
      return false; // RFU and proprietary conditions are not satisfied (Table 40 note)
  }
}

/**
 * Book 3 10.5 (Figure 8). A list shorter than X, Y and one rule gives "No CVM performed"
 * (3F 00 00) and ICC data missing; no applicable rule gives 3F 00 01 and a failed CVM.
 */
export function processCvmList(list: Uint8Array | undefined, c: CvmListContext): CvmOutcome {
  const parsed = parseCvmList(list);
  if (!parsed) return { method: 'none', results: Uint8Array.of(0x3f, 0x00, 0x00), tvr: ['iccDataMissing'] };
  const { x, y } = parsed;
  const tvr: TvrBit[] = [];
  for (const { cvmByte, code, condition, applyNext } of parsed.rules) {
    if (!conditionSatisfied(condition, code, x, y, c)) continue;
    // Figure 8: an unrecognised or unsupported CVM, or one that fails, moves to the next
    // rule only when b7 says so; otherwise cardholder verification has failed.
    let outcome: CvmOutcome | undefined;
    if (!recognised(code)) {
      tvr.push('unrecognisedCvm');
    } else if (code === FAIL_CVM) {
      // "Fail CVM processing": a deliberate failure.
    } else if (!supported(code, c.capability) || OFFLINE_PIN_CODES.has(code)) {
      // Not here: a contactless reader verifies no PIN offline.
      if (OFFLINE_PIN_CODES.has(code) && supported(code, c.capability)) tvr.push('pinPadMissing');
    } else if (code === ENCIPHERED_PIN_ONLINE) {
      outcome = { method: 'online-pin', results: Uint8Array.of(cvmByte, condition, 0x00), tvr: [...tvr, 'onlinePinEntered'] };
    } else if (code === SIGNATURE) {
      outcome = { method: 'signature', results: Uint8Array.of(cvmByte, condition, 0x00), tvr };
    } else {
      outcome = { method: 'no-cvm', results: Uint8Array.of(cvmByte, condition, 0x02), tvr };
    }
    if (outcome) return outcome;
    if (applyNext) continue;
    return { method: 'none', results: Uint8Array.of(cvmByte, condition, 0x01), tvr: [...tvr, 'cvmNotSuccessful'] };
  }
  return { method: 'none', results: Uint8Array.of(0x3f, 0x00, 0x01), tvr: [...tvr, 'cvmNotSuccessful'] };
}
