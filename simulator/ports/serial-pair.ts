import { abortReason, PortBusyError, PortClosedError, ReadTimeoutError } from '../../src/errors.js';
import type { Clock, SerialLink, TimerHandle } from '../../src/hal/ports.js';

interface WaitingRead {
  maxBytes: number;
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: TimerHandle;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface SerialPairOptions {
  /** Names of the two ends, e.g. ["sim:pn532", "pn532-emulator"]. */
  paths?: [string, string];
  baudRate?: number;
  /**
   * Model the wire: a write reaches the far end after 10 bit times per byte (8N1) at the
   * current baud rate, on the clock. Off by default so unit tests need not advance time.
   */
  timing?: boolean;
}

/**
 * One end of an in-memory UART. It keeps the SerialLink contract strictly, like
 * node-serialport's mock binding: overlapping writes and reads are refused, a pending read
 * is cancelled on close, and if the two ends disagree on the baud rate the far end
 * receives garbage, as a real UART would.
 */
export class SimSerialEnd implements SerialLink {
  readonly path: string;
  private open = true;
  private writing = false;
  private rx: Uint8Array[] = [];
  private waiting: WaitingRead | null = null;
  private listeners: ((data: Uint8Array) => void)[] = [];
  peer!: SimSerialEnd;
  baudRate: number;
  /** Every chunk this end has written, for tests to inspect. */
  readonly written: Uint8Array[] = [];

  constructor(
    path: string,
    private readonly clock: Clock,
    baudRate: number,
    private readonly timing: boolean,
  ) {
    this.path = path;
    this.baudRate = baudRate;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** For emulators: called with every chunk that arrives at this end (instead of read()). */
  onData(listener: (data: Uint8Array) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.open) throw new PortClosedError(this.path);
    if (this.writing) throw new PortBusyError(this.path, 'write');
    const copy = Uint8Array.from(data);
    this.written.push(copy);
    this.writing = true;
    try {
      if (this.timing && copy.length > 0) {
        await this.clock.sleep(Math.ceil((copy.length * 10 * 1000) / this.baudRate));
      }
      if (!this.open) throw new PortClosedError(this.path);
      const peer = this.peer;
      if (peer.open) peer.receive(peer.baudRate === this.baudRate ? copy : garble(copy));
    } finally {
      this.writing = false;
    }
  }

  /** Bytes arriving from the wire. */
  private receive(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.listeners.length > 0) {
      for (const l of [...this.listeners]) l(data);
      return;
    }
    this.rx.push(data);
    this.serveWaiting();
  }

  private takeBuffered(maxBytes: number): Uint8Array {
    const all = Buffer.concat(this.rx);
    const out = all.subarray(0, maxBytes);
    const rest = all.subarray(out.length);
    this.rx = rest.length > 0 ? [Uint8Array.from(rest)] : [];
    return Uint8Array.from(out);
  }

  private serveWaiting(): void {
    const w = this.waiting;
    if (!w || this.rx.length === 0) return;
    this.waiting = null;
    w.timer.cancel();
    w.signal?.removeEventListener('abort', w.onAbort);
    w.resolve(this.takeBuffered(w.maxBytes));
  }

  read(options: { timeoutMs: number; maxBytes?: number; signal?: AbortSignal }): Promise<Uint8Array> {
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    if (!this.open) return Promise.reject(new PortClosedError(this.path));
    if (this.waiting) return Promise.reject(new PortBusyError(this.path, 'read'));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    if (this.rx.length > 0) return Promise.resolve(this.takeBuffered(maxBytes));
    return new Promise((resolve, reject) => {
      const finish = (e: Error) => {
        if (this.waiting !== w) return;
        this.waiting = null;
        w.timer.cancel();
        w.signal?.removeEventListener('abort', w.onAbort);
        reject(e);
      };
      const w: WaitingRead = {
        maxBytes,
        resolve,
        reject,
        signal: options.signal,
        timer: this.clock.setTimer(options.timeoutMs, () => finish(new ReadTimeoutError(this.path, options.timeoutMs))),
        onAbort: () => finish(abortReason(options.signal!)),
      };
      this.waiting = w;
      options.signal?.addEventListener('abort', w.onAbort, { once: true });
    });
  }

  async flush(): Promise<void> {
    this.rx = [];
  }

  async setBaudRate(baudRate: number): Promise<void> {
    if (!this.open) throw new PortClosedError(this.path);
    this.baudRate = baudRate;
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.rx = [];
    const w = this.waiting;
    if (w) {
      this.waiting = null;
      w.timer.cancel();
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(new PortClosedError(this.path));
    }
  }
}

/** What a UART receiver makes of bytes sent at another speed: framing errors, wrong bits. */
function garble(data: Uint8Array): Uint8Array {
  return data.map((b, i) => (b ^ 0xa5 ^ (i * 31)) & 0xff);
}

/** Two connected ends: [terminal side, device side]. */
export function createSerialPair(clock: Clock, options: SerialPairOptions = {}): [SimSerialEnd, SimSerialEnd] {
  const [pa, pb] = options.paths ?? ['sim:serial-a', 'sim:serial-b'];
  const baud = options.baudRate ?? 115200;
  const a = new SimSerialEnd(pa, clock, baud, options.timing ?? false);
  const b = new SimSerialEnd(pb, clock, baud, options.timing ?? false);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
