/**
 * The PN532 link per APDU round trip (CardSession.transmit of the real driver against the
 * emulator over HSU), for a few command and response sizes:
 * - pn532_link_bytes: bytes on the UART, both directions (frames, ACKs, MI chaining);
 * - pn532_link_time: the wire time at 115200 baud, 8N1: computed from the byte count
 *   (10 bit times a byte), the UART alone, chip and card processing left out. `pairMs`
 *   is the same round trip measured on a VirtualClock with the serial pair's
 *   `timing: true`, which rounds each write up to a whole ms, hence a little more;
 * - pn532_cpu: process.cpuUsage (user + system) per round trip of driver + emulator on
 *   the in-memory pair without wire time (the virtual clock's turns included), over
 *   many round trips after a warm-up.
 * Prints one JSON object a line: {"name","value","unit",...}. Reports, never asserts.
 */
import { Pn532CardReader } from '../src/hal/pn532/card-reader.js';
import { Pn532HsuLink } from '../src/hal/pn532/hsu-link.js';
import { Pn532 } from '../src/hal/pn532/pn532.js';
import type { CardSession } from '../src/hal/reader.js';
import { Pn532Emulator } from '../simulator/devices/pn532/emulator.js';
import type { RfCard } from '../simulator/devices/pn532/rf-card.js';
import { createSerialPair, type SimSerialEnd } from '../simulator/ports/serial-pair.js';
import { VirtualClock } from '../simulator/ports/virtual-clock.js';

const BAUD = 115200;
const ROUNDS = Number(process.env.BENCH_PN532_ROUNDS ?? 1000);

/** [C-APDU bytes, R-APDU bytes with SW]: a short command, SELECT PPSE, a record, 256 + SW, past one frame. */
const CASES: [number, number][] = [
  [5, 2],
  [20, 60],
  [5, 130],
  [5, 258],
  [261, 2],
  [600, 600],
];

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

/** A card that answers every command with `responseBytes` bytes, the last two 90 00. */
function sizedCard(responseBytes: number): RfCard {
  const r = Uint8Array.from({ length: responseBytes }, (_, i) => (i * 7) & 0xff);
  r[responseBytes - 2] = 0x90;
  r[responseBytes - 1] = 0x00;
  return { type: 'A', uid: Uint8Array.of(0x04, 1, 2, 3, 4, 5, 6), ats: Uint8Array.of(0x05, 0x78, 0x80, 0x70, 0x02), transceive: () => r };
}

/** Runs the clock until `p` settles, jumping to each next timer (as test/hal/pn532/harness.ts). */
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

async function session(responseBytes: number, timing: boolean): Promise<{ clock: VirtualClock; s: CardSession; host: SimSerialEnd; device: SimSerialEnd }> {
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock, { baudRate: BAUD, timing });
  const emu = new Pn532Emulator({ clock, record: false });
  emu.connectSerial(device);
  emu.placeCard(sizedCard(responseBytes));
  const pn = await drive(clock, Pn532.open({ link: new Pn532HsuLink(host), clock }));
  const s = await drive(clock, new Pn532CardReader(pn, { clock }).poll({ signal: new AbortController().signal }));
  return { clock, s, host, device };
}

const total = (chunks: Uint8Array[], from: number) => chunks.slice(from).reduce((n, c) => n + c.length, 0);

for (const [c, r] of CASES) {
  const apdu = Uint8Array.from({ length: c }, (_, i) => i & 0xff);
  const tags = { commandBytes: c, responseBytes: r };

  // Bytes and modelled time, on a wire that takes its time.
  const w = await session(r, true);
  const h0 = w.host.written.length;
  const d0 = w.device.written.length;
  const t0 = w.clock.monotonic();
  const got = await drive(w.clock, w.s.transmit(apdu));
  if (got.length !== r) throw new Error(`expected ${r} bytes back, got ${got.length}`);
  const ms = w.clock.monotonic() - t0;
  const toChip = total(w.host.written, h0);
  const fromChip = total(w.device.written, d0);
  emit('pn532_link_bytes', toChip + fromChip, 'bytes', { ...tags, toChip, fromChip, overhead: toChip + fromChip - c - r });
  emit('pn532_link_time', Number((((toChip + fromChip) * 10 * 1000) / BAUD).toFixed(3)), 'ms', {
    ...tags,
    baud: BAUD,
    pairMs: ms,
    method: 'computed: bytes * 10 bits / baud; pairMs: serial pair timing:true on a VirtualClock (whole ms per write)',
  });

  // CPU of driver + emulator, no wire time: everything settles in promise jobs.
  const q = await session(r, false);
  for (let i = 0; i < 300; i++) await drive(q.clock, q.s.transmit(apdu));
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) await drive(q.clock, q.s.transmit(apdu));
  const used = process.cpuUsage(cpu0);
  emit('pn532_cpu', Number(((used.user + used.system) / ROUNDS).toFixed(1)), 'µs', { ...tags, rounds: ROUNDS, note: 'process.cpuUsage per CardSession.transmit: driver + emulator on the in-memory pair, no wire time' });
}
