/**
 * How long a tapped card must stay in the field, against the floor the hardware sets.
 *
 * The real PN532 driver (HSU link, Pn532CardReader) and the real contactless kernel run
 * against the PN532 emulator over a serial pair with `timing: true` at 115200 baud, on a
 * VirtualClock, with a catalog card whose own processing time is modelled (below). Timed on
 * the virtual clock: from the reader's poll (the card already in the field) to the kernel's
 * outcome, the moment the card may leave. The floor is what no terminal can beat on this
 * link: every byte that crossed the UART, both ways, at 10 bit times a byte, plus the card's
 * processing time:
 *
 *   floor = bytes on the wire x 10 / 115200 + the card's processing time
 *
 * Also given: `wireRoundedMs`, the same bytes as the serial pair models them (each write
 * rounded up to a whole ms, simulator/ports/serial-pair.ts): the part of the gap that is the
 * model's rounding and not the terminal.
 *
 * The card model (a typical contactless payment card: its own figures, not a measurement):
 * SELECT, READ RECORD, GET DATA 5 ms; GET PROCESSING OPTIONS and GENERATE AC 20 ms (a
 * cryptogram); 100 ms more when the answer carries a dynamic signature (9F4B: fDDA, CDA).
 * The `card0` rows run the same with a card that answers at once: the link alone.
 *
 * Virtual time counts only modelled time (wire, chip, card, the driver's own waits), not
 * the CPU of the driver and kernel: that is bench/emv.bench.ts and bench/pn532.bench.ts
 * (0.1-0.4 ms and ~0.1 ms a round trip), reported here as `card_in_field_cpu` for the whole
 * tap. Prints one JSON object a line: {"name","value","unit",...}. Never passes or fails.
 */
import { toHex } from '../src/hex.js';
import { runContactlessTransaction } from '../src/emv/contactless-kernel.js';
import { defaultContactlessConfig } from '../src/emv/kernel-config.js';
import { newTransaction } from '../src/emv/terminal-data.js';
import { Pn532CardReader } from '../src/hal/pn532/card-reader.js';
import { Pn532HsuLink } from '../src/hal/pn532/hsu-link.js';
import { Pn532 } from '../src/hal/pn532/pn532.js';
import { createContactlessCard } from '../simulator/cards/catalog.js';
import { Pn532Emulator } from '../simulator/devices/pn532/emulator.js';
import type { RfCard } from '../simulator/devices/pn532/rf-card.js';
import { createSerialPair } from '../simulator/ports/serial-pair.js';
import { VirtualClock } from '../simulator/ports/virtual-clock.js';

const BAUD = 115200;
const CARDS = ['visa-ok', 'mc-ok', 'unionpay-ok', 'two-apps'];
const AMOUNTS = [100, 150_000]; // 1.00 (no CVM) and 1,500.00 (over the CVM limit: online PIN)
const REPEATS = Number(process.env.BENCH_TAP_REPEATS ?? 5);
const InDataExchange = 0x40;

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

/** Runs the clock until `p` settles, jumping to each next timer (as bench/pn532.bench.ts). */
async function drive<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await clock.advance(0);
  while (!done) await clock.advance(clock.nextDueIn() ?? 1);
  return p;
}

/** The card's own time for one exchange (see the header). */
function cardMs(apdu: Uint8Array, response: Uint8Array): number {
  const ins = apdu[1];
  const signed = toHex(response).includes('9F4B');
  const base = ins === 0xa8 || ins === 0xae ? 20 : 5;
  return base + (signed ? 100 : 0);
}

interface Tap {
  ms: number;
  floorMs: number;
  wireMs: number;
  wireRoundedMs: number;
  cardMs: number;
  bytes: number;
  writes: number;
  apdus: number;
  outcome: string;
  cvm: string;
  cpuMs: number;
}

async function tap(id: string, amount: number, modelCard: boolean, arriveAfterMs: number | null = null): Promise<Tap> {
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock, { baudRate: BAUD, timing: true });
  const emu = new Pn532Emulator({ clock, record: false });
  emu.connectSerial(device);
  const chip = await drive(clock, Pn532.open({ link: new Pn532HsuLink(host), clock }));
  const reader = new Pn532CardReader(chip, { clock });

  // The card answers ahead of time (when the chip hears the command), so its processing
  // time can depend on what it answers; the emulator then waits that long before passing
  // the answer on.
  const virtual = createContactlessCard(id);
  let ready: Uint8Array | null = null;
  let nextMs = 0;
  let cardTotal = 0;
  let apdus = 0;
  emu.observe((e) => {
    if (e.kind !== 'command' || e.code !== InDataExchange) return;
    const apdu = e.params.slice(1);
    ready = virtual.transceive(apdu);
    nextMs = modelCard ? cardMs(apdu, ready) : 0;
    cardTotal += nextMs;
    apdus++;
  });
  const rf0 = virtual.rfCard();
  const card: RfCard = {
    type: rf0.type,
    uid: rf0.uid,
    ...(rf0.ats ? { ats: rf0.ats } : {}),
    get processingMs() {
      return nextMs;
    },
    transceive: (apdu) => {
      const r = ready ?? virtual.transceive(apdu);
      ready = null;
      return r;
    },
  };
  if (arriveAfterMs === null) emu.placeCard(card);
  else clock.setTimer(arriveAfterMs, () => emu.placeCard(card));

  const h0 = host.written.length;
  const d0 = device.written.length;
  const t0 = clock.monotonic();
  const cpu0 = process.cpuUsage();
  const signal = new AbortController().signal;
  const result = await drive(
    clock,
    (async () => {
      const session = await reader.poll({ signal });
      const txn = newTransaction({ amount, time: new Date(2026, 2, 15, 10, 30, 0) });
      return runContactlessTransaction({ transmit: (apdu) => session.transmit(apdu, signal), config: defaultContactlessConfig(), transaction: txn, signal });
    })(),
  );
  const cpu = process.cpuUsage(cpu0);
  const ms = clock.monotonic() - t0 - (arriveAfterMs ?? 0);
  const writes = [...host.written.slice(h0), ...device.written.slice(d0)];
  const bytes = writes.reduce((n, w) => n + w.length, 0);
  const wireMs = (bytes * 10 * 1000) / BAUD;
  const wireRoundedMs = writes.reduce((n, w) => n + Math.ceil((w.length * 10 * 1000) / BAUD), 0);
  await drive(clock, reader.close());
  return {
    ms,
    floorMs: wireMs + cardTotal,
    wireMs,
    wireRoundedMs,
    cardMs: cardTotal,
    bytes,
    writes: writes.length,
    apdus,
    outcome: result.outcome,
    cvm: String(result.cvm ?? 'none'),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

const r2 = (n: number) => Number(n.toFixed(2));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Warm-up: JIT and module caches, nothing printed.
for (let i = 0; i < 5; i++) for (const id of CARDS) await tap(id, 100, true);

for (const id of CARDS) {
  for (const amount of AMOUNTS) {
    for (const modelCard of [true, false]) {
      const runs: Tap[] = [];
      for (let i = 0; i < REPEATS; i++) runs.push(await tap(id, amount, modelCard));
      const t = runs[0]!;
      const over = t.ms / t.floorMs - 1;
      const tags = { card: id, amount, cardModel: modelCard ? 'modelled' : 'card0', outcome: t.outcome, cvm: t.cvm };
      emit(modelCard ? 'card_in_field' : 'card_in_field_card0', t.ms, 'ms', {
        ...tags,
        floorMs: r2(t.floorMs),
        overFloor: `${(over * 100).toFixed(1)}%`,
        wireMs: r2(t.wireMs),
        wireRoundedMs: t.wireRoundedMs,
        cardMs: t.cardMs,
        bytes: t.bytes,
        uartWrites: t.writes,
        apdus: t.apdus,
        note: 'virtual time, poll (card in the field) to the kernel outcome; floor = bytes x 10 / 115200 + card processing',
      });
      if (modelCard) emit('card_in_field_cpu', r2(median(runs.map((x) => x.cpuMs))), 'ms', { ...tags, repeats: REPEATS, note: 'process.cpuUsage of driver + kernel + emulator + card for the whole tap (the emulator and the card are not the terminal)' });
    }
  }
}

// The card arriving while the reader polls (the reader was already polling, as at the
// "Tap/insert/swipe" prompt): from the card entering the field to the kernel's outcome.
// The detection part is the poll loop's rhythm (InListPassiveTarget A, then B, then a
// 100 ms rest), not the link: it is reported, not counted against the floor.
{
  const ARRIVALS = Number(process.env.BENCH_TAP_ARRIVALS ?? 40);
  const byArrival: number[] = [];
  const floor = (await tap('visa-ok', 100, true)).floorMs;
  for (let i = 0; i < ARRIVALS; i++) {
    const t = await tap('visa-ok', 100, true, Math.floor((i * 250) / ARRIVALS) + 1);
    byArrival.push(t.ms);
  }
  const sorted = [...byArrival].sort((a, b) => a - b);
  emit('card_in_field_from_arrival_p50', sorted[Math.floor(sorted.length / 2)]!, 'ms', { card: 'visa-ok', amount: 100, arrivals: ARRIVALS, floorMs: r2(floor), note: 'virtual time, card placed 1-250 ms after the poll began, to the kernel outcome: detection by the poll loop included' });
  emit('card_in_field_from_arrival_max', sorted.at(-1)!, 'ms', { card: 'visa-ok', amount: 100, min: sorted[0], floorMs: r2(floor) });
}
