import { CancelledError, PosError } from '../errors.js';

/**
 * The contactless card reader as the rest of the terminal sees it: poll until one card is
 * in the field and activated (ISO/IEC 14443-4), then exchange APDUs with it. The EMV
 * kernel knows only this contract; the PN532 driver (src/hal/pn532/) is one implementation.
 */

/** One activated card. Every method rejects once the session was released. */
export interface CardSession {
  /** Type A: the UID (NFCID1, 4, 7 or 10 bytes). Type B: the PUPI from the ATQB (4 bytes). */
  readonly uid: Uint8Array;
  readonly type: 'A' | 'B';
  /** Type A only: the whole ATS as the card sent it, TL byte first (ISO/IEC 14443-4 5.2). */
  readonly ats?: Uint8Array;
  /** Type A only: ATQA (SENS_RES), two bytes in the order they came over the air. */
  readonly atqa?: Uint8Array;
  /** Type A only: SAK (SEL_RES). */
  readonly sak?: number;
  /** Type B only: the 12-byte ATQB (SENSB_RES), 0x50 first. */
  readonly atqb?: Uint8Array;

  /**
   * Sends a C-APDU and resolves with the whole R-APDU (status word included), however long
   * either is. Rejects with CardRemovedError when the card has left the field, with
   * CardTransmissionError when it is there but the exchange failed, with the signal's
   * reason when `signal` aborts.
   */
  transmit(apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  /** True while the card still answers in the field; false once it has left. */
  present(): Promise<boolean>;
  /** Ends the session (the card is deselected). Releasing twice is harmless. */
  release(): Promise<void>;
}

export interface CardReader {
  /**
   * Looks for a card until one is activated or `signal` aborts (then rejects with the
   * signal's reason). Rejects with CardCollisionError when more than one card answers.
   * A session still open from an earlier poll is released first.
   */
  poll(options: { signal: AbortSignal }): Promise<CardSession>;
  /** Releases any session and the reader's port. Closing twice is harmless. */
  close(): Promise<void>;
}

/** More than one card answered the poll; EMV asks the holder to present one card only. */
export class CardCollisionError extends PosError {
  readonly count: number;
  constructor(count: number) {
    super('CARD_COLLISION', `${count} cards are in the field: present one card only`);
    this.count = count;
  }
}

/**
 * The card left the field. Not a fault of the terminal: like a CANCEL key it ends the
 * step that waited on the card (CancelledError, reason 'card-removed').
 */
export class CardRemovedError extends CancelledError {
  /** The reader chip's status that revealed it, when there was one. */
  readonly status: number | undefined;
  constructor(detail?: string, status?: number) {
    super('card-removed', detail ? `the card was removed (${detail})` : 'the card was removed');
    this.status = status;
  }
}

/** The card is in the field but an exchange with it failed (RF error, protocol error). */
export class CardTransmissionError extends PosError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('CARD_TRANSMISSION', message, options);
    this.status = status;
  }
}

/** The session was used after release() (or after the card was found gone). */
export class CardSessionClosedError extends PosError {
  constructor() {
    super('CARD_SESSION_CLOSED', 'the card session is already released');
  }
}
