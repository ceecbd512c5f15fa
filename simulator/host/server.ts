/**
 * The acquirer simulator's ISO 8583 server: TCP (or TLS, for the channel's pinned-CA test),
 * the 2-byte length framing of docs/host-spec.md section 2, requests processed one at a
 * time in arrival order, and the faults of faults.ts applied on the way.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Clock, TimerHandle } from '../../src/hal/ports.js';
import { DEFAULT_MAX_FRAME, FrameReader, frame } from '../../src/host/framing.js';
import { pack } from '../../src/host/iso8583.js';
import { packWithMac } from '../../src/host/messages.js';
import type { Logger } from '../../src/log.js';
import type { FaultQueue } from './faults.js';
import type { HostProcessor } from './processor.js';

export interface HostServerOptions {
  processor: HostProcessor;
  faults: FaultQueue;
  clock: Clock;
  log?: Logger;
  /** Serve TLS with this key and certificate (PEM) instead of plain TCP. */
  tls?: { key: string | Uint8Array; cert: string | Uint8Array };
  maxFrameLength?: number;
}

export class HostServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<TimerHandle>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Connections accepted and requests received so far (tests read them). */
  readonly stats = { connections: 0, requests: 0 };

  constructor(private readonly options: HostServerOptions) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    const { tls } = this.options;
    const onSocket = (s: Socket) => this.accept(s);
    const server = tls
      ? createTlsServer({ key: Buffer.from(tls.key), cert: Buffer.from(tls.cert), minVersion: 'TLSv1.2' }, onSocket)
      : createTcpServer(onSocket);
    // A TLS handshake that fails is the client's business; it must not stop the server.
    server.on('tlsClientError', () => undefined);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  private accept(socket: Socket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader(this.options.maxFrameLength ?? DEFAULT_MAX_FRAME);
    socket.on('data', (chunk: Buffer) => {
      let messages: Uint8Array[];
      try {
        messages = reader.push(chunk);
      } catch (e) {
        this.options.log?.warn({ event: 'hostsim.frame.bad', err: (e as Error).message }, 'bad length header; closing');
        socket.destroy();
        return;
      }
      for (const m of messages) {
        this.chain = this.chain.then(() => this.request(socket, m)).catch((e: unknown) => {
          this.options.log?.error({ event: 'hostsim.error', err: (e as Error).message }, 'request handling failed');
        });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async request(socket: Socket, bytes: Uint8Array): Promise<void> {
    this.stats.requests++;
    const fault = this.options.faults.take();
    const log = this.options.log;
    if (fault) log?.info({ event: 'hostsim.fault', fault: fault.kind }, 'fault applied');
    if (fault?.kind === 'timeout') return;
    if (fault?.kind === 'disconnect') {
      socket.destroy();
      return;
    }
    const answer = await this.options.processor.handle(bytes, fault?.kind === 'decline' ? fault.code : undefined);
    if (!answer || fault?.kind === 'drop') return;
    let out: Uint8Array;
    try {
      out = answer.mac ? packWithMac(answer.response, answer.mac.response) : pack(answer.response);
    } catch (e) {
      // The request echoed values no answer can carry: nothing sensible can be sent back.
      log?.warn({ event: 'hostsim.answer.unpackable', err: (e as Error).message }, 'answer not sent');
      return;
    }
    if (fault?.kind === 'garble') {
      out = out.slice();
      out[0] = 0xff; // not a BCD MTI: the terminal cannot read the answer at all
    }
    if (fault?.kind === 'badmac') {
      out = out.slice();
      out[out.length - 1]! ^= 0x01; // the MAC is the last field of every MACed answer
    }
    const send = () => {
      if (!socket.destroyed) socket.write(frame(out));
    };
    if (fault?.kind === 'delay') {
      const t = this.options.clock.setTimer(fault.ms, () => {
        this.timers.delete(t);
        send();
      });
      this.timers.add(t);
    } else {
      send();
    }
  }

  /** Disconnects every client (the terminal sees HostDisconnectedError), keeps listening. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.dropConnections();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    await this.chain;
  }
}
