/**
 * Acceptance (issue 6): whatever bytes come back for a sale, the terminal side never
 * crashes. A hostile host over real TCP answers every sale with junk at the framing level
 * (helpers/fuzz-host.ts: mutated, truncated, impossible length headers, noise, answers that
 * verify but break the rules of host-spec 6.8 and 7); each sale must end as a typed error
 * and be reversed, in the journal and at the host. POS_FUZZ_RESPONSES sets the count
 * (default 20 000), POS_FUZZ_SEED the seed; a failure names seed, terminal and sale.
 *
 * The sales run in two child processes (one a core), each with its host and four terminals
 * (their own journal, reversal queue and link) side by side. The data directories are on
 * /dev/shm when there is one: this test is about what the bytes do; the journal's
 * durability is proven by test/store/journal.test.ts and the crash test, and a disk fsync
 * per append would make 20 000 sales take minutes instead of seconds.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FUZZ_CASES } from './helpers/fuzz-host.js';
import type { FuzzLaneResult } from './helpers/fuzz-lane.js';

const COUNT = Number(process.env.POS_FUZZ_RESPONSES ?? 20_000);
const SEED = Number(process.env.POS_FUZZ_SEED ?? 6);
const LANES = 2;
const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const dir = mkdtempSync(join(base, 'online-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lane(n: number, count: number): Promise<FuzzLaneResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/fuzz-lane.ts', import.meta.url)), join(dir, `lane${n}`), String(SEED * 100 + n), String(count), String(1 + n * 4)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`fuzz lane ${n} exited with ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as FuzzLaneResult);
    });
  });
}

describe(`fuzzed answers to ${COUNT} sales (seed ${SEED})`, () => {
  it('each ends as a typed error with the sale reversed; nothing crashes', async () => {
    const per = Math.ceil(COUNT / LANES);
    const results = await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n, Math.max(0, Math.min(per, COUNT - n * per)))));
    const sum = (f: (r: FuzzLaneResult) => number) => results.reduce((a, r) => a + f(r), 0);
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(sum((r) => r.sales)).toBe(COUNT);
    expect(sum((r) => r.reversedInJournals)).toBe(COUNT);
    expect(sum((r) => r.notReversedAtHost)).toBe(0);
    const errors: Record<string, number> = {};
    const cases: Record<string, number> = {};
    for (const r of results) {
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.cases)) cases[k] = (cases[k] ?? 0) + v;
    }
    expect(Object.values(errors).reduce((a, b) => a + b, 0)).toBe(COUNT);
    if (COUNT >= 1_000) expect(Object.keys(cases).sort()).toEqual([...FUZZ_CASES].sort());
    console.log(JSON.stringify({ fuzz: { sales: COUNT, seed: SEED, errors, cases } }));
  }, 300_000);
});
