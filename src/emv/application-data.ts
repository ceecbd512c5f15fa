/**
 * The cardholder's account as the card states it: PAN (5A, or the PAN inside the track 2
 * equivalent data 57), expiry (5F24, or 57's), PAN sequence number (5F34). EMV 4.4 Book 3
 * Annex A1. Errors name the tag and never the digits.
 */
import type { CardData } from './card-data.js';
import { CardError } from './errors.js';
import { decodeCn, decodeN } from './formats.js';
import { parseTrack2Equivalent } from './track.js';

export interface Account {
  pan: string;
  /** YYMM */
  expiry: string;
  /** Two digits, when the card gave 5F34. */
  panSequence?: string;
  /** Tag 57 as the card gave it. */
  track2?: Uint8Array;
}

/** The account, or a CardError when neither 5A nor 57 gives a PAN (Book 3 7.2 mandatory data). */
export function accountOf(card: CardData): Account {
  const t2 = card.get(0x57);
  const track = t2 ? parseTrack2Equivalent(t2) : undefined;
  const panBytes = card.get(0x5a);
  let pan: string | undefined;
  if (panBytes) {
    pan = decodeCn(panBytes);
    if (pan === undefined || !/^[0-9]{8,19}$/.test(pan)) throw new CardError('CARD_DATA_FORMAT', 'the Application PAN (5A) is not 8 to 19 digits in format cn');
  }
  pan ??= track?.pan;
  if (pan === undefined) throw new CardError('CARD_DATA_MISSING', 'the card gave neither an Application PAN (5A) nor track 2 equivalent data (57)');
  const expiryBytes = card.get(0x5f24);
  let expiry: string | undefined;
  if (expiryBytes) {
    const d = decodeN(expiryBytes);
    if (d === undefined) throw new CardError('CARD_DATA_FORMAT', 'the Application Expiration Date (5F24) is not format n');
    expiry = d.slice(0, 4);
  }
  expiry ??= track?.expiry;
  if (expiry === undefined) throw new CardError('CARD_DATA_MISSING', 'the card gave no Application Expiration Date (5F24 or in 57)');
  const psn = card.get(0x5f34);
  const panSequence = psn ? decodeN(psn) : undefined;
  if (psn && panSequence === undefined) throw new CardError('CARD_DATA_FORMAT', 'the PAN Sequence Number (5F34) is not format n');
  return { pan, expiry, ...(panSequence !== undefined ? { panSequence } : {}), ...(t2 ? { track2: t2 } : {}) };
}
