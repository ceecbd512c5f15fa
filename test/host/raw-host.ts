/**
 * A scripted far end for channel tests: a real TCP (or TLS) server on 127.0.0.1 that hands
 * each framed request to the test and writes back whatever bytes the test gives it, so
 * late, duplicate, foreign and garbled answers can be made on purpose.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { FrameReader, frame } from '../../src/host/framing.js';
import { unpack, type IsoMessage } from '../../src/host/iso8583.js';
import { packWithMac, responseMti } from '../../src/host/messages.js';
import { responseMac } from './helpers.js';

export interface Received {
  socket: Socket;
  message: IsoMessage;
}

export class RawHost {
  private server!: Server;
  private readonly queue: Received[] = [];
  private readonly waiters: ((r: Received) => void)[] = [];
  readonly sockets = new Set<Socket>();
  connections = 0;
  port = 0;

  /** What to do with a new connection: 'serve' it, or 'close' it at once. */
  onConnect: 'serve' | 'close' | 'silent' = 'serve';

  static async start(tls?: { key: string; cert: string }): Promise<RawHost> {
    const h = new RawHost();
    const accept = (s: Socket) => h.accept(s);
    h.server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, accept) : createTcpServer(accept);
    h.server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => h.server.listen(0, '127.0.0.1', r));
    h.port = (h.server.address() as AddressInfo).port;
    return h;
  }

  private accept(socket: Socket): void {
    this.connections++;
    if (this.onConnect === 'close') {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    if (this.onConnect === 'silent') return;
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const m of reader.push(chunk)) {
        const r = { socket, message: unpack(m) };
        const w = this.waiters.shift();
        if (w) w(r);
        else this.queue.push(r);
      }
    });
  }

  /** The next request to arrive. */
  next(): Promise<Received> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Writes bytes as they are (the test frames them, or not). */
  write(socket: Socket, bytes: Uint8Array): void {
    socket.write(bytes);
  }

  /** Frames and writes a message. */
  send(socket: Socket, message: Uint8Array): void {
    socket.write(frame(message));
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** An approving 0210 for a 0200, MACed with the test response key; `over` changes fields. */
export function approval(request: IsoMessage, over: IsoMessage['fields'] = {}): Uint8Array {
  const f = request.fields;
  const fields: IsoMessage['fields'] = { 3: f[3]!, 4: f[4]!, 11: f[11]!, 12: f[12]!, 13: f[13]!, 37: '000000000001', 38: '123456', 39: '00', 41: f[41]!, ...over };
  return packWithMac({ mti: responseMti(request.mti), fields }, responseMac);
}
