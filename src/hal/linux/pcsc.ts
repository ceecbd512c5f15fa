/**
 * The PC/SC reader port on Linux: pcsc-lite (pcscd, the CCID driver for USB readers) through
 * the `smartcard` package, an N-API binding of libpcsclite. It is an optional dependency
 * (package.json): on a system without libpcsclite-dev its build fails, npm leaves it out, and
 * openLinuxPcsc() rejects with ContactReaderUnavailableError naming the cause, which
 * src/hal/devices.ts logs before the terminal goes on without the contact reader.
 *
 * PC/SC Workgroup specification part 5 calls, each on the binding:
 *   SCardEstablishContext   new Context(); two of them, one that waits and one that works,
 *                           as pcsc-lite wants a context used by one thread at a time
 *   SCardGetStatusChange    Context.waitForChange([{ name, state }]) with no timeout: pcscd
 *                           answers when the reader's state differs from `state`, so the
 *                           reader is watched by pcscd's own events, never by our polling
 *   SCardConnect            Reader.connect(SCARD_SHARE_EXCLUSIVE, T0 | T1)
 *   SCardTransmit           Card.transmit(apdu)
 *   SCardDisconnect         Card.disconnect(SCARD_UNPOWER_CARD): the contacts deactivated
 *   SCardCancel             Context.cancel(): ends the wait when the port closes
 *
 * dwEventState (part 5, SCARD_READERSTATE): the SCARD_STATE_* bits, and in pcsc-lite the
 * high 16 bits count the card insertions and removals of that reader: the `events` of
 * PcscReaderState.
 *
 * The binding reports failures as Error objects whose message is its fixed text for the
 * SCARD_* code (src/pcsc_errors.h of the package); PCSC_MESSAGES below maps them back.
 */
import { DeviceError } from '../../errors.js';
import { CardRemovedError, CardTransmissionError } from '../reader.js';
import { ContactCardMuteError, ContactReaderUnavailableError, type ContactProtocol } from '../contact-reader.js';
import type { PcscConnection, PcscReaderPort, PcscReaderState } from '../contact/pcsc.js';

/** What this port uses of the binding (the `smartcard` package, 3.x). */
interface Binding {
  Context: new () => BindingContext;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_UNPOWER_CARD: number;
  SCARD_STATE_CHANGED: number;
  SCARD_STATE_PRESENT: number;
}

interface BindingContext {
  listReaders(): BindingReader[];
  /** Resolves with the readers' new states, `null` when cancelled (SCARD_E_CANCELLED). */
  waitForChange(readers: { name: string; state: number }[]): Promise<BindingReaderState[] | null>;
  cancel(): void;
  close(): void;
}

interface BindingReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | null;
  connect(shareMode: number, protocols: number): Promise<BindingCard>;
}

interface BindingReaderState {
  name: string;
  state: number;
  atr: Buffer | null;
}

interface BindingCard {
  readonly protocol: number;
  readonly atr: Buffer | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Buffer>;
  disconnect(disposition?: number): void;
}

/** The SCARD_* codes behind the binding's messages (pcsclite.h), for messages and mapping. */
const PCSC_MESSAGES: Record<string, string> = {
  'PC/SC service not running': 'SCARD_E_NO_SERVICE',
  'PC/SC service stopped': 'SCARD_E_SERVICE_STOPPED',
  'No smart card present': 'SCARD_E_NO_SMARTCARD',
  'Card was removed': 'SCARD_W_REMOVED_CARD',
  'Card was reset': 'SCARD_W_RESET_CARD',
  'Card is unpowered': 'SCARD_W_UNPOWERED_CARD',
  'Card is unresponsive': 'SCARD_W_UNRESPONSIVE_CARD',
  'Card is not supported': 'SCARD_W_UNSUPPORTED_CARD',
  'Invalid ATR': 'SCARD_E_INVALID_ATR',
  'Protocol mismatch': 'SCARD_E_PROTO_MISMATCH',
  'Sharing violation': 'SCARD_E_SHARING_VIOLATION',
  'Reader unavailable': 'SCARD_E_READER_UNAVAILABLE',
  'Unknown reader': 'SCARD_E_UNKNOWN_READER',
  'No readers available': 'SCARD_E_NO_READERS_AVAILABLE',
  'Transaction failed': 'SCARD_E_NOT_TRANSACTED',
  'Communication error': 'SCARD_F_COMM_ERROR',
  'Insufficient buffer': 'SCARD_E_INSUFFICIENT_BUFFER',
  'Invalid parameter': 'SCARD_E_INVALID_PARAMETER',
  'Invalid handle': 'SCARD_E_INVALID_HANDLE',
  'Operation timed out': 'SCARD_E_TIMEOUT',
};

/** The SCARD_* name of a failure of the binding, or undefined for one it did not get from PC/SC. */
export function pcscCode(e: unknown): string | undefined {
  return e instanceof Error ? PCSC_MESSAGES[e.message] : undefined;
}

function describe(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = pcscCode(e);
  return code ? `${message} (${code})` : message;
}

const SERVICE_DOWN = new Set(['SCARD_E_NO_SERVICE', 'SCARD_E_SERVICE_STOPPED']);
const CARD_GONE = new Set(['SCARD_W_REMOVED_CARD', 'SCARD_E_NO_SMARTCARD']);
/** The card is in but gave no usable answer to reset (ISO/IEC 7816-3 8): mute. */
const CARD_MUTE = new Set(['SCARD_W_UNRESPONSIVE_CARD', 'SCARD_W_UNSUPPORTED_CARD', 'SCARD_E_INVALID_ATR', 'SCARD_E_PROTO_MISMATCH', 'SCARD_W_UNPOWERED_CARD']);

const HOW_TO_START_PCSCD = 'start it with `sudo systemctl enable --now pcscd.socket` (Debian package pcscd)';

/** The binding's npm package (package.json, optionalDependencies). */
const PACKAGE = 'smartcard';

export interface LinuxPcscOptions {
  /**
   * The binding's package name, for a test that needs a binding that is not there; the
   * default is the `smartcard` package.
   */
  module?: string;
  /**
   * How long a transmit that failed for another reason than a removal waits for pcscd to
   * report the card gone before it calls the failure a transmission error. pcscd looks at
   * readers without card events of their own every 400 ms (PCSCLITE_STATUS_POLL_RATE), so a
   * card pulled out mid-exchange can fail the exchange before pcscd has noticed. Default 1000.
   */
  removalGraceMs?: number;
}

/** Loads the binding: rejects with ContactReaderUnavailableError when it is not installed or did not build. */
async function loadBinding(module: string): Promise<Binding> {
  let m: { default?: unknown } & Record<string, unknown>;
  try {
    m = (await import(module)) as typeof m;
  } catch (e) {
    throw new ContactReaderUnavailableError(
      `no PC/SC binding: the optional package '${module}' is not installed or its native part did not build (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); ` +
        'install libpcsclite-dev, python3, make and g++, then run npm install again',
    );
  }
  const b = (m.default ?? m) as Partial<Binding>;
  if (typeof b.Context !== 'function' || typeof b.SCARD_SHARE_EXCLUSIVE !== 'number' || typeof b.SCARD_UNPOWER_CARD !== 'number') {
    throw new ContactReaderUnavailableError(`no PC/SC binding: the package '${module}' does not offer the PC/SC context this terminal needs (version 3 of 'smartcard' does)`);
  }
  return b as Binding;
}

function establish(binding: Binding): BindingContext {
  try {
    return new binding.Context();
  } catch (e) {
    if (SERVICE_DOWN.has(pcscCode(e) ?? '')) {
      throw new ContactReaderUnavailableError(`the PC/SC daemon pcscd is not running (${describe(e)}): ${HOW_TO_START_PCSCD}`);
    }
    throw new ContactReaderUnavailableError(`PC/SC: SCardEstablishContext failed: ${describe(e)}`);
  }
}

/**
 * Opens the PC/SC reader whose name contains `reader` ('' takes the first one pcscd lists).
 * Rejects with ContactReaderUnavailableError (a DeviceError) when the binding is missing,
 * pcscd is not running, or no reader matches, naming the readers there are.
 */
export async function openLinuxPcsc(reader: string, options: LinuxPcscOptions = {}): Promise<PcscReaderPort> {
  const binding = await loadBinding(options.module ?? PACKAGE);
  const work = establish(binding);
  let watcher: BindingContext;
  try {
    watcher = establish(binding);
  } catch (e) {
    work.close();
    throw e;
  }
  try {
    const readers = listReaders(work);
    const found = readers.find((r) => r.name.includes(reader));
    if (!found) {
      const have = readers.length ? readers.map((r) => `'${r.name}'`).join(', ') : 'none (is the reader plugged in? `pcsc_scan` lists what pcscd sees)';
      throw new ContactReaderUnavailableError(reader === '' ? `no PC/SC reader; readers: ${have}` : `no PC/SC reader whose name contains '${reader}'; readers: ${have}`);
    }
    return new LinuxPcscReader(binding, work, watcher, found, options.removalGraceMs ?? 1000);
  } catch (e) {
    work.close();
    watcher.close();
    throw e;
  }
}

function listReaders(ctx: BindingContext): BindingReader[] {
  try {
    return ctx.listReaders();
  } catch (e) {
    if (SERVICE_DOWN.has(pcscCode(e) ?? '')) throw new ContactReaderUnavailableError(`the PC/SC daemon pcscd stopped (${describe(e)}): ${HOW_TO_START_PCSCD}`);
    throw new ContactReaderUnavailableError(`PC/SC: SCardListReaders failed: ${describe(e)}`);
  }
}

/** A failure of PC/SC that is neither the card's nor the reader's absence. */
export class PcscError extends DeviceError {
  /** The SCARD_* name, when the binding's message was one of PC/SC's. */
  readonly pcsc: string | undefined;
  constructor(operation: string, cause: unknown) {
    super('PCSC', `PC/SC ${operation} failed: ${describe(cause)}`, { cause });
    this.pcsc = pcscCode(cause);
  }
}

class LinuxPcscReader implements PcscReaderPort {
  readonly name: string;
  private current: PcscReaderState;
  /** dwEventState as pcscd last reported it: what the next SCardGetStatusChange waits to differ from. */
  private raw: number;
  private listeners = new Set<(s: PcscReaderState) => void>();
  private closed = false;
  private connection: LinuxPcscConnection | null = null;
  private readonly loop: Promise<void>;
  /** Why watching stopped, when pcscd went away. */
  private failure: unknown;

  constructor(
    private readonly b: Binding,
    private readonly work: BindingContext,
    private readonly watcher: BindingContext,
    found: BindingReader,
    private readonly removalGraceMs: number,
  ) {
    this.name = found.name;
    this.raw = found.state;
    this.current = this.toState(found.state, found.atr);
    this.loop = this.watch_();
  }

  private toState(state: number, atr: Buffer | null): PcscReaderState {
    const present = (state & this.b.SCARD_STATE_PRESENT) !== 0;
    // pcsc-lite's event counter: the high word of dwEventState.
    const events = state >>> 16;
    return present && atr && atr.length ? { present, atr: Uint8Array.from(atr), events } : { present, events };
  }

  /** SCardGetStatusChange with the state last seen, again and again until the port closes. */
  private async watch_(): Promise<void> {
    let unchanged = 0;
    while (!this.closed) {
      let changes: BindingReaderState[] | null;
      try {
        changes = await this.watcher.waitForChange([{ name: this.name, state: this.raw & ~this.b.SCARD_STATE_CHANGED }]);
      } catch (e) {
        if (this.closed) return;
        // pcscd went away (stopped, restarted): the card is as good as gone, and so is this
        // context. The reader reports no card from now on; the terminal reopens it at its
        // next start. No retry loop here: that would be polling a daemon that is not there.
        this.failure = e;
        this.update(this.raw & ~this.b.SCARD_STATE_PRESENT, null);
        return;
      }
      if (changes === null || this.closed) return;
      const mine = changes.find((c) => c.name === this.name);
      const changed = mine !== undefined && (mine.state & ~this.b.SCARD_STATE_CHANGED) !== (this.raw & ~this.b.SCARD_STATE_CHANGED);
      if (!changed) {
        // pcscd answers only when the state differs from the one given (part 5,
        // SCardGetStatusChange); answers without a change, again and again, would make
        // this loop spin, so they end the watching instead.
        if (++unchanged >= 100) {
          this.failure = new Error(`pcscd keeps answering SCardGetStatusChange for '${this.name}' without a change`);
          this.update(this.raw & ~this.b.SCARD_STATE_PRESENT, null);
          return;
        }
        continue;
      }
      unchanged = 0;
      this.raw = mine.state;
      this.update(mine.state, mine.atr);
    }
  }

  private update(state: number, atr: Buffer | null): void {
    // A reader unplugged (SCARD_STATE_UNKNOWN) or pcscd gone has SCARD_STATE_PRESENT clear: no card.
    const next = this.toState(state, atr);
    const before = this.current;
    this.current = next;
    if (before.present === next.present && before.events === next.events && sameBytes(before.atr, next.atr)) return;
    if (!next.present || next.events !== before.events) this.connection?.cardLeft();
    for (const l of [...this.listeners]) l(this.state());
  }

  state(): PcscReaderState {
    const s = this.current;
    return s.atr ? { present: s.present, atr: s.atr.slice(), events: s.events } : { present: s.present, events: s.events };
  }

  watch(listener: (state: PcscReaderState) => void): () => void {
    const l = (s: PcscReaderState) => listener(s);
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async connect(): Promise<PcscConnection> {
    if (this.closed) throw new ContactReaderUnavailableError(`${this.name}: the reader was closed`);
    if (this.failure !== undefined) throw new ContactReaderUnavailableError(`the PC/SC daemon pcscd went away (${describe(this.failure)}): ${HOW_TO_START_PCSCD}`);
    // One card session at a time: the earlier one is over (and its exclusive handle would
    // refuse this connection with SCARD_E_SHARING_VIOLATION, even with its card gone).
    await this.connection?.disconnect();
    const reader = listReaders(this.work).find((r) => r.name === this.name);
    if (!reader) throw new ContactReaderUnavailableError(`the PC/SC reader '${this.name}' is gone (unplugged?)`);
    let card: BindingCard;
    try {
      card = await reader.connect(this.b.SCARD_SHARE_EXCLUSIVE, this.b.SCARD_PROTOCOL_T0 | this.b.SCARD_PROTOCOL_T1);
    } catch (e) {
      const code = pcscCode(e) ?? '';
      if (CARD_GONE.has(code)) throw new CardRemovedError(`no card in ${this.name}`);
      if (CARD_MUTE.has(code)) throw new ContactCardMuteError(describe(e));
      if (SERVICE_DOWN.has(code)) throw new ContactReaderUnavailableError(`the PC/SC daemon pcscd stopped (${describe(e)}): ${HOW_TO_START_PCSCD}`);
      if (code === 'SCARD_E_SHARING_VIOLATION') throw new PcscError(`SCardConnect to '${this.name}' (another program holds the card: stop it)`, e);
      throw new PcscError(`SCardConnect to '${this.name}'`, e);
    }
    const protocol: ContactProtocol | undefined = card.protocol === this.b.SCARD_PROTOCOL_T0 ? 'T=0' : card.protocol === this.b.SCARD_PROTOCOL_T1 ? 'T=1' : undefined;
    const atr = card.atr ?? (this.current.atr ? Buffer.from(this.current.atr) : null);
    if (!protocol || !atr || atr.length === 0) {
      disconnectQuietly(card, this.b.SCARD_UNPOWER_CARD);
      throw new ContactCardMuteError(!protocol ? `the reader set up protocol ${card.protocol}, neither T=0 nor T=1` : 'the reader gave no ATR');
    }
    this.connection = new LinuxPcscConnection(this, card, protocol, Uint8Array.from(atr), this.b.SCARD_UNPOWER_CARD, this.removalGraceMs);
    return this.connection;
  }

  /** For a connection: resolves true once pcscd reports the card out (or swapped), false after `ms`. */
  removalWithin(ms: number, insertion: number): Promise<boolean> {
    const gone = (s: PcscReaderState) => !s.present || s.events !== insertion;
    if (gone(this.current)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, ms);
      const stop = this.watch((s) => {
        if (!gone(s)) return;
        clearTimeout(timer);
        stop();
        resolve(true);
      });
    });
  }

  get events(): number {
    return this.current.events;
  }

  forget(c: LinuxPcscConnection): void {
    if (this.connection === c) this.connection = null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.connection?.disconnect();
    // SCardCancel ends a SCardGetStatusChange under way, but one that the binding's worker
    // thread has not begun yet starts after it and waits on: so cancel again until the
    // watching has ended (at once, almost always).
    let ended = false;
    void this.loop.then(() => (ended = true));
    for (let i = 0; !ended; i++) {
      try {
        this.watcher.cancel();
      } catch {
        // The context is already gone with pcscd: nothing waits on it.
      }
      await Promise.race([this.loop, new Promise((r) => setTimeout(r, Math.min(10 * 2 ** i, 500)))]);
    }
    this.watcher.close();
    this.work.close();
  }
}

class LinuxPcscConnection implements PcscConnection {
  private open = true;
  private left = false;
  /** The reader's event count when this card was powered: any later event is its removal. */
  private readonly insertion: number;

  constructor(
    private readonly reader: LinuxPcscReader,
    private readonly card: BindingCard,
    readonly protocol: ContactProtocol,
    readonly atr: Uint8Array,
    private readonly unpower: number,
    private readonly removalGraceMs: number,
  ) {
    this.insertion = reader.events;
  }

  /** pcscd reported the card out. */
  cardLeft(): void {
    this.left = true;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (!this.open) throw new CardTransmissionError(`${this.reader.name}: the connection to the card was closed`);
    if (this.left) throw new CardRemovedError(`no card in ${this.reader.name}`);
    let failure: unknown;
    try {
      // Short APDUs only (EMV): 256 data bytes and SW1 SW2 at most.
      const r = await this.card.transmit(Buffer.from(apdu), { maxRecvLength: 258 });
      // Every response APDU ends with SW1 SW2 (ISO/IEC 7816-4 5.1). A reader driver that
      // lost the card mid-exchange may still report success with nothing (vpcd does).
      if (r.length >= 2) return Uint8Array.from(r);
      failure = new Error(`a response of ${r.length} bytes, without a status word`);
    } catch (e) {
      const code = pcscCode(e) ?? '';
      if (CARD_GONE.has(code)) throw new CardRemovedError(`${code} from ${this.reader.name}`);
      if (SERVICE_DOWN.has(code)) throw new CardTransmissionError(`${this.reader.name}: the PC/SC daemon pcscd stopped (${describe(e)})`, undefined, { cause: e });
      failure = e;
    }
    // The exchange broke off: a card pulled out is reported by pcscd a moment later.
    if (await this.reader.removalWithin(this.removalGraceMs, this.insertion)) {
      throw new CardRemovedError(`the exchange failed (${describe(failure)}) and the card left ${this.reader.name}`);
    }
    throw new CardTransmissionError(`${this.reader.name}: SCardTransmit failed: ${describe(failure)}`, undefined, { cause: failure });
  }

  async disconnect(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.reader.forget(this);
    disconnectQuietly(this.card, this.unpower);
  }
}

/**
 * SCardDisconnect(SCARD_UNPOWER_CARD). Its failures are not reported: they come when the card
 * is already out or pcscd is gone, and either way the contacts are no longer powered.
 */
function disconnectQuietly(card: BindingCard, disposition: number): void {
  try {
    card.disconnect(disposition);
  } catch {
    // See above.
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
