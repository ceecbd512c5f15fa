/**
 * EMV application cryptograms and issuer authentication (EMV 4.4 Book 2 8.1 and 8.2), both
 * sides: the card (or the virtual card of the simulator) computes the ARQC and checks the
 * ARPC; the issuer host checks the ARQC and answers with an ARPC.
 */
import { tdesEncrypt } from './block-ciphers.js';
import { concat, equalConstantTime, xor } from './bytes.js';
import { CryptoArgumentError, KeyLengthError } from './errors.js';
import { retailMac } from './mac.js';

function checkSessionKey(key: Uint8Array): void {
  if (key.length !== 16) throw new KeyLengthError('EMV session key', key.length, 'EMV uses a 16-byte double-length TDES key');
}

function checkCryptogram(ac: Uint8Array, what: string): void {
  if (ac.length !== 8) throw new CryptoArgumentError(`${what}: ${ac.length} bytes; an application cryptogram is 8`);
}

/**
 * ARQC (or TC, AAC): the MAC of the transaction data (CDOL1 data as the card received it)
 * under the AC session key, ISO/IEC 9797-1 MAC algorithm 3 with padding method 2
 * (EMV 4.4 Book 2 8.1.2 and A1.2.1), all 8 bytes.
 */
export function generateArqc(sessionKey: Uint8Array, transactionData: Uint8Array): Uint8Array {
  checkSessionKey(sessionKey);
  return retailMac(sessionKey, transactionData, 2);
}

/** Host side: true when the ARQC is the one the data and session key give (constant time). */
export function verifyArqc(sessionKey: Uint8Array, transactionData: Uint8Array, arqc: Uint8Array): boolean {
  if (arqc.length !== 8) return false;
  return equalConstantTime(generateArqc(sessionKey, transactionData), arqc);
}

/**
 * ARPC method 1 (EMV 4.4 Book 2 8.2.1): ARPC = TDES_SK(ARQC XOR (ARC || 00 00 00 00 00 00)),
 * 8 bytes, ARC being the 2-byte authorisation response code.
 */
export function arpcMethod1(key: Uint8Array, arqc: Uint8Array, arc: Uint8Array): Uint8Array {
  checkSessionKey(key);
  checkCryptogram(arqc, 'ARQC');
  if (arc.length !== 2) throw new CryptoArgumentError(`ARC: ${arc.length} bytes; the authorisation response code is 2`);
  const padded = new Uint8Array(8);
  padded.set(arc);
  return tdesEncrypt(key, xor(arqc, padded));
}

/**
 * ARPC method 2 (EMV 4.4 Book 2 8.2.2): ARPC = the leftmost 4 bytes of the MAC (algorithm 3,
 * padding method 2, session key) of ARQC || CSU || proprietary authentication data, with a
 * 4-byte card status update and 0 to 8 bytes of proprietary data.
 */
export function arpcMethod2(sessionKey: Uint8Array, arqc: Uint8Array, csu: Uint8Array, proprietary: Uint8Array = new Uint8Array(0)): Uint8Array {
  checkSessionKey(sessionKey);
  checkCryptogram(arqc, 'ARQC');
  if (csu.length !== 4) throw new CryptoArgumentError(`CSU: ${csu.length} bytes; the card status update is 4`);
  if (proprietary.length > 8) throw new CryptoArgumentError(`proprietary authentication data: ${proprietary.length} bytes; at most 8`);
  return retailMac(sessionKey, concat(arqc, csu, proprietary), 2).slice(0, 4);
}

/** Card side of method 1: true when the issuer's ARPC matches (constant time). */
export function verifyArpcMethod1(key: Uint8Array, arqc: Uint8Array, arc: Uint8Array, arpc: Uint8Array): boolean {
  if (arpc.length !== 8) return false;
  return equalConstantTime(arpcMethod1(key, arqc, arc), arpc);
}

/** Card side of method 2. */
export function verifyArpcMethod2(sessionKey: Uint8Array, arqc: Uint8Array, csu: Uint8Array, proprietary: Uint8Array, arpc: Uint8Array): boolean {
  if (arpc.length !== 4) return false;
  return equalConstantTime(arpcMethod2(sessionKey, arqc, csu, proprietary), arpc);
}
