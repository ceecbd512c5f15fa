/**
 * The host link's costs, one JSON object a line ({"name","value","unit",...}):
 *  - pack and unpack time of each message of docs/host-spec.md (the MAC separately);
 *  - the round trip of a sale on loopback against the acquirer simulator, p50 and p99:
 *    the channel alone, and the whole online step (journal and reversal queue fsynced on
 *    the temp directory's disk, a key store transaction per sale);
 *  - a journal update at 100 and at 20 000 transactions (it must not grow), and opening a
 *    journal of 20 000.
 * BENCH_HOST_SALES sets the number of sales timed (default 300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../src/hal/clock.js';
import { pack, unpack, type IsoMessage } from '../src/host/iso8583.js';
import { tdesDukptMacs } from '../src/host/mac-keys.js';
import { buildEcho, buildReversal, buildSale, buildSettlement, openResponse, packWithMac, type MacFn } from '../src/host/messages.js';
import { authoriseOnline } from '../src/flows/online.js';
import { DurableLog, encodeRecord } from '../src/store/durable-log.js';
import { Journal } from '../src/store/journal.js';
import { HostSimulator } from '../simulator/host/host-simulator.js';
import { contactlessCard, openTerminalSide } from '../test/flows/helpers/online-rig.js';
import { REQUEST_KEY, RESPONSE_KEY, saleInput } from '../test/host/helpers.js';
import { TestTerminal } from '../test/simulator/host/helpers.js';

const SALES = Number(process.env.BENCH_HOST_SALES ?? 300);

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

/** Mean µs per call over enough calls to last about 200 ms, after a warm-up. */
function perCall(fn: () => unknown): number {
  for (let i = 0; i < 2_000; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 200) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
  }
  return ((performance.now() - t0) * 1000) / n;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---- pack and unpack --------------------------------------------------------------------

const macs = tdesDukptMacs({ macRequestKey: REQUEST_KEY, macResponseKey: RESPONSE_KEY });
const sale = buildSale(saleInput());
const f = sale.fields;
const answers: [string, IsoMessage, MacFn | null][] = [
  ['0200', sale, macs.request],
  ['0210', { mti: '0210', fields: { 3: f[3]!, 4: f[4]!, 11: f[11]!, 12: f[12]!, 13: f[13]!, 37: '011500000001', 38: 'A1B2C3', 39: '00', 41: f[41]!, 55: Uint8Array.of(0x91, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30) } }, macs.response],
  ['0400', buildReversal(sale, { reason: 'no-response', ksn: saleInput().ksn }), macs.request],
  ['0410', { mti: '0410', fields: { 3: f[3]!, 4: f[4]!, 11: f[11]!, 39: '00', 41: f[41]! } }, macs.response],
  ['0500', buildSettlement({ ...saleInput(), totals: { debitCount: 12, debitAmount: 123_456, creditCount: 1, creditAmount: 500 } }), macs.request],
  ['0800', buildEcho({ terminalId: 'TERM0001', merchantId: '898310048160001', stan: 42, at: saleInput().at }), null],
];
for (const [mti, message, mac] of answers) {
  const bytes = mac ? packWithMac(message, mac) : pack(message);
  emit(`iso8583_pack_${mti}`, Number(perCall(() => pack(message)).toFixed(2)), 'us', { bytes: bytes.length });
  emit(`iso8583_unpack_${mti}`, Number(perCall(() => unpack(bytes)).toFixed(2)), 'us');
  if (mac) {
    emit(`iso8583_pack_with_mac_${mti}`, Number(perCall(() => packWithMac(message, mac)).toFixed(2)), 'us', { mac: 'retail (ISO 9797-1 alg. 3)' });
    emit(`iso8583_open_checked_${mti}`, Number(perCall(() => openResponse(bytes, mac)).toFixed(2)), 'us', { note: 'unpack and MAC check' });
  }
}

// ---- round trips ------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'bench-host-'));
try {
  const clock = new RealClock();
  const sim = await HostSimulator.open({ dataDir: join(dir, 'host'), clock });
  const port = (await sim.listen('127.0.0.1', 0)).port;

  // The channel alone: build, MAC, send, match, check the MAC; the simulator fsyncs its ledger.
  const terminal = new TestTerminal();
  // Its own terminal ID: the host answers 94 to a STAN it has seen from a terminal today.
  terminal.terminalId = 'BENCH001';
  const side = await openTerminalSide({ dataDir: join(dir, 'terminal'), port, clock, keys: 'keystore' });
  const channelMs: number[] = [];
  for (let i = 0; i < SALES + 20; i++) {
    const s = terminal.sale('visa-ok', 100 + (i % 100));
    const t0 = performance.now();
    await side.channel.send(s.request, { mac: s.mac });
    if (i >= 20) channelMs.push(performance.now() - t0);
  }
  channelMs.sort((a, b) => a - b);
  emit('sale_roundtrip_channel_p50', Number(percentile(channelMs, 50).toFixed(2)), 'ms', { sales: SALES, note: 'HostChannel.send over loopback TCP to the simulator (which fsyncs its ledger)' });
  emit('sale_roundtrip_channel_p99', Number(percentile(channelMs, 99).toFixed(2)), 'ms');

  // The whole online step: key store transaction, journal pending (fsync), queue armed (fsync), the exchange, journal approved, queue cleared.
  const onlineMs: number[] = [];
  for (let i = 0; i < SALES + 20; i++) {
    const amount = 100 + (i % 100);
    const card = contactlessCard('mc-ok', amount, 1 + i);
    const t0 = performance.now();
    const out = await authoriseOnline(side.deps, { kind: 'sale', amount, currency: 'CNY', card });
    if (i >= 20) onlineMs.push(performance.now() - t0);
    if (out.kind !== 'approved') throw new Error(`bench sale ${i}: ${out.kind}`);
  }
  onlineMs.sort((a, b) => a - b);
  emit('sale_online_step_p50', Number(percentile(onlineMs, 50).toFixed(2)), 'ms', { sales: SALES, note: `authoriseOnline, journal and reversal log fsynced in ${tmpdir()}` });
  emit('sale_online_step_p99', Number(percentile(onlineMs, 99).toFixed(2)), 'ms');
  await side.close();
  await sim.close();

  // Journal appends at two sizes, on the same disk.
  for (const size of [100, 20_000]) {
    const file = join(dir, `journal-${size}.log`);
    const seedLog = await Journal.open({ file });
    await seedLog.close();
    const { log } = await DurableLog.open(file);
    const records: Uint8Array[] = [];
    for (let i = 0; i < size; i++) {
      const stan = String((i % 999_999) + 1).padStart(6, '0');
      const r = { id: `TERM0001-${stan}-${i}`, stan, type: 'sale', amount: 100 + i, currency: 'CNY', status: 'pending', batch: 1, time: new Date().toISOString(), localDate: '0115', localTime: '093000', entryMode: 'contactless-chip', maskedPan: '476173******0011', panHash: 'ab'.repeat(32), sealedCard: 'x'.repeat(80), rrn: null, authCode: null, responseCode: null, responseText: null, reversalReason: null, reversalCode: null, reversal: { fields: { '3': '000000', '4': '000000000100', '55': 'AB'.repeat(60) } }, original: null, updatedAt: '' };
      records.push(Buffer.from(JSON.stringify({ t: 'tx', r }), 'utf8'));
      records.push(Buffer.from(JSON.stringify({ t: 'set', id: r.id, c: { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3', responseCode: '00' }, at: '' }), 'utf8'));
    }
    await log.rewrite(records);
    await log.close();
    const t0 = performance.now();
    const journal = await Journal.open({ file });
    const openMs = performance.now() - t0;
    if (size > 100) emit('journal_open', Number(openMs.toFixed(1)), 'ms', { transactions: size, bytes: records.reduce((a, r) => a + encodeRecord(r).length, 0) });
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const stan = String(journal.reserveStan()).padStart(6, '0');
      const id = `B-${i}`;
      await journal.begin({ id, stan, type: 'sale', amount: 1, currency: 'CNY', batch: journal.batch, time: '', localDate: '0115', localTime: '093000' });
      const t1 = performance.now();
      await journal.update(id, { status: 'declined', responseCode: '05' });
      times.push(performance.now() - t1);
    }
    await journal.close();
    times.sort((a, b) => a - b);
    emit(`journal_update_at_${size}`, Number(percentile(times, 50).toFixed(3)), 'ms', { note: `median of 100 updates (one append and fsync) in ${tmpdir()}` });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
