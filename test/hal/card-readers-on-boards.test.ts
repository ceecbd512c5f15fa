/**
 * The contact and magstripe readers as openDevices builds them from a board description:
 * on the sim board, the PC/SC driver on the contact slot emulator and the serial driver on
 * the magstripe emulator, worked through presentCard('insert' | 'swipe' | 'remove'); on
 * ports without PC/SC or key events, the terminal starts without them and says why (the
 * Linux ports have both: test/hal/linux/).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import boardSim from '../../board/sim.js';
import { SimBoard } from '../../simulator/sim-board.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';
import { ContactChipCard } from '../../simulator/cards/contact-card.js';
import { defaultContactConfig } from '../../src/emv/contact-config.js';
import { runContactTransaction } from '../../src/emv/contact-kernel.js';
import { readSwipedCard } from '../../src/emv/swiped-card.js';
import { DeviceError } from '../../src/errors.js';
import type { BoardDescription } from '../../src/hal/board.js';
import type { BoardPorts } from '../../src/hal/board-ports.js';
import { openDevices } from '../../src/hal/devices.js';
import { SwipeError } from '../../src/hal/magstripe/index.js';
import { transaction } from '../emv/helpers/kernel-harness.js';
import { runUntil } from '../helpers/sim-terminal.js';

async function open(desc: BoardDescription = boardSim, portsOf: (b: SimBoard) => BoardPorts = (b) => b.ports) {
  const clock = new VirtualClock();
  const sim = new SimBoard(desc, clock);
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const devices = await runUntil(clock, openDevices(desc, portsOf(sim), clock, log), 10_000, 1);
  return { clock, sim, devices, logs };
}

const never = () => new AbortController().signal;

describe('the sim board\'s contact and magstripe readers', () => {
  it('insert chip-ok: the contact reader gets a session and the kernel goes online; remove: the session sees it', async () => {
    const { sim, devices } = await open();
    expect(devices.contact?.name).toBe('sim:contact');
    const waiting = devices.contact!.waitForCard({ signal: never() });
    sim.presentCard('insert', 'chip-ok');
    const session = await waiting;
    const result = await runContactTransaction({ transmit: (a) => session.transmit(a), config: defaultContactConfig(), transaction: transaction(100), signal: never(), random: () => 0.999 });
    expect(result.outcome).toBe('online-request');
    expect(result.maskedPan).toBe('476173******0052');
    sim.presentCard('remove');
    await session.removed();
    // The same card object comes back at the next insertion: its ATC goes on counting.
    const again = devices.contact!.waitForCard({ signal: never() });
    const card = sim.insertCard('chip-ok') as ContactChipCard;
    await again;
    expect(card.atcs()).toEqual([0x21]);
    await devices.close();
  });

  it('swipe magstripe-ok: the serial reader gives its tracks; chip-ok swiped is sent to the chip', async () => {
    const { clock, sim, devices } = await open();
    expect(devices.magstripe?.name).toBe('sim:msr');
    let p = runUntil(clock, devices.magstripe!.waitForSwipe({ signal: never() }));
    sim.presentCard('swipe', 'magstripe-ok');
    const swipe = await p;
    expect(readSwipedCard(swipe)).toMatchObject({ outcome: 'proceed', maskedPan: '621234******1257', fallback: false });
    p = runUntil(clock, devices.magstripe!.waitForSwipe({ signal: never() }));
    sim.presentCard('swipe', 'chip-ok');
    expect(readSwipedCard(await p)).toMatchObject({ outcome: 'use-chip' });
    // A bad read, for the flow's "swipe again".
    p = runUntil(clock, devices.magstripe!.waitForSwipe({ signal: never() }));
    void sim.swipeCard('magstripe-ok', { garble: { track: 2, how: 'unreadable' } });
    await expect(p).rejects.toBeInstanceOf(SwipeError);
    await devices.close();
  });

  it('cards without that interface, and boards without those readers, are the reader\'s complaint', async () => {
    const { sim, devices } = await open();
    expect(() => sim.presentCard('insert', 'visa-ok')).toThrow(DeviceError);
    expect(() => sim.presentCard('insert', 'visa-ok')).toThrow(/no contact chip interface/);
    expect(() => sim.presentCard('swipe', 'visa-ok')).toThrow(/no magstripe interface/);
    expect(() => sim.presentCard('insert')).toThrow(/which card/);
    await devices.close();
    const bare = structuredClone(boardSim);
    delete bare.devices.contact;
    delete bare.devices.magstripe;
    const plain = await open(bare);
    expect(plain.devices.contact).toBeUndefined();
    expect(plain.devices.magstripe).toBeUndefined();
    expect(() => plain.sim.presentCard('insert', 'chip-ok')).toThrow(/has no contact chip reader/);
    expect(() => plain.sim.presentCard('swipe', 'chip-ok')).toThrow(/has no magnetic stripe reader/);
    await plain.devices.close();
  });

  it('ports without PC/SC or key events: the terminal opens without those readers and logs why', async () => {
    const wedge: BoardDescription = { ...structuredClone(boardSim), devices: { ...structuredClone(boardSim).devices, magstripe: { driver: 'keyboard-wedge', device: '/dev/input/event7' } } };
    const linuxLike = (b: SimBoard): BoardPorts => ({ gpio: b.ports.gpio, i2c: b.ports.i2c, serial: b.ports.serial, close: b.ports.close });
    const { devices, logs } = await open(wedge, linuxLike);
    expect(devices.contact).toBeUndefined();
    expect(devices.magstripe).toBeUndefined();
    const events = logs.filter((l) => l.level === 40).map((l) => [l.event, l.msg]);
    expect(events).toContainEqual(['contact.unavailable', expect.stringMatching(/no PC\/SC binding is installed/)]);
    expect(events).toContainEqual(['magstripe.unavailable', expect.stringMatching(/keyboard wedge \(\/dev\/input\/event7\)/)]);
    await devices.close();
  });

  it('the sim board\'s keyboard wedge, when a board asks for one', async () => {
    const wedge: BoardDescription = { ...structuredClone(boardSim), devices: { ...structuredClone(boardSim).devices, magstripe: { driver: 'keyboard-wedge', device: 'wedge0' } } };
    const { clock, sim, devices } = await open(wedge);
    const p = runUntil(clock, devices.magstripe!.waitForSwipe({ signal: never() }));
    sim.presentCard('swipe', 'magstripe-ok');
    expect(readSwipedCard(await p)).toMatchObject({ outcome: 'proceed' });
    await devices.close();
  });
});
