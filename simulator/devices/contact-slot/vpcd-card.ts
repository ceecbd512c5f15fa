/**
 * A virtual chip card for vsmartcard's vpcd: the pcsc-lite reader driver (libifdvpcd, Debian
 * package vsmartcard-vpcd) that listens on a TCP port (reader.conf CHANNELID, 0x8C7B = 35963
 * by default) for one virtual card. With it, pcscd reports a card in its "Virtual PCD"
 * reader while this client is connected, and whatever PC/SC software talks to that reader
 * (the terminal's Linux PC/SC port, pcsc_scan, opensc-tool) reaches the card below.
 *
 * The wire, as vpcd.c of vsmartcard speaks it: every message either way is a 2-byte length
 * in network byte order, then that many bytes. From vpcd, a 1-byte message is a control:
 * 0x00 power off, 0x01 power on, 0x02 reset (no answer to any of these), 0x04 "send your ATR"
 * (answered with the ATR; pcscd also asks it every few hundred milliseconds to see the card
 * is still there). Any longer message is a command APDU, answered with the response APDU.
 * The card leaves the reader when this client closes the connection.
 *
 * Behind the socket the card sits in a ContactSlotEmulator, the sim board's contact slot, so
 * its APDU handling is the slot's own: the protocol its ATR offers first, T=0's procedure
 * answers (61xx, 6Cxx) as a TPDU-level reader such as a CCID one hands them up (ISO/IEC
 * 7816-3 12.2), `exchanges` recording the dialogue and `pullOutAtCommand` for faults.
 */
import { Socket } from 'node:net';
import { PosError, ValidationError } from '../../../src/errors.js';
import type { PcscConnection } from '../../../src/hal/contact/pcsc.js';
import { CardRemovedError } from '../../../src/hal/reader.js';
import type { ChipCard } from '../../cards/catalog.js';
import { ContactSlotEmulator } from './contact-slot.js';

/** vpcd's default port (vpcd.h VPCDPORT; reader.conf.d/vpcd CHANNELID 0x8C7B). */
export const VPCD_DEFAULT_PORT = 35963;

/** The controls of vpcd.h (VPCD_CTRL_*), each a message of one byte. */
const CTRL_OFF = 0x00;
const CTRL_ON = 0x01;
const CTRL_RESET = 0x02;
const CTRL_ATR = 0x04;

/** What the card saw from vpcd, for a log or a test. APDUs by length only: they carry card data. */
export type VpcdEvent =
  | { kind: 'power-on' | 'power-off' | 'reset' | 'atr' }
  | { kind: 'apdu'; commandBytes: number; responseBytes: number; sw: number }
  | { kind: 'misuse'; detail: string };

/** The virtual card's connection to vpcd failed, or vpcd broke the protocol. */
export class VpcdError extends PosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VPCD', message, options);
  }
}

/** Why the card left vpcd's reader: taken out (remove(), the slot's pull-out), vpcd closed or failed the connection, or the card itself failed. */
export interface VpcdClosed {
  reason: 'removed' | 'vpcd' | 'card-failed';
  detail: string;
}

export interface VpcdCardOptions {
  /** Where vpcd listens: pcscd's host. Default 127.0.0.1. */
  host?: string;
  port?: number;
  /** How long to wait for the TCP connection. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Called for every message from vpcd and every misuse, in order. */
  onEvent?: (e: VpcdEvent) => void;
}

export class VpcdCard {
  /** The slot the card sits in: its `exchanges` are every APDU vpcd passed and the answer. */
  readonly slot = new ContactSlotEmulator({ name: 'vpcd' });
  /** Counts of the controls vpcd sent. */
  readonly counts = { powerOn: 0, powerOff: 0, reset: 0, atr: 0, apdu: 0 };
  /** Resolves once the connection is gone, saying why; never rejects. */
  readonly closed: Promise<VpcdClosed>;
  private conn: PcscConnection | null = null;
  private input: Buffer = Buffer.alloc(0);
  /** Messages are answered in order, one after the other. */
  private queue: Promise<void> = Promise.resolve();
  private ended = false;
  private endWith!: (why: VpcdClosed) => void;

  private constructor(
    readonly card: ChipCard,
    private readonly socket: Socket,
    private readonly onEvent: (e: VpcdEvent) => void,
  ) {
    this.closed = new Promise((resolve) => (this.endWith = resolve));
    this.slot.insert(card);
    // The card pulled out of the slot (remove(), pullOutAtCommand) leaves the reader: vpcd
    // sees the connection close, its next presence check fails and pcscd reports the removal.
    this.slot.watch((s) => {
      if (!s.present) this.finish('removed', 'the card left the slot');
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => this.finish('vpcd', `the connection failed: ${e.message}`));
    socket.on('close', () => this.finish('vpcd', 'vpcd closed the connection (pcscd stopped?)'));
  }

  /**
   * Puts `card` into vpcd's reader: connects to vpcd at host:port. Rejects with VpcdError when
   * nothing listens there (pcscd not running, or without the vpcd driver in reader.conf.d),
   * ValidationError for a port out of range.
   */
  static connect(card: ChipCard, options: VpcdCardOptions = {}): Promise<VpcdCard> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? VPCD_DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.reject(new ValidationError(`vpcd port must be 1-65535 (got ${port})`));
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const fail = (detail: string, cause?: unknown) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new VpcdError(`vpcd at ${host}:${port}: ${detail} (is pcscd running with the vsmartcard-vpcd driver?)`, { cause }));
      };
      const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms`), timeoutMs);
      socket.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message, e));
      socket.connect(port, host, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new VpcdCard(card, socket, options.onEvent ?? (() => {})));
      });
    });
  }

  /** True while the card is in vpcd's reader. */
  get connected(): boolean {
    return !this.ended;
  }

  /** Takes the card out of the reader: the connection closes. Harmless twice. */
  async remove(): Promise<void> {
    this.finish('removed', 'the card was taken out');
    await this.closed;
  }

  private finish(reason: VpcdClosed['reason'], detail: string): void {
    if (this.ended) return;
    this.ended = true;
    void this.conn?.disconnect();
    this.conn = null;
    this.slot.remove();
    this.socket.destroy();
    this.endWith({ reason, detail });
  }

  private receive(chunk: Buffer): void {
    this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
    while (this.input.length >= 2) {
      const length = this.input.readUInt16BE(0);
      if (this.input.length < 2 + length) break;
      const message = Uint8Array.from(this.input.subarray(2, 2 + length));
      this.input = this.input.subarray(2 + length);
      this.queue = this.queue
        .then(() => this.handle(message))
        .catch((e: unknown) => {
          // The card itself failed (not a protocol answer): it is taken out, never a crash.
          this.onEvent({ kind: 'misuse', detail: `the card failed: ${e instanceof Error ? e.message : String(e)}` });
          this.finish('card-failed', 'the card failed');
        });
    }
  }

  private send(payload: Uint8Array): void {
    if (this.ended) return;
    const frame = Buffer.alloc(2 + payload.length);
    frame.writeUInt16BE(payload.length, 0);
    frame.set(payload, 2);
    this.socket.write(frame);
  }

  private async handle(message: Uint8Array): Promise<void> {
    if (this.ended) return;
    if (message.length === 1) return this.control(message[0]!);
    if (message.length < 4) {
      // No command APDU is shorter than its header (ISO/IEC 7816-4 5.1).
      this.onEvent({ kind: 'misuse', detail: `a ${message.length}-byte message is neither a control nor a command APDU` });
      return this.send(Uint8Array.of(0x67, 0x00));
    }
    if (!this.conn) {
      // vpcd sends APDUs only after power on; pcscd never transmits to an unpowered card.
      this.onEvent({ kind: 'misuse', detail: 'a command APDU to an unpowered card' });
      return this.send(Uint8Array.of(0x6f, 0x00));
    }
    try {
      const r = await this.conn.transmit(message);
      this.counts.apdu++;
      this.onEvent({ kind: 'apdu', commandBytes: message.length, responseBytes: r.length, sw: r.length >= 2 ? (r[r.length - 2]! << 8) | r[r.length - 1]! : -1 });
      this.send(r);
    } catch (e) {
      // Pulled out during the exchange: no answer, the card is gone (finish() by the slot's watch).
      if (e instanceof CardRemovedError) return this.finish('removed', 'the card was pulled out during the exchange');
      throw e;
    }
  }

  private async control(code: number): Promise<void> {
    switch (code) {
      case CTRL_ATR:
        this.counts.atr++;
        this.onEvent({ kind: 'atr' });
        return this.send(this.card.atr);
      case CTRL_ON:
      case CTRL_RESET:
        if (code === CTRL_ON) this.counts.powerOn++;
        else this.counts.reset++;
        this.onEvent({ kind: code === CTRL_ON ? 'power-on' : 'reset' });
        return this.power();
      case CTRL_OFF:
        this.counts.powerOff++;
        this.onEvent({ kind: 'power-off' });
        await this.conn?.disconnect();
        this.conn = null;
        return;
      default:
        this.onEvent({ kind: 'misuse', detail: `unknown control byte 0x${code.toString(16).padStart(2, '0')}` });
    }
  }

  /** Power on or warm reset: the card starts again (ISO/IEC 7816-3 6.2), its volatile state forgotten. */
  private async power(): Promise<void> {
    await this.conn?.disconnect();
    this.conn = null;
    try {
      this.conn = await this.slot.connect();
    } catch (e) {
      // A card whose ATR does not parse still sends it when asked; it just never gets a
      // working connection (pcscd reports it mute).
      if (!(e instanceof PosError)) throw e;
      this.onEvent({ kind: 'misuse', detail: `the card does not start: ${e.message}` });
    }
  }
}
