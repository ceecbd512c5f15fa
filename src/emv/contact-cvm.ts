/**
 * Cardholder verification over the contact interface, EMV 4.4 Book 3 10.5 (Figure 8) with
 * the CVM List of Annex C3: each rule whose condition holds is performed in turn, and one
 * that is unsuccessful moves on to the next rule only when b7 of its CVM Code ("apply
 * succeeding CV Rule if this CVM is unsuccessful") is set; otherwise cardholder
 * verification has failed. Unlike the contactless reading of the list (cvm-list.ts
 * processCvmList) the CVM is actually performed here, so it can fail on the way:
 *
 * - online PIN (10.5.2): bypassed by the cardholder, "PIN entry required, PIN pad present,
 *   but PIN was not entered"; entered, "Online PIN entered" and the CVM is done (the
 *   issuer verifies it, so its result stays "unknown");
 * - offline PIN (10.5.1, offline-pin.ts): plaintext (01) or enciphered (04) PIN verified by
 *   the card, and with a signature besides (03, 05). Not supported by the terminal, or no
 *   PIN pad to take it: "PIN entry required and PIN pad not present or not working";
 *   bypassed: "PIN was not entered"; blocked or tried out: "PIN Try Limit exceeded";
 * - signature and "No CVM required" succeed; "Fail CVM processing" fails.
 *
 * CVM Results (9F34): the CVM that succeeded with 02 (successful) or 00 (unknown: online
 * PIN, or a signature still to check); on failure the rule that ended it, or the last one
 * performed, with 01; 3F 00 01 when no CVM was performed at all; 3F 00 00 when the card
 * has no usable list (and then "ICC data missing").
 */
import {
  ENCIPHERED_PIN_BY_ICC,
  ENCIPHERED_PIN_BY_ICC_AND_SIGNATURE,
  ENCIPHERED_PIN_ONLINE,
  FAIL_CVM,
  NO_CVM,
  OFFLINE_PIN_CODES,
  PLAINTEXT_PIN_BY_ICC_AND_SIGNATURE,
  SIGNATURE,
  conditionSatisfied,
  parseCvmList,
  recognised,
  supported,
  type CvmListContext,
  type CvmOutcome,
  type CvmRule,
} from './cvm-list.js';
import type { CvmMethod } from './kernel-result.js';
import type { OfflinePinKind, OfflinePinResult } from './offline-pin.js';
import type { TvrBit } from './tvr.js';

export interface ContactCvmPerformers {
  /**
   * Online PIN on the PIN pad (the PIN block goes with the authorisation). Absent: the PIN
   * is taken later by the caller and counts as entered here.
   */
  onlinePin?: () => Promise<'entered' | 'bypassed'>;
  /** Offline PIN through the PIN pad and VERIFY. Absent: no PIN pad for it. */
  offlinePin?: (kind: OfflinePinKind) => Promise<OfflinePinResult>;
}

/** What one rule's CVM came to: done (with its method and CVM Result byte 3), or not. */
type Performed = { ok: true; method: CvmMethod; result: 0x00 | 0x02 } | { ok: false; performed: boolean };

const NOT_PERFORMED: Performed = { ok: false, performed: false };

export async function contactCardholderVerification(list: Uint8Array | undefined, c: CvmListContext, perform: ContactCvmPerformers): Promise<CvmOutcome> {
  const parsed = parseCvmList(list);
  if (!parsed) return { method: 'none', results: Uint8Array.of(0x3f, 0x00, 0x00), tvr: ['iccDataMissing'] };
  const tvr: TvrBit[] = [];
  const note = (...bits: TvrBit[]) => {
    for (const b of bits) if (!tvr.includes(b)) tvr.push(b);
  };

  const performRule = async (rule: CvmRule): Promise<Performed> => {
    const { code } = rule;
    if (!recognised(code)) {
      note('unrecognisedCvm');
      return NOT_PERFORMED;
    }
    if (code === FAIL_CVM) return { ok: false, performed: true };
    if (!supported(code, c.capability)) {
      // 10.5.1: an offline PIN the terminal does not support is a PIN pad it does not have.
      if (OFFLINE_PIN_CODES.has(code)) note('pinPadMissing');
      return NOT_PERFORMED;
    }
    if (code === ENCIPHERED_PIN_ONLINE) {
      const entry = perform.onlinePin ? await perform.onlinePin() : 'entered';
      if (entry === 'bypassed') {
        note('pinNotEntered');
        return { ok: false, performed: true };
      }
      note('onlinePinEntered');
      return { ok: true, method: 'online-pin', result: 0x00 };
    }
    if (code === SIGNATURE) return { ok: true, method: 'signature', result: 0x00 };
    if (code === NO_CVM) return { ok: true, method: 'no-cvm', result: 0x02 };
    // Offline PIN, 01 and 03 plaintext, 04 and 05 enciphered.
    if (!perform.offlinePin) {
      note('pinPadMissing');
      return NOT_PERFORMED;
    }
    const kind: OfflinePinKind = code === ENCIPHERED_PIN_BY_ICC || code === ENCIPHERED_PIN_BY_ICC_AND_SIGNATURE ? 'enciphered' : 'plaintext';
    const r = await perform.offlinePin(kind);
    if (r.kind === 'failed') {
      note(...r.tvr);
      return { ok: false, performed: true };
    }
    const withSignature = code === PLAINTEXT_PIN_BY_ICC_AND_SIGNATURE || code === ENCIPHERED_PIN_BY_ICC_AND_SIGNATURE;
    return withSignature ? { ok: true, method: 'offline-pin-and-signature', result: 0x00 } : { ok: true, method: 'offline-pin', result: 0x02 };
  };

  let lastPerformed: CvmRule | undefined;
  for (const rule of parsed.rules) {
    if (!conditionSatisfied(rule.condition, rule.code, parsed.x, parsed.y, c)) continue;
    const done = await performRule(rule);
    if (done.ok) return { method: done.method, results: Uint8Array.of(rule.cvmByte, rule.condition, done.result), tvr };
    if (done.performed) lastPerformed = rule;
    // Figure 8: b7 set, the next rule; clear, cardholder verification has failed.
    if (rule.applyNext) continue;
    note('cvmNotSuccessful');
    return { method: 'none', results: Uint8Array.of(rule.cvmByte, rule.condition, 0x01), tvr };
  }
  note('cvmNotSuccessful');
  return { method: 'none', results: lastPerformed ? Uint8Array.of(lastPerformed.cvmByte, lastPerformed.condition, 0x01) : Uint8Array.of(0x3f, 0x00, 0x01), tvr };
}
