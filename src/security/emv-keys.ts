/**
 * EMV issuer key derivation (EMV 4.4 Book 2 Annex A1.4 and A1.3): the ICC master key from
 * the issuer master key, PAN and PAN sequence number (option A), and the common session key
 * from the ICC master key and a diversification value (the ATC for application cryptograms).
 * Derived keys have their DES parity bits set odd, as issuers and HSMs publish them.
 */
import { tdesEncrypt, withOddParity } from './block-ciphers.js';
import { concat, xor, zeroize } from './bytes.js';
import { CryptoArgumentError, KeyLengthError } from './errors.js';
import { checkPan } from './pan.js';

function checkDoubleLength(key: Uint8Array, what: string): void {
  if (key.length !== 16) throw new KeyLengthError(what, key.length, 'EMV uses a 16-byte double-length TDES key');
}

/** A PAN sequence number as two digits; absent means 00 (EMV 4.4 Book 2 A1.4.1). */
export function checkPsn(psn: string | number | undefined): string {
  if (psn === undefined) return '00';
  const s = typeof psn === 'number' ? String(psn).padStart(2, '0') : psn;
  if (!/^[0-9]{2}$/.test(s)) throw new CryptoArgumentError(`PAN sequence number '${String(psn).slice(0, 4)}': two decimal digits, 00 to 99`);
  return s;
}

/**
 * Option A (EMV 4.4 Book 2 A1.4.1): Y = the rightmost 16 digits of PAN || PSN, zero-padded
 * on the left; MK = TDES_IMK(Y) || TDES_IMK(Y XOR FF..FF), with odd parity.
 */
export function deriveIccMasterKey(imk: Uint8Array, pan: string, psn?: string | number): Uint8Array {
  checkDoubleLength(imk, 'issuer master key');
  checkPan(pan);
  const digits = (pan + checkPsn(psn)).slice(-16).padStart(16, '0');
  const y = Uint8Array.from(Buffer.from(digits, 'hex'));
  const notY = xor(y, new Uint8Array(8).fill(0xff));
  const z = concat(tdesEncrypt(imk, y), tdesEncrypt(imk, notY));
  const mk = withOddParity(z);
  zeroize(y, notY, z);
  return mk;
}

/**
 * Common session key derivation (EMV 4.4 Book 2 A1.3.1): from the 8-byte diversification
 * value R, F1 = R0 R1 'F0' R3..R7 and F2 = R0 R1 '0F' R3..R7;
 * SK = TDES_MK(F1) || TDES_MK(F2), with odd parity.
 */
export function deriveCommonSessionKey(iccMasterKey: Uint8Array, r: Uint8Array): Uint8Array {
  checkDoubleLength(iccMasterKey, 'ICC master key');
  if (r.length !== 8) throw new CryptoArgumentError(`session key diversification value: ${r.length} bytes; it is 8`);
  const f1 = r.slice();
  f1[2] = 0xf0;
  const f2 = r.slice();
  f2[2] = 0x0f;
  const z = concat(tdesEncrypt(iccMasterKey, f1), tdesEncrypt(iccMasterKey, f2));
  const sk = withOddParity(z);
  zeroize(z);
  return sk;
}

/** R for the application cryptogram session key: ATC || 00 00 00 00 00 00 (EMV 4.4 Book 2 A1.3.1). */
export function atcDiversifier(atc: Uint8Array): Uint8Array {
  if (atc.length !== 2) throw new CryptoArgumentError(`ATC: ${atc.length} bytes; the application transaction counter (9F36) is 2`);
  const r = new Uint8Array(8);
  r.set(atc);
  return r;
}

/** The AC session key of one transaction: MK from the IMK, then SK from the ATC. */
export function deriveAcSessionKey(imk: Uint8Array, pan: string, psn: string | number | undefined, atc: Uint8Array): {
  iccMasterKey: Uint8Array;
  sessionKey: Uint8Array;
} {
  const iccMasterKey = deriveIccMasterKey(imk, pan, psn);
  const sessionKey = deriveCommonSessionKey(iccMasterKey, atcDiversifier(atc));
  return { iccMasterKey, sessionKey };
}
