/**
 * One lane of the fuzz acceptance test: a hostile host (fuzz-host.ts) and terminals (the
 * journal, the reversal queue and the link, terminal IDs TERMnnnn) side by side in one
 * process, `count` sales, each of which must end as a typed error with the sale reversed in
 * the journal and at the host. Returns what it saw; `failures` names seed, terminal and sale.
 */
import { join } from 'node:path';
import { RealClock } from '../../../src/hal/clock.js';
import { HostDisconnectedError, MacMismatchError, MessageFormatError } from '../../../src/host/errors.js';
import { tdesDukptMacs, type MacKeySource } from '../../../src/host/mac-keys.js';
import { tdesKsnCounter, tdesKsnWithCounter } from '../../../src/security/dukpt-tdes.js';
import { authoriseOnline } from '../../../src/flows/online.js';
import { KSN, REQUEST_KEY, RESPONSE_KEY } from '../../host/helpers.js';
import { FuzzHost } from './fuzz-host.js';
import { contactlessCard, openTerminalSide, type TerminalSide } from './online-rig.js';

export interface FuzzLaneResult {
  sales: number;
  seed: number;
  errors: Record<string, number>;
  cases: Record<string, number>;
  reversedInJournals: number;
  notReversedAtHost: number;
  failures: string[];
}

/** Fixed MAC keys (the fuzz host knows them) with a moving KSN: the real retail MAC, no DUKPT derivation per sale. */
const MACS = tdesDukptMacs({ macRequestKey: REQUEST_KEY, macResponseKey: RESPONSE_KEY });
function testKeys(): MacKeySource {
  let counter = tdesKsnCounter(KSN);
  return { next: () => ({ ksn: tdesKsnWithCounter(KSN, ++counter), mac: MACS }) };
}

export async function runFuzzLane(options: { dataDir: string; seed: number; count: number; firstTerminal: number; terminals?: number; restartEvery?: number }): Promise<FuzzLaneResult> {
  const { seed, count } = options;
  const terminals = options.terminals ?? 4;
  const restartEvery = options.restartEvery ?? 1_000;
  const host = await FuzzHost.start(seed, MACS.response);
  const clock = new RealClock();
  // A few chip reads, made once: the ARQC is the card's business, not this test's.
  const cards = Array.from({ length: 16 }, (_, i) => ({ amount: 100 + i, card: contactlessCard('visa-ok', 100 + i, i + 1) }));
  const errors: Record<string, number> = {};
  const failures: string[] = [];
  let reversedInJournals = 0;
  const open = (t: number) => {
    const terminalId = `TERM${String(options.firstTerminal + t).padStart(4, '0')}`;
    return openTerminalSide({ dataDir: join(options.dataDir, terminalId), port: host.port, clock, keys: testKeys(), responseTimeoutMs: 5_000, terminalId });
  };
  const settled = (side: TerminalSide) => side.journal.withStatus('reversed').length;
  const terminal = async (t: number, n: number): Promise<void> => {
    let side = await open(t);
    const before = settled(side);
    let counted = 0;
    try {
      for (let i = 0; i < n && failures.length < 10; i++) {
        // A terminal restarts now and then; its reversal queue keeps only live entries across one.
        if (i > 0 && i % restartEvery === 0) {
          counted += settled(side) - before;
          await side.close();
          side = await open(t);
          counted -= settled(side) - before;
        }
        const { amount, card } = cards[i % cards.length]!;
        const where = `seed ${seed}, TERM${String(options.firstTerminal + t).padStart(4, '0')}, sale ${i}`;
        try {
          const out = await authoriseOnline(side.deps, { kind: 'sale', amount, currency: 'CNY', card });
          if (out.kind !== 'no-response' || out.reversal !== 'reversed') failures.push(`${where}: ${out.kind}${out.kind === 'no-response' ? ` ${out.reversal}` : ''}, expected no-response and reversed`);
          else if (!(out.error instanceof MessageFormatError || out.error instanceof MacMismatchError || out.error instanceof HostDisconnectedError)) failures.push(`${where}: unexpected ${out.error.name}`);
          else errors[out.error.name] = (errors[out.error.name] ?? 0) + 1;
        } catch (e) {
          failures.push(`${where}: threw ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
      const left = side.journal.withStatus('pending', 'reversal-pending', 'approved', 'declined', 'not-sent');
      if (left.length) failures.push(`${left.length} journal records not reversed, e.g. ${left[0]!.id} ${left[0]!.status}`);
      counted += settled(side) - before;
    } finally {
      await side.close();
    }
    reversedInJournals += counted;
  };
  try {
    const per = Math.ceil(count / terminals);
    await Promise.all(Array.from({ length: terminals }, (_, t) => terminal(t, Math.max(0, Math.min(per, count - t * per)))));
  } finally {
    await host.close();
  }
  return {
    sales: host.fuzzed.length,
    seed,
    errors,
    cases: Object.fromEntries(host.cases),
    reversedInJournals,
    notReversedAtHost: host.fuzzed.filter((k) => !host.reversed.has(k)).length,
    failures,
  };
}
