/**
 * The card presented again for a void or a refund. sale.ts waits for a card (tap, insert,
 * swipe, raced) and reads it, but does not export those steps yet; until it does, the
 * composition root may pass a step of this shape (`ReturnOptions.readCard`). Without one, a
 * void or refund of a sale in the journal sends the journal's sealed PAN (entry mode 00,
 * docs/host-spec.md 6.4), and one that needs the card says so on screen.
 */
import type { CardRead } from '../host/messages.js';
import { toHex } from '../hex.js';
import type { CardEntryMode } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import { panLookupHash } from '../security/pan.js';
import type { JournalRecord } from '../store/journal.js';
import type { CardSecrets } from './online.js';

/** A card read again: what the request and the receipt need. */
export interface CardAgain {
  read: CardRead;
  maskedPan: string;
  /** VISA, UNIONPAY... (sale.ts brandOf). */
  brand: string;
  entry: CardEntryMode;
  /** Zeroes the clear card data the read holds; called once the request is built and sent. */
  wipe(): void;
}

/**
 * Has the card presented and reads it, for a void or refund of `amount`. Rejects with
 * CancelledError or TimeoutError as the sale's card wait does; a card that cannot be read
 * is the step's own message and a CardError.
 */
export type ReadCardAgain = (ctx: TerminalContext, signal: AbortSignal, request: { kind: 'void' | 'refund'; amount: number }) => Promise<CardAgain>;

export interface ReturnOptions {
  readCard?: ReadCardAgain;
}

/** Whether the card read is the sale's: compared by the keyed PAN hash the journal keeps. */
export function isSaleCard(secrets: CardSecrets, card: CardAgain, sale: JournalRecord): boolean {
  return sale.panHash !== null && toHex(panLookupHash(secrets.hashKey, card.read.pan)) === sale.panHash;
}
