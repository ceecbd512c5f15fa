/**
 * The contact reader driver over a PC/SC reader port, with the simulated slot at the far
 * end: insertion by the reader's events, a card left in not served twice, mute cards,
 * cancellation, removal seen by the session and by transmit, release.
 */
import { describe, expect, it } from 'vitest';
import { createChipCard } from '../../../simulator/cards/catalog.js';
import { ContactSlotEmulator } from '../../../simulator/devices/contact-slot/contact-slot.js';
import { PcscContactReader } from '../../../src/hal/contact/pcsc-reader.js';
import { ContactCardMuteError } from '../../../src/hal/contact-reader.js';
import { CardRemovedError, CardSessionClosedError } from '../../../src/hal/reader.js';
import { CancelledError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/hex.js';

const SELECT_PSE = fromHex('00A404000E315041592E5359532E444446303100');
const never = () => new AbortController().signal;

function rig() {
  const slot = new ContactSlotEmulator();
  return { slot, reader: new PcscContactReader(slot) };
}

describe('PcscContactReader on the simulated slot', () => {
  it('waits for an insertion, then exchanges APDUs in T=0 as the card gives them', async () => {
    const { slot, reader } = rig();
    let resolved = false;
    const waiting = reader.waitForCard({ signal: never() }).then((s) => {
      resolved = true;
      return s;
    });
    await Promise.resolve();
    expect(resolved).toBe(false);
    slot.insert(createChipCard('chip-ok'));
    const session = await waiting;
    expect(reader.name).toBe('sim:contact');
    expect(toHex(session.atr)).toBe('3B65000080318065B0');
    expect(session.protocol).toBe('T=0');
    expect(toHex(await session.transmit(SELECT_PSE))).toBe('611E');
    expect(toHex(await session.transmit(fromHex('00C000001E')))).toMatch(/^6F1C.*9000$/);
  });

  it('a card left in the slot after its session is not served again until it comes out and goes back in', async () => {
    const { slot, reader } = rig();
    slot.insert(createChipCard('chip-ok'));
    const first = await reader.waitForCard({ signal: never() });
    await first.release();
    await expect(first.transmit(SELECT_PSE)).rejects.toBeInstanceOf(CardSessionClosedError);
    const ac = new AbortController();
    const second = reader.waitForCard({ signal: ac.signal });
    await Promise.resolve();
    slot.remove();
    slot.insert(createChipCard('chip-ok'));
    const s2 = await second;
    expect(toHex(await s2.transmit(SELECT_PSE))).toBe('611E');
  });

  it('CANCEL while waiting rejects with the signal\'s reason', async () => {
    const { reader } = rig();
    const ac = new AbortController();
    const waiting = reader.waitForCard({ signal: ac.signal });
    ac.abort(new CancelledError('cancel-key'));
    await expect(waiting).rejects.toMatchObject({ reason: 'cancel-key' });
  });

  it('a mute card (no ATR) or an ATR that does not check is ContactCardMuteError', async () => {
    const { slot, reader } = rig();
    slot.insert({ atr: new Uint8Array(0), transceive: () => fromHex('6F00') });
    await expect(reader.waitForCard({ signal: never() })).rejects.toBeInstanceOf(ContactCardMuteError);
    slot.remove();
    slot.insert({ atr: fromHex('3BE500008131FE4580318065B000'), transceive: () => fromHex('6F00') });
    await expect(reader.waitForCard({ signal: never() })).rejects.toThrow(/TCK does not check/);
  });

  it('pulled out: removed() resolves, the exchange under way and later ones fail with CardRemovedError', async () => {
    const { slot, reader } = rig();
    slot.insert(createChipCard('chip-ok'));
    const session = await reader.waitForCard({ signal: never() });
    let gone = false;
    void session.removed().then(() => (gone = true));
    const during = session.transmit(SELECT_PSE);
    slot.remove();
    await expect(during).rejects.toBeInstanceOf(CardRemovedError);
    await Promise.resolve();
    expect(gone).toBe(true);
    await expect(session.transmit(SELECT_PSE)).rejects.toBeInstanceOf(CardRemovedError);
    // removed() still answers after release, and at once.
    await session.release();
    await session.removed();
  });

  it('an abort during an exchange rejects that exchange with the reason', async () => {
    const { slot, reader } = rig();
    slot.insert(createChipCard('chip-ok'));
    const session = await reader.waitForCard({ signal: never() });
    const ac = new AbortController();
    const p = session.transmit(SELECT_PSE, ac.signal);
    ac.abort(new CancelledError('cancel-key'));
    await expect(p).rejects.toMatchObject({ reason: 'cancel-key' });
  });

  it('close() releases the session; the slot emulator refuses a second card', async () => {
    const { slot, reader } = rig();
    slot.insert(createChipCard('chip-ok'));
    expect(() => slot.insert(createChipCard('chip-ok'))).toThrow(/already in the contact slot/);
    const session = await reader.waitForCard({ signal: never() });
    await reader.close();
    await reader.close();
    await expect(session.transmit(SELECT_PSE)).rejects.toBeInstanceOf(CardSessionClosedError);
  });
});
