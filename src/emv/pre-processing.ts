/**
 * Entry Point pre-processing, EMV Contactless Book B 3.1.1: before the card is touched, each
 * configured application's limits are compared with the amount, giving the indicators the
 * kernels use and, for Kernels 3 and 7, the dynamic bits of the TTQ (9F66).
 */
import type { AidConfig } from './kernel-config.js';

export interface PreProcessingIndicators {
  /** Book B 3.1.1.4: amount at or above the Reader Contactless Transaction Limit. */
  notAllowed: boolean;
  /** Book B 3.1.1.7: amount at or above the Reader CVM Required Limit. */
  cvmRequired: boolean;
  /** Book B 3.1.1.6: amount above the Reader Contactless Floor Limit. */
  floorLimitExceeded: boolean;
  /** Book B 3.1.1.5: a zero amount, allowed only online. */
  zeroAmount: boolean;
  /** The TTQ for this application with its dynamic bits set (Kernels 3 and 7). */
  ttq: Uint8Array;
}

/**
 * Book B 3.1.1.1: TTQ byte 2 b8 (online cryptogram required) and b7 (CVM required) are
 * cleared, then set by the checks below (3.1.1.5 to 3.1.1.7).
 */
export function preProcess(aid: AidConfig, amount: number, terminalTtq: Uint8Array): PreProcessingIndicators {
  const ttq = (aid.ttq ?? terminalTtq).slice();
  ttq[1] = ttq[1]! & ~0xc0;
  const zeroAmount = amount === 0;
  const notAllowed = amount >= aid.transactionLimit || (zeroAmount && !aid.zeroAmountAllowed);
  const cvmRequired = amount >= aid.cvmRequiredLimit;
  const floorLimitExceeded = amount > aid.floorLimit;
  if (zeroAmount || floorLimitExceeded) ttq[1] = ttq[1]! | 0x80;
  if (cvmRequired) ttq[1] = ttq[1]! | 0x40;
  return { notAllowed, cvmRequired, floorLimitExceeded, zeroAmount, ttq };
}
