/**
 * The channel over real TCP (and TLS) on 127.0.0.1 against a scripted far end: framing,
 * matching by STAN and terminal ID, timeouts on a VirtualClock, late and duplicate
 * answers, MAC and format failures, disconnection, reconnection with backoff, a pinned CA.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { HostChannel, type ChannelOptions } from '../../src/host/channel.js';
import {
  FieldValueError,
  FrameError,
  HostConnectError,
  HostDisconnectedError,
  HostTimeoutError,
  MacMismatchError,
  MessageFormatError,
} from '../../src/host/errors.js';
import { frame, FrameReader } from '../../src/host/framing.js';
import { buildEcho, buildSale, packWithMac, responseMti } from '../../src/host/messages.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';
import { AT, requestMac, responseMac, saleInput, TERMINAL } from './helpers.js';
import { approval, RawHost } from './raw-host.js';
import { makeCa, makeServerCert } from './test-certs.js';

const MAC = { request: requestMac, response: responseMac };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setUp(options: Partial<ChannelOptions> = {}, tls?: { key: string; cert: string }) {
  const host = await RawHost.start(tls);
  const clock = new VirtualClock();
  const channel = new HostChannel({ endpoint: { host: '127.0.0.1', port: host.port }, clock, responseTimeoutMs: 30_000, ...options });
  cleanups.push(() => host.close(), () => channel.close());
  return { host, clock, channel };
}

const sale = (stan = 42) => buildSale(saleInput({ stan }));

describe('framing', () => {
  it('frames with a 2-byte big-endian length and reassembles any split of the stream', () => {
    const a = Uint8Array.from([1, 2, 3]);
    const b = new Uint8Array(300).fill(7);
    const stream = Buffer.concat([frame(a), frame(b), frame(a)]);
    expect([...frame(a).subarray(0, 2)]).toEqual([0, 3]);
    expect([...frame(b).subarray(0, 2)]).toEqual([0x01, 0x2c]);
    for (const size of [1, 2, 3, 7, stream.length]) {
      const r = new FrameReader();
      const out: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...r.push(stream.subarray(i, i + size)));
      expect(out.map((m) => m.length)).toEqual([3, 300, 3]);
      expect(r.pendingBytes).toBe(0);
    }
  });

  it('refuses an empty message and a length over the maximum', () => {
    expect(() => new FrameReader(100).push(Uint8Array.from([0, 101]))).toThrow(FrameError);
    expect(() => new FrameReader().push(Uint8Array.from([0, 0]))).toThrow(FrameError);
    expect(() => frame(new Uint8Array(0))).toThrow(FrameError);
  });
});

describe('HostChannel exchange', () => {
  it('sends a framed, MACed request and resolves with the verified answer, even one byte at a time', async () => {
    const { host, channel } = await setUp();
    let sent = 0;
    const p = channel.send(sale(), { mac: MAC, onSent: () => sent++ });
    const { socket, message } = await host.next();
    expect(message.mti).toBe('0200');
    expect(sent).toBe(1);
    const bytes = frame(approval(message));
    for (const b of bytes) host.write(socket, Uint8Array.of(b));
    const response = await p;
    expect(response.fields[39]).toBe('00');
    expect(channel.stats.connects).toBe(1);
  });

  it('ignores answers for another STAN, terminal or MTI and keeps waiting for its own', async () => {
    const { host, channel } = await setUp();
    const p = channel.send(sale(42), { mac: MAC });
    const { socket, message } = await host.next();
    const other = { ...message, fields: { ...message.fields, 11: '000041' } };
    host.send(socket, approval(other));
    host.send(socket, approval(message, { 41: 'TERM9999' }));
    host.send(socket, packWithMac({ mti: '0410', fields: { 3: '000000', 11: '000042', 39: '00', 41: 'TERM0001' } }, responseMac));
    host.send(socket, approval(message));
    expect((await p).fields[11]).toBe('000042');
    expect(channel.stats.unmatched).toBe(3);
  });

  it('times out on the clock, then drops the late answer and goes on', async () => {
    const { host, clock, channel } = await setUp();
    const p = channel.send(sale(42), { mac: MAC });
    const first = await host.next();
    const failed = expect(p).rejects.toBeInstanceOf(HostTimeoutError);
    await clock.advance(29_999);
    await clock.advance(1);
    await failed;
    host.send(first.socket, approval(first.message));
    const q = channel.send(sale(43), { mac: MAC });
    const second = await host.next();
    host.send(second.socket, approval(second.message));
    expect((await q).fields[11]).toBe('000043');
    expect(channel.stats.late).toBe(1);
  });

  it('takes a per-request timeout and honours it', async () => {
    const { host, clock, channel } = await setUp();
    const p = channel.send(sale(), { mac: MAC, timeoutMs: 5_000 });
    await host.next();
    const failed = expect(p).rejects.toMatchObject({ code: 'HOST_TIMEOUT', timeoutMs: 5_000 });
    await clock.advance(5_000);
    await failed;
  });

  it('counts only the first answer; a duplicate is logged and dropped', async () => {
    const { host, channel } = await setUp();
    const p = channel.send(sale(42), { mac: MAC });
    const r = await host.next();
    host.send(r.socket, approval(r.message));
    host.send(r.socket, approval(r.message, { 39: '05' }));
    expect((await p).fields[39]).toBe('00');
    const q = channel.send(sale(43), { mac: MAC });
    const r2 = await host.next();
    host.send(r2.socket, approval(r2.message));
    await q;
    expect(channel.stats.duplicate).toBe(1);
  });

  it('treats a wrong or missing MAC as no response (MacMismatchError)', async () => {
    const { host, channel } = await setUp();
    const p = channel.send(sale(42), { mac: MAC });
    const r = await host.next();
    const bad = approval(r.message);
    bad[bad.length - 1]! ^= 1;
    host.send(r.socket, bad);
    await expect(p).rejects.toBeInstanceOf(MacMismatchError);

    const q = channel.send(sale(43), { mac: MAC });
    const r2 = await host.next();
    const f = r2.message.fields;
    const { pack } = await import('../../src/host/iso8583.js');
    host.send(r2.socket, pack({ mti: '0210', fields: { 3: f[3]!, 4: f[4]!, 11: f[11]!, 12: f[12]!, 13: f[13]!, 39: '05', 41: f[41]! } }));
    await expect(q).rejects.toMatchObject({ code: 'MAC_MISMATCH' });
  });

  it('rejects a garbled answer and one that matches but disagrees with MessageFormatError', async () => {
    const { host, channel } = await setUp();
    const p = channel.send(sale(42), { mac: MAC });
    const r = await host.next();
    host.send(r.socket, Uint8Array.from([0xff, 0x10, 1, 2, 3]));
    await expect(p).rejects.toBeInstanceOf(MessageFormatError);

    const q = channel.send(sale(43), { mac: MAC });
    const r2 = await host.next();
    host.send(r2.socket, approval(r2.message, { 4: '000000009999' }));
    await expect(q).rejects.toMatchObject({ code: 'ISO_BAD_VALUE' });
  });

  it('closes the link on an impossible length header and reconnects for the next request', async () => {
    const { host, channel } = await setUp({ maxFrameLength: 1024 });
    const p = channel.send(sale(42), { mac: MAC });
    const r = await host.next();
    host.write(r.socket, Uint8Array.from([0x40, 0x00, 1, 2]));
    await expect(p).rejects.toBeInstanceOf(FrameError);
    const q = channel.send(sale(43), { mac: MAC });
    const r2 = await host.next();
    host.send(r2.socket, approval(r2.message));
    await q;
    expect(channel.stats.connects).toBe(2);
  });

  it('reports a connection lost after the request left as HostDisconnectedError', async () => {
    const { host, channel } = await setUp();
    const p = channel.send(sale(), { mac: MAC });
    await host.next();
    host.dropAll();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HostDisconnectedError);
    expect((e as HostDisconnectedError).requestSent).toBe(true);
  });

  it('gives the abort reason when the caller cancels after the request left', async () => {
    const { host, channel } = await setUp();
    const ac = new AbortController();
    let sent = false;
    const p = channel.send(sale(), { mac: MAC, signal: ac.signal, onSent: () => (sent = true) });
    await host.next();
    ac.abort(new CancelledError('cancel-key'));
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(sent).toBe(true);
  });

  it('refuses, before connecting, a MACed message without MACs and a value the spec forbids', async () => {
    const { channel } = await setUp();
    await expect(channel.send(sale())).rejects.toBeInstanceOf(FieldValueError);
    await expect(channel.send({ mti: '0200', fields: { 4: 'abc' } }, { mac: MAC })).rejects.toBeInstanceOf(FieldValueError);
    expect(channel.stats.connectAttempts).toBe(0);
  });

  it('sends an 0800 without a MAC and checks none on its answer', async () => {
    const { host, channel } = await setUp();
    const echo = buildEcho({ ...TERMINAL, stan: 7, at: AT });
    const p = channel.send(echo);
    const r = await host.next();
    expect(r.message.fields[64]).toBeUndefined();
    const { pack } = await import('../../src/host/iso8583.js');
    host.send(r.socket, pack({ mti: responseMti('0800'), fields: { 11: '000007', 39: '00', 41: 'TERM0001', 70: '301' } }));
    expect((await p).fields[39]).toBe('00');
  });
});

describe('HostChannel connections', () => {
  it('fails with HostConnectError when nothing listens (the request never left)', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const channel = new HostChannel({ endpoint: { host: '127.0.0.1', port }, clock: new VirtualClock() });
    cleanups.push(() => channel.close());
    const e = await channel.send(sale(), { mac: MAC }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HostConnectError);
    expect((e as HostConnectError).requestSent).toBe(false);
  });

  it('gives up a connection that does not complete within the connect timeout (clock-driven)', async () => {
    const host = await RawHost.start();
    host.onConnect = 'silent';
    const clock = new VirtualClock();
    const ca = makeCa();
    // TLS to a server that never answers the handshake: TCP connects, TLS never does.
    const channel = new HostChannel({ endpoint: { host: '127.0.0.1', port: host.port, tls: { ca: ca.certPem } }, clock, connectTimeoutMs: 3_000 });
    cleanups.push(() => host.close(), () => channel.close());
    const p = channel.send(sale(), { mac: MAC });
    const failed = expect(p).rejects.toMatchObject({ code: 'HOST_CONNECT' });
    while (host.connections === 0) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(2_999);
    expect(channel.connected).toBe(false);
    await clock.advance(1);
    await failed;
  });

  it('reconnects in the background after the host drops the link, after the backoff', async () => {
    const { host, clock, channel } = await setUp({ backoff: { initialMs: 1_000, maxMs: 8_000 } });
    await channel.open();
    expect(channel.connected).toBe(true);
    host.dropAll();
    while (channel.connected) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(999);
    expect(host.connections).toBe(1);
    await clock.advance(1);
    while (host.connections < 2) await new Promise((r) => setTimeout(r, 5));
    while (!channel.connected) await new Promise((r) => setTimeout(r, 5));
    const p = channel.send(sale(), { mac: MAC });
    const r = await host.next();
    host.send(r.socket, approval(r.message));
    await p;
  });

  it('doubles the delay after each failed attempt, up to the cap', async () => {
    const host = await RawHost.start();
    host.onConnect = 'close';
    const clock = new VirtualClock();
    // TLS to a server that closes every connection: each attempt fails during the handshake.
    const channel = new HostChannel({
      endpoint: { host: '127.0.0.1', port: host.port, tls: { ca: makeCa().certPem } },
      clock,
      backoff: { initialMs: 1_000, maxMs: 4_000 },
    });
    cleanups.push(() => host.close(), () => channel.close());
    const waitAttempts = async (n: number) => {
      while (host.connections < n || clock.pending === 0) await new Promise((r) => setTimeout(r, 5));
    };
    await channel.open();
    await waitAttempts(1);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const due = clock.nextDueIn()!;
      seen.push(due);
      await clock.advance(due - 1);
      expect(host.connections).toBe(i + 1);
      await clock.advance(1);
      await waitAttempts(i + 2);
    }
    expect(seen).toEqual([1_000, 2_000, 4_000, 4_000]);
  });

  it('speaks TLS to a host whose certificate chains to the pinned CA, and refuses another CA', async () => {
    const ca = makeCa();
    const server = makeServerCert(ca);
    const { host, channel } = await setUp({}, { key: server.keyPem, cert: server.certPem });
    const tlsChannel = new HostChannel({ endpoint: { host: '127.0.0.1', port: host.port, tls: { ca: ca.certPem } }, clock: new VirtualClock() });
    cleanups.push(() => tlsChannel.close());
    const p = tlsChannel.send(sale(), { mac: MAC });
    const r = await host.next();
    host.send(r.socket, approval(r.message));
    expect((await p).fields[39]).toBe('00');

    const stranger = new HostChannel({ endpoint: { host: '127.0.0.1', port: host.port, tls: { ca: makeCa('Another CA').certPem } }, clock: new VirtualClock() });
    cleanups.push(() => stranger.close());
    await expect(stranger.send(sale(), { mac: MAC })).rejects.toBeInstanceOf(HostConnectError);
    // Plain TCP to a TLS port is not a working link either.
    await expect(channel.send(sale(), { mac: MAC })).rejects.toBeInstanceOf(HostDisconnectedError);
  });
});
