/**
 * Start-up time to the idle screen, and the idle terminal's CPU use over 10 s, of
 * `pos start` on the sim board as a separate process (what a merchant runs).
 * CPU is read from /proc/PID/stat (utime + stime, in clock ticks), so it counts only the
 * terminal's own process. Prints one JSON object a line: {"name","value","unit"}.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPos } from '../test/helpers/spawn-pos.js';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (proc(5), fields 14 and 15)
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

const data = mkdtempSync(join(tmpdir(), 'bench-idle-'));
const t0 = performance.now();
const { child, url } = await startPos(['--data', data, '--lang', 'en']);
let lines: string[] = [];
for (;;) {
  lines = ((await (await fetch(`${url}/api/display`)).json()) as { lines: string[] }).lines;
  if (lines[3] === 'Key amount: SALE') break;
  await new Promise((r) => setTimeout(r, 10));
}
emit('startup_to_idle_screen', Math.round(performance.now() - t0), 'ms', { note: 'spawn of `pos start` to /api/display showing the idle screen' });

const pid = child.pid!;
await new Promise((r) => setTimeout(r, 3000)); // let start-up work (JIT, GC, compile caches) finish
const before = cpuTicks(pid);
const w0 = performance.now();
await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
const used = (cpuTicks(pid) - before) / ticksPerSecond;
const wall = (performance.now() - w0) / 1000;
emit('idle_cpu', Number(((used / wall) * 100).toFixed(3)), '% of one core', { seconds: IDLE_SECONDS, resolution: `${(100 / ticksPerSecond / wall).toFixed(3)}%` });
emit('idle_rss', rssKiB(pid), 'KiB');

child.kill('SIGTERM');
await new Promise((r) => child.once('close', r));
