/**
 * A hostile acquirer for the fuzz test of the online step: a real TCP server on 127.0.0.1
 * that answers every 0200 with broken bytes at the framing level (mutated, truncated,
 * impossible length headers, noise, answers that verify but break the rules of
 * docs/host-spec.md 6.8 and 7), then closes the connection so that an answer the terminal
 * ignores as foreign still ends the exchange. Reversals (0400/0401) get a proper 0410 with
 * 00, MACed with the exchange's response MAC, so every sale can end reversed.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FrameReader, frame } from '../../../src/host/framing.js';
import { pack, unpack, type IsoMessage } from '../../../src/host/iso8583.js';
import type { MacFn } from '../../../src/host/messages.js';
import { packWithMac, responseMti } from '../../../src/host/messages.js';
import { mutate, prng } from '../../helpers/prng.js';

export const FUZZ_CASES = [
  'mutated-approval',
  'mutated-decline',
  'truncated',
  'short-frame-then-close',
  'half-header',
  'zero-length',
  'oversize-length',
  'random-framed',
  'random-unframed',
  'approval-without-38',
  'approval-disagreeing-amount',
  'approval-without-mac',
  'split-mutated',
  'junk-then-mutated',
] as const;
export type FuzzCase = (typeof FUZZ_CASES)[number];

/** Cases whose bytes always settle the request: a well-framed truncation, or a matching answer that breaks a rule. */
const SETTLES = new Set<FuzzCase>(['truncated', 'approval-without-38', 'approval-disagreeing-amount', 'approval-without-mac']);

function u16(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

function answerTo(request: IsoMessage, over: IsoMessage['fields'], drop: number[] = []): IsoMessage {
  const f = request.fields;
  const fields: IsoMessage['fields'] = { 3: f[3]!, 4: f[4]!, 11: f[11]!, 12: f[12]!, 13: f[13]!, 37: '011500000001', 38: 'A1B2C3', 39: '00', 41: f[41]!, 55: Uint8Array.of(0x91, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30), ...over };
  for (const no of drop) delete fields[no];
  return { mti: responseMti(request.mti), fields };
}

export class FuzzHost {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  readonly cases = new Map<FuzzCase, number>();
  /** Terminal ID and STAN of the 0200s answered with junk, and of the reversals answered 00. */
  readonly fuzzed: string[] = [];
  readonly reversed = new Set<string>();

  private constructor(
    private readonly r: ReturnType<typeof prng>,
    private readonly responseMac: MacFn,
  ) {}

  /** `responseMac`: the response MAC the terminal's test keys expect (fixed keys, any KSN). */
  static async start(seed: number, responseMac: MacFn): Promise<FuzzHost> {
    const h = new FuzzHost(prng(seed), responseMac);
    h.server = createServer((s) => h.accept(s));
    await new Promise<void>((resolve) => h.server.listen(0, '127.0.0.1', resolve));
    h.port = (h.server.address() as AddressInfo).port;
    return h;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const m of reader.push(chunk)) this.request(socket, unpack(m));
    });
  }

  private request(socket: Socket, request: IsoMessage): void {
    if (request.mti === '0400' || request.mti === '0401') {
      this.reversed.add(`${String(request.fields[41]).trimEnd()}-${String(request.fields[11])}`);
      const f = request.fields;
      socket.write(frame(packWithMac({ mti: '0410', fields: { 3: f[3]!, 4: f[4]!, 11: f[11]!, 39: '00', 41: f[41]! } }, this.responseMac)));
      return;
    }
    this.fuzzed.push(`${String(request.fields[41]).trimEnd()}-${String(request.fields[11])}`);
    const kind = FUZZ_CASES[this.r.int(FUZZ_CASES.length)]!;
    this.cases.set(kind, (this.cases.get(kind) ?? 0) + 1);
    const chunks = this.junk(kind, request);
    const last = chunks.pop()!;
    for (const c of chunks) socket.write(c);
    // Closing ends what the terminal would otherwise keep waiting for (a foreign answer, a
    // short frame). Answers that match the request and break a rule end the exchange by
    // themselves, and the connection stays up as it would with a real host.
    if (SETTLES.has(kind)) socket.write(last);
    else socket.end(last);
  }

  /** The bytes of one fuzz case, in the pieces they are written. */
  private junk(kind: FuzzCase, request: IsoMessage): Uint8Array[] {
    const r = this.r;
    const responseMac = this.responseMac;
    const approval = packWithMac(answerTo(request, {}), responseMac);
    switch (kind) {
      case 'mutated-approval':
        return [frame(changed(approval, r))];
      case 'mutated-decline':
        return [frame(changed(packWithMac(answerTo(request, { 39: '51' }, [37, 38, 55]), responseMac), r))];
      case 'truncated':
        return [frame(approval.slice(0, 1 + r.int(approval.length - 1)))];
      case 'short-frame-then-close':
        return [Uint8Array.from([...u16(approval.length + 1 + r.int(50)), ...approval])];
      case 'half-header':
        return [Uint8Array.of(r.int(256))];
      case 'zero-length':
        return [u16(0)];
      case 'oversize-length':
        return [Uint8Array.from([...u16(4097 + r.int(60_000)), ...r.bytes(20)])];
      case 'random-framed':
        return [frame(r.bytes(1 + r.int(300)))];
      case 'random-unframed':
        return [r.bytes(1 + r.int(300))];
      case 'approval-without-38':
        return [frame(packWithMac(answerTo(request, {}, [38]), responseMac))];
      case 'approval-disagreeing-amount':
        return [frame(packWithMac(answerTo(request, { 4: '000000000001' }), responseMac))];
      case 'approval-without-mac':
        return [frame(pack(answerTo(request, {})))];
      case 'split-mutated': {
        const bytes = frame(changed(approval, r));
        const cut = 1 + r.int(bytes.length - 1);
        return [bytes.slice(0, cut), bytes.slice(cut)];
      }
      case 'junk-then-mutated':
        return [frame(r.bytes(1 + r.int(40))), frame(changed(approval, r))];
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A zero-length frame is its own case; mutations keep at least one byte. */
function nonEmpty(bytes: Uint8Array): Uint8Array {
  return bytes.length ? bytes : Uint8Array.of(0);
}

/** An edit that changes something: a mutation can set a byte to the value it had, and a valid answer is no fuzz case. */
function changed(input: Uint8Array, r: ReturnType<typeof prng>): Uint8Array {
  for (;;) {
    const out = nonEmpty(mutate(input, r));
    if (!Buffer.from(out).equals(Buffer.from(input))) return out;
  }
}
