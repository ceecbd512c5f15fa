/**
 * The contactless kernel's cost per transaction, for each virtual card (the catalog's and the Kernel 4 test card): CPU time of
 * the kernel alone (process.cpuUsage, user + system), APDUs exchanged and bytes moved (C-APDUs
 * and R-APDUs). No I/O: each card is first run once in-process with a fixed transaction,
 * its answers kept; the kernel is then timed against those answers played back, so the
 * card's own RSA signing is not counted. Prints one JSON object a line:
 * {"name","value","unit","card","scenario",...}. EMV_BENCH_ITERATIONS sets the repeats (200).
 */
import { toHex } from '../src/hex.js';
import { runContactlessTransaction } from '../src/emv/contactless-kernel.js';
import { DEFAULT_AIDS, defaultContactlessConfig, type ContactlessConfig } from '../src/emv/kernel-config.js';
import { newTransaction } from '../src/emv/terminal-data.js';
import { createVirtualCard, VIRTUAL_CARD_IDS } from '../simulator/cards/catalog.js';

const ITERATIONS = Number(process.env.EMV_BENCH_ITERATIONS ?? 200);
const TIME = new Date(2026, 2, 15, 10, 30, 0);
const UN = Uint8Array.of(0x11, 0x22, 0x33, 0x44);

function emit(name: string, value: number, unit: string, extra: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

const scenarios: [string, ContactlessConfig][] = [
  ['online', defaultContactlessConfig()],
  ['offline', defaultContactlessConfig({ aids: DEFAULT_AIDS.map((a) => ({ ...a, floorLimit: 10_000 })) })],
];

const run = (transmit: (apdu: Uint8Array) => Promise<Uint8Array>, config: ContactlessConfig) =>
  runContactlessTransaction({ transmit, config, transaction: newTransaction({ amount: 100, time: TIME, random: () => UN.slice() }), signal: new AbortController().signal });

/** One pass over the catalog; the first pass only warms up (JIT, caches) and prints nothing. */
async function pass(print: boolean): Promise<void> {
  for (const id of VIRTUAL_CARD_IDS) {
    for (const [scenario, config] of scenarios) {
      const card = createVirtualCard(id);
      const answers = new Map<string, Uint8Array>();
      let bytes = 0;
      const first = await run(async (apdu) => {
        const r = card.transceive(apdu);
        answers.set(toHex(apdu), r);
        bytes += apdu.length + r.length;
        return r;
      }, config);
      const replay = async (apdu: Uint8Array) => answers.get(toHex(apdu)) ?? Uint8Array.of(0x6d, 0x00);
      for (let i = 0; i < 20; i++) await run(replay, config);
      const before = process.cpuUsage();
      for (let i = 0; i < ITERATIONS; i++) await run(replay, config);
      const used = process.cpuUsage(before);
      if (!print) continue;
      const extra = { card: id, scenario, outcome: first.outcome, iterations: ITERATIONS };
      emit('emv_kernel_cpu', Number(((used.user + used.system) / 1000 / ITERATIONS).toFixed(3)), 'ms/transaction', extra);
      emit('emv_apdus', first.exchanges, 'APDUs/transaction', { card: id, scenario });
      emit('emv_bytes', bytes, 'bytes/transaction', { card: id, scenario, note: 'C-APDU and R-APDU bytes, status words included' });
    }
  }
}

await pass(false);
await pass(true);
