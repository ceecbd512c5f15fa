/**
 * The card's dynamic signature, Signed Dynamic Application Data (9F4B):
 * - its recovery and hash check, EMV 4.4 Book 2 6.5.2 (the same steps for DDA, fDDA, CDA);
 * - fDDA, EMV Contactless Book C-3 (Visa) and Book C-7 (UnionPay qPBOC): the terminal's
 *   dynamic data is the Unpredictable Number, and from fDDA version 01 (first byte of 9F69)
 *   also the Amount, Authorised, the Transaction Currency Code and the Card Authentication
 *   Related Data (9F69); the ICC Dynamic Number in the signature is the card's own;
 * - CDA, Book 2 6.6.2: the signature carries the Cryptogram Information Data, the
 *   Application Cryptogram and a Transaction Data Hash Code over the PDOL data, the CDOL1
 *   data and what the card answered to GENERATE AC (everything but 9F4B itself).
 */
import { concat } from '../bytes.js';
import { toHex } from '../hex.js';
import type { RsaPublicKey } from './oda-certificates.js';
import { sha1 } from './oda-certificates.js';
import { odaFail, odaOk, type OdaResult } from './oda-result.js';
import { rsaRecover } from './rsa-recover.js';
import { encodeTlv, type Tlv } from './tlv.js';

export interface RecoveredDynamicData {
  /** The ICC Dynamic Data field (Book 2 Table 17), LDD bytes. */
  iccDynamicData: Uint8Array;
  /** The ICC Dynamic Number it starts with (length byte, then 2 to 8 bytes). */
  iccDynamicNumber: Uint8Array;
}

function byte(b: number): string {
  return toHex(Uint8Array.of(b));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Book 2 6.5.2 steps 1-8: length, trailer, header, format 05, hash algorithm, and the hash
 * over Signed Data Format .. Pad Pattern followed by the terminal's dynamic data.
 */
export function recoverDynamicSignature(iccKey: RsaPublicKey, sdad: Uint8Array, terminalDynamicData: Uint8Array): OdaResult<RecoveredDynamicData> {
  const n = iccKey.modulus.length;
  if (sdad.length !== n) return odaFail('SDAD_LENGTH', `the signed dynamic data is ${sdad.length} bytes; the ICC key's modulus is ${n}`);
  const x = rsaRecover(sdad, iccKey.modulus, iccKey.exponent);
  if (!x) return odaFail('SDAD_LENGTH', 'the signed dynamic data is not a value below the ICC key modulus');
  if (x[n - 1] !== 0xbc) return odaFail('SDAD_TRAILER', `recovered data trailer ${byte(x[n - 1]!)}; BC expected`);
  if (x[0] !== 0x6a) return odaFail('SDAD_HEADER', `recovered data header ${byte(x[0]!)}; 6A expected`);
  if (x[1] !== 0x05) return odaFail('SDAD_FORMAT', `signed data format ${byte(x[1]!)}; 05 expected`);
  if (x[2] !== 0x01) return odaFail('SDAD_HASH_ALGORITHM', `hash algorithm ${byte(x[2]!)}; 01 (SHA-1) expected`);
  const ldd = x[3]!;
  // Book 2 Table 17: the dynamic data leaves room for 25 bytes of header, hash and trailer.
  if (ldd > n - 25) return odaFail('SDAD_DYNAMIC_DATA_LENGTH', `ICC dynamic data of ${ldd} bytes does not fit a ${n}-byte signature`);
  const hash = sha1(x.subarray(1, n - 21), terminalDynamicData);
  if (!equal(hash, x.subarray(n - 21, n - 1))) return odaFail('SDAD_HASH', 'the hash in the signed dynamic data does not match');
  const iccDynamicData = x.slice(4, 4 + ldd);
  const idnLength = iccDynamicData[0] ?? 0;
  if (ldd < 1 || idnLength < 2 || idnLength > 8 || idnLength + 1 > ldd) {
    return odaFail('SDAD_DYNAMIC_DATA_LENGTH', `ICC Dynamic Number length ${idnLength} does not fit ${ldd} bytes of dynamic data`);
  }
  return odaOk({ iccDynamicData, iccDynamicNumber: iccDynamicData.slice(1, 1 + idnLength) });
}

export interface FddaInput {
  /** 9F37 sent in the GPO. */
  unpredictableNumber: Uint8Array;
  /** 9F02 and 5F2A as sent in the GPO. */
  amount: Uint8Array;
  currency: Uint8Array;
  /** 9F69; absent means fDDA version 00. */
  cardAuthenticationData?: Uint8Array | undefined;
}

/** The terminal dynamic data fDDA signs, by fDDA version (Book C-3 Annex on fDDA). */
export function fddaTerminalData(input: FddaInput): Uint8Array {
  const version = input.cardAuthenticationData?.[0] ?? 0x00;
  if (version === 0x00 || !input.cardAuthenticationData) return input.unpredictableNumber;
  return concat(input.unpredictableNumber, input.amount, input.currency, input.cardAuthenticationData);
}

/** fDDA: the signature from the GPO answer, checked against the transaction's data. */
export function verifyFdda(iccKey: RsaPublicKey, sdad: Uint8Array, input: FddaInput): OdaResult<RecoveredDynamicData> {
  return recoverDynamicSignature(iccKey, sdad, fddaTerminalData(input));
}

export interface CdaInput {
  /** 9F37 as sent in GENERATE AC (the CDA terminal dynamic data, Book 2 6.6.2 step 7). */
  unpredictableNumber: Uint8Array;
  /** 9F27 as the card answered it. */
  cid: number;
  /** The PDOL data of the GPO, the CDOL1 data of GENERATE AC (Book 2 6.6.2 step 10). */
  pdolData: Uint8Array;
  cdolData: Uint8Array;
  /** The GENERATE AC answer's data objects, in the order the card sent them. */
  response: readonly Tlv[];
}

export interface CdaResult extends RecoveredDynamicData {
  cid: number;
  /** The Application Cryptogram, which CDA carries inside the signature. */
  cryptogram: Uint8Array;
}

/** Book 2 6.6.2: the combined signature of GENERATE AC. */
export function verifyCda(iccKey: RsaPublicKey, sdad: Uint8Array, input: CdaInput): OdaResult<CdaResult> {
  const r = recoverDynamicSignature(iccKey, sdad, input.unpredictableNumber);
  if (!r.ok) return r;
  const d = r.value.iccDynamicData;
  const at = 1 + d[0]!;
  // Book 2 Table 19: after the ICC Dynamic Number come CID (1), AC (8) and the hash code (20).
  if (d.length < at + 29) return odaFail('SDAD_DYNAMIC_DATA_LENGTH', `CDA dynamic data of ${d.length} bytes cannot hold CID, cryptogram and hash code`);
  const cid = d[at]!;
  if (cid !== input.cid) return odaFail('SDAD_CID_MISMATCH', `the signature holds CID ${byte(cid)} but the card answered ${byte(input.cid)}`);
  const cryptogram = d.slice(at + 1, at + 9);
  const tdhc = d.subarray(at + 9, at + 29);
  const others = input.response.filter((o) => o.tag !== 0x9f4b).map((o) => encodeTlv([{ tag: o.tag, value: o.value }]));
  if (!equal(sha1(input.pdolData, input.cdolData, ...others), tdhc)) {
    return odaFail('SDAD_TRANSACTION_DATA_HASH', 'the transaction data hash code does not match the data of the GPO and GENERATE AC');
  }
  return odaOk({ ...r.value, cid, cryptogram });
}
