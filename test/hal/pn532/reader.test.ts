import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/errors.js';
import { Pn532CardReader } from '../../../src/hal/pn532/card-reader.js';
import { CMD } from '../../../src/hal/pn532/commands.js';
import { Pn532 } from '../../../src/hal/pn532/pn532.js';
import {
  CardCollisionError,
  CardRemovedError,
  CardSessionClosedError,
  CardTransmissionError,
  type CardReader,
} from '../../../src/hal/reader.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { bench, drive, echoCard, failure, LINKS, pattern, type Bench, type BenchOptions, type LinkKind } from './harness.js';

async function readerOn(kind: LinkKind, options: BenchOptions = {}): Promise<Bench & { reader: CardReader }> {
  const b = bench(kind, options);
  const pn = await drive(b.clock, Pn532.open({ link: b.link, clock: b.clock }));
  return { ...b, reader: new Pn532CardReader(pn, { clock: b.clock }) };
}

const SELECT_PPSE = fromHex('00A404000E325041592E5359532E444446303100');

describe.each(LINKS)('the card reader over %s', (kind) => {
  it('polls a type A card and exchanges APDUs longer than one frame', async () => {
    const b = await readerOn(kind);
    const card = echoCard('A');
    b.emu.placeCard(card);
    const s = await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    expect(s.type).toBe('A');
    expect(toHex(s.uid)).toBe('04A1B2C3D4E5F6');
    expect(toHex(s.ats!)).toBe('0578807002');
    expect(toHex(s.atqa!)).toBe('4400');
    expect(s.sak).toBe(0x20);
    expect(toHex(await drive(b.clock, s.transmit(SELECT_PPSE)))).toBe(toHex(SELECT_PPSE) + '9000');
    const long = pattern(1000, 7);
    expect(toHex(await drive(b.clock, s.transmit(long)))).toBe(toHex(long) + '9000');
    expect(card.seen.map((a) => a.length)).toEqual([SELECT_PPSE.length, 1000]);
    expect(b.emu.misuse).toEqual([]);
  });

  it('polls a type B card when no type A card answers', async () => {
    const b = await readerOn(kind);
    b.emu.placeCard(echoCard('B'));
    const s = await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    expect(s.type).toBe('B');
    expect(toHex(s.uid)).toBe('1A2B3C4D');
    expect(toHex(s.atqb!)).toBe('501A2B3C4D00000000008171');
    expect(s.ats).toBeUndefined();
    const polls = b.emu.commands.filter((c) => c.code === CMD.InListPassiveTarget).map((c) => toHex(c.params));
    expect(polls).toEqual(['0200', '020300']);
    expect(toHex(await drive(b.clock, s.transmit(fromHex('0084000008'))))).toBe('00840000089000');
  });

  it('sees the card leave: present() turns false and transmit() fails with CardRemovedError', async () => {
    const b = await readerOn(kind);
    b.emu.placeCard(echoCard('A'));
    const s = await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    expect(await drive(b.clock, s.present())).toBe(true);
    b.emu.removeCard();
    const e = await failure(b.clock, s.transmit(SELECT_PPSE));
    expect(e).toBeInstanceOf(CardRemovedError);
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as CardRemovedError).reason).toBe('card-removed');
    expect((e as CardRemovedError).status).toBe(0x01);
    expect(await drive(b.clock, s.present())).toBe(false);
    // The removal was found by the presence check after the failed exchange.
    expect(b.emu.commands.slice(-2).map((c) => [c.code, toHex(c.params)])).toEqual([
      [CMD.InDataExchange, '01' + toHex(SELECT_PPSE)],
      [CMD.Diagnose, '06'],
    ]);
  });
});

describe('the card reader (HSU)', () => {
  it('keeps polling with a rest between rounds until a card comes, without a busy loop', async () => {
    const b = await readerOn('hsu');
    const p = b.reader.poll({ signal: new AbortController().signal });
    const before = b.emu.commands.length;
    await b.clock.advance(1000);
    const rounds = b.emu.commands.slice(before).filter((c) => c.code === CMD.InListPassiveTarget).length;
    // A round: type A (10 ms), type B (10 ms), 100 ms rest: about 8 rounds, 2 commands each.
    expect(rounds).toBeGreaterThanOrEqual(14);
    expect(rounds).toBeLessThanOrEqual(18);
    b.emu.placeCard(echoCard('A'));
    const s = await drive(b.clock, p);
    expect(s.type).toBe('A');
  });

  it('stops polling when the signal aborts, with its reason, and leaves nothing running', async () => {
    const b = await readerOn('hsu');
    const ac = new AbortController();
    const p = b.reader.poll({ signal: ac.signal });
    p.catch(() => undefined);
    await b.clock.advance(333);
    ac.abort(new CancelledError('timeout:presentCard'));
    const e = await failure(b.clock, p);
    expect((e as CancelledError).reason).toBe('timeout:presentCard');
    const n = b.emu.commands.length;
    await b.clock.advance(1000);
    expect(b.emu.commands.length).toBe(n);
    expect(b.clock.pending).toBe(0);
  });

  it('reports two cards in the field as a collision and releases them', async () => {
    const b = await readerOn('hsu');
    b.emu.placeCard(echoCard('A'));
    b.emu.placeCard(echoCard('A', { uid: fromHex('08112233'), ats: fromHex('0575778102') }));
    const e = await failure(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    expect(e).toBeInstanceOf(CardCollisionError);
    expect((e as CardCollisionError).count).toBe(2);
    expect((e as CardCollisionError).message).toBe('2 cards are in the field: present one card only');
    expect(b.emu.commands.at(-1)).toMatchObject({ code: CMD.InRelease, params: Uint8Array.of(0) });
  });

  it('tells a mute card that is still there from a removed one', async () => {
    const b = await readerOn('hsu');
    b.emu.placeCard(
      echoCard('A', {
        transceive: () => {
          throw new Error('mute');
        },
      }),
    );
    const s = await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    const e = await failure(b.clock, s.transmit(SELECT_PPSE));
    expect(e).toBeInstanceOf(CardTransmissionError);
    expect((e as CardTransmissionError).status).toBe(0x01);
    expect(await drive(b.clock, s.present())).toBe(true);
  });

  it('aborts an exchange with a slow card when the signal fires', async () => {
    const b = await readerOn('hsu', { emulator: { cardProcessingMs: 2000 } });
    const card = echoCard('A');
    b.emu.placeCard(card);
    const s = await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    const ac = new AbortController();
    const p = s.transmit(SELECT_PPSE, ac.signal);
    p.catch(() => undefined);
    await b.clock.advance(500);
    ac.abort(new CancelledError('cancel-key'));
    expect(((await failure(b.clock, p)) as CancelledError).reason).toBe('cancel-key');
    expect(b.emu.aborts).toBe(1);
    await b.clock.advance(3000);
    expect(card.seen).toEqual([]);
  });

  it('releases the session: InRelease for its target, and later use is refused', async () => {
    const b = await readerOn('hsu');
    b.emu.placeCard(echoCard('A'));
    const s = await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    await drive(b.clock, s.release());
    await drive(b.clock, s.release());
    expect(b.emu.commands.filter((c) => c.code === CMD.InRelease).map((c) => toHex(c.params))).toEqual(['01']);
    expect(await failure(b.clock, s.transmit(SELECT_PPSE))).toBeInstanceOf(CardSessionClosedError);
    expect(await failure(b.clock, s.present())).toBeInstanceOf(CardSessionClosedError);
  });

  it('a new poll releases the session before it', async () => {
    const b = await readerOn('hsu');
    b.emu.placeCard(echoCard('A'));
    const first = await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    expect(await failure(b.clock, first.transmit(SELECT_PPSE))).toBeInstanceOf(CardSessionClosedError);
  });

  it('close() switches the field off and closes the port', async () => {
    const b = await readerOn('hsu');
    b.emu.placeCard(echoCard('A'));
    await drive(b.clock, b.reader.poll({ signal: new AbortController().signal }));
    expect(b.emu.fieldOn).toBe(true);
    await drive(b.clock, b.reader.close());
    expect(b.emu.fieldOn).toBe(false);
    expect(b.emu.commands.slice(-2).map((c) => [c.code, toHex(c.params)])).toEqual([
      [CMD.InRelease, '01'],
      [CMD.RFConfiguration, '0100'],
    ]);
    expect(b.serial![0].isOpen).toBe(false);
    await drive(b.clock, b.reader.close());
  });
});
