/**
 * A serial magnetic stripe reader (RS-232 or behind a USB-serial adapter, ASCII at 9600
 * baud 8N1) at the device end of a simulated serial pair: a swipe sends track 1, track 2,
 * each optionally followed by its LRC (ISO/IEC 7811-2), then CR, in one burst as a real
 * reader does once the card has passed the head.
 */
import { lrc } from '../../../src/emv/track.js';
import type { MagstripeCard } from '../../cards/catalog.js';
import type { SimSerialEnd } from '../../ports/serial-pair.js';
import { readStripe, type Garble } from './garble.js';

export interface SerialMsrOptions {
  /** Send each track's LRC after its end sentinel. Default false. */
  lrc?: boolean;
  /** What ends a swipe: CR (default), CR LF, or nothing. */
  terminator?: '\r' | '\r\n' | '';
}

export class SerialMagstripeEmulator {
  private readonly options: Required<SerialMsrOptions>;
  /** How many swipes were sent. */
  swipes = 0;

  constructor(
    private readonly end: SimSerialEnd,
    options: SerialMsrOptions = {},
  ) {
    this.options = { lrc: options.lrc ?? false, terminator: options.terminator ?? '\r' };
  }

  /** The characters one swipe of `card` sends. */
  swipeText(card: MagstripeCard, garble?: Garble): string {
    const tracks = readStripe(card, garble);
    // The LRC is read off the stripe with the data: a misread character leaves the stripe's
    // LRC, which then does not match; an "unreadable" mark gets the reader's own.
    const withLrc = (t: string, original: string, track: 1 | 2) => {
      if (!this.options.lrc || !t.endsWith('?')) return t;
      return t + lrc(/^[%;]E\?$/.test(t) ? t : original, track);
    };
    const t1 = tracks.track1 !== undefined ? withLrc(tracks.track1, card.track1!, 1) : '';
    return t1 + withLrc(tracks.track2, card.track2, 2) + this.options.terminator;
  }

  /** Swipes `card` through the head. */
  async swipe(card: MagstripeCard, options: { garble?: Garble } = {}): Promise<void> {
    this.swipes++;
    await this.end.write(Uint8Array.from(Buffer.from(this.swipeText(card, options.garble), 'latin1')));
  }
}
