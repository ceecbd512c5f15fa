/**
 * The issuer's side of the card cryptogram (EMV 4.4 Book 2 8.1 and 8.2).
 *
 * The ARQC covers the data EMV Book 2 8.1.1 recommends as the minimum: amount authorised
 * (9F02), amount other (9F03), terminal country code (9F1A), TVR (95), transaction
 * currency code (5F2A), transaction date (9A), transaction type (9C), unpredictable number
 * (9F37) from the terminal, then the AIP (82) and the ATC (9F36) from the card, values
 * concatenated in that order. A virtual card must ask for the first eight in that order in
 * its CDOL1 and append its AIP and ATC: arqcInput() is the one definition both use.
 *
 * Keys: the ICC master key from the account's issuer master key, PAN and PAN sequence number
 * (option A), the session key from the ATC. The answer is ARPC method 1 with the response
 * code as ARC, returned as tag 91 (issuer authentication data = ARPC || ARC).
 */
import { decodeTlv, encodeTlv, findTag, type Tlv } from '../../src/emv/tlv.js';
import { fromHex } from '../../src/hex.js';
import { zeroize } from '../../src/security/bytes.js';
import { arpcMethod1, verifyArqc } from '../../src/security/emv-cryptogram.js';
import { deriveAcSessionKey } from '../../src/security/emv-keys.js';

export const ARQC_DATA_TAGS: readonly number[] = Object.freeze([0x9f02, 0x9f03, 0x9f1a, 0x95, 0x5f2a, 0x9a, 0x9c, 0x9f37, 0x82, 0x9f36]);

/** The bytes the ARQC is computed over, from field 55's objects; null when one is missing. */
export function arqcInput(objects: readonly Tlv[]): Uint8Array | null {
  const parts: Uint8Array[] = [];
  for (const tag of ARQC_DATA_TAGS) {
    const o = findTag(objects, tag);
    if (!o) return null;
    parts.push(o.value);
  }
  return Uint8Array.from(Buffer.concat(parts));
}

export type CryptogramCheck =
  /** No cryptogram in field 55 (no chip data, or not an ARQC: an AAC of a refund). */
  | { kind: 'none' }
  | { kind: 'bad'; why: string }
  | { kind: 'ok'; sessionKey: Uint8Array; arqc: Uint8Array };

/** Checks field 55's ARQC for the account; `psn` two digits. Never throws on bad card data. */
export function checkCryptogram(icc: Uint8Array | undefined, key: { imk: string; pan: string; psn: string }): CryptogramCheck {
  if (!icc) return { kind: 'none' };
  let objects: Tlv[];
  try {
    objects = decodeTlv(icc);
  } catch {
    return { kind: 'bad', why: 'field 55 is not BER-TLV' };
  }
  const ac = findTag(objects, 0x9f26);
  if (!ac) return { kind: 'none' };
  const cid = findTag(objects, 0x9f27);
  // CID bits 8-7: 10 = ARQC. A refund's card may give an AAC (00), which is not checked online.
  if (cid && cid.value.length === 1 && (cid.value[0]! & 0xc0) !== 0x80) return { kind: 'none' };
  const atc = findTag(objects, 0x9f36);
  const data = arqcInput(objects);
  if (!atc || atc.value.length !== 2 || !data || ac.value.length !== 8) return { kind: 'bad', why: 'ARQC data incomplete' };
  const imk = fromHex(key.imk);
  try {
    const { iccMasterKey, sessionKey } = deriveAcSessionKey(imk, key.pan, key.psn, atc.value);
    zeroize(iccMasterKey);
    if (!verifyArqc(sessionKey, data, ac.value)) {
      zeroize(sessionKey);
      return { kind: 'bad', why: 'ARQC does not verify' };
    }
    return { kind: 'ok', sessionKey, arqc: Uint8Array.from(ac.value) };
  } catch {
    return { kind: 'bad', why: 'ARQC keys could not be derived' };
  } finally {
    zeroize(imk);
  }
}

/** Field 55 of the answer: tag 91 = ARPC (method 1, ARC = the response code's ASCII) || ARC. */
export function issuerAuthenticationData(check: { sessionKey: Uint8Array; arqc: Uint8Array }, responseCode: string): Uint8Array {
  const arc = Uint8Array.from(Buffer.from(responseCode, 'ascii'));
  const arpc = arpcMethod1(check.sessionKey, check.arqc, arc);
  return encodeTlv([{ tag: 0x91, value: Uint8Array.from(Buffer.concat([arpc, arc])) }]);
}
