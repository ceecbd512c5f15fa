/**
 * A whole sale on the sim board, on real time, as a merchant's terminal does it: `pos start`
 * (the acquirer simulator in the same process) driven through the simulator API only: the
 * amount keyed, visa-ok tapped (contactless kernel, no CVM under the limit), the online
 * authorisation, the merchant copy printed at the emulated printer's speed, ENTER at the
 * tear-off prompt, the customer copy, back to idle. p50 over BENCH_SALES sales (default 10).
 * Then the journal's append (begin(): one record, one fsync) at 100 and at 10 000
 * transactions, p50 and p99: the second must not be much above the first.
 *
 * Prints one JSON object a line: {"name","value","unit",...}. Never passes or fails on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableLog } from '../src/store/durable-log.js';
import { Journal } from '../src/store/journal.js';
import { startPos } from '../test/helpers/spawn-pos.js';

const SALES = Number(process.env.BENCH_SALES ?? 10);
const APPENDS = 200;

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (ms: number, digits = 1) => Number(ms.toFixed(digits));

// ---- a whole sale through pos start ---------------------------------------------------------

async function sales(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'bench-sale-'));
  const { child, url } = await startPos(['--data', data, '--lang', 'en']);
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
  const post = async (path: string, body: unknown): Promise<void> => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
  };
  type State = { display: { lines: string[] }; idle: boolean };
  /** Polls every 2 ms: fine enough for sales of hundreds of ms, light on the terminal's CPU. */
  const waitFor = async (what: string, ok: (s: State) => boolean, maxMs = 60_000): Promise<void> => {
    const t0 = performance.now();
    for (;;) {
      const s = await get<State>('/api/state');
      if (ok(s)) return;
      if (performance.now() - t0 > maxMs) throw new Error(`${what}: not within ${maxMs} ms; display ${JSON.stringify(s.display.lines)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const shows = (text: string) => (s: State) => s.display.lines.some((l) => l.includes(text));
  try {
    await waitFor('idle screen', (s) => s.idle);
    const whole: number[] = [];
    const approved: number[] = [];
    const printing: number[] = [];
    for (let i = 0; i < SALES; i++) {
      const receiptsBefore = (await get<unknown[]>('/api/receipts')).length;
      const amount = String(100 + i); // 1.00 CNY and up: under the CVM limit, no PIN
      const t0 = performance.now();
      await post('/api/keys', { keys: [...amount, 'ENTER'] });
      await waitFor('card prompt', shows('Tap/insert/swipe'));
      await post('/api/card', { action: 'tap', card: 'visa-ok' });
      await waitFor('approval', (s) => shows('APPROVED')(s) || shows('Tear off copy')(s));
      const t1 = performance.now();
      await waitFor('tear-off prompt', shows('Tear off copy'));
      await post('/api/keys', { keys: ['ENTER'] });
      for (;;) {
        const n = (await get<unknown[]>('/api/receipts')).length;
        const s = await get<State>('/api/state');
        if (n >= receiptsBefore + 2 && s.idle) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      const t2 = performance.now();
      await post('/api/card', { action: 'remove' });
      approved.push(t1 - t0);
      printing.push(t2 - t1);
      whole.push(t2 - t0);
    }
    const note = 'pos start on the sim board, driven by /api/keys and /api/card; printer emulator at CSN-A2 speed (19200 baud)';
    emit('sale_whole_p50', round(percentile(whole, 50)), 'ms', { sales: SALES, note: `keys to idle with both copies printed; ${note}` });
    emit('sale_whole_max', round(Math.max(...whole)), 'ms', { sales: SALES, each: whole.map((w) => Math.round(w)), toApproved: approved.map((w) => Math.round(w)) });
    emit('sale_to_approved_p50', round(percentile(approved, 50)), 'ms', { note: 'keys, tap, kernel, online authorisation, until APPROVED is on screen' });
    emit('sale_receipts_p50', round(percentile(printing, 50)), 'ms', { note: 'from APPROVED to both copies printed and idle (the printer is the slow part)' });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    rmSync(data, { recursive: true, force: true });
  }
}

// ---- journal appends at two sizes -----------------------------------------------------------

async function journalAppends(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-journal-'));
  try {
    for (const size of [100, 10_000]) {
      const file = join(dir, `journal-${size}.log`);
      await (await Journal.open({ file })).close();
      // The journal as a day of business leaves it: each sale begun, then approved.
      const { log } = await DurableLog.open(file);
      const records: Uint8Array[] = [];
      for (let i = 0; i < size; i++) {
        const stan = String((i % 999_999) + 1).padStart(6, '0');
        const r = { id: `12345678-${stan}-${i}`, stan, type: 'sale', amount: 100 + i, currency: 'CNY', status: 'pending', batch: 1 + Math.floor(i / 500), time: new Date(Date.UTC(2026, 0, 15) + i * 60_000).toISOString(), localDate: '0115', localTime: '093000', entryMode: 'contactless-chip', maskedPan: '476173******0011', panHash: 'ab'.repeat(32), sealedCard: 'x'.repeat(80), rrn: null, authCode: null, responseCode: null, responseText: null, reversalReason: null, reversalCode: null, reversal: { fields: { '3': '000000', '4': '000000000100', '55': 'AB'.repeat(60) } }, original: null, updatedAt: '' };
        records.push(Buffer.from(JSON.stringify({ t: 'tx', r }), 'utf8'));
        records.push(Buffer.from(JSON.stringify({ t: 'set', id: r.id, c: { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3', responseCode: '00' }, at: '' }), 'utf8'));
      }
      await log.rewrite(records);
      await log.close();
      const journal = await Journal.open({ file });
      const times: number[] = [];
      for (let i = 0; i < APPENDS; i++) {
        const stan = String(journal.reserveStan()).padStart(6, '0');
        const t0 = performance.now();
        await journal.begin({ id: `B-${i}`, stan, type: 'sale', amount: 1, currency: 'CNY', batch: journal.batch, time: new Date().toISOString(), localDate: '0115', localTime: '093000' });
        times.push(performance.now() - t0);
      }
      await journal.close();
      const note = `begin(): one record appended and fsynced, ${APPENDS} appends, in ${tmpdir()}`;
      emit(`journal_append_at_${size}_p50`, round(percentile(times, 50), 3), 'ms', { transactions: size, note });
      emit(`journal_append_at_${size}_p99`, round(percentile(times, 99), 3), 'ms', { transactions: size });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await sales();
await journalAppends();
