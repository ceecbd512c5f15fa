/**
 * Each fault of POST /api/host/faults (posted over real HTTP) as the terminal's channel
 * sees it, over real TCP: the right typed error, and what the host's books then hold.
 */
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostDisconnectedError, HostTimeoutError, MacMismatchError, MessageFormatError } from '../../../src/host/errors.js';
import { readFinancialResponse } from '../../../src/host/messages.js';
import { hostRig, type HostRig } from './helpers.js';

let rig: HostRig;
let api: Server;
let base: string;
beforeEach(async () => {
  rig = await hostRig();
  const { server, address } = await rig.sim.api.listen('127.0.0.1', 0);
  api = server;
  base = `http://127.0.0.1:${address.port}`;
});
afterEach(async () => {
  api.closeAllConnections();
  await new Promise<void>((r) => api.close(() => r()));
  await rig.close();
});

async function fault(next: string, count?: number): Promise<Response> {
  return fetch(`${base}/api/host/faults`, { method: 'POST', body: JSON.stringify(count === undefined ? { next } : { next, count }) });
}

async function ledger(): Promise<{ stan: string; status: string; reversed: boolean; type: string; amount: number; terminalId: string; rrn: string | null; authCode: string | null; batch: number }[]> {
  return (await fetch(`${base}/api/host/ledger`)).json() as never;
}

/** Sends a sale and waits until the simulator has received it. */
async function saleInFlight(timeoutMs?: number) {
  const before = rig.sim.server.stats.requests;
  const s = rig.terminal.sale('visa-ok', 700);
  const p = rig.send(s, timeoutMs);
  p.catch(() => undefined);
  await until(() => rig.sim.server.stats.requests > before);
  return { s, p };
}

/** Polls (real time, briefly) until a condition the test does not time holds. */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 2));
}

describe('faults', () => {
  it('timeout: no answer, HostTimeoutError on the clock; the host recorded nothing', async () => {
    expect((await fault('timeout')).status).toBe(200);
    const { p } = await saleInFlight();
    const failed = expect(p).rejects.toBeInstanceOf(HostTimeoutError);
    await rig.clock.advance(30_000);
    await failed;
    expect(await ledger()).toEqual([]);
  });

  it('drop: the host approved, the answer is lost: HostTimeoutError, and the ledger holds the approval', async () => {
    await fault('drop');
    const { p } = await saleInFlight();
    const failed = expect(p).rejects.toBeInstanceOf(HostTimeoutError);
    await rig.clock.advance(30_000);
    await failed;
    await until(async () => (await ledger()).length > 0);
    expect(await ledger()).toMatchObject([{ type: 'sale', amount: 700, status: 'approved', reversed: false, terminalId: 'TERM0001' }]);
  });

  it('garble: MessageFormatError', async () => {
    await fault('garble');
    await expect(rig.send(rig.terminal.sale('visa-ok', 700))).rejects.toBeInstanceOf(MessageFormatError);
  });

  it('badmac: MacMismatchError', async () => {
    await fault('badmac');
    await expect(rig.send(rig.terminal.sale('visa-ok', 700))).rejects.toBeInstanceOf(MacMismatchError);
  });

  it('disconnect: HostDisconnectedError, and the next request reconnects', async () => {
    await fault('disconnect');
    await expect(rig.send(rig.terminal.sale('visa-ok', 700))).rejects.toBeInstanceOf(HostDisconnectedError);
    expect(readFinancialResponse(await rig.send(rig.terminal.sale('visa-ok', 700))).approved).toBe(true);
    expect(rig.channel.stats.connects).toBe(2);
  });

  it('delay:MS: the answer comes after MS on the clock; past the timeout it is a timeout, then a late answer dropped', async () => {
    await fault('delay:5000');
    const first = await saleInFlight();
    // The channel's response timer and the simulator's delay are both set.
    await until(() => rig.clock.pending >= 2);
    await rig.clock.advance(4_999);
    let done = false;
    void first.p.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    await rig.clock.advance(1);
    expect(readFinancialResponse(await first.p).approved).toBe(true);

    await fault('delay:40000');
    const second = await saleInFlight();
    await until(() => rig.clock.pending >= 2);
    const failed = expect(second.p).rejects.toBeInstanceOf(HostTimeoutError);
    await rig.clock.advance(30_000);
    await failed;
    await rig.clock.advance(10_000);
    await until(() => rig.channel.stats.late > 0);
    expect(rig.channel.stats.late).toBe(1);
  });

  it('decline:CODE: that code, unprocessed, recorded as declined; count N covers N requests', async () => {
    await fault('decline:51', 2);
    for (let i = 0; i < 2; i++) expect(readFinancialResponse(await rig.send(rig.terminal.sale('visa-ok', 700))).responseCode).toBe('51');
    expect(readFinancialResponse(await rig.send(rig.terminal.sale('visa-ok', 700))).responseCode).toBe('00');
    expect((await ledger()).map((t) => t.status)).toEqual(['declined', 'declined', 'approved']);
  });

  it('queues faults in order and refuses what is not a fault with 400', async () => {
    await fault('timeout');
    await fault('decline:05', 3);
    expect(await (await fetch(`${base}/api/host/faults`)).json()).toEqual([{ next: 'timeout', count: 1 }, { next: 'decline:05', count: 3 }]);
    for (const bad of [{ next: 'explode' }, { next: 'delay:abc' }, { next: 'decline:5' }, { next: 'drop', count: 0 }, 'not json']) {
      const res = await fetch(`${base}/api/host/faults`, { method: 'POST', body: typeof bad === 'string' ? bad : JSON.stringify(bad) });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBeTruthy();
    }
    await fetch(`${base}/api/host/faults`, { method: 'DELETE' });
    expect(await (await fetch(`${base}/api/host/faults`)).json()).toEqual([]);
    expect((await fetch(`${base}/api/host/nothing`)).status).toBe(404);
  });
});

describe('the ledger API', () => {
  it('lists transactions with the fields of CONTRACT.md and no full PAN', async () => {
    const s = readFinancialResponse(await rig.send(rig.terminal.sale('visa-ok', 1_234)));
    const rows = await ledger();
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['stan', 'terminalId', 'type', 'amount', 'status', 'rrn', 'authCode', 'reversed', 'batch']));
    expect(rows[0]).toMatchObject({ stan: '000001', terminalId: 'TERM0001', type: 'sale', amount: 1_234, status: 'approved', rrn: s.rrn, authCode: s.authCode, reversed: false, batch: 1 });
    const text = JSON.stringify(rows) + JSON.stringify(await (await fetch(`${base}/api/host/accounts`)).json());
    expect(text).not.toContain('4761730000000011');
  });
});
