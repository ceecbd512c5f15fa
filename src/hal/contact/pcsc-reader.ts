/**
 * The contact chip reader over a PC/SC reader port: waits for an insertion by the reader's
 * state events (no polling), connects, checks the Answer to Reset (atr.ts), and hands out a
 * session whose transmit() is SCardTransmit. A card pulled out is seen both ways: the
 * reader's state event, and a transmit refused with CardRemovedError.
 */
import { abortReason } from '../../errors.js';
import { ContactCardMuteError, type ContactCardReader, type ContactCardSession, type ContactProtocol } from '../contact-reader.js';
import { CardRemovedError, CardSessionClosedError } from '../reader.js';
import { AtrError, parseAtr } from './atr.js';
import type { PcscConnection, PcscReaderPort, PcscReaderState } from './pcsc.js';

export class PcscContactReader implements ContactCardReader {
  /** The event count of the insertion last served: that card is not offered twice. */
  private served = -1;
  private session: PcscCardSession | null = null;
  private closed = false;

  constructor(private readonly port: PcscReaderPort) {}

  get name(): string {
    return this.port.name;
  }

  async waitForCard(options: { signal: AbortSignal }): Promise<ContactCardSession> {
    const { signal } = options;
    if (this.session) {
      const old = this.session;
      this.session = null;
      await old.release();
    }
    const state = await this.insertion(signal);
    this.served = state.events;
    const conn = await this.port.connect();
    try {
      const atr = parseAtr(conn.atr);
      const t = conn.protocol === 'T=0' ? 0 : 1;
      if (!atr.protocols.includes(t)) throw new AtrError(`the reader chose ${conn.protocol}, which the card does not offer`, 1);
    } catch (e) {
      await conn.disconnect();
      if (e instanceof AtrError) throw new ContactCardMuteError(e.message);
      throw e;
    }
    if (signal.aborted) {
      await conn.disconnect();
      throw abortReason(signal);
    }
    this.session = new PcscCardSession(this.port, conn, state.events);
    return this.session;
  }

  /** Resolves with the state once a card is present that was not served yet. */
  private insertion(signal: AbortSignal): Promise<PcscReaderState> {
    const fresh = (s: PcscReaderState) => s.present && s.events !== this.served;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const now = this.port.state();
      if (fresh(now)) return resolve(now);
      const onAbort = () => {
        stop();
        reject(abortReason(signal));
      };
      const stop = this.port.watch((s) => {
        if (!fresh(s)) return;
        stop();
        signal.removeEventListener('abort', onAbort);
        resolve(s);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.session) await this.session.release();
    this.session = null;
    await this.port.close();
  }
}

class PcscCardSession implements ContactCardSession {
  readonly atr: Uint8Array;
  readonly protocol: ContactProtocol;
  private released = false;
  private gone: Promise<void> | undefined;

  constructor(
    private readonly port: PcscReaderPort,
    private readonly conn: PcscConnection,
    /** The event count of this card's insertion: any later event is its removal. */
    private readonly insertion: number,
  ) {
    this.atr = conn.atr.slice();
    this.protocol = conn.protocol;
  }

  private isGone(s: PcscReaderState = this.port.state()): boolean {
    return !s.present || s.events !== this.insertion;
  }

  async transmit(apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.released) throw new CardSessionClosedError();
    if (signal?.aborted) throw abortReason(signal);
    if (this.isGone()) throw new CardRemovedError('no card in the contact slot');
    const exchange = this.conn.transmit(apdu);
    if (!signal) return exchange;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      exchange.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  removed(): Promise<void> {
    this.gone ??= new Promise((resolve) => {
      if (this.isGone()) return resolve();
      const stop = this.port.watch((s) => {
        if (!this.isGone(s)) return;
        stop();
        resolve();
      });
    });
    return this.gone;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.conn.disconnect();
  }
}
