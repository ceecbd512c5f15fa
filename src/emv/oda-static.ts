/**
 * Static Data Authentication, EMV 4.4 Book 2 5.4: the issuer signed the card's static data
 * when it personalised the card (Signed Static Application Data, 93, Table 7); the terminal
 * recovers the signature with the issuer key (oda-keys.ts recovers that) and compares the
 * hash with the static data it read. SDA proves the data was not altered, not that the card
 * is genuine: the contact kernel prefers DDA or CDA when both sides support them (Book 3 10.3).
 */
import { toHex } from '../hex.js';
import type { RsaPublicKey } from './oda-certificates.js';
import { sha1 } from './oda-certificates.js';
import { odaFail, odaOk, type OdaResult } from './oda-result.js';
import { rsaRecover } from './rsa-recover.js';

export interface SdaResult {
  /** Data Authentication Code (9F45) the issuer put in the signature; the terminal keeps it. */
  dataAuthenticationCode: Uint8Array;
}

function byte(b: number): string {
  return toHex(Uint8Array.of(b));
}

/** Book 2 5.4 steps 1 to 7 on the Signed Static Application Data and the static data to be authenticated. */
export function verifySda(issuerKey: RsaPublicKey, ssad: Uint8Array | undefined, staticData: Uint8Array): OdaResult<SdaResult> {
  if (!ssad) return odaFail('SSAD_MISSING', 'the card gave no Signed Static Application Data (93)');
  const n = issuerKey.modulus.length;
  // Step 1: as long as the issuer key's modulus.
  if (ssad.length !== n) return odaFail('SSAD_LENGTH', `the signed static data is ${ssad.length} bytes; the issuer key's modulus is ${n}`);
  const x = rsaRecover(ssad, issuerKey.modulus, issuerKey.exponent);
  if (!x) return odaFail('SSAD_LENGTH', 'the signed static data is not a value below the issuer key modulus');
  // Steps 2-4: trailer BC, header 6A, signed data format 03.
  if (x[n - 1] !== 0xbc) return odaFail('SSAD_TRAILER', `recovered data trailer ${byte(x[n - 1]!)}; BC expected`);
  if (x[0] !== 0x6a) return odaFail('SSAD_HEADER', `recovered data header ${byte(x[0]!)}; 6A expected`);
  if (x[1] !== 0x03) return odaFail('SSAD_FORMAT', `signed data format ${byte(x[1]!)}; 03 (signed static data) expected`);
  if (x[2] !== 0x01) return odaFail('SSAD_HASH_ALGORITHM', `hash algorithm ${byte(x[2]!)}; 01 (SHA-1) expected`);
  // Steps 5-7: SHA-1 over format .. pad pattern, then the static data to be authenticated.
  const hash = sha1(x.subarray(1, n - 21), staticData);
  const want = x.subarray(n - 21, n - 1);
  if (!hash.every((b, i) => b === want[i])) return odaFail('SSAD_HASH', 'the hash in the signed static data does not match the signed records');
  return odaOk({ dataAuthenticationCode: x.slice(3, 5) });
}
