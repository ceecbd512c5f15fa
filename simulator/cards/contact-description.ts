/**
 * A virtual contact chip card as data: its answer to reset, its Payment System Environment
 * and its applications, each as an issuer personalises it (EMV 4.4 Book 3 Annex A1 data
 * objects, Book 2 keys and certificates) and with the choices that shape a transaction:
 * which offline data authentication it offers, how it checks the issuer, its CVM list, its
 * offline PIN, its velocity limits; and the card's directory tree (the PSE and any DDFs
 * under it). contact-card.ts turns a description into a card that answers APDUs.
 */

import type { ApplicationAccount } from './card-description.js';

export interface ContactApplicationDescription extends ApplicationAccount {
  /** ADF name, hex. */
  aid: string;
  label: string;
  /** Application Preferred Name (9F12), when the issuer gives one. */
  preferredName?: string;
  /** Application Priority Indicator (87) b4-b1; absent: no priority. */
  priority?: number;
  /** 87 b8: the cardholder must confirm this application (Book 1 12.4). */
  confirmationRequired?: boolean;
  /** Offline data authentication the card offers in its AIP (Book 3 Annex C1). */
  oda: 'SDA' | 'DDA' | 'CDA' | 'none';
  /**
   * How the card checks the issuer's ARPC (Book 3 10.9): with EXTERNAL AUTHENTICATE (AIP
   * byte 1 b3), or itself, from tag 91 in the CDOL2 data of the second GENERATE AC.
   */
  issuerAuthentication: 'external-authenticate' | 'in-cdol2';
  /** CVM List (8E), hex. */
  cvmList: string;
  /** Issuer Action Codes (9F0D default, 9F0E denial, 9F0F online), hex. */
  iac: { default: string; denial: string; online: string };
  /** Application Version Number (9F08), hex. */
  appVersion: string;
  /** Application Usage Control (9F07), hex; default FF00 (everywhere, goods, services, cash). */
  auc?: string;
  /** Lower and Upper Consecutive Offline Limits (9F14, 9F23) for velocity checking. */
  velocity?: { lower: number; upper: number };
  /** PDOL (9F38), hex; absent: the card asks for nothing at GPO. */
  pdol?: string;
  /** The card approves offline (TC) when asked, up to this amount; 0: never. */
  offlineLimit: number;
  /** The ATC the card starts with; the Last Online ATC Register starts at it too. */
  atc: number;
  /** SELECT answers 6283 with the FCI: blocked (Book 1 12.3.3). */
  blocked?: boolean;
  /** GPO answers 6985, conditions of use not satisfied (Book 3 10.1: the terminal selects another). */
  gpoRefused?: boolean;
  /** The card verifies the PIN itself (Book 3 10.5.1, 6.5.12): VERIFY, GET CHALLENGE, the PIN Try Counter. */
  offlinePin?: OfflinePinDescription;
}

export interface OfflinePinDescription {
  /** The reference PIN, 4 to 12 digits. */
  pin: string;
  /** PIN Try Limit: the PIN Try Counter (9F17) starts at it and a right PIN sets it back to it. */
  tryLimit: number;
  /** The counter at the start, when not the limit (0: the PIN is blocked). */
  triesLeft?: number;
  /**
   * The key enciphered PINs come under (Book 2 7.1): the name of a separate ICC PIN
   * Encipherment key in keys/test-keys.json, certified in 9F2D with 9F2E and 9F2F; absent,
   * the ICC key (which needs DDA or CDA for its certificate).
   */
  pinKey?: string;
  /** GET DATA of the PIN Try Counter answers 6A88: the card does not give it. */
  counterHidden?: boolean;
}

/**
 * One entry of a directory (Book 1 12.2.3): an application of the card (by its index in
 * `applications`), or a DDF with its own directory, a list of records each a list of entries.
 */
export type DirectoryEntry = { application: number } | { ddf: DdfDescription };

export interface DdfDescription {
  /** The DDF name (9D, the DF name SELECT takes), hex, 5 to 16 bytes. */
  name: string;
  records: DirectoryEntry[][];
}

export interface ContactCardDescription {
  id: string;
  brand: string;
  /** The Answer to Reset (ISO/IEC 7816-3 8), hex: T=0 or T=1 as its TD1 says. */
  atr: string;
  /** The card holds a Payment System Environment (1PAY.SYS.DDF01) listing its applications. */
  pse: boolean;
  /** Every SELECT answers 6A81: the card is blocked (Book 1 12.3.2). */
  cardBlocked?: boolean;
  /**
   * The PSE's directory, record by record; absent: one record listing every application.
   * A DDF named twice is the first one's (so a DDF can list itself, as a broken card would).
   */
  directory?: DirectoryEntry[][];
  applications: ContactApplicationDescription[];
}
