import { Pn532HsuLink } from '../../../src/hal/pn532/hsu-link.js';
import { Pn532I2cLink } from '../../../src/hal/pn532/i2c-link.js';
import type { Pn532Link } from '../../../src/hal/pn532/link.js';
import { Pn532SpiLink } from '../../../src/hal/pn532/spi-link.js';
import { Pn532Emulator, type Pn532EmulatorOptions } from '../../../simulator/devices/pn532/emulator.js';
import type { RfCard } from '../../../simulator/devices/pn532/rf-card.js';
import { SimGpioLine } from '../../../simulator/ports/gpio.js';
import { SimI2cBus } from '../../../simulator/ports/i2c-bus.js';
import { createSerialPair, type SimSerialEnd } from '../../../simulator/ports/serial-pair.js';
import { SimSpiDevice } from '../../../simulator/ports/spi.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { fromHex } from '../../../src/hex.js';

/**
 * Test benches: the driver's link on one side, the PN532 emulator on the other, joined by
 * the simulated port of that link, all on one VirtualClock.
 */

export type LinkKind = 'hsu' | 'i2c' | 'spi';
export const LINKS: LinkKind[] = ['hsu', 'i2c', 'spi'];

export interface Bench {
  kind: LinkKind;
  clock: VirtualClock;
  emu: Pn532Emulator;
  link: Pn532Link;
  irq: SimGpioLine | undefined;
  /** HSU only: [terminal end, emulator end]. */
  serial?: [SimSerialEnd, SimSerialEnd];
  bus?: SimI2cBus;
  spi?: SimSpiDevice;
}

export interface BenchOptions {
  emulator?: Partial<Omit<Pn532EmulatorOptions, 'clock' | 'irq'>>;
  /** Wire P70_IRQ (I2C and SPI). */
  irq?: boolean;
  /** Leave the emulator off the port: nothing answers. */
  absent?: boolean;
  /** HSU: bytes take their 10 bit times at 115200 baud on the clock. */
  serialTiming?: boolean;
}

export function bench(kind: LinkKind, options: BenchOptions = {}): Bench {
  const clock = new VirtualClock();
  const irq = options.irq ? new SimGpioLine('sim:pn532-irq', { direction: 'in', pull: 'up' }) : undefined;
  const emu = new Pn532Emulator({ clock, irq, ...options.emulator });
  if (kind === 'hsu') {
    const serial = createSerialPair(clock, { paths: ['sim:pn532', 'pn532-emulator'], timing: options.serialTiming ?? false });
    if (!options.absent) emu.connectSerial(serial[1]);
    return { kind, clock, emu, irq, serial, link: new Pn532HsuLink(serial[0]) };
  }
  if (kind === 'i2c') {
    const bus = new SimI2cBus('sim:i2c1');
    if (!options.absent) emu.connectI2c(bus);
    return { kind, clock, emu, irq, bus, link: new Pn532I2cLink(bus, { clock, irq }) };
  }
  const spi = new SimSpiDevice('sim:spi0', { bitOrder: 'lsb-first' });
  if (!options.absent) emu.connectSpi(spi);
  return { kind, clock, emu, irq, spi, link: new Pn532SpiLink(spi, { clock, irq }) };
}

/**
 * Runs the clock until `p` settles: jumps straight to each next timer, so long waits cost
 * nothing, and gives up (failing the test) after `maxMs` of virtual time.
 */
export async function drive<T>(clock: VirtualClock, p: Promise<T>, maxMs = 120_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await clock.advance(0);
  let waited = 0;
  while (!done) {
    if (waited > maxMs) throw new Error(`still pending after ${maxMs} ms of virtual time`);
    const next = clock.nextDueIn();
    const step = next === null ? 1 : Math.max(next, 0);
    await clock.advance(step);
    waited += step === 0 ? 0.001 : step;
  }
  return p;
}

/** The error `p` rejects with (driving the clock), failing when it resolves. */
export async function failure(clock: VirtualClock, p: Promise<unknown>, maxMs?: number): Promise<unknown> {
  try {
    await drive(clock, p, maxMs);
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A card that answers every APDU with the APDU itself followed by 90 00. */
export function echoCard(type: 'A' | 'B', extra: Partial<RfCard> = {}): RfCard & { seen: Uint8Array[] } {
  const seen: Uint8Array[] = [];
  return {
    type,
    uid: type === 'A' ? fromHex('04A1B2C3D4E5F6') : fromHex('1A2B3C4D'),
    ...(type === 'A' ? { ats: fromHex('0578807002') } : {}),
    seen,
    transceive(apdu: Uint8Array) {
      seen.push(Uint8Array.from(apdu));
      const out = new Uint8Array(apdu.length + 2);
      out.set(apdu);
      out.set([0x90, 0x00], apdu.length);
      return out;
    },
    ...extra,
  };
}

/** Bytes 0, 1, 2 ... of length n: easy to check after chaining. */
export function pattern(n: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
}
