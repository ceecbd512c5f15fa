/**
 * Assembles the tracks of one swipe from the characters a magstripe reader sends, the same
 * for keyboard-wedge and serial readers: track 1 framed by '%' and '?', track 2 by ';' and
 * '?' (ISO/IEC 7813; a third framed track, ISO/IEC 4909's track 3, is skipped), optionally
 * each followed by its LRC, the whole swipe ended by Enter (CR or LF) or, for readers that
 * send none, by a pause. It checks framing only, character by character and with bounded
 * buffers: whether the tracks make sense is src/emv/track.ts's work.
 */
import { SwipeError } from './errors.js';
import { MagstripeSwipe } from './swipe.js';

export interface AssemblerOptions {
  /** The reader sends each track's LRC character after its end sentinel (ISO/IEC 7811-2). */
  lrc?: boolean;
}

export type FeedResult = { kind: 'swipe'; swipe: MagstripeSwipe } | { kind: 'error'; error: SwipeError } | undefined;

/** ISO/IEC 7813 and ISO/IEC 4909: the longest track, sentinels and LRC included. */
const MAX_LENGTH = { 1: 79, 2: 40, 3: 107 } as const;
/** ISO/IEC 7811-2 character sets: track 1 is 6-bit from ' ', tracks 2 and 3 4-bit from '0'. */
const RANGE = { 1: [0x20, 0x5f], 2: [0x30, 0x3f], 3: [0x30, 0x3f] } as const;

type Track = 1 | 2 | 3;

const isEnter = (c: string): boolean => c === '\r' || c === '\n';

export class TrackAssembler {
  private readonly lrc: boolean;
  private open: { track: Track; text: string; awaitingLrc: boolean } | null = null;
  private done: Partial<Record<1 | 2, string>> = {};
  private unreadable: Partial<Record<1 | 2, true>> = {};
  private any = false;
  /** After an error: the rest of that swipe is dropped up to Enter or a pause. */
  private dropping = false;

  constructor(options: AssemblerOptions = {}) {
    this.lrc = options.lrc ?? false;
  }

  /** A swipe has begun (or is being dropped): the inter-character timeout applies. */
  get started(): boolean {
    return this.any || this.dropping;
  }

  /** Whether the rest of a bad swipe is being dropped. */
  get discarding(): boolean {
    return this.dropping;
  }

  reset(): void {
    this.open = null;
    this.done = {};
    this.unreadable = {};
    this.any = false;
    this.dropping = false;
  }

  feed(c: string): FeedResult {
    if (this.dropping) {
      if (isEnter(c)) this.reset();
      return undefined;
    }
    const o = this.open;
    if (!o) return this.between(c);
    this.any = true;
    if (o.awaitingLrc) {
      o.text += c;
      return this.close(o.track, o.text);
    }
    if (isEnter(c)) return this.fail(new SwipeError('SWIPE_FRAMING', 'Enter came before the end sentinel', o.track));
    if (c === '?') {
      o.text += c;
      if (this.lrc) {
        o.awaitingLrc = true;
        return undefined;
      }
      return this.close(o.track, o.text);
    }
    // A reader's "unreadable" mark: 'E' alone between the sentinels, even on track 2.
    if (c === 'E' && o.text.length === 1) {
      o.text += c;
      return undefined;
    }
    if (o.text.length === 2 && o.text[1] === 'E' && o.track !== 1) {
      return this.fail(new SwipeError('SWIPE_FRAMING', 'a character outside the track\'s character set', o.track));
    }
    const code = c.charCodeAt(0);
    const [lo, hi] = RANGE[o.track];
    if (c.length !== 1 || code < lo || code > hi) return this.fail(new SwipeError('SWIPE_FRAMING', 'a character outside the track\'s character set', o.track));
    if (c === '%' || c === ';') return this.fail(new SwipeError('SWIPE_FRAMING', 'a start sentinel inside the track', o.track));
    o.text += c;
    // Room must be left for the end sentinel (and the LRC): the limit counts them.
    if (o.text.length + 1 + (this.lrc ? 1 : 0) > MAX_LENGTH[o.track]) return this.fail(new SwipeError('SWIPE_TOO_LONG', `longer than ${MAX_LENGTH[o.track]} characters`, o.track));
    return undefined;
  }

  /** The pause after the last character ran out: ends a whole swipe, fails a half one. */
  gap(): FeedResult {
    if (this.dropping) {
      this.reset();
      return undefined;
    }
    if (!this.any) return undefined;
    if (this.open) {
      const track = this.open.track;
      this.reset();
      return { kind: 'error', error: new SwipeError('SWIPE_INCOMPLETE', 'the reader stopped in the middle of the track', track) };
    }
    return this.finish();
  }

  private between(c: string): FeedResult {
    if (isEnter(c)) return this.any ? this.finish() : undefined; // a stray Enter: nothing was swiped
    this.any = true;
    if (c === '%') {
      if (this.done[1] !== undefined || this.unreadable[1]) return this.fail(new SwipeError('SWIPE_FRAMING', 'a second track 1 in one swipe', 1));
      this.open = { track: 1, text: c, awaitingLrc: false };
      return undefined;
    }
    if (c === ';') {
      const seen = this.done[2] !== undefined || this.unreadable[2];
      this.open = { track: seen ? 3 : 2, text: c, awaitingLrc: false };
      return undefined;
    }
    if (c === '+') {
      this.open = { track: 3, text: c, awaitingLrc: false };
      return undefined;
    }
    return this.fail(new SwipeError('SWIPE_FRAMING', 'a character outside any track (no start sentinel before it)'));
  }

  private close(track: Track, text: string): FeedResult {
    this.open = null;
    if (track === 3) return undefined;
    // Readers mark a track they could not read as 'E' between its sentinels.
    if (/^[%;]E\?.?$/.test(text)) {
      this.unreadable[track] = true;
      return undefined;
    }
    this.done[track] = text;
    return undefined;
  }

  private finish(): FeedResult {
    const { done, unreadable } = this;
    this.reset();
    if (done[2] !== undefined) return { kind: 'swipe', swipe: new MagstripeSwipe({ track1: done[1], track2: done[2] }) };
    if (unreadable[2]) return { kind: 'error', error: new SwipeError('SWIPE_TRACK_UNREADABLE', 'the reader could not read it', 2) };
    if (done[1] !== undefined || unreadable[1]) return { kind: 'error', error: new SwipeError('SWIPE_NO_TRACK2', 'the swipe gave no track 2') };
    return undefined;
  }

  private fail(error: SwipeError): FeedResult {
    this.reset();
    this.dropping = true;
    return { kind: 'error', error };
  }
}
