/**
 * A day at the terminal over real TCP: sale, void, a reversal after a lost answer, sign-on,
 * settlement, a refund of the settled sale, each request built by src/host/messages.ts and
 * sent through HostLink (channel + durable reversal queue) to the acquirer simulator, whose
 * books survive its restart. And `pos host` as a command.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../../src/hal/clock.js';
import { HostChannel } from '../../../src/host/channel.js';
import { HostTimeoutError } from '../../../src/host/errors.js';
import { HostLink } from '../../../src/host/host-link.js';
import { buildSignOn, readNetworkResponse, readSettlementResponse } from '../../../src/host/messages.js';
import { ReversalQueue } from '../../../src/host/reversal-queue.js';
import { POS } from '../../helpers/spawn-pos.js';
import { account, hostRig, TestTerminal } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('through real TCP', () => {
  it('sale, void, reversal, settlement and refund, and the books after a host restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-host-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const rig = await hostRig({ dataDir });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await rig.close();
    });
    const t = rig.terminal;
    const queue = await ReversalQueue.open({ file: join(dataDir, 'terminal-reversals.log'), cardKey: new Uint8Array(32).fill(7), keys: t.keys, channel: rig.channel, clock: rig.clock });
    cleanups.push(() => queue.close());
    const link = new HostLink(rig.channel, queue);
    const start = account('visa-ok').balance;

    const signOn = readNetworkResponse(await link.network(buildSignOn({ terminalId: 'TERM0001', merchantId: '898310048160001', stan: 100, at: { month: 1, day: 15, hour: 17, minute: 0, second: 0 } })));
    expect(signOn.ok).toBe(true);

    // A sale, approved and finished.
    const s1 = t.sale('visa-ok', 8_800, { pin: '1234' });
    const sale1 = await link.financial(s1.request, { mac: s1.mac });
    expect(sale1.result.approved).toBe(true);
    await link.complete(sale1.id);

    // A second sale, voided in the same batch.
    const s2 = t.sale('mc-ok', 1_500);
    const sale2 = await link.financial(s2.request, { mac: s2.mac });
    await link.complete(sale2.id);
    const v = t.void(s2.request, sale2.response);
    const voided = await link.financial(v.request, { mac: v.mac });
    expect(voided.result.approved).toBe(true);
    await link.complete(voided.id);

    // A third sale whose answer the network loses: reversed by the queue at once.
    await rig.sim.faults.add({ next: 'drop' });
    const s3 = t.sale('visa-ok', 4_000);
    const lost = link.financial(s3.request, { mac: s3.mac, timeoutMs: 10_000 });
    lost.catch(() => undefined);
    while (rig.sim.ledger.view().length < 4) await new Promise((r) => setTimeout(r, 2));
    await rig.clock.advance(10_000);
    await expect(lost).rejects.toBeInstanceOf(HostTimeoutError);
    expect(queue.dueCount).toBe(0);

    const view = rig.sim.ledger.view();
    expect(view.map((x) => [x.type, x.amount, x.status, x.reversed, x.voided])).toEqual([
      ['sale', 8_800, 'approved', false, false],
      ['sale', 1_500, 'approved', false, true],
      ['void', 1_500, 'approved', false, false],
      ['sale', 4_000, 'approved', true, false],
    ]);
    expect(rig.sim.ledger.account('visa-ok').balance).toBe(start - 8_800);

    // Settlement: what stands is the first sale only.
    const st = t.settlement({ debitCount: 1, debitAmount: 8_800, creditCount: 0, creditAmount: 0 });
    expect(readSettlementResponse(await link.settlement(st.request, { mac: st.mac })).outcome).toBe('balanced');
    t.batch++;

    // The host restarts; its books come back from disk.
    await rig.sim.close();
    closed = true;
    const again = await hostRig({ dataDir, clock: rig.clock });
    cleanups.push(() => again.close());
    expect(again.sim.ledger.view()).toEqual(rig.sim.ledger.view());
    expect(again.sim.ledger.isClosed('TERM0001', 1)).toBe(true);

    // A partial refund of the settled sale, to a new channel and queue.
    const channel = new HostChannel({ endpoint: { host: '127.0.0.1', port: again.port }, clock: rig.clock });
    cleanups.push(() => channel.close());
    const link2 = new HostLink(channel, await ReversalQueue.open({ file: join(dataDir, 'terminal-reversals-2.log'), cardKey: new Uint8Array(32), keys: t.keys, channel, clock: rig.clock }));
    const rf = t.refund('visa-ok', 3_000, { rrn: sale1.result.rrn!, mmdd: String(s1.request.fields[13]) });
    const refund = await link2.financial(rf.request, { mac: rf.mac });
    expect(refund.result.approved).toBe(true);
    await link2.complete(refund.id);
    expect(again.sim.ledger.account('visa-ok').balance).toBe(start - 8_800 + 3_000);
    await link2.reversals.close();
  });
});

describe('pos host', () => {
  it('listens on the given addresses, answers a sale over TCP and serves its ledger over HTTP', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-host-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, [POS, 'host', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    const { iso, url } = await new Promise<{ iso: string; url: string }>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /"event":"host\.listening","iso":"tcp:\/\/([^"]+)","url":"([^"]+)"/.exec(stderr);
        if (m) resolve({ iso: m[1]!, url: m[2]! });
      });
      child.on('close', (code) => reject(new Error(`pos host exited ${code}: ${stderr}`)));
    });
    const [host, port] = [iso.slice(0, iso.lastIndexOf(':')), Number(iso.slice(iso.lastIndexOf(':') + 1))];
    // A real clock: the child process runs on real time too; the test measures none of it.
    const channel = new HostChannel({ endpoint: { host, port }, clock: new RealClock() });
    cleanups.push(() => channel.close());
    const t = new TestTerminal();
    const s = t.sale('unionpay-ok', 1_234, { pin: '1234' });
    const response = await channel.send(s.request, { mac: s.mac });
    expect(response.fields[39]).toBe('00');
    const ledger = (await (await fetch(`${url}/api/host/ledger`)).json()) as { stan: string; amount: number; status: string }[];
    expect(ledger).toMatchObject([{ stan: '000001', amount: 1_234, status: 'approved' }]);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(0);
  });

  it('refuses a malformed address with exit 2 and one line', async () => {
    const child = spawn(process.execPath, [POS, 'host', '--listen', 'nowhere'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--listen must be HOST:PORT/);
  });
});
