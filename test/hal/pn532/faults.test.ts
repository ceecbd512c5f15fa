import { describe, expect, it } from 'vitest';
import { I2cNackError } from '../../../src/errors.js';
import { Pn532CardReader } from '../../../src/hal/pn532/card-reader.js';
import { CMD } from '../../../src/hal/pn532/commands.js';
import { Pn532FrameError, Pn532NoAckError, Pn532TimeoutError } from '../../../src/hal/pn532/errors.js';
import { Pn532 } from '../../../src/hal/pn532/pn532.js';
import { CardRemovedError, CardTransmissionError, type CardReader, type CardSession } from '../../../src/hal/reader.js';
import { fromHex, toHex } from '../../../src/hex.js';
import type { RfCard } from '../../../simulator/devices/pn532/rf-card.js';
import { bench, drive, echoCard, failure, LINKS, pattern, type Bench, type BenchOptions, type LinkKind } from './harness.js';

/**
 * Issue 3's acceptance: every fault the emulator can inject ends the operation it hit with
 * a typed error, and the reader is not left broken: the next poll finds a card and an
 * APDU goes through. The real driver and card reader run on each link, the emulator at
 * the far end, all on virtual time.
 */

const SELECT_PPSE = fromHex('00A404000E325041592E5359532E444446303100');

async function readerOn(kind: LinkKind, options: BenchOptions = {}): Promise<Bench & { reader: CardReader; pn: Pn532 }> {
  const b = bench(kind, options);
  const pn = await drive(b.clock, Pn532.open({ link: b.link, clock: b.clock }));
  return { ...b, pn, reader: new Pn532CardReader(pn, { clock: b.clock }) };
}

function poll(b: Bench & { reader: CardReader }): Promise<CardSession> {
  return drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
}

/** The fault is over: no fault left armed, a poll finds the card, an APDU round trip works. */
async function nextPollWorks(b: Bench & { reader: CardReader }, card?: RfCard): Promise<void> {
  Object.assign(b.emu.faults, { loseCommands: 0, dropAcks: 0, corruptAnswers: 0, delayMs: 0, i2cNacks: 0 });
  if (card) b.emu.placeCard(card);
  const s = await poll(b);
  expect(toHex(s.uid)).toBe(toHex((card ?? b.emu.field[0]!).uid));
  expect(toHex(await drive(b.clock, s.transmit(SELECT_PPSE)))).toBe(toHex(SELECT_PPSE) + '9000');
}

describe.each(LINKS)('faults over %s: a typed error, then the next poll works', (kind) => {
  it('bad checksum: answers that keep arriving with a wrong DCS end in Pn532FrameError naming DCS', async () => {
    const b = await readerOn(kind);
    b.emu.placeCard(echoCard('A'));
    const s = await poll(b);
    b.emu.faults.corruptAnswers = 10;
    const e = await failure(b.clock, s.transmit(SELECT_PPSE));
    expect(e).toBeInstanceOf(Pn532FrameError);
    expect((e as Pn532FrameError).field).toBe('DCS');
    expect((e as Pn532FrameError).code).toBe('PN532_FRAME');
    // Each damaged answer was NACKed (UM0701-02 6.2.1.4) before the driver gave up.
    expect(b.emu.nacksReceived).toBe(2);
    await nextPollWorks(b);
  });

  it('missing ACK: a command the chip never hears ends in Pn532NoAckError after the resends', async () => {
    const b = await readerOn(kind);
    b.emu.placeCard(echoCard('A'));
    const s = await poll(b);
    b.emu.faults.loseCommands = 10;
    const e = await failure(b.clock, s.transmit(SELECT_PPSE));
    expect(e).toBeInstanceOf(Pn532NoAckError);
    expect((e as Pn532NoAckError).command).toBe(CMD.InDataExchange);
    expect((e as Pn532NoAckError).attempts).toBe(3);
    await nextPollWorks(b);
  });

  it('ACK lost but the answer came: no error at all, the answer is taken', async () => {
    const b = await readerOn(kind);
    b.emu.placeCard(echoCard('A'));
    const s = await poll(b);
    b.emu.faults.dropAcks = 1;
    expect(toHex(await drive(b.clock, s.transmit(SELECT_PPSE)))).toBe(toHex(SELECT_PPSE) + '9000');
    await nextPollWorks(b);
  });

  it('card removed while it works on an APDU: CardRemovedError with the RF timeout status', async () => {
    const b = await readerOn(kind, { emulator: { cardProcessingMs: 200 } });
    const card = echoCard('A');
    b.emu.placeCard(card);
    const s = await poll(b);
    const p = s.transmit(SELECT_PPSE);
    p.catch(() => undefined);
    await b.clock.advance(50);
    b.emu.removeCard();
    const e = await failure(b.clock, p);
    expect(e).toBeInstanceOf(CardRemovedError);
    expect((e as CardRemovedError).status).toBe(0x01);
    expect(card.seen).toEqual([]);
    await nextPollWorks(b, echoCard('A'));
  });

  it('card removed between the parts of a chained answer: CardRemovedError, nothing half-delivered', async () => {
    const b = await readerOn(kind);
    const card = echoCard('A');
    b.emu.placeCard(card);
    const s = await poll(b);
    // The card leaves as soon as the chip has sent the first part with MI set (7.3.8).
    const stop = b.emu.observe((ev) => {
      if (ev.kind === 'answer' && ev.code === CMD.InDataExchange + 1 && ev.data[0] === 0x40) b.emu.removeCard();
    });
    const e = await failure(b.clock, s.transmit(pattern(600)));
    stop();
    expect(e).toBeInstanceOf(CardRemovedError);
    expect(card.seen.map((a) => a.length)).toEqual([600]);
    expect(await drive(b.clock, s.present())).toBe(false);
    await nextPollWorks(b, card);
  });

  it('RF timeout: a card in the field that stays mute gives CardTransmissionError, not a removal', async () => {
    const b = await readerOn(kind);
    const mute = echoCard('A', {
      transceive: () => {
        throw new Error('mute');
      },
    });
    b.emu.placeCard(mute);
    const s = await poll(b);
    const t0 = b.clock.monotonic();
    const e = await failure(b.clock, s.transmit(SELECT_PPSE));
    expect(e).toBeInstanceOf(CardTransmissionError);
    expect((e as CardTransmissionError).status).toBe(0x01);
    // The chip's default fRetryTimeout (code 0x0A, 51.2 ms; UM0701-02 7.3.1) on the virtual clock.
    expect(b.clock.monotonic() - t0).toBeGreaterThanOrEqual(51.2);
    b.emu.removeCard();
    await nextPollWorks(b, echoCard('A'));
  });

  it('chip timeout: an answer later than the exchange limit is Pn532TimeoutError, and the command is aborted', async () => {
    const b = await readerOn(kind);
    b.emu.placeCard(echoCard('A'));
    const s = await poll(b);
    b.emu.faults.delayMs = 6000; // beyond the reader's 5000 ms exchange limit
    const e = await failure(b.clock, s.transmit(SELECT_PPSE));
    expect(e).toBeInstanceOf(Pn532TimeoutError);
    expect((e as Pn532TimeoutError).command).toBe(CMD.InDataExchange);
    expect(b.emu.aborts).toBe(1);
    await nextPollWorks(b);
  });

  it('a 256-byte response comes back whole in one extended frame, without MI chaining', async () => {
    const b = await readerOn(kind);
    const data = pattern(256, 3);
    b.emu.placeCard(echoCard('A', { transceive: () => Uint8Array.from([...data, 0x90, 0x00]) }));
    const s = await poll(b);
    const r = await drive(b.clock, s.transmit(fromHex('00B0000000')));
    expect(r.length).toBe(258);
    expect(toHex(r)).toBe(toHex(data) + '9000');
    const exchanges = b.emu.commands.filter((c) => c.code === CMD.InDataExchange);
    expect(exchanges).toHaveLength(1);
    // D5 41, status, 258 bytes: LEN 261 does not fit a byte (UM0701-02 6.2.1.2).
    const answers: Uint8Array[] = [];
    const stop = b.emu.observe((ev) => {
      if (ev.kind === 'answer') answers.push(ev.data);
    });
    await drive(b.clock, s.transmit(fromHex('00B0000000')));
    stop();
    expect(answers.map((a) => a.length)).toEqual([259]);
    if (b.serial) expect(b.serial[1].written.some((w) => toHex(w).startsWith('0000FFFFFF0105'))).toBe(true);
  });
});

describe('faults over i2c', () => {
  it('NACK: a chip that keeps refusing its address gives I2cNackError, then the next poll works', async () => {
    const b = await readerOn('i2c');
    b.emu.placeCard(echoCard('A'));
    const s = await poll(b);
    b.emu.faults.i2cNacks = 100;
    const e = await failure(b.clock, s.transmit(SELECT_PPSE));
    expect(e).toBeInstanceOf(I2cNackError);
    expect((e as I2cNackError).address).toBe(0x24);
    await nextPollWorks(b);
  });
});
