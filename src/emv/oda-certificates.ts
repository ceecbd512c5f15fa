/**
 * Recovery of the issuer and ICC public keys from their certificates, with every check of
 * EMV 4.4 Book 2 5.3 (and 6.3, the same for DDA and CDA) and 6.4. Pure functions: bytes and
 * the transaction date in, a key or the name of the failed check out.
 */
import { createHash } from 'node:crypto';
import { concat } from '../bytes.js';
import { toHex } from '../hex.js';
import type { CaPublicKey } from './ca-keys.js';
import { mmyyToLastDay } from './dates.js';
import { odaFail, odaOk, type OdaResult } from './oda-result.js';
import { rsaRecover } from './rsa-recover.js';

export interface RsaPublicKey {
  modulus: Uint8Array;
  exponent: Uint8Array;
}

export interface IssuerPublicKey extends RsaPublicKey {
  /** Leftmost PAN digits the certificate names (Book 2 Table 13, padded with F). */
  issuerIdentifier: string;
  /** Last valid day, yyyymmdd. */
  expiry: number;
  serial: Uint8Array;
}

export interface IccPublicKey extends RsaPublicKey {
  expiry: number;
  serial: Uint8Array;
}

/** Book 2 Annex B2.3: hash algorithm 01 is SHA-1; B2.2: key algorithm 01 is RSA. */
const SHA1 = 0x01;
const RSA = 0x01;
const HEADER = 0x6a;
const TRAILER = 0xbc;

export function sha1(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function byte(b: number): string {
  return toHex(Uint8Array.of(b));
}

/** Digits of a cn field up to its first F pad (the issuer identifier, the certificate PAN). */
function cnDigits(bytes: Uint8Array): string | undefined {
  let s = '';
  for (const b of bytes) {
    for (const n of [b >> 4, b & 0x0f]) {
      if (n === 0x0f) return s;
      if (n > 9) return undefined;
      s += String(n);
    }
  }
  return s;
}

export interface IssuerCertificateInput {
  caKey: CaPublicKey;
  /** 90 */
  certificate: Uint8Array;
  /** 92, when the card has one. */
  remainder?: Uint8Array | undefined;
  /** 9F32 */
  exponent: Uint8Array;
  /** The Application PAN (5A), digits. */
  pan: string;
  /** The transaction date, yyyymmdd. */
  date: number;
}

/** Book 2 5.3 (SDA) and 6.3 (DDA, CDA): the issuer public key, or the check that failed. */
export function recoverIssuerKey(input: IssuerCertificateInput): OdaResult<IssuerPublicKey> {
  const { caKey, certificate, exponent } = input;
  const remainder = input.remainder ?? new Uint8Array(0);
  const nCa = caKey.modulus.length;
  // Step 1: the certificate is as long as the CA key's modulus.
  if (certificate.length !== nCa) {
    return odaFail('ISSUER_CERT_LENGTH', `the issuer certificate is ${certificate.length} bytes; the CA key's modulus is ${nCa}`);
  }
  const x = rsaRecover(certificate, caKey.modulus, caKey.exponent);
  if (!x) return odaFail('ISSUER_CERT_LENGTH', 'the issuer certificate is not a value below the CA key modulus');
  // Steps 2-4: trailer BC, header 6A, certificate format 02.
  if (x[nCa - 1] !== TRAILER) return odaFail('ISSUER_CERT_TRAILER', `recovered data trailer ${byte(x[nCa - 1]!)}; BC expected`);
  if (x[0] !== HEADER) return odaFail('ISSUER_CERT_HEADER', `recovered data header ${byte(x[0]!)}; 6A expected`);
  if (x[1] !== 0x02) return odaFail('ISSUER_CERT_FORMAT', `certificate format ${byte(x[1]!)}; 02 (issuer public key) expected`);
  const hashAlgorithm = x[11]!;
  if (hashAlgorithm !== SHA1) return odaFail('ISSUER_CERT_HASH_ALGORITHM', `hash algorithm ${byte(hashAlgorithm)}; 01 (SHA-1) expected`);
  const nI = x[13]!;
  const field = x.subarray(15, nCa - 21);
  // The key is split between the certificate and the remainder (92) when longer than the
  // certificate's field; a remainder of any other length cannot complete it.
  const wantRemainder = Math.max(0, nI - field.length);
  if (remainder.length !== wantRemainder) {
    return odaFail('ISSUER_REMAINDER_LENGTH', `issuer key of ${nI} bytes needs a remainder of ${wantRemainder}, the card gave ${remainder.length}`);
  }
  // Steps 5-7: SHA-1 over format .. public key field, remainder and exponent.
  const hash = sha1(x.subarray(1, nCa - 21), remainder, exponent);
  if (!equal(hash, x.subarray(nCa - 21, nCa - 1))) return odaFail('ISSUER_CERT_HASH', 'the hash in the issuer certificate does not match its data');
  // Step 8: the issuer identifier is the PAN's leftmost 3 to 8 digits, padded with F.
  const issuerIdentifier = cnDigits(x.subarray(2, 6));
  if (issuerIdentifier === undefined || issuerIdentifier.length < 3 || !input.pan.startsWith(issuerIdentifier)) {
    return odaFail('ISSUER_ID_MISMATCH', 'the issuer identifier in the certificate does not match the leftmost PAN digits');
  }
  // Step 9: valid through the last day of its expiry month.
  const expiry = mmyyToLastDay(x.subarray(6, 8));
  if (expiry === undefined) return odaFail('ISSUER_CERT_EXPIRED', 'the issuer certificate expiry date is not a valid MMYY');
  if (expiry < input.date) return odaFail('ISSUER_CERT_EXPIRED', `the issuer certificate expired on ${expiry}`);
  // Step 10 (revocation list) is the acquirer's list; this terminal holds none yet.
  // Step 11: the key algorithm is one the terminal knows.
  if (x[12] !== RSA) return odaFail('ISSUER_KEY_ALGORITHM', `issuer key algorithm ${byte(x[12]!)}; 01 (RSA) expected`);
  if (x[14] !== exponent.length) {
    return odaFail('ISSUER_CERT_FORMAT', `the certificate names an exponent of ${x[14]} bytes; the card gave ${exponent.length}`);
  }
  const modulus = nI <= field.length ? field.slice(0, nI) : concat(field, remainder);
  return odaOk({ modulus, exponent, issuerIdentifier, expiry, serial: x.slice(8, 11) });
}

export interface IccCertificateInput {
  issuerKey: RsaPublicKey;
  /** 9F46 */
  certificate: Uint8Array;
  /** 9F48 */
  remainder?: Uint8Array | undefined;
  /** 9F47 */
  exponent: Uint8Array;
  pan: string;
  /** Static data to be authenticated: signed records, then the AIP when 9F4A lists it (Book 2 5.4). */
  staticData: Uint8Array;
  date: number;
}

/** Book 2 6.4: the ICC public key, or the check that failed. */
export function recoverIccKey(input: IccCertificateInput): OdaResult<IccPublicKey> {
  const { issuerKey, certificate, exponent } = input;
  const remainder = input.remainder ?? new Uint8Array(0);
  const nI = issuerKey.modulus.length;
  if (certificate.length !== nI) {
    return odaFail('ICC_CERT_LENGTH', `the ICC certificate is ${certificate.length} bytes; the issuer key's modulus is ${nI}`);
  }
  const x = rsaRecover(certificate, issuerKey.modulus, issuerKey.exponent);
  if (!x) return odaFail('ICC_CERT_LENGTH', 'the ICC certificate is not a value below the issuer key modulus');
  if (x[nI - 1] !== TRAILER) return odaFail('ICC_CERT_TRAILER', `recovered data trailer ${byte(x[nI - 1]!)}; BC expected`);
  if (x[0] !== HEADER) return odaFail('ICC_CERT_HEADER', `recovered data header ${byte(x[0]!)}; 6A expected`);
  if (x[1] !== 0x04) return odaFail('ICC_CERT_FORMAT', `certificate format ${byte(x[1]!)}; 04 (ICC public key) expected`);
  if (x[17] !== SHA1) return odaFail('ICC_CERT_HASH_ALGORITHM', `hash algorithm ${byte(x[17]!)}; 01 (SHA-1) expected`);
  const nIc = x[19]!;
  const field = x.subarray(21, nI - 21);
  const wantRemainder = Math.max(0, nIc - field.length);
  if (remainder.length !== wantRemainder) {
    return odaFail('ICC_REMAINDER_LENGTH', `ICC key of ${nIc} bytes needs a remainder of ${wantRemainder}, the card gave ${remainder.length}`);
  }
  // Steps 5-7: the hash covers the certificate's data, remainder, exponent and the static data.
  const hash = sha1(x.subarray(1, nI - 21), remainder, exponent, input.staticData);
  if (!equal(hash, x.subarray(nI - 21, nI - 1))) return odaFail('ICC_CERT_HASH', 'the hash in the ICC certificate does not match its data and the signed records');
  // Step 8: the PAN in the certificate (padded with F) is the Application PAN.
  if (cnDigits(x.subarray(2, 12)) !== input.pan) return odaFail('ICC_PAN_MISMATCH', 'the PAN in the ICC certificate is not the Application PAN');
  const expiry = mmyyToLastDay(x.subarray(12, 14));
  if (expiry === undefined) return odaFail('ICC_CERT_EXPIRED', 'the ICC certificate expiry date is not a valid MMYY');
  if (expiry < input.date) return odaFail('ICC_CERT_EXPIRED', `the ICC certificate expired on ${expiry}`);
  if (x[18] !== RSA) return odaFail('ICC_KEY_ALGORITHM', `ICC key algorithm ${byte(x[18]!)}; 01 (RSA) expected`);
  if (x[20] !== exponent.length) {
    return odaFail('ICC_CERT_FORMAT', `the certificate names an exponent of ${x[20]} bytes; the card gave ${exponent.length}`);
  }
  const modulus = nIc <= field.length ? field.slice(0, nIc) : concat(field, remainder);
  return odaOk({ modulus, exponent, expiry, serial: x.slice(14, 17) });
}
