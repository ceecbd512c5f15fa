/**
 * Acceptance (issue 6), the small runs that `npm test` makes; the big ones are
 * `node --import tsx test/soak/host-faults.ts` (see its header):
 *  - a soak: sales against the acquirer simulator over TCP with 10 % of requests meeting a
 *    random fault (seeded), then the journal and the host's books must agree and nobody is
 *    charged twice;
 *  - a crash: a terminal process killed with SIGKILL at random moments and started again on
 *    the same data directory; afterwards the journal and the books agree just the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrashSoak } from './helpers/crash-soak.js';
import { runSoak } from './helpers/soak.js';

const dir = mkdtempSync(join(tmpdir(), 'online-soak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host faults, journal against ledger', () => {
  it('100 sales with 10 % random faults: every approval stands in both books or is reversed; nobody is charged twice', async () => {
    const report = await runSoak({ dataDir: join(dir, 'soak'), sales: 100, seed: Number(process.env.POS_SOAK_SEED ?? 1), faultRate: 0.1 });
    console.log(JSON.stringify({ soak: { sales: report.sales, seed: report.seed, faults: report.faults, outcomes: report.outcomes, counts: report.counts } }));
    expect(report.problems).toEqual([]);
    expect(report.counts['journal.approved']).toBeGreaterThan(50);
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
  }, 120_000);

  it('a terminal killed with SIGKILL at random points and restarted: journal and ledger agree afterwards', async () => {
    const report = await runCrashSoak({ dataDir: join(dir, 'crash'), kills: 6, seed: Number(process.env.POS_SOAK_SEED ?? 1), faultRate: 0.1 });
    console.log(JSON.stringify({ crash: { kills: report.kills, seed: report.seed, sales: report.sales, recovered: report.recovered, faults: report.faults, counts: report.counts } }));
    expect(report.problems).toEqual([]);
    expect(report.counts['journal.approved']).toBeGreaterThan(0);
  }, 120_000);
});
