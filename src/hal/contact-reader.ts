import { DeviceError, PosError } from '../errors.js';

/**
 * The contact chip reader as the rest of the terminal sees it: wait until a card is
 * inserted and has answered to reset (ISO/IEC 7816-3), then exchange APDUs with it until it
 * is released or pulled out. The contact EMV kernel knows only `transmit`; the PC/SC driver
 * (src/hal/contact/pcsc-reader.ts) is one implementation, over a PC/SC reader on a Pi or the
 * simulated slot of the sim board.
 *
 * A removed card is the CardRemovedError of src/hal/reader.ts (a CancelledError with reason
 * 'card-removed'), the same as a card that leaves the contactless field.
 */

export type ContactProtocol = 'T=0' | 'T=1';

/** One powered card. Every method but removed() rejects once the session was released. */
export interface ContactCardSession {
  /** The Answer to Reset as the card sent it, TS first. */
  readonly atr: Uint8Array;
  /**
   * The transmission protocol in use. With T=0 the card's procedure answers reach the caller
   * as they are (61xx: GET RESPONSE; 6Cxx: send again with that Le): EMV 4.4 Book 1 and
   * ISO/IEC 7816-3 12.2 leave them to the transport layer above, src/emv/apdu.ts transceive().
   */
  readonly protocol: ContactProtocol;

  /**
   * Sends a C-APDU and resolves with the R-APDU, status word included. Rejects with
   * CardRemovedError when the card was pulled out (before or during the exchange), with
   * CardTransmissionError when it is there but did not answer properly, with the signal's
   * reason when `signal` aborts.
   */
  transmit(apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;

  /**
   * Resolves once the card of this session has left the slot (at once if it already has),
   * even after release(): a flow races it against the kernel, and waits on it to ask for
   * the card back at the end of a transaction.
   */
  removed(): Promise<void>;

  /** Powers the card down (the contacts are deactivated); the card may stay inserted. Twice is harmless. */
  release(): Promise<void>;
}

export interface ContactCardReader {
  /** What people call this reader in messages: "pcsc:ACS ACR39U", "sim:contact". */
  readonly name: string;
  /**
   * Waits until a card is inserted, powers it and resolves with its session. A card left
   * in the slot after its session was released is not offered again: it must come out and
   * go back in. Rejects with the signal's reason when `signal` aborts, with
   * ContactCardMuteError when the inserted card gives no usable answer to reset (a card
   * inserted the wrong way round, a dirty or broken chip: the case for magstripe fallback).
   */
  waitForCard(options: { signal: AbortSignal }): Promise<ContactCardSession>;
  /** Releases any session and the reader. Closing twice is harmless. */
  close(): Promise<void>;
}

/** The card in the slot gave no usable Answer to Reset. */
export class ContactCardMuteError extends PosError {
  constructor(detail: string) {
    super('CARD_MUTE', `the inserted card does not answer (${detail}): check it is inserted chip first, face up`);
  }
}

/** No contact reader can be used on this board (no PC/SC binding, no reader attached). */
export class ContactReaderUnavailableError extends DeviceError {
  constructor(detail: string) {
    super('CONTACT_READER_UNAVAILABLE', `the contact chip reader is not available: ${detail}`);
  }
}
