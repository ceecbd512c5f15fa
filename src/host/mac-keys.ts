/**
 * The MAC hooks of one exchange, bound to the DUKPT keys of one transaction
 * (docs/host-spec.md section 6.12): the request is MACed with the MAC request key, the
 * response with the MAC response key of the same transaction key, named by field 53.
 */
import { cmac, retailMac, type CmacCipher } from '../security/mac.js';
import type { MacFn } from './messages.js';

/** The request's MAC and the response's MAC of one exchange. Both ends use the same pair. */
export interface MacPair {
  request: MacFn;
  response: MacFn;
}

/** What one MACed request needs: the KSN for field 53 and the MACs of its transaction key. */
export interface TransactionMacKeys {
  ksn: Uint8Array;
  mac: MacPair;
}

/**
 * Where the terminal takes the keys of its next MACed request. The owner (the key store)
 * moves its DUKPT counter on and keeps it durably before returning, so a key is never used
 * twice, also across a restart.
 */
export interface MacKeySource {
  next(): TransactionMacKeys | Promise<TransactionMacKeys>;
}

/** TDES DUKPT (X9.24-1): ISO/IEC 9797-1 MAC algorithm 3, padding method 1, all 8 bytes. */
export function tdesDukptMacs(keys: { macRequestKey: Uint8Array; macResponseKey: Uint8Array }): MacPair {
  const req = keys.macRequestKey.slice();
  const res = keys.macResponseKey.slice();
  return { request: (data) => retailMac(req, data, 1), response: (data) => retailMac(res, data, 1) };
}

/** AES DUKPT (X9.24-3): CMAC (NIST SP 800-38B) truncated to the 8 bytes field 64 holds. */
export function aesDukptMacs(
  keys: { macGenerationKey: Uint8Array; macVerificationKey: Uint8Array },
  // A 16-byte working key may be AES-128 or TDES2 (X9.24-3 key types): the caller knows which.
  cipher: CmacCipher = 'aes',
): MacPair {
  const gen = keys.macGenerationKey.slice();
  const ver = keys.macVerificationKey.slice();
  return {
    request: (data) => cmac(gen, data, cipher).slice(0, 8),
    response: (data) => cmac(ver, data, cipher).slice(0, 8),
  };
}

/**
 * The MACs of one DUKPT transaction's working keys, TDES (X9.24-1) or AES (X9.24-3): what
 * the key store's transaction (src/security/dukpt-pin.ts, `working`) holds. `cipher` is
 * the AES DUKPT working key's algorithm ('tdes' for TDES2/TDES3 working keys).
 */
export function transactionMacs(
  working: { macRequestKey: Uint8Array; macResponseKey: Uint8Array } | { macGenerationKey: Uint8Array; macVerificationKey: Uint8Array },
  cipher: CmacCipher = 'aes',
): MacPair {
  return 'macRequestKey' in working ? tdesDukptMacs(working) : aesDukptMacs(working, cipher);
}
