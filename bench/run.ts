/**
 * `npm run bench`: runs every bench/*.bench.ts in turn, each in its own process, and
 * passes their JSON lines through. Benchmarks report; they never pass or fail on time.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
let failed = 0;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.bench.ts')).sort()) {
  if (only && !f.includes(only)) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${f}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench ${f} exited with ${r.status}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
