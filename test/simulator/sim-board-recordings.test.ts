/**
 * The sim board under `pos start` keeps only the newest of what its emulators record, so a
 * terminal that runs for days does not grow with every sale; tests keep everything.
 */
import { describe, expect, it } from 'vitest';
import boardSim from '../../board/sim.js';
import { ContactChipCard } from '../../simulator/cards/contact-card.js';
import { SimBoard } from '../../simulator/sim-board.js';
import type { SimSerialEnd } from '../../simulator/ports/serial-pair.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';
import { fromHex } from '../../src/hex.js';

const SELECT_PSE = fromHex('00A404000E315041592E5359532E444446303100');

async function exercise(sim: SimBoard) {
  const port = boardSim.devices.reader.port;
  const link = (await sim.ports.serial(port)) as SimSerialEnd;
  for (let i = 0; i < 10; i++) await link.write(Uint8Array.of(0x55, i));
  const card = sim.insertCard('chip-ok');
  if (!(card instanceof ContactChipCard)) throw new Error('chip-ok is a contact chip card');
  for (let i = 0; i < 9; i++) card.transceive(SELECT_PSE);
  card.transceive(fromHex('00B2010C00'));
  sim.insertCard('chip-ok'); // the next insertion: the board trims what it recorded
  sim.presentCard('tap', 'visa-ok');
  return { link, card };
}

describe('the sim board\'s recordings', () => {
  it('bounded: each recording is cut back to its newest entries when a card is presented', async () => {
    const sim = new SimBoard(boardSim, new VirtualClock(), { recordings: { keep: 3 } });
    const { link, card } = await exercise(sim);
    expect(link.written).toHaveLength(3);
    expect([...link.written.at(-1)!]).toEqual([0x55, 9]);
    expect(card.log).toHaveLength(3);
    expect([...card.log.at(-1)!.c]).toEqual([...fromHex('00B2010C00')]);
  });

  it('all (the default, for tests): nothing is dropped', async () => {
    const sim = new SimBoard(boardSim, new VirtualClock());
    const { link, card } = await exercise(sim);
    expect(link.written).toHaveLength(10);
    expect(card.log).toHaveLength(10);
  });
});
