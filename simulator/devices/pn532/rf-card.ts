import { ValidationError } from '../../../src/errors.js';

/**
 * A contactless card in the emulated PN532's field. Only what the chip needs to activate
 * it (ISO/IEC 14443-3 and -4) and a function that answers APDUs.
 */
export interface RfCard {
  type: 'A' | 'B';
  /** Type A: NFCID1 (4, 7 or 10 bytes). Type B: the PUPI (4 bytes). */
  uid: Uint8Array;
  /**
   * Type A: ATQA (SENS_RES), 2 bytes in the order the card sends them over the air (low
   * byte first: 44 00 for a 7-byte UID); derived from the UID size when absent. The chip
   * reports it to the host the other way round.
   */
  atqa?: Uint8Array;
  /** Type A: SAK; 0x20 (ISO/IEC 14443-4) when the card has an ATS, else 0x00. */
  sak?: number;
  /** Type A: the whole ATS, TL first; a card with one speaks ISO/IEC 14443-4. */
  ats?: Uint8Array;
  /** Type B: ATQB (12 bytes, 0x50 first, the PUPI next); built from the UID when absent. */
  atqb?: Uint8Array;
  /** Type B: answer to ATTRIB; default one byte 0x00 (MBLI 0, CID 0). */
  attribRes?: Uint8Array;
  /** ms this card takes to answer an APDU; overrides the emulator's cardProcessingMs. */
  processingMs?: number;
  /** The card's answer to a C-APDU (status word included). Throwing: the card stays mute. */
  transceive(apdu: Uint8Array): Uint8Array;
}

/** What the chip reports for a card: every default filled in and checked. */
export interface CardProfile {
  atqa: Uint8Array;
  sak: number;
  ats: Uint8Array | undefined;
  atqb: Uint8Array;
  attribRes: Uint8Array;
}

/** Fills in a card's defaults and refuses what no real card would send. */
export function cardProfile(card: RfCard): CardProfile {
  const n = card.uid.length;
  if (card.type === 'A') {
    if (![4, 7, 10].includes(n)) throw new ValidationError(`RfCard: a type A UID has 4, 7 or 10 bytes, not ${n}`);
    // ISO/IEC 14443-3 6.5.2.1: ATQA bits 7-8 give the UID size (single, double, triple).
    const atqa = card.atqa ?? Uint8Array.of(n === 4 ? 0x04 : n === 7 ? 0x44 : 0x84, 0x00);
    if (atqa.length !== 2) throw new ValidationError(`RfCard: ATQA has 2 bytes, not ${atqa.length}`);
    const sak = card.sak ?? (card.ats ? 0x20 : 0x00);
    if (card.ats && (card.ats.length < 1 || card.ats[0] !== card.ats.length)) {
      throw new ValidationError('RfCard: the ATS must start with TL, its own length');
    }
    if ((sak & 0x20) !== 0 && !card.ats) throw new ValidationError('RfCard: SAK says ISO/IEC 14443-4 but the card has no ATS');
    return { atqa, sak, ats: card.ats, atqb: new Uint8Array(0), attribRes: new Uint8Array(0) };
  }
  if (n !== 4) throw new ValidationError(`RfCard: a type B PUPI has 4 bytes, not ${n}`);
  // Protocol info 00 81 71: 106 kbps only, 256-byte frames, ISO/IEC 14443-4, FWI 7.
  const atqb = card.atqb ?? Uint8Array.of(0x50, ...card.uid, 0x00, 0x00, 0x00, 0x00, 0x00, 0x81, 0x71);
  if (atqb.length !== 12 || atqb[0] !== 0x50) throw new ValidationError('RfCard: ATQB has 12 bytes starting with 0x50');
  if (atqb.subarray(1, 5).some((b, i) => b !== card.uid[i])) throw new ValidationError('RfCard: ATQB bytes 1-4 must be the PUPI');
  return { atqa: new Uint8Array(0), sak: 0, ats: undefined, atqb, attribRes: card.attribRes ?? Uint8Array.of(0x00) };
}
