/**
 * A virtual contactless card as data: what an issuer personalises (EMV 4.4 Book 3 Annex A1
 * data objects, the keys of Book 2) and how its application behaves. virtual-card.ts turns
 * a description into a card that answers APDUs.
 */

/** How the application answers: Visa qVSDC and UnionPay qPBOC decide at GPO; M/Chip and Expresspay at GENERATE AC. */
export type CardProfileName = 'qvsdc' | 'mchip';

/**
 * The card's cardholder verification wish:
 * - 'online-pin-above-limit': online PIN when the reader says a CVM is required (TTQ), else none;
 * - 'online-pin-always': online PIN whatever the amount (qVSDC: CTQ byte 1 b8 always set);
 * - a CVM list (8E) in hex, for M/Chip and Expresspay cards.
 */
export type CardCvm = 'online-pin-above-limit' | 'online-pin-always' | { cvmList: string };

/** Deliberate faults for tests of offline data authentication: the card signs wrongly. */
export interface CardFaults {
  /** The issuer certificate's bytes are corrupted after signing (its hash check fails). */
  corruptIssuerCertificate?: boolean;
  /** The issuer certificate states an expiry in the past (MMYY given here). */
  issuerCertificateExpiry?: string;
  /** The ICC certificate is signed over other static data than the card's records. */
  iccCertificateWrongStaticData?: boolean;
  /** The ICC certificate names another PAN. */
  iccCertificatePan?: string;
  /** The dynamic signature is computed over another unpredictable number. */
  wrongDynamicSignature?: boolean;
  /** The card names a CA key index the terminal does not hold. */
  caIndex?: number;
}

/** What an application knows of its cardholder's account and its keys, whatever the interface. */
export interface ApplicationAccount {
  pan: string;
  /** PAN Sequence Number, two digits. */
  psn: string;
  /** YYMMDD */
  expiry: string;
  /** YYMMDD */
  effective: string;
  /** ISO 3166 numeric, 5F28. */
  issuerCountry: number;
  /** ISO 4217 numeric, 9F42. */
  currency: number;
  serviceCode: string;
  cardholderName: string;
  /** Issuer master key for application cryptograms (IMK-AC), 16 bytes hex: option A (Book 2 A1.4). */
  imk: string;
  /** Names of keys in keys/test-keys.json. */
  issuerKey: string;
  iccKey: string;
}

export interface ApplicationDescription extends ApplicationAccount {
  /** ADF name, hex. */
  aid: string;
  label: string;
  /** Application Priority Indicator (87) b4-b1; absent: no priority. */
  priority?: number;
  /** Kernel Identifier for the PPSE entry (9F2A), hex; absent: the default kernel of the AID. */
  kernelIdentifier?: string;
  profile: CardProfileName;
  cvm: CardCvm;
  /** The card approves offline (TC) up to this amount when the reader allows; 0: never. */
  offlineLimit: number;
  /** The ATC the card starts with. */
  atc: number;
  /** SELECT of this application answers 6A81 (blocked, EMV 4.4 Book 1 12.4). */
  blocked?: boolean;
  /** qVSDC CTQ byte 1 b4: go online when the application has expired. */
  goOnlineIfExpired?: boolean;
  /** M/Chip: Issuer Action Codes (9F0D default, 9F0E denial, 9F0F online), hex. */
  iac?: { default: string; denial: string; online: string };
  /** Application Version Number (9F08) of M/Chip and Expresspay cards, hex; default 0002. */
  appVersion?: string;
  /** AIP (82), hex; defaults by profile. */
  aip?: string;
  faults?: CardFaults;
}

export interface CardDescription {
  id: string;
  brand: string;
  /** ISO/IEC 14443-3 type A UID (NFCID1), 7 bytes hex. */
  uid: string;
  applications: ApplicationDescription[];
}
