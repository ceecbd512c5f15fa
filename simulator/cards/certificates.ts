/**
 * The issuer's and the card's side of EMV offline data authentication (EMV 4.4 Book 2):
 * the CA signs the Issuer Public Key Certificate (Table 13), the issuer signs the ICC Public
 * Key Certificate (Table 20), the card signs its dynamic data (Table 17, CDA Table 19).
 * SDA's Signed Static Application Data is Table 7, signed by the issuer.
 * Each is data || SHA-1 hash || BC under the signer's private key, with the header 6A.
 */
import { createHash } from 'node:crypto';
import { concat } from '../../src/bytes.js';
import { encodeCn } from '../../src/emv/formats.js';
import { rsaSign, type TestKey } from './test-keys.js';

function sha1(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** MMYY as two BCD bytes. */
function mmyy(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** The part of a key that fits a certificate's field (padded with BB) and the remainder. */
function split(modulus: Uint8Array, room: number): { field: Uint8Array; remainder: Uint8Array } {
  if (modulus.length <= room) {
    const field = new Uint8Array(room).fill(0xbb);
    field.set(modulus);
    return { field, remainder: new Uint8Array(0) };
  }
  return { field: modulus.slice(0, room), remainder: modulus.slice(room) };
}

export interface Certificate {
  certificate: Uint8Array;
  remainder: Uint8Array;
}

/** Book 2 Table 13, signed by the CA. `issuerId`: the PAN's leftmost 3-8 digits. */
export function issuerCertificate(ca: TestKey, issuer: TestKey, issuerId: string, expiryMmyy: string, serial: Uint8Array): Certificate {
  const nCa = ca.modulus.length;
  const { field, remainder } = split(issuer.modulus, nCa - 36);
  const data = concat(
    Uint8Array.of(0x02),
    encodeCn(issuerId, 4),
    mmyy(expiryMmyy),
    serial,
    Uint8Array.of(0x01, 0x01, issuer.modulus.length, issuer.exponent.length),
    field,
  );
  const hash = sha1(data, remainder, issuer.exponent);
  return { certificate: rsaSign(ca, concat(Uint8Array.of(0x6a), data, hash, Uint8Array.of(0xbc))), remainder };
}

/** Book 2 Table 20, signed by the issuer, over the static data to be authenticated too. */
export function iccCertificate(issuer: TestKey, icc: TestKey, pan: string, expiryMmyy: string, serial: Uint8Array, staticData: Uint8Array): Certificate {
  const nI = issuer.modulus.length;
  const { field, remainder } = split(icc.modulus, nI - 42);
  const data = concat(
    Uint8Array.of(0x04),
    encodeCn(pan, 10),
    mmyy(expiryMmyy),
    serial,
    Uint8Array.of(0x01, 0x01, icc.modulus.length, icc.exponent.length),
    field,
  );
  const hash = sha1(data, remainder, icc.exponent, staticData);
  return { certificate: rsaSign(issuer, concat(Uint8Array.of(0x6a), data, hash, Uint8Array.of(0xbc))), remainder };
}

/**
 * Book 2 Table 7: Signed Static Application Data (93) for SDA, signed by the issuer over the
 * Data Authentication Code and the static data to be authenticated.
 */
export function signStaticData(issuer: TestKey, dataAuthenticationCode: Uint8Array, staticData: Uint8Array): Uint8Array {
  const n = issuer.modulus.length;
  const data = concat(Uint8Array.of(0x03, 0x01), dataAuthenticationCode, new Uint8Array(n - 26).fill(0xbb));
  const hash = sha1(data, staticData);
  return rsaSign(issuer, concat(Uint8Array.of(0x6a), data, hash, Uint8Array.of(0xbc)));
}

/** Book 2 Table 17: Signed Dynamic Application Data over the ICC dynamic data and the terminal's. */
export function signDynamicData(icc: TestKey, iccDynamicData: Uint8Array, terminalDynamicData: Uint8Array): Uint8Array {
  const n = icc.modulus.length;
  const pad = new Uint8Array(n - iccDynamicData.length - 25).fill(0xbb);
  const data = concat(Uint8Array.of(0x05, 0x01, iccDynamicData.length), iccDynamicData, pad);
  const hash = sha1(data, terminalDynamicData);
  return rsaSign(icc, concat(Uint8Array.of(0x6a), data, hash, Uint8Array.of(0xbc)));
}

export { sha1 };
