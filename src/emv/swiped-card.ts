/**
 * A swiped card, from the tracks the magstripe reader assembled to what the sale goes on
 * with: tracks parsed by ISO/IEC 7813 (track.ts), the two tracks checked against each other,
 * the service code rule (a chip card swiped where a chip reader is goes to the chip, unless
 * fallback is allowed: EMV 4.4 Book 4 11.1 and the service code of ISO/IEC 7813), and the
 * cardholder verification a swipe gets. A track that cannot be read is a TrackError (the
 * customer swipes again); a chip card is a value.
 */
import { maskPan } from '../security/pan.js';
import { SensitiveCardData } from './sensitive-card-data.js';
import { parseTrack1, parseTrack2, swipeDecision, track2EquivalentOf, type ServiceCode, type TrackData } from './track.js';
import { TrackError } from './errors.js';

export interface SwipePolicy {
  /** The terminal has a chip reader (contact or contactless) to send a chip card to. Default true. */
  chipReader?: boolean;
  /**
   * This card's chip was tried and could not be used (mute chip, no common application), and
   * the acquirer allows magstripe fallback: the swipe goes ahead, marked as fallback.
   */
  fallbackAllowed?: boolean;
  /**
   * When a swipe needs online PIN: 'always' (the practice of CN acquirers for swiped cards,
   * and the default), or 'service-code' (digit 3 asks for a PIN, or allows one with a PIN pad).
   */
  pin?: 'always' | 'service-code';
}

export type SwipedCard =
  | { outcome: 'use-chip'; reason: string; maskedPan: string; serviceCode: string }
  | {
      outcome: 'proceed';
      /** A chip card read by its stripe after its chip failed (ISO 8583 field 22: 80). */
      fallback: boolean;
      maskedPan: string;
      /** YYMM */
      expiry: string;
      serviceCode: ServiceCode;
      /** The cardholder's name from track 1, when it was read. */
      name?: string;
      cvm: 'online-pin' | 'signature';
      /** Full PAN and track 2 (as tag 57's layout): kept apart, never logged. */
      sensitive: SensitiveCardData;
    };

export function readSwipedCard(tracks: { track1?: string | undefined; track2: string }, policy: SwipePolicy = {}): SwipedCard {
  const t2 = parseTrack2(tracks.track2);
  let t1: TrackData | undefined;
  if (tracks.track1 !== undefined) {
    try {
      t1 = parseTrack1(tracks.track1);
    } catch (e) {
      // Track 2 is what the host needs; a misread track 1 only loses the name.
      if (!(e instanceof TrackError)) throw e;
    }
  }
  if (t1 && (t1.pan !== t2.pan || t1.expiry !== t2.expiry || t1.serviceCode !== t2.serviceCode)) {
    throw new TrackError('TRACK_MISMATCH', 'tracks 1 and 2 disagree on the PAN, expiry or service code (misread)');
  }
  const maskedPan = maskPan(t2.pan);
  const decision = swipeDecision(t2.serviceCode, {
    chipReader: policy.chipReader ?? true,
    fallbackAllowed: policy.fallbackAllowed ?? false,
  });
  if (decision.action === 'use-chip') return { outcome: 'use-chip', reason: decision.reason, maskedPan, serviceCode: t2.serviceCode };
  const sc = decision.serviceCode;
  const pin = (policy.pin ?? 'always') === 'always' || sc.pin !== 'none';
  return {
    outcome: 'proceed',
    fallback: decision.fallback,
    maskedPan,
    expiry: t2.expiry,
    serviceCode: sc,
    ...(t1?.name ? { name: t1.name } : {}),
    cvm: pin ? 'online-pin' : 'signature',
    sensitive: new SensitiveCardData(t2.pan, track2EquivalentOf(t2)),
  };
}
