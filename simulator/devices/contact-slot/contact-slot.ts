/**
 * A contact card slot as a PC/SC reader presents it (src/hal/contact/pcsc.ts): a card goes
 * in and comes out, the reader's state and event counter follow, a connection powers the
 * card and exchanges APDUs with it: T=1 passes them through; T=0 goes through the card's
 * side of the T=0 procedure (t0-transport.ts), so the terminal meets 61xx and 6Cxx as it
 * would behind a real reader. Pulling the card out fails the exchange under way and every
 * one after it with CardRemovedError.
 */
import { ValidationError } from '../../../src/errors.js';
import { AtrError, firstProtocol, parseAtr } from '../../../src/hal/contact/atr.js';
import type { PcscConnection, PcscReaderPort, PcscReaderState } from '../../../src/hal/contact/pcsc.js';
import { ContactCardMuteError, type ContactProtocol } from '../../../src/hal/contact-reader.js';
import { CardRemovedError } from '../../../src/hal/reader.js';
import type { ChipCard } from '../../cards/catalog.js';
import { T0Transport } from './t0-transport.js';

export interface SlotExchange {
  c: Uint8Array;
  r: Uint8Array;
}

export class ContactSlotEmulator implements PcscReaderPort {
  readonly name: string;
  /** Every APDU the terminal sent and what the slot answered (with T=0: its procedure answers too). */
  readonly exchanges: SlotExchange[] = [];
  private card: ChipCard | null = null;
  private events = 0;
  private listeners: ((s: PcscReaderState) => void)[] = [];
  private connection: SlotConnection | null = null;
  private removeAfter: number | undefined;

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? 'sim:contact';
  }

  /** The card in the slot, if any. */
  get inserted(): ChipCard | null {
    return this.card;
  }

  /** A card slides in: the reader sees it and reads its ATR. */
  insert(card: ChipCard): void {
    if (this.card) throw new ValidationError('a card is already in the contact slot: remove it first');
    this.card = card;
    this.events++;
    this.notify();
  }

  /** The card comes out; an exchange under way fails. Harmless with an empty slot. */
  remove(): void {
    if (!this.card) return;
    this.card = null;
    this.events++;
    this.removeAfter = undefined;
    this.connection?.lost();
    this.connection = null;
    this.notify();
  }

  /** A fault for tests: the card is pulled out when the terminal sends its n-th command from now (n >= 1), before it answers. */
  pullOutAtCommand(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new ValidationError('pullOutAtCommand: n is a command count from 1');
    this.removeAfter = n;
  }

  state(): PcscReaderState {
    return this.card ? { present: true, atr: this.card.atr.slice(), events: this.events } : { present: false, events: this.events };
  }

  watch(listener: (state: PcscReaderState) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private notify(): void {
    const s = this.state();
    for (const l of [...this.listeners]) l(s);
  }

  async connect(): Promise<PcscConnection> {
    const card = this.card;
    if (!card) throw new CardRemovedError('no card in the contact slot');
    let protocol: ContactProtocol | undefined;
    try {
      protocol = firstProtocol(parseAtr(card.atr));
    } catch (e) {
      if (e instanceof AtrError) throw new ContactCardMuteError(e.message);
      throw e;
    }
    if (!protocol) throw new ContactCardMuteError('the card offers neither T=0 nor T=1');
    this.connection?.lost();
    card.reset?.();
    this.connection = new SlotConnection(this, card, protocol);
    return this.connection;
  }

  /** For the connection: counts a command against the pull-out fault; true when the card goes now. */
  pullsOutNow(): boolean {
    if (this.removeAfter === undefined) return false;
    this.removeAfter--;
    if (this.removeAfter > 0) return false;
    this.remove();
    return true;
  }

  record(c: Uint8Array, r: Uint8Array): void {
    this.exchanges.push({ c: c.slice(), r: r.slice() });
  }

  async close(): Promise<void> {
    this.connection?.lost();
    this.connection = null;
    this.listeners = [];
  }
}

class SlotConnection implements PcscConnection {
  readonly atr: Uint8Array;
  private alive = true;
  private readonly t0: T0Transport | null;

  constructor(
    private readonly slot: ContactSlotEmulator,
    private readonly card: ChipCard,
    readonly protocol: ContactProtocol,
  ) {
    this.atr = card.atr.slice();
    this.t0 = protocol === 'T=0' ? new T0Transport(card) : null;
  }

  lost(): void {
    this.alive = false;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (!this.alive || this.slot.inserted !== this.card) throw new CardRemovedError('no card in the contact slot');
    if (this.slot.pullsOutNow()) throw new CardRemovedError('the card was pulled out during the exchange');
    const r = this.t0 ? this.t0.exchange(apdu) : this.card.transceive(apdu);
    this.slot.record(apdu, r);
    // The answer takes its time on the wire: a card pulled out meanwhile never finishes it.
    await Promise.resolve();
    if (!this.alive) throw new CardRemovedError('the card was pulled out during the exchange');
    return r;
  }

  async disconnect(): Promise<void> {
    this.alive = false;
  }
}
