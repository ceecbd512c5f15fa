/**
 * The magstripe driver assembling tracks from a character stream: a serial reader (the
 * emulator at the far end of a simulated serial pair) and a keyboard wedge (key events
 * typed by the wedge emulator), on virtual time for the pause between characters; bad
 * reads, framing errors and resynchronisation, as typed errors.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMagstripeCard } from '../../../simulator/cards/catalog.js';
import { SerialMagstripeEmulator, type SerialMsrOptions } from '../../../simulator/devices/magstripe/serial-msr.js';
import { WedgeKeyboardEmulator } from '../../../simulator/devices/magstripe/wedge-keyboard.js';
import { createSerialPair } from '../../../simulator/ports/serial-pair.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { parseTrack2 } from '../../../src/emv/track.js';
import { CancelledError } from '../../../src/errors.js';
import { KeyboardWedgeCharacters, keyEventsFor, SerialCharacters, StreamMagstripeReader, SwipeError, UNKNOWN_KEY } from '../../../src/hal/magstripe/index.js';
import { runUntil } from '../../helpers/sim-terminal.js';

const STRIPE = createMagstripeCard('magstripe-ok');
const never = () => new AbortController().signal;

function serialRig(options: SerialMsrOptions = {}, readerOptions: { lrc?: boolean; interCharacterTimeoutMs?: number } = {}) {
  const clock = new VirtualClock();
  const [term, dev] = createSerialPair(clock, { paths: ['sim:msr', 'sim:msr#device'], baudRate: 9600 });
  const msr = new SerialMagstripeEmulator(dev, options);
  const reader = new StreamMagstripeReader(new SerialCharacters(term), { interCharacterTimeoutMs: 100, ...readerOptions });
  const send = (text: string) => dev.write(Uint8Array.from(Buffer.from(text, 'latin1')));
  return { clock, msr, reader, send, next: () => runUntil(clock, reader.waitForSwipe({ signal: never() }), 5_000) };
}

async function swipeError(p: Promise<unknown>): Promise<SwipeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SwipeError);
  return e as SwipeError;
}

describe('a serial magstripe reader', () => {
  it('assembles tracks 1 and 2 of one swipe, ended by CR', async () => {
    const r = serialRig();
    const next = r.next();
    await r.msr.swipe(STRIPE);
    const swipe = await next;
    expect(swipe.track1).toBe(STRIPE.track1);
    expect(swipe.track2).toBe(STRIPE.track2);
    expect(parseTrack2(swipe.track2).serviceCode).toBe('101');
    expect(r.reader.name).toBe('sim:msr');
  });

  it('hides the tracks from JSON, inspect and strings; wipe() forgets them', async () => {
    const r = serialRig();
    const next = r.next();
    await r.msr.swipe(STRIPE);
    const swipe = await next;
    expect(JSON.stringify({ swipe })).toBe('{"swipe":"[redacted track data]"}');
    expect(inspect(swipe)).not.toContain('6212');
    expect(`${swipe}`).toBe('[redacted track data]');
    swipe.wipe();
    expect(swipe.track2).toBe('');
    expect(swipe.track1).toBeUndefined();
  });

  it('takes the characters in pieces, with pauses shorter than the inter-character timeout', async () => {
    const r = serialRig();
    const next = r.next();
    const text = r.msr.swipeText(STRIPE);
    for (let i = 0; i < text.length; i += 7) {
      await r.send(text.slice(i, i + 7));
      await r.clock.advance(90);
    }
    expect((await next).track2).toBe(STRIPE.track2);
  });

  it('a reader that sends no Enter: the pause after the last track ends the swipe', async () => {
    const r = serialRig({ terminator: '' });
    const next = r.next();
    await r.msr.swipe(STRIPE);
    expect((await next).track2).toBe(STRIPE.track2);
  });

  it('characters that stop in the middle of a track: SWIPE_INCOMPLETE, and the next swipe reads', async () => {
    const r = serialRig();
    const first = r.next();
    await r.send(STRIPE.track2.slice(0, 10));
    const e = await swipeError(first);
    expect(e.code).toBe('SWIPE_INCOMPLETE');
    expect(e.track).toBe(2);
    expect(e.message).not.toContain('6212');
    const second = r.next();
    await r.msr.swipe(STRIPE);
    expect((await second).track2).toBe(STRIPE.track2);
  });

  it('passes each LRC on when the reader sends it; track.ts checks it', async () => {
    const r = serialRig({ lrc: true }, { lrc: true });
    const next = r.next();
    await r.msr.swipe(STRIPE);
    const swipe = await next;
    expect(swipe.track2.length).toBe(STRIPE.track2.length + 1);
    expect(parseTrack2(swipe.track2).pan).toBe('6212345678901257');
    const bad = r.next();
    await r.msr.swipe(STRIPE, { garble: { track: 2, how: 'corrupt' } });
    const garbled = await bad;
    expect(() => parseTrack2(garbled.track2)).toThrow(/LRC does not match/);
  });

  it('bad reads: track 2 unreadable is an error; track 1 unreadable leaves track 2; a cut track is a framing error', async () => {
    const r = serialRig();
    let p = r.next();
    await r.msr.swipe(STRIPE, { garble: { track: 2, how: 'unreadable' } });
    expect((await swipeError(p)).code).toBe('SWIPE_TRACK_UNREADABLE');

    p = r.next();
    await r.msr.swipe(STRIPE, { garble: { track: 1, how: 'unreadable' } });
    const swipe = await p;
    expect(swipe.track1).toBeUndefined();
    expect(swipe.track2).toBe(STRIPE.track2);

    p = r.next();
    await r.msr.swipe(STRIPE, { garble: { track: 2, how: 'cut' } });
    const e = await swipeError(p);
    expect(e.code).toBe('SWIPE_FRAMING');
    expect(e.message).toMatch(/Enter came before the end sentinel/);

    p = r.next();
    await r.msr.swipe(STRIPE, { garble: { track: 2, how: 'corrupt' } });
    // Framing is fine; the misread digit fails the Luhn check when the track is parsed.
    const misread = (await p).track2;
    expect(() => parseTrack2(misread)).toThrow(/Luhn/);
  });

  it('a track 1 alone is SWIPE_NO_TRACK2; a stray Enter is nothing', async () => {
    const r = serialRig();
    const p = r.next();
    await r.send(`\r${STRIPE.track1}\r`);
    expect((await swipeError(p)).code).toBe('SWIPE_NO_TRACK2');
  });

  it('garbage drops the rest of that swipe up to its Enter, so it cannot pass for the next one', async () => {
    const r = serialRig();
    const p = r.next();
    const good = r.msr.swipeText(STRIPE);
    await r.send(`%B6212\x01345?;6212345678901257=3012?\r${good}`);
    const e = await swipeError(p);
    expect(e.code).toBe('SWIPE_FRAMING');
    expect(e.track).toBe(1);
    expect((await r.next()).track2).toBe(STRIPE.track2);
  });

  it('a track longer than ISO/IEC 7813 allows is SWIPE_TOO_LONG', async () => {
    const r = serialRig();
    const p = r.next();
    await r.send(`;${'1'.repeat(60)}?\r`);
    expect((await swipeError(p)).code).toBe('SWIPE_TOO_LONG');
  });

  it('CANCEL while half a swipe is in: the signal\'s reason, and the half swipe is forgotten', async () => {
    const r = serialRig();
    const ac = new AbortController();
    const p = r.reader.waitForSwipe({ signal: ac.signal });
    await r.send(';62123');
    await r.clock.advance(10);
    ac.abort(new CancelledError('cancel-key'));
    await expect(p).rejects.toMatchObject({ reason: 'cancel-key' });
    const next = r.next();
    await r.msr.swipe(STRIPE);
    expect((await next).track2).toBe(STRIPE.track2);
  });
});

describe('a keyboard-wedge reader', () => {
  function wedgeRig() {
    const clock = new VirtualClock();
    const keyboard = new WedgeKeyboardEmulator(clock);
    const reader = new StreamMagstripeReader(new KeyboardWedgeCharacters(keyboard, clock), { interCharacterTimeoutMs: 100 });
    return { clock, keyboard, reader, next: () => runUntil(clock, reader.waitForSwipe({ signal: never() }), 10_000) };
  }

  it('types the swipe as US key presses (Shift for % ^ ? and capitals) and Enter', async () => {
    const r = wedgeRig();
    const events = keyEventsFor('%B^?');
    expect(events.slice(0, 4)).toEqual([{ code: 42, value: 1 }, { code: 6, value: 1 }, { code: 6, value: 0 }, { code: 42, value: 0 }]);
    const next = r.next();
    r.keyboard.swipe(STRIPE);
    const swipe = await next;
    expect(swipe.track1).toBe(STRIPE.track1);
    expect(swipe.track2).toBe(STRIPE.track2);
  });

  it('a key at a time within the pause limit is one swipe; a longer pause in a track is SWIPE_INCOMPLETE', async () => {
    const r = wedgeRig();
    let next = r.next();
    void r.keyboard.typeSlowly(`${STRIPE.track2}\r`, 20);
    expect((await next).track2).toBe(STRIPE.track2);
    next = r.next();
    void r.keyboard.typeSlowly(';6212', 20);
    expect((await swipeError(next)).code).toBe('SWIPE_INCOMPLETE');
  });

  it('Caps Lock on: letters come out in capitals without Shift; an unknown key garbles the track', async () => {
    const r = wedgeRig();
    let next = r.next();
    r.keyboard.press([{ code: 58, value: 1 }, { code: 58, value: 0 }]);
    r.keyboard.type(`${STRIPE.track1!.toLowerCase()}${STRIPE.track2}\r`);
    expect((await next).track1).toBe(STRIPE.track1);
    next = r.next();
    r.keyboard.type(';6212');
    r.keyboard.press([{ code: 250, value: 1 }, { code: 250, value: 0 }]);
    r.keyboard.type('?\r');
    const e = await swipeError(next);
    expect(e.code).toBe('SWIPE_FRAMING');
    expect(UNKNOWN_KEY).toBe('\uFFFD');
  });
});
