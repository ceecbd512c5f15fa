/**
 * The crash part of the issue 6 acceptance: a child process doing sales (fixtures/
 * online-child.ts) is killed with SIGKILL at random moments, while the acquirer simulator
 * (in this process, faults included) keeps its books; the child is started again on the
 * same data directory each time, recovers, and sells on. At the end a last child delivers
 * every reversal, and the journal must agree with the host's books (agreement.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../../../src/hal/clock.js';
import { Journal } from '../../../src/store/journal.js';
import { HostSimulator } from '../../../simulator/host/host-simulator.js';
import { prng } from '../../helpers/prng.js';
import { checkAgreement, type Agreement } from './agreement.js';
import { accountOfHash, TERMINAL } from './online-rig.js';
import { chargedByAccount, SOAK_ACCOUNTS, soakFaults } from './soak.js';

const CHILD = fileURLToPath(new URL('../fixtures/online-child.ts', import.meta.url));

export interface CrashOptions {
  dataDir: string;
  kills: number;
  seed: number;
  faultRate: number;
  /** The longest a child runs after `boot` (before it opens anything) until it is killed. */
  maxRunMs?: number;
}

export interface CrashReport extends Agreement {
  kills: number;
  seed: number;
  sales: Record<string, number>;
  recovered: { pending: number; unfinished: number; rearmed: number; unreversible: number };
  faults: number;
}

interface ChildRun {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runChild(args: string[], onLine: (line: string, kill: () => void) => void): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      onLine(l, () => child.kill('SIGKILL'));
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ lines, code, signal, stderr })));
}

export async function runCrashSoak(options: CrashOptions): Promise<CrashReport> {
  const r = prng(options.seed);
  const clock = new RealClock();
  mkdirSync(options.dataDir, { recursive: true });
  const sim = await HostSimulator.open({ dataDir: join(options.dataDir, 'host'), clock });
  const port = String((await sim.listen('127.0.0.1', 0)).port);
  const terminalDir = join(options.dataDir, 'terminal');
  const sales: Record<string, number> = {};
  const recovered = { pending: 0, unfinished: 0, rearmed: 0, unreversible: 0 };
  const kinds = soakFaults(250);
  let faults = 0;
  const noteReady = (line: string) => {
    const found = JSON.parse(line.slice('ready '.length)) as typeof recovered;
    for (const k of Object.keys(recovered) as (keyof typeof recovered)[]) recovered[k] += found[k];
  };
  try {
    for (let k = 0; k < options.kills; k++) {
      const run = await runChild([terminalDir, port, String(options.seed * 1000 + k), 'run'], (line, kill) => {
        if (line === 'boot') {
          // Anywhere: opening the logs, in recovery, in an fsync of the journal or the queue,
          // between send and answer, mid-reversal.
          setTimeout(kill, r.int(options.maxRunMs ?? 800));
        } else if (line.startsWith('ready ')) {
          noteReady(line);
        } else if (line.startsWith('sale ')) {
          const kind = line.slice(5);
          sales[kind] = (sales[kind] ?? 0) + 1;
          if (r.next() < options.faultRate) {
            sim.faults.add({ next: kinds[r.int(kinds.length)]! });
            faults++;
          }
        }
      });
      if (run.signal !== 'SIGKILL') throw new Error(`the terminal ended on its own (${run.code}): ${run.stderr.slice(-2000)}`);
    }
    sim.faults.clear();
    const drain = await runChild([terminalDir, port, String(options.seed), 'drain'], (line) => {
      if (line.startsWith('ready ')) noteReady(line);
    });
    if (drain.code !== 0) throw new Error(`the draining terminal failed (${drain.code}): ${drain.stderr.slice(-2000)}`);
    const journal = await Journal.open({ file: join(terminalDir, 'journal.log') });
    try {
      const agreement = checkAgreement({
        terminalId: TERMINAL.terminalId,
        journal: journal.all(),
        ledger: sim.ledger.txs.values(),
        accountOfHash: accountOfHash(SOAK_ACCOUNTS.map(([id]) => id)),
        charged: chargedByAccount(sim),
      });
      return { ...agreement, kills: options.kills, seed: options.seed, sales, recovered, faults };
    } finally {
      await journal.close();
    }
  } finally {
    await sim.close();
  }
}
