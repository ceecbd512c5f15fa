import type { Clock } from '../ports.js';
import {
  CardCollisionError,
  CardRemovedError,
  CardSessionClosedError,
  CardTransmissionError,
  type CardReader,
  type CardSession,
} from '../reader.js';
import { CMD, type Target } from './commands.js';
import { Pn532StatusError } from './errors.js';
import type { Pn532 } from './pn532.js';
import { isRfFailure, statusText } from './status.js';

export interface Pn532ReaderOptions {
  clock: Clock;
  /** Rest between two rounds of polling, on the clock. Default 100 ms. */
  pollIntervalMs?: number;
  /** Technologies polled, in this order, each round. Default A then B. */
  technologies?: ('A' | 'B')[];
  /** Limit of one InListPassiveTarget (bounded by the finite retries set at start). Default 1000 ms. */
  pollCommandTimeoutMs?: number;
  /** Limit of one InDataExchange frame: the card's own processing time. Default 5000 ms. */
  exchangeTimeoutMs?: number;
}

/**
 * The terminal's card reader on a PN532: each round lists the cards of type A, then of
 * type B (InListPassiveTarget with at most two targets, so a second card is seen and
 * reported as a collision), then rests on the clock. The chip was set to a finite number
 * of activation retries at start, so every poll command ends on its own.
 */
export class Pn532CardReader implements CardReader {
  private session: Pn532CardSession | null = null;
  private readonly pollIntervalMs: number;
  private readonly technologies: ('A' | 'B')[];
  private readonly pollCommandTimeoutMs: number;
  private readonly exchangeTimeoutMs: number;
  private closed = false;

  constructor(
    private readonly chip: Pn532,
    private readonly options: Pn532ReaderOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.technologies = options.technologies ?? ['A', 'B'];
    this.pollCommandTimeoutMs = options.pollCommandTimeoutMs ?? 1000;
    this.exchangeTimeoutMs = options.exchangeTimeoutMs ?? 5000;
  }

  async poll(options: { signal: AbortSignal }): Promise<CardSession> {
    const { signal } = options;
    if (this.session) {
      const old = this.session;
      this.session = null;
      await old.release();
    }
    for (;;) {
      for (const type of this.technologies) {
        const targets = await this.chip.inListPassiveTarget({ type, maxTargets: 2, signal, timeoutMs: this.pollCommandTimeoutMs });
        if (targets.length > 1) {
          await this.chip.inRelease(0);
          throw new CardCollisionError(targets.length);
        }
        if (targets.length === 1) {
          this.session = new Pn532CardSession(this.chip, targets[0]!, this.exchangeTimeoutMs);
          return this.session;
        }
      }
      await this.options.clock.sleep(this.pollIntervalMs, signal);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.session) await this.session.release();
      await this.chip.setRfField(false);
    } finally {
      this.session = null;
      await this.chip.close();
    }
  }
}

class Pn532CardSession implements CardSession {
  readonly uid: Uint8Array;
  readonly type: 'A' | 'B';
  readonly ats?: Uint8Array;
  readonly atqa?: Uint8Array;
  readonly sak?: number;
  readonly atqb?: Uint8Array;
  private readonly tg: number;
  private state: 'open' | 'gone' | 'released' = 'open';

  constructor(
    private readonly chip: Pn532,
    target: Target,
    private readonly exchangeTimeoutMs: number,
  ) {
    this.uid = target.uid;
    this.type = target.type;
    this.tg = target.tg;
    if (target.type === 'A') {
      this.atqa = target.atqa;
      this.sak = target.sak;
      if (target.ats) this.ats = target.ats;
    } else {
      this.atqb = target.atqb;
    }
  }

  async transmit(apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.state === 'released') throw new CardSessionClosedError();
    if (this.state === 'gone') throw new CardRemovedError('found gone before');
    try {
      return await this.chip.transceive(this.tg, apdu, { signal, timeoutMs: this.exchangeTimeoutMs });
    } catch (e) {
      if (!(e instanceof Pn532StatusError)) throw e;
      // A failed radio exchange means the card left or the air was noisy; asking the
      // chip whether the card still answers tells the two apart.
      if (isRfFailure(e.status) && !(await this.stillThere())) {
        this.state = 'gone';
        throw new CardRemovedError(statusText(e.status), e.status);
      }
      throw new CardTransmissionError(`the card is in the field but the exchange failed: ${statusText(e.status)}`, e.status, { cause: e });
    }
  }

  async present(): Promise<boolean> {
    if (this.state === 'released') throw new CardSessionClosedError();
    if (this.state === 'gone') return false;
    const here = await this.stillThere();
    if (!here) this.state = 'gone';
    return here;
  }

  /** Diagnose 0x06 (UM0701-02 7.2.1): 0x00 while the card answers; an RF failure once it left. */
  private async stillThere(): Promise<boolean> {
    const status = await this.chip.diagnoseAttention({ timeoutMs: this.exchangeTimeoutMs });
    if (status === 0) return true;
    if (isRfFailure(status)) return false;
    throw new Pn532StatusError(CMD.Diagnose, status);
  }

  async release(): Promise<void> {
    if (this.state === 'released') return;
    this.state = 'released';
    await this.chip.inRelease(this.tg);
  }
}
