/**
 * The online step against the acquirer simulator over real TCP, on virtual time: the journal
 * record is on disk before the request leaves; approvals and declines land in the journal;
 * every fault the host can throw (timeout, drop, garble, badmac, disconnect, a late answer)
 * ends with the sale reversed at the host and in the journal; a terminal that crashed
 * between send and answer reverses at start-up; voids; no card data on disk in clear.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostConnectError, HostDisconnectedError, HostTimeoutError, MacMismatchError, MessageFormatError, ReversalPendingError } from '../../src/host/errors.js';
import { authoriseOnline, completeApproved, recoverOnline, reverseApproved, type OnlineOutcome } from '../../src/flows/online.js';
import { Journal } from '../../src/store/journal.js';
import { HostSimulator } from '../../simulator/host/host-simulator.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';
import { account } from '../simulator/host/helpers.js';
import { contactlessCard, openTerminalSide, TERMINAL, type TerminalSide } from './helpers/online-rig.js';

let dir: string;
let clock: VirtualClock;
let sim: HostSimulator;
let port: number;
let side: TerminalSide;
let atc = 1;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'online-'));
  clock = new VirtualClock();
  sim = await HostSimulator.open({ dataDir: join(dir, 'host'), clock });
  port = (await sim.listen('127.0.0.1', 0)).port;
  side = await open();
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(p = port): Promise<TerminalSide> {
  const s = await openTerminalSide({ dataDir: join(dir, 'terminal'), port: p, clock, keys: 'keystore', responseTimeoutMs: 30_000 });
  let closed = false;
  const close = s.close;
  s.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  cleanups.push(() => s.close());
  return s;
}

function sale(accountId: string, amount: number, extra: { holdApproval?: boolean } = {}) {
  return authoriseOnline(side.deps, { kind: 'sale', amount, currency: 'CNY', card: contactlessCard(accountId, amount, atc++), ...extra });
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

/** Starts a sale and resolves, once the simulator has received its request, with the sale's outcome to come. */
async function saleInFlight(accountId: string, amount: number): Promise<{ outcome: Promise<OnlineOutcome> }> {
  const before = sim.server.stats.requests;
  const outcome = sale(accountId, amount);
  outcome.catch(() => undefined);
  await until(() => sim.server.stats.requests > before);
  return { outcome };
}

function hostSales() {
  return sim.ledger.view().filter((t) => t.type === 'sale');
}

describe('authoriseOnline: a sale', () => {
  it('approves: the journal holds it approved with RRN and approval code, and no card data in clear', async () => {
    const out = await sale('visa-ok', 1_234);
    expect(out.kind).toBe('approved');
    if (out.kind !== 'approved') return;
    expect(out.rrn).toMatch(/^[0-9]{12}$/);
    expect(out.authCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(out.iccData?.[0]).toBe(0x91); // the ARPC for the card
    expect(side.journal.get(out.id)).toMatchObject({ status: 'approved', rrn: out.rrn, authCode: out.authCode, responseCode: '00', maskedPan: '476173******0011', amount: 1_234, currency: 'CNY', batch: 1, type: 'sale' });
    expect(side.queue.get(out.id)).toBeUndefined();
    expect(hostSales()).toMatchObject([{ status: 'approved', reversed: false, rrn: out.rrn, amount: 1_234 }]);
    expect(side.journal.toApi()).toEqual([{ stan: '000001', type: 'sale', amount: 1_234, currency: 'CNY', status: 'approved', rrn: out.rrn, authCode: out.authCode, maskedPan: '476173******0011', batch: 1, time: new Date(clock.now()).toISOString() }]);
    // What a reversal repeats is kept in clear but for the PAN and expiry (sealed); never track 2 or the PIN block.
    expect(Object.keys(side.journal.get(out.id)!.reversal!.fields).sort()).toEqual(['11', '12', '13', '22', '23', '25', '3', '4', '41', '42', '49', '55', '60']);
    await side.close();
    for (const f of ['journal.log', 'reversals.log']) {
      const bytes = readFileSync(join(dir, 'terminal', f)).toString('latin1');
      expect(bytes).not.toContain(account('visa-ok').pan);
    }
  });

  it('writes the pending record to disk before the request leaves', async () => {
    await sim.faults.add({ next: 'timeout' });
    const { outcome: p } = await saleInFlight('visa-ok', 500);
    // The host holds the request; what is on disk now is what survives a power cut now.
    const copy = await Journal.open({ file: join(dir, 'terminal', 'journal.log') });
    expect(copy.all().map((r) => r.status)).toEqual(['pending']);
    expect(copy.all()[0]!.reversal?.fields['11']).toBe('000001');
    await copy.close();
    await clock.advance(30_000);
    expect((await p).kind).toBe('no-response');
  });

  it('declines with the code and the words of host-spec 6.8; nothing to reverse', async () => {
    const out = await sale('visa-nsf', 800);
    expect(out).toMatchObject({ kind: 'declined', responseCode: '51', action: 'decline', text: 'Insufficient funds', signOnRequired: false });
    await sim.faults.add({ next: 'decline:55' });
    expect(await sale('visa-ok', 800)).toMatchObject({ kind: 'declined', responseCode: '55', action: 'retry', text: 'Wrong PIN; try again' });
    await sim.faults.add({ next: 'decline:A0' });
    expect(await sale('visa-ok', 800)).toMatchObject({ kind: 'declined', responseCode: 'A0', signOnRequired: true });
    expect(side.journal.all().map((r) => r.status)).toEqual(['declined', 'declined', 'declined']);
    expect(side.queue.list()).toEqual([]);
  });

  const faults: [string, new (...a: never[]) => Error, string, boolean][] = [
    ['timeout', HostTimeoutError, 'no-response', false],
    ['drop', HostTimeoutError, 'no-response', true],
    ['garble', MessageFormatError, 'bad-response', true],
    ['badmac', MacMismatchError, 'bad-mac', true],
    ['disconnect', HostDisconnectedError, 'no-response', false],
  ];
  for (const [fault, errorClass, reason, hostApproved] of faults) {
    it(`${fault}: ${errorClass.name}, reversed (${reason}) at the host and in the journal`, async () => {
      await sim.faults.add({ next: fault });
      const { outcome: p } = await saleInFlight('visa-ok', 2_000);
      if (fault === 'timeout' || fault === 'drop') await clock.advance(30_000);
      const out = await p;
      expect(out.kind).toBe('no-response');
      if (out.kind !== 'no-response') return;
      expect(out.error).toBeInstanceOf(errorClass);
      expect(out).toMatchObject({ reason, reversal: 'reversed' });
      expect(side.journal.get(out.id)).toMatchObject({ status: 'reversed', reversalReason: reason });
      const host = hostSales();
      if (hostApproved) expect(host).toMatchObject([{ status: 'approved', reversed: true }]);
      else expect(host).toEqual([]);
      expect(sim.ledger.account('visa-ok').balance).toBe(account('visa-ok').balance);
      // The next sale goes through as usual.
      expect((await sale('visa-ok', 100)).kind).toBe('approved');
    });
  }

  it('a late answer after the timeout does not undo the reversal', async () => {
    await sim.faults.add({ next: 'delay:40000' });
    const { outcome: p } = await saleInFlight('mc-ok', 900);
    await until(() => clock.pending >= 2);
    await clock.advance(30_000);
    const out = await p;
    expect(out).toMatchObject({ kind: 'no-response', reason: 'no-response', reversal: 'reversed' });
    await clock.advance(10_000);
    await until(() => side.channel.stats.late === 1);
    expect(side.journal.get((out as { id: string }).id)!.status).toBe('reversed');
    expect(hostSales()).toMatchObject([{ status: 'approved', reversed: true }]);
  });

  it('no host: not sent, nothing to reverse', async () => {
    await side.close();
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const dead = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    side = await open(dead);
    const out = await sale('visa-ok', 100);
    expect(out.kind).toBe('not-sent');
    if (out.kind !== 'not-sent') return;
    expect(out.error).toBeInstanceOf(HostConnectError);
    expect(out.record?.status).toBe('not-sent');
    expect(side.queue.list()).toEqual([]);
  });

  it('while a reversal cannot be delivered nothing else is sent; once it is, the journal says reversed', async () => {
    // The answer is garbled and the host goes quiet for the reversal too.
    await sim.faults.add({ next: 'garble' });
    await sim.faults.add({ next: 'disconnect', count: 2 });
    const first = await sale('visa-ok', 300);
    expect(first).toMatchObject({ kind: 'no-response', reason: 'bad-response', reversal: 'pending' });
    expect(side.journal.get((first as { id: string }).id)!.status).toBe('reversal-pending');
    const blocked = await sale('visa-ok', 400);
    expect(blocked.kind).toBe('not-sent');
    expect((blocked as { error: Error }).error).toBeInstanceOf(ReversalPendingError);
    expect(side.journal.size).toBe(1);
    // The host is back: the reversal goes first, then the sale.
    const next = await sale('visa-ok', 400);
    expect(next.kind).toBe('approved');
    expect(side.journal.get((first as { id: string }).id)).toMatchObject({ status: 'reversed', reversalCode: '00' });
    expect(hostSales().map((t) => [t.amount, t.reversed])).toEqual([
      [300, true],
      [400, false],
    ]);
  });

  it('a held approval is reversed when the flow cannot finish it, and completed when it can', async () => {
    const held = await sale('chip-ok', 5_000, { holdApproval: true });
    expect(held.kind).toBe('approved');
    const id = (held as { id: string }).id;
    expect(side.queue.get(id)?.state).toBe('armed');
    expect(await reverseApproved(side.deps, id)).toMatchObject({ status: 'reversed', reversalReason: 'terminal-failure' });
    const kept = await sale('chip-ok', 6_000, { holdApproval: true });
    await completeApproved(side.deps, (kept as { id: string }).id);
    expect(side.queue.list().filter((e) => e.state !== 'done')).toEqual([]);
    expect(hostSales().map((t) => [t.amount, t.reversed])).toEqual([
      [5_000, true],
      [6_000, false],
    ]);
  });

  it('voids an approved sale of the open batch from the journal\'s sealed PAN; a lost void answer leaves the sale standing', async () => {
    const s1 = await sale('mc-ok', 1_500);
    const v = await authoriseOnline(side.deps, { kind: 'void', saleId: (s1 as { id: string }).id });
    expect(v).toMatchObject({ kind: 'approved' });
    expect(side.journal.get((s1 as { id: string }).id)!.status).toBe('voided');
    expect(side.journal.get((v as { id: string }).id)).toMatchObject({ type: 'void', status: 'approved', original: { rrn: (s1 as { rrn: string }).rrn } });
    await expect(authoriseOnline(side.deps, { kind: 'void', saleId: (s1 as { id: string }).id })).rejects.toMatchObject({ code: 'VOID_NOT_APPROVED' });

    const s2 = await sale('mc-ok', 2_500);
    await sim.faults.add({ next: 'badmac' });
    const v2 = await authoriseOnline(side.deps, { kind: 'void', saleId: (s2 as { id: string }).id });
    expect(v2).toMatchObject({ kind: 'no-response', reason: 'bad-mac', reversal: 'reversed' });
    expect(side.journal.get((s2 as { id: string }).id)!.status).toBe('approved');
    const view = sim.ledger.view();
    expect(view.map((t) => [t.type, t.amount, t.status, t.reversed, t.voided])).toEqual([
      ['sale', 1_500, 'approved', false, true],
      ['void', 1_500, 'approved', false, false],
      ['sale', 2_500, 'approved', false, false],
      ['void', 2_500, 'approved', true, false],
    ]);
  });

  it('refuses bad input before anything is written or sent', async () => {
    await expect(authoriseOnline(side.deps, { kind: 'sale', amount: 0, currency: 'CNY', card: contactlessCard('visa-ok', 1, 1) })).rejects.toMatchObject({ code: 'ISO_FIELD_VALUE' });
    await expect(authoriseOnline(side.deps, { kind: 'sale', amount: 10, currency: 'XXX', card: contactlessCard('visa-ok', 10, 1) })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(authoriseOnline(side.deps, { kind: 'sale', amount: 10, currency: 'CNY', card: { pan: '12', entryMode: 'contactless-chip' } })).rejects.toMatchObject({ code: 'ISO_FIELD_VALUE' });
    expect(side.journal.size).toBe(0);
    expect(sim.server.stats.requests).toBe(0);
  });
});

describe('recoverOnline: after a crash', () => {
  /** Power off while the request is at the host: nothing more reaches the disk. */
  async function crashWhileInFlight(fault: 'timeout' | 'drop'): Promise<string> {
    await sim.faults.add({ next: fault });
    const { outcome: p } = await saleInFlight('unionpay-ok', 7_700);
    if (fault === 'drop') await until(() => hostSales().length === 1);
    const journalBefore = side.journal.all();
    await side.close();
    await p.catch(() => undefined);
    expect(journalBefore.map((r) => r.status)).toEqual(['pending']);
    return journalBefore[0]!.id;
  }

  for (const fault of ['timeout', 'drop'] as const) {
    it(`a sale pending at the crash (${fault === 'drop' ? 'the host approved it' : 'the host never saw it'}) is reversed at start-up with reason 22`, async () => {
      const id = await crashWhileInFlight(fault);
      side = await open();
      expect(side.journal.get(id)!.status).toBe('pending');
      const rec = await recoverOnline(side.deps);
      expect(rec).toMatchObject({ pending: 1 });
      expect(side.journal.get(id)).toMatchObject({ status: 'reversed', reversalReason: 'terminal-failure' });
      expect(hostSales()).toEqual(fault === 'drop' ? [expect.objectContaining({ status: 'approved', reversed: true })] : []);
      expect(sim.ledger.account('unionpay-ok').balance).toBe(account('unionpay-ok').balance);
      // A second start finds nothing left to do.
      await side.close();
      side = await open();
      expect(await recoverOnline(side.deps)).toEqual({ pending: 0, unfinished: 0, rearmed: 0, unreversible: 0, voids: 0 });
    });
  }

  it('an approval the flow never completed (a crash before the receipt) is reversed at start-up', async () => {
    const held = await sale('visa-ok', 4_200, { holdApproval: true });
    await side.close();
    side = await open();
    expect(await recoverOnline(side.deps)).toMatchObject({ unfinished: 1 });
    expect(side.journal.get((held as { id: string }).id)).toMatchObject({ status: 'reversed', reversalReason: 'terminal-failure' });
    expect(hostSales()).toMatchObject([{ amount: 4_200, reversed: true }]);
  });

  it('a reversal the host cannot take yet stays due across the restart and is delivered later', async () => {
    await sim.faults.add({ next: 'timeout' });
    const { outcome: p } = await saleInFlight('visa-ok', 900);
    await side.close();
    await p.catch(() => undefined);
    await sim.faults.add({ next: 'disconnect' });
    side = await open();
    const rec = await recoverOnline(side.deps);
    expect(rec.pending).toBe(1);
    const [r] = side.journal.all();
    expect(r!.status).toBe('reversal-pending');
    expect(side.queue.get(r!.id)).toMatchObject({ state: 'due', attempts: 1 });
    await side.queue.flush();
    expect(side.journal.get(r!.id)).toMatchObject({ status: 'reversed', reversalCode: '25' });
    expect(TERMINAL.terminalId).toBe('TERM0001');
  });
});
