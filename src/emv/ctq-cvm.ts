/**
 * Cardholder verification of Kernel 3 (EMV Contactless Book C-3, "Cardholder Verification")
 * and Kernel 7 (Book C-7, qPBOC, the same rules): no CVM list; the card says in its Card
 * Transaction Qualifiers (9F6C) what it wants, within what the reader offers in its TTQ.
 */
import type { CvmMethod } from './kernel-result.js';

export interface CtqCvmInput {
  /** 9F6C, when the card returned it. */
  ctq: Uint8Array | undefined;
  /** The TTQ as sent in the GPO (with pre-processing's CVM required bit). */
  ttq: Uint8Array;
}

export interface CtqCvmOutcome {
  method: CvmMethod;
  /** CVM Results (9F34) as this reader reports them to the host. */
  results: Uint8Array;
  /** A CVM was required and none the card and reader share could be done. */
  failed: boolean;
}

/**
 * C-3: online PIN when the card asks for it (CTQ byte 1 b8) and the reader supports it (TTQ
 * byte 1 b3); else consumer device CVM when the card says it was performed (CTQ byte 2 b8);
 * else signature when asked (CTQ byte 1 b7) and supported (TTQ byte 1 b2). When the reader
 * required a CVM (TTQ byte 2 b7) and the card gave none of these, the reader falls back to
 * signature, then online PIN, as far as it supports them; with neither the CVM fails.
 */
export function ctqCvm({ ctq, ttq }: CtqCvmInput): CtqCvmOutcome {
  const onlinePinSupported = (ttq[0]! & 0x04) !== 0;
  const signatureSupported = (ttq[0]! & 0x02) !== 0;
  const cvmRequired = (ttq[1]! & 0x40) !== 0;
  if (ctq && ctq.length >= 2) {
    if ((ctq[0]! & 0x80) !== 0 && onlinePinSupported) return onlinePin();
    if ((ctq[1]! & 0x80) !== 0) return { method: 'cdcvm', results: Uint8Array.of(0x01, 0x00, 0x02), failed: false };
    if ((ctq[0]! & 0x40) !== 0 && signatureSupported) return signature();
  }
  if (!cvmRequired) return { method: 'no-cvm', results: Uint8Array.of(0x1f, 0x00, 0x02), failed: false };
  if (signatureSupported) return signature();
  if (onlinePinSupported) return onlinePin();
  return { method: 'none', results: Uint8Array.of(0x3f, 0x00, 0x01), failed: true };
}

function onlinePin(): CtqCvmOutcome {
  return { method: 'online-pin', results: Uint8Array.of(0x02, 0x00, 0x00), failed: false };
}

function signature(): CtqCvmOutcome {
  return { method: 'signature', results: Uint8Array.of(0x1e, 0x00, 0x00), failed: false };
}
