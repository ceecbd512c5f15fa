/**
 * The whole-terminal soak of issue 10:
 *
 *   npm run soak -- --sales N [--seed S] [--fault-rate 0.1] [--void-rate 0.06] [--refunds 5]
 *                    [--settle-every 500] [--rss-every 25] [--time-scale K] [--host-inside]
 *                    [--glibc-default] [--keep] [--trace]
 *
 * Starts `pos host` (the acquirer simulator, a process of its own as the acquirer is in the
 * field, so the terminal's RSS is the terminal's) and `pos start --host` on a fresh data
 * directory (the sim board), and drives them through their APIs only, as a cashier and the
 * customers would: N sales with random catalog cards (tap; chip-ok inserted; magstripe-ok
 * swiped; PIN 1234 when asked; visa-nsf declines; mc-wrongpin over the CVM limit with a
 * wrong PIN, typed again each time the terminal asks for it again after the issuer's 55, so
 * the card is blocked (75) in its first sale and declined 75 at once after that), random
 * amounts, some voids (MENU 2), --fault-rate of the operations meeting a
 * host fault (POST /api/host/faults), a settlement every --settle-every sales and at the
 * end (MENU 4), then --refunds refunds of settled sales (MENU 3) and a last settlement.
 * --host-inside runs the acquirer simulator inside `pos start` instead (its books then count
 * in the terminal's RSS).
 *
 * --time-scale K runs both processes' clocks K times faster than real time (`pos start
 * --time-scale`: the sim board only): the 19200-baud printer, key presses, prompts and the
 * host's delays all take 1/K of their time, so 10,000 sales fit in an hour or two instead
 * of the ~15 hours they take at the counter's pace. The order of events is the same; the
 * terminal's own CPU work is not sped up, so at a high K it, not the devices, sets the pace.
 *
 * The screen is read every 25 ms (GET /api/state) and each prompt answered once, as soon as it asks: the
 * tear-off prompt gets its ENTER at once, result screens are dismissed with ENTER.
 *
 * At the end: sales per second, the pos process's RSS (/proc/PID/status) at the start,
 * every --rss-every sales and at the end, and whether the journal (GET /api/journal) and
 * the host's books (GET /api/host/ledger, /api/host/accounts) agree:
 *  - every approval standing at the host is approved (or voided, refunded) in the journal;
 *  - every approval in the journal stands at the host (approved, not reversed);
 *  - a sale voided in one is voided in the other;
 *  - no journal record is left pending or reversal-pending;
 *  - nothing is charged twice: each account's balance moved by exactly what the journal
 *    holds (sales that stand, less refunds), and no STAN or RRN is approved twice;
 *  - every settlement the host recorded balanced.
 * Progress goes to stderr; one JSON summary line to stdout at the end. Exit 1 when the
 * books disagree or an operation got stuck (the terminal did not finish it in time), 2 on
 * bad arguments. It stops by itself: every
 * wait has a limit, and a watchdog ends the run if the whole takes far longer than it should.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prng } from '../helpers/prng.js';
import { startHost, startPos } from '../helpers/spawn-pos.js';

// ---- arguments -----------------------------------------------------------------------------

const { values } = parseArgs({
  options: {
    sales: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'fault-rate': { type: 'string', default: '0.1' },
    'void-rate': { type: 'string', default: '0.06' },
    refunds: { type: 'string', default: '5' },
    'settle-every': { type: 'string', default: '500' },
    'rss-every': { type: 'string', default: '25' },
    'time-scale': { type: 'string', default: '1' },
    'host-inside': { type: 'boolean', default: false },
    'glibc-default': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
  },
});
const SALES = Number(values.sales);
const SEED = Number(values.seed);
const FAULT_RATE = Number(values['fault-rate']);
const VOID_RATE = Number(values['void-rate']);
const REFUNDS = Number(values.refunds);
const SETTLE_EVERY = Number(values['settle-every']);
const RSS_EVERY = Number(values['rss-every']);
const TRACE = values.trace === true;
const SCALE = Number(values['time-scale']);
const HOST_INSIDE = values['host-inside'] === true;
const wholes = [SALES, SEED, REFUNDS, SETTLE_EVERY, RSS_EVERY];
if (!wholes.every((n) => Number.isSafeInteger(n) && n >= 0) || SETTLE_EVERY < 1 || SETTLE_EVERY > 900 || RSS_EVERY < 1 || !(FAULT_RATE >= 0 && FAULT_RATE <= 1) || !(VOID_RATE >= 0 && VOID_RATE <= 1) || !(SCALE >= 1 && SCALE <= 1000)) {
  process.stderr.write('usage: terminal-soak.ts --sales N [--seed S] [--fault-rate 0..1] [--void-rate 0..1] [--refunds N] [--settle-every 1..900] [--rss-every N] [--time-scale 1..1000] [--host-inside] [--keep] [--trace]\n');
  process.exit(2);
}

// ---- the cards and the faults ------------------------------------------------------------

type Via = 'tap' | 'insert' | 'swipe';
interface CardPlan {
  id: string;
  via: Via;
  weight: number;
  /** The PIN typed when the terminal asks. */
  pin: string;
  /** Amount range in minor units, [min, max). */
  amounts: [number, number];
}

/**
 * Mostly approvals; visa-nsf (51) and mc-wrongpin decline: 55 with the PIN asked again (the
 * same wrong PIN typed), 55, then 75 in its first sale; 75 at once once blocked.
 */
const CARDS: CardPlan[] = [
  { id: 'visa-ok', via: 'tap', weight: 25, pin: '1234', amounts: [100, 30_000] },
  { id: 'mc-ok', via: 'tap', weight: 18, pin: '1234', amounts: [100, 30_000] },
  { id: 'unionpay-ok', via: 'tap', weight: 15, pin: '1234', amounts: [100, 30_000] },
  { id: 'two-apps', via: 'tap', weight: 5, pin: '1234', amounts: [100, 30_000] },
  { id: 'chip-ok', via: 'insert', weight: 12, pin: '1234', amounts: [100, 30_000] },
  { id: 'magstripe-ok', via: 'swipe', weight: 12, pin: '1234', amounts: [100, 30_000] },
  { id: 'visa-nsf', via: 'tap', weight: 8, pin: '1234', amounts: [100, 30_000] },
  // Over the 1,000.00 CVM limit, so the card asks for the online PIN; a wrong one.
  { id: 'mc-wrongpin', via: 'tap', weight: 5, pin: '9999', amounts: [100_001, 200_000] },
];
const VIA_OF = new Map(CARDS.map((c) => [c.id, c.via]));

/** The faults of CONTRACT.md; delays inside and past the terminal's 30 s response timeout. */
const FAULTS = ['timeout', 'drop', 'garble', 'badmac', 'disconnect', 'delay:300', 'delay:31000'];

const r = prng(SEED);
function pickCard(): CardPlan {
  let x = r.int(CARDS.reduce((n, c) => n + c.weight, 0));
  for (const c of CARDS) {
    if (x < c.weight) return c;
    x -= c.weight;
  }
  return CARDS[0]!;
}

// ---- the terminal and its API -------------------------------------------------------------

interface State {
  display: { lines: string[] };
  idle: boolean;
  flow: string | null;
}
interface JournalRow {
  stan: string;
  type: 'sale' | 'void' | 'refund';
  amount: number;
  currency: string;
  status: string;
  rrn: string | null;
  authCode: string | null;
  maskedPan: string | null;
  batch: number;
  time: string;
}
interface LedgerRow {
  stan: string;
  terminalId: string;
  type: string;
  amount: number;
  status: string;
  rrn: string | null;
  reversed: boolean;
  batch: number;
  voided?: boolean;
  refunded?: number;
  maskedPan?: string | null;
}
interface AccountRow {
  id: string;
  maskedPan: string;
  balance: number;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const log = (o: unknown) => process.stderr.write(`${JSON.stringify(o)}\n`);

const data = mkdtempSync(join(tmpdir(), 'terminal-soak-'));
const t0 = performance.now();
let child: ChildProcess | null = null;
let hostChild: ChildProcess | null = null;

// The watchdog: far more than the run should take (~6 s a sale, 31 s a host fault, at the
// counter's pace; the terminal's CPU work, ~0.3 s a sale here, does not scale).
const budgetMs = 10 * 60_000 + SALES * ((8_000 + FAULT_RATE * 40_000) / SCALE + 1_000) + REFUNDS * (30_000 / SCALE + 1_000);
setTimeout(() => {
  log({ watchdog: `the soak ran past ${Math.round(budgetMs / 1000)} s: stopped` });
  child?.kill('SIGKILL');
  hostChild?.kill('SIGKILL');
  process.exit(3);
}, budgetMs).unref();

const scaleArgs = SCALE === 1 ? [] : ['--time-scale', String(SCALE)];
// The terminal runs as deploy/pos.service and `npm start` run it: with glibc's mmap threshold
// fixed, so scrypt's 16 MiB blocks go back to the system (src/store/password-hash.ts).
// --glibc-default runs it without, to see the difference.
if (values['glibc-default']) delete process.env.MALLOC_MMAP_THRESHOLD_;
else process.env.MALLOC_MMAP_THRESHOLD_ = '131072';
let hostArgs: string[] = [];
let hostUrl: string | null = null;
if (!HOST_INSIDE) {
  const h = await startHost(['--data', join(data, 'host'), ...scaleArgs], 30_000);
  hostChild = h.child;
  hostUrl = h.url;
  hostArgs = ['--host', h.iso];
}
const started = await startPos(['--data', join(data, 'terminal'), '--lang', 'en', ...scaleArgs, ...hostArgs], 30_000);
child = started.child;
const url = started.url;
/** Where the acquirer simulator's API is: its own process, or under /api/host/ of pos start. */
const hostApi = hostUrl ?? url;
const pid = child.pid!;

async function get<T>(path: string): Promise<T> {
  const res = await fetch((path.startsWith('/api/host/') ? hostApi : url) + path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch((path.startsWith('/api/host/') ? hostApi : url) + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}
const clearFaults = () => fetch(`${hostApi}/api/host/faults`, { method: 'DELETE' }).then((res) => res.arrayBuffer()).catch(() => {});
const press = (...keys: string[]) => post('/api/keys', { keys });
const card = (action: 'tap' | 'insert' | 'swipe' | 'remove', id?: string) => post('/api/card', id ? { action, card: id } : { action });

function rssKiB(of = pid): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${of}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

class Stuck extends Error {}

/**
 * Reads the screen every 25 ms and answers it: the first rule whose text is on screen
 * acts, once per screen (a rule does not act again until the screen has changed). Ends
 * when `done` holds; throws Stuck past `maxMs`.
 */
interface Rule {
  on: string | ((lines: string[]) => boolean);
  act: (lines: string[]) => Promise<void>;
}
const seen = (lines: string[], text: string) => lines.some((l) => l.includes(text));

async function converse(what: string, rules: Rule[], done: (s: State) => boolean, maxMs = 120_000): Promise<string[]> {
  const start = performance.now();
  const screens: string[] = [];
  let acted = '';
  let shown = '';
  for (;;) {
    const s = await get<State>('/api/state');
    const lines = s.display.lines;
    const sig = lines.join('|');
    if (TRACE && screens.at(-1) !== sig) log({ what, t: Math.round(performance.now() - start), screen: sig, idle: s.idle });
    if (screens.at(-1) !== sig) screens.push(sig);
    if (done(s)) return screens;
    // A prompt is answered once: the screen is the same prompt while what was typed echoes
    // on its lower lines, so only its title and prompt lines count (answering the echo again
    // would type ahead into the next prompt).
    const prompt = lines.slice(0, 2).join('|');
    // A prompt that comes back after another screen (the PIN asked again after a 55, with
    // "Going online" between) is a new prompt, and is answered again.
    if (prompt !== shown) {
      shown = prompt;
      acted = '';
    }
    if (prompt !== acted) {
      const rule = rules.find((x) => (typeof x.on === 'string' ? seen(lines, x.on) : x.on(lines)));
      if (rule) {
        acted = prompt;
        await rule.act(lines);
        continue;
      }
    }
    if (performance.now() - start > maxMs) throw new Stuck(`${what}: not done within ${maxMs} ms; display ${JSON.stringify(lines)}; screens ${JSON.stringify(screens.slice(-8))}`);
    await sleep(25);
  }
}

/** The result screens that wait for any key: ENTER dismisses them at once. */
const DISMISS = ['DECLINED', 'No host answer', 'Host unreachable', 'Not accepted', 'Card declined', 'Read failed', 'Card removed', 'Sale reversed', 'Reversal pending', 'Already voided', 'Already refunded', 'No such sale', 'Not an approval', 'Fully refunded', 'Open batch', 'Past the window', 'Over daily cap', 'Over refundable', 'Batch settled', 'Cannot settle', 'Batch still open', 'No transactions', 'Daily limit', 'Keys not loaded', 'Different card'];
const dismiss: Rule = { on: (lines) => DISMISS.some((d) => seen(lines, d)), act: () => press('ENTER') };
const tearOff: Rule = { on: 'Tear off copy', act: () => press('ENTER') };
const supervisor: Rule[] = [
  { on: 'Supervisor PW:', act: () => press('1', '2', '3', '4', '5', '6', 'ENTER') },
  { on: 'Default password', act: () => press('ENTER') },
];
const digits = (n: number | string) => [...String(n)];

/** After a stuck operation: CANCEL, the card out, back to idle if at all possible. */
async function recover(): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    const s = await get<State>('/api/state');
    if (s.idle) return true;
    await card('remove').catch(() => {});
    await press(seen(s.display.lines, 'Tear off copy') ? 'ENTER' : 'CANCEL').catch(() => {});
    await sleep(1_000);
  }
  return false;
}

async function waitIdle(what: string, maxMs = 120_000): Promise<void> {
  await converse(what, [dismiss], (s) => s.idle, maxMs);
}

// ---- the operations ----------------------------------------------------------------------

interface SaleResult {
  screens: string[];
  approvedMs: number | null;
  wholeMs: number;
}

async function sale(plan: CardPlan, amount: number): Promise<SaleResult> {
  await waitIdle('idle before a sale');
  const t = performance.now();
  let approvedMs: number | null = null;
  let presented = 0;
  await press(...digits(amount), 'ENTER');
  const screens = await converse(
    `sale ${plan.id} ${amount}`,
    [
      {
        on: (l) => seen(l, 'APPROVED') && approvedMs === null,
        act: async () => {
          approvedMs = performance.now() - t;
        },
      },
      tearOff,
      {
        on: (l) => seen(l, 'Tap/insert/swipe') && presented < 3,
        act: async () => {
          presented++;
          await card(plan.via, plan.id);
        },
      },
      { on: (l) => l[0] === 'Enter PIN', act: () => press(...digits(plan.pin), 'ENTER') },
      // After the issuer's 55 (mc-wrongpin): the same PIN again, until the issuer blocks it (75).
      { on: (l) => l[0] === 'Enter PIN again', act: () => press(...digits(plan.pin), 'ENTER') },
      { on: 'Remove the card', act: () => card('remove') },
      dismiss,
    ],
    (s) => s.idle,
  );
  await card('remove');
  return { screens, approvedMs, wholeMs: performance.now() - t };
}

async function voidSale(stan: string): Promise<string[]> {
  await waitIdle('idle before a void');
  await press('MENU', '2');
  return converse(
    `void ${stan}`,
    [...supervisor, { on: 'Orig. trace no.:', act: () => press(...digits(Number(stan)), 'ENTER') }, { on: 'ENTER: OK', act: () => press('ENTER') }, tearOff, dismiss],
    (s) => s.idle,
  );
}

async function settle(): Promise<string[]> {
  await waitIdle('idle before a settlement');
  await press('MENU', '4');
  return converse(
    'settlement',
    [{ on: 'Settle now?', act: () => press('ENTER') }, { on: (l) => seen(l, 'SETTLED') && !seen(l, 'Printing'), act: () => press('ENTER') }, dismiss],
    (s) => s.idle,
    300_000,
  );
}

async function refund(stan: string, cardId: string, amount: number | null): Promise<string[]> {
  await waitIdle('idle before a refund');
  await press('MENU', '3');
  let presented = 0;
  return converse(
    `refund ${stan}`,
    [
      ...supervisor,
      { on: '1 By trace no.', act: () => press('1') },
      { on: 'Orig. trace no.:', act: () => press(...digits(Number(stan)), 'ENTER') },
      { on: 'ENTER: OK', act: () => press('ENTER') },
      { on: 'Refund amount:', act: () => (amount === null ? press('ENTER') : press(...digits(amount), 'ENTER')) },
      { on: 'ENTER: refund', act: () => press('ENTER') },
      { on: (l) => seen(l, 'REFUND') && /\d\/2/.test(l[0] ?? ''), act: () => press('ENTER') },
      {
        on: (l) => seen(l, 'Tap/insert/swipe') && presented < 3,
        act: async () => {
          presented++;
          await card(VIA_OF.get(cardId) ?? 'tap', cardId);
        },
      },
      { on: (l) => l[0] === 'Enter PIN', act: () => press('1', '2', '3', '4', 'ENTER') },
      { on: 'Remove the card', act: () => card('remove') },
      tearOff,
      dismiss,
    ],
    (s) => s.idle,
  ).finally(() => card('remove').catch(() => {}));
}

// ---- the run -----------------------------------------------------------------------------

const problems: string[] = [];
const faults: Record<string, number> = {};
const screensSeen: Record<string, number> = {};
const rss: { sales: number; kib: number }[] = [];
/** The terminal's JS heap beside its RSS (GET /api/process): live data against what the process holds. */
const heapSamples: { sales: number; heapUsedKiB: number; heapTotalKiB: number; externalKiB: number }[] = [];
/**
 * The RSS every 25 sales. One reading is noisy (V8 collects when it likes: at 100 sales one
 * run read 194 MiB and another 155 MiB, both settling to ~145 MiB by sale 200), so the
 * summary also gives medians: around sale 100 (75-125) and over the last 5 readings.
 */
const every25: { sales: number; kib: number }[] = [];
const approvedMs: number[] = [];
const wholeMs: number[] = [];
let voids = 0;
let refunds = 0;
let settlements = 0;
let stuck = 0;
let salesDone = 0;
let journalMark = 0; // journal rows before the open batch began (for choosing voids)
let aborted = false;

const note = (screens: string[]) => {
  for (const key of ['APPROVED', 'DECLINED 51', 'DECLINED 55', 'Enter PIN again', 'DECLINED 75', 'No host answer', 'Sale reversed', 'Reversal pending', 'Host unreachable', 'Not accepted', 'Read failed', 'Card removed']) {
    if (screens.some((s) => s.includes(key))) screensSeen[key] = (screensSeen[key] ?? 0) + 1;
  }
};

async function maybeFault(): Promise<void> {
  if (r.next() >= FAULT_RATE) return;
  const next = FAULTS[r.int(FAULTS.length)]!;
  await post('/api/host/faults', { next, count: 1 });
  faults[next] = (faults[next] ?? 0) + 1;
}

/** Runs one operation; a stuck one is a problem, recovered from if the terminal lets us. */
async function guarded<T>(what: string, op: () => Promise<T>): Promise<T | null> {
  try {
    return await op();
  } catch (e) {
    if (!(e instanceof Stuck)) throw e;
    stuck++;
    problems.push(`stuck: ${e.message}`);
    log({ stuck: e.message });
    await clearFaults();
    if (!(await recover())) {
      aborted = true;
      problems.push(`${what}: the terminal did not come back to idle`);
    }
    return null;
  }
}

async function doSettle(): Promise<void> {
  const screens = await guarded('settlement', settle);
  if (!screens) return;
  settlements++;
  if (!screens.some((s) => s.includes('Balanced'))) problems.push(`settlement ${settlements}: the screen never said Balanced: ${JSON.stringify(screens.slice(-4))}`);
  journalMark = (await get<JournalRow[]>('/api/journal')).length;
}

await waitIdle('the idle screen after start', 30_000);
const startupMs = performance.now() - t0;
await sleep(1_000);
rss.push({ sales: 0, kib: rssKiB() });
const accountsBefore = await get<AccountRow[]>('/api/host/accounts');
log({ started: url, pid, startupMs: Math.round(startupMs), rssKiB: rss[0]!.kib, data });

const salesStart = performance.now();
for (let i = 0; i < SALES && !aborted; i++) {
  const plan = pickCard();
  const [lo, hi] = plan.amounts;
  const amount = lo + r.int(hi - lo);
  await maybeFault();
  const res = await guarded(`sale ${i + 1}`, () => sale(plan, amount));
  salesDone++;
  if (res) {
    note(res.screens);
    if (res.approvedMs !== null) approvedMs.push(res.approvedMs);
    wholeMs.push(res.wholeMs);
  }
  if (!aborted && r.next() < VOID_RATE) {
    const open = (await get<JournalRow[]>('/api/journal')).slice(journalMark).filter((j) => j.type === 'sale' && j.status === 'approved');
    if (open.length) {
      const target = open[r.int(open.length)]!;
      await maybeFault();
      const screens = await guarded(`void ${target.stan}`, () => voidSale(target.stan));
      if (screens) {
        voids++;
        note(screens);
      }
    }
  }
  if (salesDone % RSS_EVERY === 0) {
    rss.push({ sales: salesDone, kib: rssKiB() });
    const p = await get<{ heapUsed: number; heapTotal: number; external: number }>('/api/process').catch(() => null);
    if (p) heapSamples.push({ sales: salesDone, heapUsedKiB: Math.round(p.heapUsed / 1024), heapTotalKiB: Math.round(p.heapTotal / 1024), externalKiB: Math.round(p.external / 1024) });
  }
  if (salesDone % 25 === 0) {
    const kib = rssKiB();
    every25.push({ sales: salesDone, kib });
    log({ progress: salesDone, seconds: Math.round((performance.now() - salesStart) / 1000), rssKiB: kib, heap: heapSamples.at(-1), screens: screensSeen, faults, voids, stuck });
  }
  if (!aborted && salesDone % SETTLE_EVERY === 0 && salesDone < SALES) await doSettle();
}
const salesSeconds = (performance.now() - salesStart) / 1000;
if (rss.at(-1)!.sales !== salesDone) rss.push({ sales: salesDone, kib: rssKiB() });

// The end of the day: no faults left, settle, then refunds of settled sales and settle again.
await clearFaults();
if (!aborted) await doSettle();
const settledSales = (await get<JournalRow[]>('/api/journal')).filter((j) => j.type === 'sale' && j.status === 'approved');
const panToCard = new Map(accountsBefore.map((a) => [a.maskedPan, a.id]));
for (let k = 0; k < REFUNDS && settledSales.length && !aborted; k++) {
  const target = settledSales.splice(r.int(settledSales.length), 1)[0]!;
  const cardId = panToCard.get(target.maskedPan ?? '') ?? 'visa-ok';
  const partial = k % 2 === 0 ? 1 + r.int(Math.max(1, target.amount - 1)) : null;
  const screens = await guarded(`refund ${target.stan}`, () => refund(target.stan, cardId, partial));
  if (screens) refunds++;
}
if (refunds > 0 && !aborted) await doSettle();
const rssEnd = rssKiB();
const hostRssEnd = hostChild ? rssKiB(hostChild.pid!) : null;

// ---- do the books agree? -------------------------------------------------------------------

const journal = await get<JournalRow[]>('/api/journal');
const ledger = (await get<LedgerRow[]>('/api/host/ledger')).filter((l) => l.type !== 'settlement');
const settlementRows = (await get<LedgerRow[]>('/api/host/ledger')).filter((l) => l.type === 'settlement');
const accountsAfter = await get<AccountRow[]>('/api/host/accounts');
const receipts = (await get<unknown[]>('/api/receipts')).length;

const counts: Record<string, number> = {};
const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
const STANDING_IN_JOURNAL = new Set(['approved', 'voided', 'refunded']);
const key = (type: string, stan: string) => `${type}|${stan}`;
const journalBy = new Map<string, JournalRow>();
for (const j of journal) {
  count(`journal.${j.type}.${j.status}`);
  if (journalBy.has(key(j.type, j.stan))) problems.push(`journal holds ${j.type} STAN ${j.stan} twice`);
  journalBy.set(key(j.type, j.stan), j);
  if (j.status === 'pending' || j.status === 'reversal-pending') problems.push(`journal ${j.type} ${j.stan} still ${j.status}`);
}
const hostStanding = new Map<string, LedgerRow>();
for (const l of ledger) {
  count(`host.${l.type}.${l.status}${l.reversed ? '.reversed' : ''}${l.voided ? '.voided' : ''}`);
  const standing = l.status === 'approved' && !l.reversed;
  const j = journalBy.get(key(l.type, l.stan));
  if (!j) {
    problems.push(`host has ${l.type} ${l.stan} (${l.status}${l.reversed ? ', reversed' : ''}) the journal does not hold`);
    continue;
  }
  if (j.amount !== l.amount) problems.push(`${l.type} ${l.stan}: host amount ${l.amount}, journal ${j.amount}`);
  if (!standing) continue;
  if (hostStanding.has(key(l.type, l.stan))) problems.push(`host has two standing approvals of ${l.type} ${l.stan}`);
  hostStanding.set(key(l.type, l.stan), l);
  if (!STANDING_IN_JOURNAL.has(j.status)) problems.push(`host approved ${l.type} ${l.stan} and did not reverse it; the journal says ${j.status}`);
  if (l.type === 'sale' && Boolean(l.voided) !== (j.status === 'voided')) problems.push(`sale ${l.stan}: host voided=${Boolean(l.voided)}, journal ${j.status}`);
}
for (const j of journal) {
  if (!STANDING_IN_JOURNAL.has(j.status)) continue;
  const l = hostStanding.get(key(j.type, j.stan));
  if (!l) problems.push(`journal has ${j.type} ${j.stan} ${j.status}; the host does not hold it as a standing approval`);
}
const rrns = new Map<string, string>();
for (const j of journal) {
  if (!STANDING_IN_JOURNAL.has(j.status) || !j.rrn) continue;
  if (rrns.has(j.rrn)) problems.push(`RRN ${j.rrn} approved twice: ${rrns.get(j.rrn)} and ${j.type} ${j.stan}`);
  rrns.set(j.rrn, `${j.type} ${j.stan}`);
}
// Nothing charged twice: each account moved by what the journal holds.
const expected = new Map<string, number>();
for (const j of journal) {
  const acc = panToCard.get(j.maskedPan ?? '');
  if (!acc) {
    if (STANDING_IN_JOURNAL.has(j.status)) problems.push(`journal ${j.type} ${j.stan}: masked PAN ${j.maskedPan} is no account's`);
    continue;
  }
  if (j.type === 'sale' && (j.status === 'approved' || j.status === 'refunded')) expected.set(acc, (expected.get(acc) ?? 0) + j.amount);
  if (j.type === 'refund' && j.status === 'approved') expected.set(acc, (expected.get(acc) ?? 0) - j.amount);
}
const charged: Record<string, number> = {};
for (const a of accountsBefore) {
  const after = accountsAfter.find((x) => x.id === a.id);
  const moved = a.balance - (after?.balance ?? a.balance);
  if (moved !== 0 || expected.has(a.id)) charged[a.id] = moved;
  if (moved !== (expected.get(a.id) ?? 0)) problems.push(`account ${a.id} was charged ${moved}; the journal holds ${expected.get(a.id) ?? 0}`);
}
for (const s of settlementRows) {
  count(`host.settlement.${s.status}`);
  if (s.status === 'out-of-balance') continue; // followed by the upload and a closing record
}
if (settlements > 0 && !settlementRows.some((s) => s.status === 'balanced' || s.status === 'closed-after-upload')) problems.push('no settlement closed at the host');

// ---- the summary ----------------------------------------------------------------------------

const pct = (xs: number[], p: number) => (xs.length ? Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!) : null);
/** Least squares over the samples from 100 sales on: KiB a sale, and the line at 10,000 sales. */
function fit(samples: { sales: number; kib: number }[]): { kibPerSale: number; at10000KiB: number } | null {
  const s = samples.filter((x) => x.sales >= 100 && Number.isFinite(x.kib));
  if (s.length < 2) return null;
  const n = s.length;
  const mx = s.reduce((a, x) => a + x.sales, 0) / n;
  const my = s.reduce((a, x) => a + x.kib, 0) / n;
  const sxx = s.reduce((a, x) => a + (x.sales - mx) ** 2, 0);
  const slope = sxx ? s.reduce((a, x) => a + (x.sales - mx) * (x.kib - my), 0) / sxx : 0;
  return { kibPerSale: Number(slope.toFixed(2)), at10000KiB: Math.round(my + slope * (10_000 - mx)) };
}
const at100 = rss.find((x) => x.sales === 100)?.kib ?? null;
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : null);
const line = fit(rss);
const agree = problems.filter((p) => !p.startsWith('stuck:')).length === 0;
const summary = {
  soak: {
    sales: salesDone,
    seed: SEED,
    faultRate: FAULT_RATE,
    agree,
    stuck,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    salesSeconds: Number(salesSeconds.toFixed(1)),
    salesPerSecond: Number((salesDone / salesSeconds).toFixed(4)),
    // Times are real ms; at the counter's pace (time scale 1) device waits take timeScale times longer.
    timeScale: SCALE,
    mallocMmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? 'glibc default (dynamic)',
    host: HOST_INSIDE ? 'inside pos start' : 'pos host, its own process',
    startupToIdleMs: Math.round(startupMs),
    saleWholeMs: { p50: pct(wholeMs, 50), p90: pct(wholeMs, 90), max: pct(wholeMs, 100) },
    saleToApprovedMs: { p50: pct(approvedMs, 50), p90: pct(approvedMs, 90) },
    screens: screensSeen,
    faults,
    voids,
    refunds,
    settlements,
    receipts,
    rss: {
      startKiB: rss[0]!.kib,
      at100KiB: at100,
      endOfSalesKiB: rss.at(-1)!.kib,
      endKiB: rssEnd,
      // The target of issue 10: the RSS after the last sale against the RSS after 100 sales.
      endOfSalesOver100: at100 ? Number((rss.at(-1)!.kib / at100).toFixed(3)) : null,
      around100MedianKiB: median(every25.filter((x) => x.sales >= 75 && x.sales <= 125).map((x) => x.kib)),
      last5MedianKiB: median(every25.slice(-5).map((x) => x.kib)),
      hostEndKiB: hostRssEnd,
      every: RSS_EVERY,
      samples: rss.map((x) => x.kib),
      fromSale100: line,
      heap: heapSamples,
    },
    counts,
    charged,
    problems: problems.slice(0, 30),
    problemCount: problems.length,
  },
};

for (const c of [child, hostChild]) {
  if (!c) continue;
  const closed = new Promise((res) => c.once('close', res));
  c.kill('SIGTERM');
  await Promise.race([closed, sleep(10_000)]);
}
if (values.keep) log({ kept: data });
else rmSync(data, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = agree && !aborted && stuck === 0 ? 0 : 1;
