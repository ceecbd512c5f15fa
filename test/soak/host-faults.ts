/**
 * The big runs of the issue 6 acceptance (the small ones are in test/flows/online-soak.test.ts):
 *
 *   node --import tsx test/soak/host-faults.ts [--sales 1000] [--seed 1] [--fault-rate 0.1] [--kills 0] [--keep]
 *
 * Runs --sales sales through the online step against the acquirer simulator over TCP with
 * --fault-rate of the requests meeting a random host fault, then (with --kills N) a terminal
 * process killed with SIGKILL N times at random points and restarted on its data directory.
 * Each ends by comparing the terminal's journal with the host's books. Prints one JSON
 * object a line (progress to stderr); exits 1 when the books disagree. --keep leaves the
 * data directory for a look.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashSoak } from '../flows/helpers/crash-soak.js';
import { runSoak } from '../flows/helpers/soak.js';

const { values } = parseArgs({
  options: {
    sales: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    'fault-rate': { type: 'string', default: '0.1' },
    kills: { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
  },
});
const sales = Number(values.sales);
const seed = Number(values.seed);
const faultRate = Number(values['fault-rate']);
const kills = Number(values.kills);
if (![sales, seed, kills].every((n) => Number.isSafeInteger(n) && n >= 0) || !(faultRate >= 0 && faultRate <= 1)) {
  process.stderr.write('usage: host-faults.ts [--sales N] [--seed N] [--fault-rate 0..1] [--kills N] [--keep]\n');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'host-faults-'));
let failed = false;
try {
  if (sales > 0) {
    const t0 = performance.now();
    const report = await runSoak({ dataDir: join(dir, 'soak'), sales, seed, faultRate, progressEvery: 100 });
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(`${JSON.stringify({ soak: { sales, seed, faultRate, seconds: Number(seconds.toFixed(1)), faults: report.faults, outcomes: report.outcomes, reversalReasons: report.reversals.reasons, channel: report.channel, counts: report.counts, problems: report.problems.slice(0, 20), problemCount: report.problems.length } })}\n`);
    failed ||= report.problems.length > 0;
  }
  if (kills > 0) {
    const t0 = performance.now();
    const report = await runCrashSoak({ dataDir: join(dir, 'crash'), kills, seed, faultRate });
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(`${JSON.stringify({ crash: { kills, seed, faultRate, seconds: Number(seconds.toFixed(1)), sales: report.sales, recovered: report.recovered, faults: report.faults, counts: report.counts, problems: report.problems.slice(0, 20), problemCount: report.problems.length } })}\n`);
    failed ||= report.problems.length > 0;
  }
} finally {
  if (values.keep) process.stderr.write(`data kept in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
