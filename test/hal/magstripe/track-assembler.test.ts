/**
 * The track assembler alone (framing of ISO/IEC 7813 tracks in a character stream), and a
 * fuzz of it: mutated and random streams never throw, never give a track longer than the
 * standard allows, and never keep the assembler from reading the next clean swipe.
 */
import { describe, expect, it } from 'vitest';
import { createMagstripeCard } from '../../../simulator/cards/catalog.js';
import { lrc } from '../../../src/emv/track.js';
import { readSwipedCard } from '../../../src/emv/swiped-card.js';
import { TrackError } from '../../../src/emv/errors.js';
import { SwipeError, TrackAssembler, type FeedResult } from '../../../src/hal/magstripe/index.js';
import { mutate, prng } from '../../helpers/prng.js';

const STRIPES = [createMagstripeCard('magstripe-ok'), createMagstripeCard('chip-ok')];

function feedAll(a: TrackAssembler, text: string): NonNullable<FeedResult>[] {
  const out: NonNullable<FeedResult>[] = [];
  for (const c of text) {
    const r = a.feed(c);
    if (r) out.push(r);
  }
  return out;
}

describe('TrackAssembler', () => {
  it('one swipe: track 1, track 2, Enter (CR or LF); a third track is skipped', () => {
    const [s] = STRIPES;
    for (const enter of ['\r', '\n']) {
      const a = new TrackAssembler();
      const r = feedAll(a, `${s!.track1}${s!.track2};0123456789?${enter}`);
      expect(r).toHaveLength(1);
      expect(r[0]!.kind).toBe('swipe');
      if (r[0]!.kind === 'swipe') {
        expect(r[0].swipe.track1).toBe(s!.track1);
        expect(r[0].swipe.track2).toBe(s!.track2);
      }
      expect(a.started).toBe(false);
    }
  });

  it('track 2 alone is a swipe; Enter per track or at the end both work', () => {
    const a = new TrackAssembler();
    const r = feedAll(a, `${STRIPES[0]!.track2}\r${STRIPES[1]!.track2}\r`);
    expect(r.map((x) => x.kind)).toEqual(['swipe', 'swipe']);
  });

  it('with LRC: the character after each end sentinel belongs to the track', () => {
    const s = STRIPES[0]!;
    const a = new TrackAssembler({ lrc: true });
    const text = `${s.track1}${lrc(s.track1!, 1)}${s.track2}${lrc(s.track2, 2)}\r`;
    const [r] = feedAll(a, text);
    expect(r?.kind === 'swipe' && r.swipe.track2).toBe(s.track2 + lrc(s.track2, 2));
  });

  it.each([
    ['a character before any start sentinel', 'X;1234?\r', 'SWIPE_FRAMING'],
    ['a start sentinel inside track 2', ';1234;5678?\r', 'SWIPE_FRAMING'],
    ['a second track 1', '%BA?%BB?\r', 'SWIPE_FRAMING'],
    ['a lower-case letter in track 1', '%Babc?\r', 'SWIPE_FRAMING'],
    ['a letter in track 2', ';12A4?\r', 'SWIPE_FRAMING'],
    ['text after the unreadable mark', ';E1?\r', 'SWIPE_FRAMING'],
  ])('%s: %s', (_, text, code) => {
    const a = new TrackAssembler();
    const r = feedAll(a, text);
    expect(r[0]?.kind).toBe('error');
    if (r[0]?.kind === 'error') expect(r[0].error.code).toBe(code);
  });

  it('a pause: ends a whole swipe, fails a half one, and is nothing between swipes', () => {
    const a = new TrackAssembler();
    expect(a.gap()).toBeUndefined();
    feedAll(a, STRIPES[0]!.track2);
    expect(a.gap()?.kind).toBe('swipe');
    feedAll(a, ';1234');
    const r = a.gap();
    expect(r?.kind === 'error' && r.error.code).toBe('SWIPE_INCOMPLETE');
  });
});

function iterations(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}=${v}: a whole number of iterations`);
  return n;
}

/** MAGSTRIPE_FUZZ_ITERATIONS sets how many streams the assembler gets (default 5,000). */
const ITERATIONS = iterations('MAGSTRIPE_FUZZ_ITERATIONS', 5_000);
const ALPHABET = '%;?^=+E0123456789BAZ /\r\n\x00\xff';
const CODES = new Set(['SWIPE_TRACK_UNREADABLE', 'SWIPE_FRAMING', 'SWIPE_TOO_LONG', 'SWIPE_NO_TRACK2', 'SWIPE_INCOMPLETE']);

describe('fuzz: the magstripe stream parser', () => {
  it(`${ITERATIONS} mutated and random streams: values or SwipeErrors, bounded tracks, recovery for the next swipe`, () => {
    const r = prng(0x5717e);
    for (let i = 0; i < ITERATIONS; i++) {
      const lrcOn = r.int(4) === 0;
      const a = new TrackAssembler({ lrc: lrcOn });
      let text: string;
      if (r.int(3) === 0) {
        text = Array.from({ length: r.int(120) }, () => ALPHABET[r.int(ALPHABET.length)]).join('');
      } else {
        const s = STRIPES[r.int(STRIPES.length)]!;
        const clean = `${s.track1}${lrcOn ? lrc(s.track1!, 1) : ''}${s.track2}${lrcOn ? lrc(s.track2, 2) : ''}\r`;
        text = Buffer.from(mutate(Uint8Array.from(Buffer.from(clean, 'latin1')), r)).toString('latin1');
      }
      const results: NonNullable<FeedResult>[] = [];
      for (const c of text) {
        const x = a.feed(c);
        if (x) results.push(x);
        if (r.int(40) === 0) {
          const g = a.gap();
          if (g) results.push(g);
        }
      }
      for (const x of results) {
        // Plain checks in the loop (expect() per item is the slow part); one assertion per stream below.
        if (x.kind === 'error') {
          if (!(x.error instanceof SwipeError) || !CODES.has(x.error.code)) throw new Error(`stream ${i}: unexpected error ${String(x.error)}`);
          continue;
        }
        const t2 = x.swipe.track2;
        if (!t2.startsWith(';') || t2.length > 40) throw new Error(`stream ${i}: track 2 of ${t2.length} characters`);
        if (x.swipe.track1 !== undefined && x.swipe.track1.length > 79) throw new Error(`stream ${i}: track 1 too long`);
        try {
          readSwipedCard({ track1: x.swipe.track1, track2: t2 });
        } catch (e) {
          if (!(e instanceof TrackError)) throw new Error(`stream ${i}: readSwipedCard threw ${String(e)}`);
        }
      }
      // Whatever came before, Enter and a pause put it back in step for a clean swipe.
      a.feed('\r');
      a.gap();
      const s = STRIPES[0]!;
      const after = feedAll(a, `${s.track2}${lrcOn ? lrc(s.track2, 2) : ''}\r`);
      if (after.length !== 1 || after[0]!.kind !== 'swipe') throw new Error(`stream ${i}: no clean swipe after it`);
    }
  });
});
