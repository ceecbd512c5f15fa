/**
 * What a contactless transaction ends with, for the flows: EMV Contactless Book A 6.2
 * (Outcomes) reduced to what this terminal acts on, and the data the sale goes on with.
 */
import type { KernelId } from './kernel-config.js';
import type { OdaFailure } from './oda-result.js';
import type { SensitiveCardData } from './sensitive-card-data.js';
import type { CryptogramType } from './apdu.js';

/**
 * Book A 6.2.1 Outcomes: Online Request (ask the issuer), Approved (offline, with a TC),
 * Declined, Try Another Interface (insert or swipe), End Application (this card cannot be
 * used contactless: blocked, not supported, or the card broke off).
 */
export type Outcome = 'online-request' | 'approved' | 'declined' | 'try-another-interface' | 'end-application';

/**
 * The CVM of Book A 6.2.2 (Outcome parameter "CVM"): what the flow must do before or
 * after the host. 'none' is "No CVM performed" (the card does not ask for any). Over the
 * contact interface the card may also have verified the PIN itself (Book 3 10.5.1, CVM
 * codes 01 and 04), with a signature still to take for codes 03 and 05.
 */
export type CvmMethod = 'online-pin' | 'offline-pin' | 'offline-pin-and-signature' | 'signature' | 'cdcvm' | 'no-cvm' | 'none';

/** fDDA and CDA contactless; SDA, DDA and CDA over the contact interface (Book 3 10.3). */
export type OdaMethod = 'SDA' | 'DDA' | 'fDDA' | 'CDA' | 'none';

export interface OdaStatus {
  method: OdaMethod;
  result: 'success' | 'failed' | 'not-performed';
  failure?: OdaFailure;
}

export interface KernelResult {
  outcome: Outcome;
  /** Why, in words for logs and the technician: never card data. */
  reason: string;
  /** The kernel that ran (absent when none did: no application, limits). */
  kernel?: KernelId;
  /** The selected application's AID (ADF name, 4F/84). */
  aid?: Uint8Array;
  /** Application Label (50) or Preferred Name (9F12), as the card gave it. */
  label?: string;
  /** The PAN masked for screens, receipts and logs (first six, last four). */
  maskedPan?: string;
  /** Application Expiration Date as YYMM. */
  expiry?: string;
  /** PAN Sequence Number (5F34), two digits. */
  panSequence?: string;
  /** Full PAN and track 2: kept apart, never logged (see SensitiveCardData). */
  sensitive?: SensitiveCardData;
  cvm: CvmMethod;
  /** CVM Results (9F34), 3 bytes. */
  cvmResults: Uint8Array;
  /** TVR (95) and TSI (9B) as they ended. */
  tvr: Uint8Array;
  tsi: Uint8Array;
  /** The Application Cryptogram the card produced and its type (from 9F27). */
  cryptogram?: { type: CryptogramType; value: Uint8Array; atc: Uint8Array };
  oda: OdaStatus;
  /** The ICC data for the host (ISO 8583 field 55): the configured tags as BER-TLV. */
  iccData: Uint8Array;
  /** Every C-APDU sent and R-APDU received, counted (the bench reports them). */
  exchanges: number;
}
