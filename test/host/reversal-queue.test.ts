/**
 * The reversal queue: durable across restarts (each test reopens it), 0400 then 0401
 * repeats with fresh KSNs until a 0410 says done, card data sealed at rest, sent before any
 * new financial request, harmless when sent twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostChannel } from '../../src/host/channel.js';
import { HostTimeoutError, ReversalPendingError } from '../../src/host/errors.js';
import { HostLink } from '../../src/host/host-link.js';
import { pack, type IsoMessage } from '../../src/host/iso8583.js';
import type { MacKeySource } from '../../src/host/mac-keys.js';
import { buildSale, packWithMac } from '../../src/host/messages.js';
import { ReversalQueue, type ReversalQueueOptions } from '../../src/host/reversal-queue.js';
import { tdesKsnCounter, tdesKsnWithCounter } from '../../src/security/dukpt-tdes.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';
import { KSN, PAN, requestMac, responseMac, saleInput } from './helpers.js';
import { approval, RawHost, type Received } from './raw-host.js';

const CARD_KEY = new Uint8Array(32).fill(0x5a);
let dir: string;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'reversals-'));
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  rmSync(dir, { recursive: true, force: true });
});

/** Keys with a moving KSN counter and the fixed test MAC keys (the raw host knows them). */
function keySource(): MacKeySource & { used: number[] } {
  let counter = tdesKsnCounter(KSN);
  const used: number[] = [];
  return {
    used,
    next: () => {
      counter++;
      used.push(counter);
      return { ksn: tdesKsnWithCounter(KSN, counter), mac: { request: requestMac, response: responseMac } };
    },
  };
}

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function openQueue(port: number, over: Partial<ReversalQueueOptions> = {}) {
  const clock = (over.clock as VirtualClock | undefined) ?? new VirtualClock();
  const channel = new HostChannel({ endpoint: { host: '127.0.0.1', port }, clock, responseTimeoutMs: 5_000 });
  const queue = await ReversalQueue.open({ file: join(dir, 'reversals.log'), cardKey: CARD_KEY, keys: keySource(), channel, clock, retry: { initialMs: 1_000, maxMs: 4_000 }, ...over });
  const close = async () => {
    await queue.close();
    await channel.close();
  };
  cleanups.push(close);
  return { queue, channel, clock, close };
}

/** A 0410 for a reversal request, MACed with the test response key. */
function answer(r: Received, code: string): Uint8Array {
  const f = r.message.fields;
  return packWithMac({ mti: '0410', fields: { 3: f[3]!, 4: f[4]!, 11: f[11]!, 39: code, 41: f[41]! } }, responseMac);
}

const original = (): IsoMessage => buildSale(saleInput({ stan: 42 }));

describe('ReversalQueue', () => {
  it('keeps an armed request across a restart, then reverses it with reason 22, without track 2 or PIN', async () => {
    const dead = await deadPort();
    const first = await openQueue(dead);
    const id = await first.queue.arm(original());
    expect(first.queue.list()).toMatchObject([{ id, state: 'armed', reason: null }]);
    await first.close();

    const file = readFileSync(join(dir, 'reversals.log'));
    expect(file.includes(Buffer.from(PAN))).toBe(false);
    expect(file.includes(Buffer.from('3012'))).toBe(false);
    expect(file.includes(Buffer.from('621234******1232'))).toBe(true);

    const host = await RawHost.start();
    cleanups.push(() => host.close());
    const second = await openQueue(host.port);
    expect(second.queue.list()).toMatchObject([{ id, state: 'due', reason: 'terminal-failure', stan: '000042', amount: 1234, maskedPan: '621234******1232' }]);
    const flushed = second.queue.flush();
    const r = await host.next();
    expect(r.message.mti).toBe('0400');
    const f = r.message.fields;
    expect(f).toMatchObject({ 2: PAN, 3: '000000', 4: '000000001234', 11: '000042', 14: '3012', 22: '071', 39: '22', 41: 'TERM0001', 60: '000007' });
    expect(f[35]).toBeUndefined();
    expect(f[52]).toBeUndefined();
    expect(f[26]).toBeUndefined();
    host.send(r.socket, answer(r, '00'));
    expect(await flushed).toBe(0);
    expect(second.queue.list()[0]).toMatchObject({ state: 'done', lastResponseCode: '00' });
    await second.close();

    // Done entries are compacted away at the next start.
    const third = await openQueue(dead);
    expect(third.queue.list()).toEqual([]);
  });

  it('repeats as 0401 after an attempt made before a restart, with a fresh KSN each time, until 00', async () => {
    const dead = await deadPort();
    const first = await openQueue(dead);
    const id = await first.queue.arm(original(), 'no-response');
    expect(await first.queue.flush()).toBe(1);
    expect(first.queue.list()[0]).toMatchObject({ id, attempts: 1, state: 'due', reason: 'no-response' });
    await first.close();

    const host = await RawHost.start();
    cleanups.push(() => host.close());
    const keys = keySource();
    const clock = new VirtualClock();
    const second = await openQueue(host.port, { keys, clock });
    second.queue.start();
    const ksns: string[] = [];
    // The first attempt of this run is due at once; 96 and 91 mean "later".
    for (const code of ['96', '91']) {
      await clock.advance(0);
      const r = await host.next();
      expect(r.message.mti).toBe('0401');
      expect(r.message.fields[39]).toBe('68');
      ksns.push(Buffer.from(r.message.fields[53] as Uint8Array).toString('hex'));
      host.send(r.socket, answer(r, code));
      while (second.queue.list()[0]!.lastResponseCode !== code) await new Promise((res) => setTimeout(res, 2));
      await second.queue.idle();
      const wait = clock.nextDueIn()!;
      expect(wait).toBeGreaterThanOrEqual(2_000);
      await clock.advance(wait);
    }
    const r = await host.next();
    expect(r.message.mti).toBe('0401');
    ksns.push(Buffer.from(r.message.fields[53] as Uint8Array).toString('hex'));
    host.send(r.socket, answer(r, '94'));
    while (second.queue.dueCount > 0) await new Promise((res) => setTimeout(res, 2));
    expect(second.queue.list()[0]).toMatchObject({ state: 'done', attempts: 4, lastResponseCode: '94' });
    expect(new Set(ksns).size).toBe(3);
  });

  it('grows the interval between background attempts up to the cap', async () => {
    const dead = await deadPort();
    const clock = new VirtualClock();
    const { queue } = await openQueue(dead, { clock });
    await queue.arm(original(), 'bad-mac');
    queue.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await clock.advance(clock.nextDueIn() ?? 0);
      await queue.idle();
      expect(queue.list()[0]!.attempts).toBe(i + 1);
      delays.push(clock.nextDueIn()!);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
    queue.stop();
  });

  it('flags a reversal the host refuses (any other code) for the operator, who may dismiss it', async () => {
    const host = await RawHost.start();
    cleanups.push(() => host.close());
    const { queue } = await openQueue(host.port);
    const id = await queue.arm(original(), 'cancelled');
    const flushed = queue.flush();
    const r = await host.next();
    expect(r.message.fields[39]).toBe('17');
    host.send(r.socket, answer(r, '12'));
    expect(await flushed).toBe(0);
    expect(queue.list()).toMatchObject([{ id, state: 'flagged', lastResponseCode: '12' }]);
    await queue.dismiss(id);
    expect(queue.list()).toEqual([]);
  });

  it('complete() leaves nothing to reverse, also after a restart; arming twice gives one entry', async () => {
    const dead = await deadPort();
    const first = await openQueue(dead);
    const id = await first.queue.arm(original());
    expect(await first.queue.arm(original())).toBe(id);
    await first.queue.complete(id);
    await first.close();
    const second = await openQueue(dead);
    expect(second.queue.list()).toEqual([]);
  });

  it('refuses to let a new financial request out while a reversal is due and the host is away', async () => {
    const host = await RawHost.start();
    cleanups.push(() => host.close());
    const { queue, channel } = await openQueue(host.port);
    const link = new HostLink(channel, queue);
    await queue.arm(original(), 'no-response');
    // The host answers the 0400 with something that is not a valid 0410: still due.
    const p = link.financial(buildSale(saleInput({ stan: 43 })), { mac: { request: requestMac, response: responseMac } });
    const r = await host.next();
    expect(r.message.mti).toBe('0400');
    host.send(r.socket, pack({ mti: '0410', fields: { 3: '000000', 11: '000042', 39: '00', 41: 'TERM0001' } }));
    await expect(p).rejects.toBeInstanceOf(ReversalPendingError);
    // Once the reversal goes through, the sale goes.
    const q = link.financial(buildSale(saleInput({ stan: 44 })), { mac: { request: requestMac, response: responseMac } });
    const again = await host.next();
    expect(again.message.mti).toBe('0401');
    host.send(again.socket, answer(again, '00'));
    const saleReq = await host.next();
    expect(saleReq.message.mti).toBe('0200');
    expect(saleReq.message.fields[11]).toBe('000044');
    host.send(saleReq.socket, approval(saleReq.message));
    const { id, result } = await q;
    expect(result.approved).toBe(true);
    // Approved and not yet finished: armed until the flow completes it.
    expect(queue.list().find((e) => e.id === id)?.state).toBe('armed');
    await link.complete(id);
    expect(queue.list().find((e) => e.id === id)).toBeUndefined();
  });

  it('HostLink makes a lost answer a due reversal with reason 68 and tries it at once', async () => {
    const host = await RawHost.start();
    cleanups.push(() => host.close());
    const clock = new VirtualClock();
    const { queue, channel } = await openQueue(host.port, { clock });
    const link = new HostLink(channel, queue);
    const p = link.financial(buildSale(saleInput({ stan: 50 })), { mac: { request: requestMac, response: responseMac } });
    p.catch(() => undefined);
    await host.next();
    await clock.advance(5_000);
    const rev = await host.next();
    expect(rev.message).toMatchObject({ mti: '0400', fields: { 11: '000050', 39: '68' } });
    host.send(rev.socket, answer(rev, '00'));
    await expect(p).rejects.toBeInstanceOf(HostTimeoutError);
    expect(queue.list()[0]).toMatchObject({ state: 'done', reason: 'no-response' });
  });
});
