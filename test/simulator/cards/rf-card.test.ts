/**
 * A catalog card in the PN532 emulator's field, read by the real PN532 driver and card
 * reader over HSU, and the kernel running on the card session: the whole contactless path
 * of a sale, byte for byte, on virtual time.
 */
import { describe, expect, it } from 'vitest';
import { Pn532CardReader } from '../../../src/hal/pn532/card-reader.js';
import { Pn532 } from '../../../src/hal/pn532/pn532.js';
import { runContactlessTransaction } from '../../../src/emv/contactless-kernel.js';
import { defaultContactlessConfig } from '../../../src/emv/kernel-config.js';
import { toHex } from '../../../src/hex.js';
import { createContactlessCard } from '../../../simulator/cards/catalog.js';
import { bench, drive } from '../../hal/pn532/harness.js';
import { transaction } from '../../emv/helpers/kernel-harness.js';

describe('a virtual card through the PN532', () => {
  it.each(['visa-ok', 'mc-ok', 'two-apps'])('%s: polled, activated, and read by the kernel to an online request', async (id) => {
    const b = bench('hsu');
    const pn = await drive(b.clock, Pn532.open({ link: b.link, clock: b.clock }));
    const reader = new Pn532CardReader(pn, { clock: b.clock });
    const card = createContactlessCard(id);
    b.emu.placeCard(card.rfCard());
    const session = await drive(b.clock, reader.poll({ signal: new AbortController().signal }));
    expect(toHex(session.uid)).toBe(card.description.uid);
    const signal = new AbortController().signal;
    const result = await drive(
      b.clock,
      runContactlessTransaction({ transmit: (apdu) => session.transmit(apdu, signal), config: defaultContactlessConfig(), transaction: transaction(100), signal }),
    );
    expect(result.outcome).toBe('online-request');
    // What went over the air is what the card saw: every exchange, none lost or repeated.
    expect(b.emu.exchanges.map((e) => toHex(e.apdu))).toEqual(card.log.map((e) => toHex(e.c)));
    expect(b.emu.exchanges.length).toBe(result.exchanges);
    expect(b.emu.misuse).toEqual([]);
    await drive(b.clock, session.release());
  });
});

describe('a recorded card through the PN532', () => {
  it('plays its trace back over the air: the kernel reads the PAN of the published Visa Debit trace', async () => {
    const { recordedRfCard } = await import('../../../simulator/cards/recorded-rf-card.js');
    const b = bench('hsu');
    const pn = await drive(b.clock, Pn532.open({ link: b.link, clock: b.clock }));
    const reader = new Pn532CardReader(pn, { clock: b.clock });
    const card = recordedRfCard(new URL('../../../simulator/cards/traces/visa-debit-comdirect.json', import.meta.url).pathname);
    b.emu.placeCard(card);
    const session = await drive(b.clock, reader.poll({ signal: new AbortController().signal }));
    const signal = new AbortController().signal;
    const result = await drive(
      b.clock,
      runContactlessTransaction({ transmit: (apdu) => session.transmit(apdu, signal), config: defaultContactlessConfig(), transaction: transaction(100), signal }),
    );
    expect(result.sensitive?.pan).toBe('4761739001010010');
    expect(result.outcome).toBe('online-request');
    expect(card.recording.unused()).toEqual([]);
  });
});
