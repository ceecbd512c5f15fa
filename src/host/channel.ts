/**
 * The link to the acquirer: TCP, or TLS trusting only a pinned CA; the 2-byte length
 * framing of docs/host-spec.md section 2; one request outstanding at a time; responses
 * matched by MTI, STAN (11) and terminal ID (41) as section 7 says; response timeouts and
 * reconnection on an injected Clock.
 *
 * What the caller gets from send():
 *  - the matched response, its MAC verified with the exchange's response MAC (section 6.12);
 *  - HostConnectError: no connection, the request did not leave (nothing to reverse);
 *  - HostTimeoutError: it left and no valid answer came in time;
 *  - HostDisconnectedError: it left and the connection closed before the answer;
 *  - MacMismatchError: the answer's MAC is missing or wrong (treated as no response);
 *  - MessageFormatError (FrameError included): the answer is garbled, or matches by STAN
 *    and terminal ID but disagrees with the request;
 *  - the signal's reason when the caller aborts.
 * For the last five the request may have been acted on: a financial request is reversed
 * (section 8); the reversal reason follows from the error class.
 *
 * Anything else that arrives (a late answer to a request already given up, a second answer
 * to one already answered, a message for another terminal) is logged and dropped.
 */
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { abortReason } from '../errors.js';
import type { Clock, TimerHandle } from '../hal/ports.js';
import type { Logger } from '../log.js';
import { FieldValueError, HostConnectError, HostDisconnectedError, HostTimeoutError, MessageFormatError } from './errors.js';
import { DEFAULT_MAX_FRAME, FrameReader, frame } from './framing.js';
import { pack, unpack, type IsoMessage } from './iso8583.js';
import type { MacPair } from './mac-keys.js';
import { checkResponse, openResponse, packWithMac, responseMti } from './messages.js';

export interface TlsPin {
  /** The CA certificate(s), PEM, that alone are trusted for the host's certificate. */
  ca: string | Uint8Array | readonly (string | Uint8Array)[];
  /** The name the host's certificate must carry, when it is not the address dialled. */
  servername?: string;
}

export interface HostEndpoint {
  host: string;
  port: number;
  /** Absent: plain TCP (tests, the simulator on loopback). Production uses TLS 1.2+. */
  tls?: TlsPin;
}

export interface ChannelOptions {
  endpoint: HostEndpoint;
  clock: Clock;
  log?: Logger;
  /** Per connection attempt, TLS handshake included. */
  connectTimeoutMs?: number;
  /** Wait for the answer (docs/host-spec.md section 7: 30 s unless configured). */
  responseTimeoutMs?: number;
  /** Largest message accepted from the host; a larger length header closes the link. */
  maxFrameLength?: number;
  /** Reconnection delays after a failure: initial, doubled each failure, capped. */
  backoff?: { initialMs: number; maxMs: number };
  /** How many answers already settled are remembered to tell late and duplicate answers apart. */
  remember?: number;
}

export interface SendOptions {
  signal?: AbortSignal;
  /** This exchange's response timeout; the channel's default when absent. */
  timeoutMs?: number;
  /**
   * The MACs of this exchange (the DUKPT keys named by field 53). Required for every
   * message but 0800, which is not MACed (docs/host-spec.md section 6.12).
   */
  mac?: MacPair;
  /** Called once the request has been handed to the connection: from then on it may be acted on. */
  onSent?: () => void;
}

export interface ChannelStats {
  connectAttempts: number;
  connects: number;
  /** Answers that came after the terminal gave up on their request. */
  late: number;
  /** Second answers to a request already answered. */
  duplicate: number;
  /** Messages that answer nothing this channel sent recently (another terminal, unknown STAN). */
  unmatched: number;
}

interface Pending {
  request: IsoMessage;
  key: string;
  socket: Socket;
  mac: MacPair['response'] | undefined;
  settle(error: Error | null, response?: IsoMessage): void;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  responseTimeoutMs: 30_000,
  backoff: { initialMs: 1_000, maxMs: 60_000 },
  remember: 64,
};

/** The key a response is matched under: response MTI, STAN and terminal ID (section 7). */
function matchKey(mti: string, fields: IsoMessage['fields']): string {
  return `${mti}|${String(fields[11] ?? '')}|${String(fields[41] ?? '')}`;
}

export class HostChannel {
  private readonly endpoint: HostEndpoint;
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly connectTimeoutMs: number;
  private readonly responseTimeoutMs: number;
  private readonly maxFrameLength: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly remember: number;
  private readonly name: string;

  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private pending: Pending | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** Failed attempts since the last good connection: the next delay is initial * 2^(failures - 1). */
  private failures = 0;
  private reconnectTimer: TimerHandle | null = null;
  private maintaining = false;
  private closed = false;
  /** Settled requests, oldest first: key -> how it ended. */
  private readonly recent = new Map<string, 'answered' | 'abandoned'>();

  readonly stats: ChannelStats = { connectAttempts: 0, connects: 0, late: 0, duplicate: 0, unmatched: 0 };

  constructor(options: ChannelOptions) {
    this.endpoint = options.endpoint;
    this.clock = options.clock;
    this.log = options.log;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    this.responseTimeoutMs = options.responseTimeoutMs ?? DEFAULTS.responseTimeoutMs;
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME;
    this.backoff = options.backoff ?? DEFAULTS.backoff;
    this.remember = options.remember ?? DEFAULTS.remember;
    const host = isIP(this.endpoint.host) === 6 ? `[${this.endpoint.host}]` : this.endpoint.host;
    this.name = `${this.endpoint.tls ? 'tls' : 'tcp'}://${host}:${this.endpoint.port}`;
    for (const [k, v] of Object.entries({ connectTimeoutMs: this.connectTimeoutMs, responseTimeoutMs: this.responseTimeoutMs })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive whole number of ms`);
    }
  }

  get connected(): boolean {
    return this.socket !== null && !this.socket.destroyed;
  }

  /** The delay before the next background reconnection attempt. */
  get nextBackoffMs(): number {
    return Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(Math.max(0, this.failures - 1), 30));
  }

  /**
   * Connects now and keeps the link up from then on: when it drops or an attempt fails,
   * the next attempt is made after the backoff delay, on the clock. Resolves after the
   * first attempt, whether it succeeded or not (send() reports failures).
   */
  async open(): Promise<void> {
    this.maintaining = true;
    try {
      await this.connection();
    } catch (e) {
      this.log?.warn({ event: 'host.connect.failed', host: this.name, err: (e as Error).message }, 'host link down; retrying with backoff');
    }
  }

  /** Sends a request and waits for its answer; see the module comment for the outcomes. */
  send(request: IsoMessage, options: SendOptions = {}): Promise<IsoMessage> {
    const run = this.chain.then(() => this.exchange(request, options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Closes the link and stops reconnecting; a request in flight ends with HostDisconnectedError. */
  async close(): Promise<void> {
    this.closed = true;
    this.maintaining = false;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    const s = this.socket;
    if (s && !s.destroyed) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    }
  }

  // ---- the exchange ---------------------------------------------------------------------

  private async exchange(request: IsoMessage, options: SendOptions): Promise<IsoMessage> {
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    if (this.closed) throw new HostConnectError(this.name, 'the channel is closed');
    if (!options.mac && request.mti !== '0800') {
      throw new FieldValueError('MAC', `${request.mti} request`, 'needs the MACs of its exchange; only 0800 goes unMACed (docs/host-spec.md 6.12)');
    }
    // Packing first: a value the specification forbids fails before anything leaves.
    const bytes = options.mac ? packWithMac(request, options.mac.request) : pack(request);
    const socket = await this.connection(signal);
    const timeoutMs = options.timeoutMs ?? this.responseTimeoutMs;
    const key = matchKey(responseMti(request.mti), request.fields);

    return new Promise<IsoMessage>((resolve, reject) => {
      let done = false;
      const settle = (error: Error | null, response?: IsoMessage): void => {
        if (done) return;
        done = true;
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        if (this.pending === pending) this.pending = null;
        this.remembered(key, error ? 'abandoned' : 'answered');
        if (error) reject(error);
        else resolve(response!);
      };
      const onAbort = () => settle(abortReason(signal!));
      const pending: Pending = { request, key, socket, mac: options.mac?.response, settle };
      this.pending = pending;
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.log?.warn({ event: 'host.timeout', host: this.name, mti: request.mti, stan: request.fields[11], timeoutMs }, 'no response in time');
        settle(new HostTimeoutError(this.name, timeoutMs));
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (socket.destroyed) {
        // Lost between connecting and writing: nothing left, nothing to reverse.
        settle(new HostConnectError(this.name, 'the connection closed before the request could leave'));
        return;
      }
      socket.write(frame(bytes));
      this.log?.debug({ event: 'host.sent', mti: request.mti, stan: request.fields[11], bytes: bytes.length }, 'request sent');
      options.onSent?.();
    });
  }

  private remembered(key: string, how: 'answered' | 'abandoned'): void {
    this.recent.delete(key);
    this.recent.set(key, how);
    while (this.recent.size > this.remember) this.recent.delete(this.recent.keys().next().value!);
  }

  private onMessage(bytes: Uint8Array): void {
    const pending = this.pending;
    let message: IsoMessage;
    try {
      message = unpack(bytes);
    } catch (e) {
      // With one request outstanding, a message that cannot be read is its garbled answer.
      if (pending) pending.settle(e as Error);
      else this.log?.warn({ event: 'host.response.dropped', reason: 'garbled', err: (e as Error).message }, 'unreadable message with no request waiting');
      return;
    }
    const match = pending ? checkResponse(pending.request, message) : null;
    if (!pending || !match || match.kind === 'foreign') {
      this.dropped(message);
      return;
    }
    if (match.kind === 'inconsistent') {
      pending.settle(new MessageFormatError('ISO_BAD_VALUE', 'MTI', `${message.mti} response`, null, match.why));
      return;
    }
    if (pending.mac) {
      try {
        openResponse(bytes, pending.mac);
      } catch (e) {
        this.log?.warn({ event: 'host.mac.bad', mti: message.mti, stan: message.fields[11] }, 'response MAC does not verify; treated as no response');
        pending.settle(e as Error);
        return;
      }
    }
    pending.settle(null, message);
  }

  private dropped(message: IsoMessage): void {
    const how = this.recent.get(matchKey(message.mti, message.fields));
    const reason = how === 'answered' ? 'duplicate' : how === 'abandoned' ? 'late' : 'unmatched';
    this.stats[reason]++;
    this.log?.warn(
      { event: 'host.response.dropped', reason, mti: message.mti, stan: message.fields[11], responseCode: message.fields[39] },
      `${reason} response dropped`,
    );
  }

  // ---- connections ----------------------------------------------------------------------

  private async connection(signal?: AbortSignal): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    if (!this.connecting) {
      this.reconnectTimer?.cancel();
      this.reconnectTimer = null;
      this.connecting = this.dial().finally(() => {
        this.connecting = null;
        if (!this.connected) this.scheduleReconnect();
      });
    }
    const attempt = this.connecting;
    if (!signal) return attempt;
    return new Promise<Socket>((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      attempt.then(
        (s) => {
          signal.removeEventListener('abort', onAbort);
          resolve(s);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e as Error);
        },
      );
    });
  }

  private dial(): Promise<Socket> {
    this.stats.connectAttempts++;
    const { host, port, tls } = this.endpoint;
    return new Promise<Socket>((resolve, reject) => {
      let socket: Socket;
      if (tls) {
        const ca = (Array.isArray(tls.ca) ? tls.ca : [tls.ca]).map((c: string | Uint8Array) => (typeof c === 'string' ? c : Buffer.from(c)));
        // Passing `ca` replaces Node's root store: only the pinned CA is trusted.
        socket = tlsConnect({
          host,
          port,
          ca,
          minVersion: 'TLSv1.2',
          rejectUnauthorized: true,
          ...(tls.servername ? { servername: tls.servername } : {}),
        });
      } else {
        socket = tcpConnect({ host, port });
      }
      const ready = tls ? 'secureConnect' : 'connect';
      const fail = (detail: string, cause?: unknown) => {
        cleanup();
        socket.destroy();
        this.failures++;
        reject(new HostConnectError(this.name, detail, { cause }));
      };
      const onError = (e: Error) => fail(e.message, e);
      const onClose = () => fail('closed during connection set-up');
      const onReady = () => {
        cleanup();
        if (this.closed) {
          socket.destroy();
          reject(new HostConnectError(this.name, 'the channel is closed'));
          return;
        }
        this.failures = 0;
        this.stats.connects++;
        this.attach(socket);
        this.log?.info({ event: 'host.connected', host: this.name }, 'host link up');
        resolve(socket);
      };
      const timer = this.clock.setTimer(this.connectTimeoutMs, () => fail(`no connection within ${this.connectTimeoutMs} ms`));
      const cleanup = () => {
        timer.cancel();
        socket.off(ready, onReady);
        socket.off('error', onError);
        socket.off('close', onClose);
      };
      socket.once(ready, onReady);
      socket.once('error', onError);
      socket.once('close', onClose);
    });
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    const reader = new FrameReader(this.maxFrameLength);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      let messages: Uint8Array[];
      try {
        messages = reader.push(chunk);
      } catch (e) {
        this.log?.warn({ event: 'host.frame.bad', err: (e as Error).message }, 'bad length header; closing the link');
        if (this.pending?.socket === socket) this.pending.settle(e as Error);
        socket.destroy();
        return;
      }
      for (const m of messages) this.onMessage(m);
    });
    socket.on('error', (e) => this.log?.warn({ event: 'host.link.error', err: e.message }, 'host link error'));
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      if (this.pending?.socket === socket) this.pending.settle(new HostDisconnectedError(this.name, 'closed by the host or the network'));
      this.log?.info({ event: 'host.disconnected', host: this.name }, 'host link closed');
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (!this.maintaining || this.closed || this.reconnectTimer || this.connecting || this.connected) return;
    const delay = this.nextBackoffMs;
    this.reconnectTimer = this.clock.setTimer(delay, () => {
      this.reconnectTimer = null;
      this.connection().catch(() => undefined);
    });
  }
}
