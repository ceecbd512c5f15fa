/**
 * The host-fault soak of issue 6: N sales through the online step against the acquirer
 * simulator over TCP, on real time, with a share of requests meeting a fault chosen at
 * random from a seed (timeout, drop, garble, badmac, disconnect, a short and a long delay).
 * Then every reversal is delivered and the journal is compared with the host's books
 * (agreement.ts). Used by test/flows/online-soak.test.ts (a small N) and by
 * test/soak/host-faults.ts (the big runs).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../../../src/hal/clock.js';
import { authoriseOnline, recoverOnline, syncReversals } from '../../../src/flows/online.js';
import { HostSimulator } from '../../../simulator/host/host-simulator.js';
import { prng } from '../../helpers/prng.js';
import { account } from '../../simulator/host/helpers.js';
import { checkAgreement, type Agreement } from './agreement.js';
import { accountOfHash, contactlessCard, openTerminalSide, TERMINAL, type TerminalSide } from './online-rig.js';

/** Accounts the soak pays with, and how often: mostly approvals, some declines (51, 05). */
export const SOAK_ACCOUNTS: readonly [string, number][] = [
  ['visa-ok', 35],
  ['mc-ok', 25],
  ['unionpay-ok', 25],
  ['visa-nsf', 10],
  ['do-not-honour', 5],
];

/** The host's faults a request may meet (simulator/host/faults.ts), with a delay inside and one past the response timeout. */
export function soakFaults(responseTimeoutMs: number): string[] {
  return ['timeout', 'drop', 'garble', 'badmac', 'disconnect', `delay:${Math.round(responseTimeoutMs / 10)}`, `delay:${responseTimeoutMs * 2}`];
}

export function pickAccount(r: ReturnType<typeof prng>): string {
  let x = r.int(100);
  for (const [id, w] of SOAK_ACCOUNTS) {
    if (x < w) return id;
    x -= w;
  }
  return SOAK_ACCOUNTS[0]![0];
}

/** Balance at the start minus now, for each soak account. */
export function chargedByAccount(sim: HostSimulator): Map<string, number> {
  return new Map(SOAK_ACCOUNTS.map(([id]) => [id, account(id).balance - sim.ledger.account(id).balance]));
}

/** Sends every due reversal until none is left (the host is fault-free by then). */
export async function drainReversals(side: TerminalSide): Promise<void> {
  for (let i = 0; i < 200 && side.queue.dueCount > 0; i++) {
    await side.queue.flush().catch(() => undefined);
    if (side.queue.dueCount > 0) await new Promise((r) => setTimeout(r, 20));
  }
  await syncReversals(side.deps);
}

export interface SoakOptions {
  dataDir: string;
  sales: number;
  seed: number;
  /** Share of sales before which a fault is queued (0.1: 10 %). */
  faultRate: number;
  responseTimeoutMs?: number;
  /** Progress every this many sales (the soak command), to stderr. */
  progressEvery?: number;
}

export interface SoakReport extends Agreement {
  sales: number;
  seed: number;
  faults: Record<string, number>;
  outcomes: Record<string, number>;
  reversals: { reasons: Record<string, number> };
  channel: { late: number; duplicate: number; connects: number };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const responseTimeoutMs = options.responseTimeoutMs ?? 250;
  const r = prng(options.seed);
  const clock = new RealClock();
  mkdirSync(options.dataDir, { recursive: true });
  const sim = await HostSimulator.open({ dataDir: join(options.dataDir, 'host'), clock });
  const port = (await sim.listen('127.0.0.1', 0)).port;
  const side = await openTerminalSide({ dataDir: join(options.dataDir, 'terminal'), port, clock, keys: 'keystore', responseTimeoutMs, retry: { initialMs: 50, maxMs: 500 } });
  const faults: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  const kinds = soakFaults(responseTimeoutMs);
  try {
    await recoverOnline(side.deps);
    side.queue.start();
    for (let i = 0; i < options.sales; i++) {
      if (r.next() < options.faultRate) {
        const next = kinds[r.int(kinds.length)]!;
        sim.faults.add({ next });
        faults[next] = (faults[next] ?? 0) + 1;
      }
      const id = pickAccount(r);
      const amount = 100 + r.int(20_000);
      const out = await authoriseOnline(side.deps, { kind: 'sale', amount, currency: 'CNY', card: contactlessCard(id, amount, 1 + (i % 60_000)) });
      const key = out.kind === 'no-response' ? `no-response.${out.reversal}` : out.kind === 'declined' ? `declined.${out.responseCode}` : out.kind === 'not-sent' ? `not-sent.${out.error.code}` : out.kind;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (out.kind === 'no-response') reasons[out.reason] = (reasons[out.reason] ?? 0) + 1;
      if (options.progressEvery && (i + 1) % options.progressEvery === 0) process.stderr.write(`${JSON.stringify({ progress: i + 1, outcomes })}\n`);
    }
    sim.faults.clear();
    await drainReversals(side);
    const agreement = checkAgreement({
      terminalId: TERMINAL.terminalId,
      journal: side.journal.all(),
      ledger: sim.ledger.txs.values(),
      accountOfHash: accountOfHash(SOAK_ACCOUNTS.map(([id]) => id)),
      charged: chargedByAccount(sim),
    });
    const { late, duplicate, connects } = side.channel.stats;
    return { ...agreement, sales: options.sales, seed: options.seed, faults, outcomes, reversals: { reasons }, channel: { late, duplicate, connects } };
  } finally {
    await side.close();
    await sim.close();
  }
}
