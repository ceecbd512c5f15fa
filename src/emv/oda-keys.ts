/**
 * The chain from the CA key to the card's own key, with the card's data: EMV 4.4 Book 2
 * 6.2 (data needed and CA key), 6.3 (issuer key), 6.4 (ICC key), with the static data of 5.4.
 */
import type { CaKeyStore } from './ca-keys.js';
import type { CardData } from './card-data.js';
import { recoverIccKey, recoverIssuerKey, type IccPublicKey, type IssuerPublicKey } from './oda-certificates.js';
import { odaFail, type OdaResult } from './oda-result.js';
import type { StaticData } from './read-records.js';
import { toHex } from '../hex.js';

export interface OdaKeyInput {
  caKeys: CaKeyStore;
  /** The RID: the first 5 bytes of the selected AID. */
  rid: Uint8Array;
  card: CardData;
  pan: string;
  staticData: StaticData;
  /** Transaction date, yyyymmdd. */
  date: number;
}

export interface OdaKeyFailure {
  /** The card lacked data ODA needs: TVR "ICC data missing" goes with the failure (Book 2 6.2). */
  dataMissing: boolean;
}

/**
 * Book 2 5.4: the signed records, then the AIP when the Static Data Authentication Tag
 * List (9F4A) is present; it may name only the AIP (82), anything else fails ODA.
 */
export function staticDataToAuthenticate(staticData: StaticData, card: CardData): Uint8Array | undefined {
  if (!staticData.valid) return undefined;
  const list = card.get(0x9f4a);
  if (!list || list.length === 0) return staticData.records;
  if (list.length !== 1 || list[0] !== 0x82) return undefined;
  const aip = card.get(0x82) ?? new Uint8Array(0);
  const out = new Uint8Array(staticData.records.length + aip.length);
  out.set(staticData.records);
  out.set(aip, staticData.records.length);
  return out;
}

/**
 * Book 2 5.2 and 5.3 (SDA), 6.2 and 6.3 (DDA, CDA): the CA key the card names and the issuer
 * key recovered under it. SDA stops here; the dynamic methods go on to the ICC key.
 */
export function recoverCardIssuerKey(i: Omit<OdaKeyInput, 'staticData'>): OdaResult<IssuerPublicKey> & Partial<OdaKeyFailure> {
  const c = i.card;
  const index = c.get(0x8f);
  if (!index || index.length !== 1) return { ...odaFail('CA_KEY_INDEX_MISSING', 'the card gave no CA Public Key Index (8F)'), dataMissing: true };
  const caKey = i.caKeys.find(i.rid, index[0]!);
  if (!caKey) {
    return odaFail('CA_KEY_NOT_FOUND', `the terminal holds no CA key ${toHex(index)} for RID ${toHex(i.rid)}`);
  }
  if (caKey.expiry < i.date) return odaFail('CA_KEY_EXPIRED', `CA key ${toHex(index)} of RID ${toHex(i.rid)} expired on ${caKey.expiry}`);
  const certificate = c.get(0x90);
  if (!certificate) return { ...odaFail('ISSUER_CERT_MISSING', 'the card gave no Issuer Public Key Certificate (90)'), dataMissing: true };
  const exponent = c.get(0x9f32);
  if (!exponent) return { ...odaFail('ISSUER_EXPONENT_MISSING', 'the card gave no Issuer Public Key Exponent (9F32)'), dataMissing: true };
  return recoverIssuerKey({ caKey, certificate, remainder: c.get(0x92), exponent, pan: i.pan, date: i.date });
}

export function recoverOdaKeys(i: OdaKeyInput): OdaResult<IccPublicKey> & Partial<OdaKeyFailure> {
  const c = i.card;
  const issuer = recoverCardIssuerKey(i);
  if (!issuer.ok) return issuer;
  const iccCert = c.get(0x9f46);
  if (!iccCert) return { ...odaFail('ICC_CERT_MISSING', 'the card gave no ICC Public Key Certificate (9F46)'), dataMissing: true };
  const iccExponent = c.get(0x9f47);
  if (!iccExponent) return { ...odaFail('ICC_EXPONENT_MISSING', 'the card gave no ICC Public Key Exponent (9F47)'), dataMissing: true };
  const staticData = staticDataToAuthenticate(i.staticData, c);
  if (!staticData) return odaFail('STATIC_DATA_INVALID', 'the signed records or the tag list 9F4A break Book 2 5.4');
  return recoverIccKey({
    issuerKey: issuer.value,
    certificate: iccCert,
    remainder: c.get(0x9f48),
    exponent: iccExponent,
    pan: i.pan,
    staticData,
    date: i.date,
  });
}
