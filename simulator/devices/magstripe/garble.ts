/**
 * What goes wrong when a stripe is read, for tests of bad reads: the reader could not read
 * a track and says so ('E' between the sentinels, as MagTek and ID TECH readers do); a
 * character was misread (worn stripe, a digit changed with its parity still right); or the
 * swipe stopped half way (the track is cut before its end sentinel).
 */
import type { MagstripeCard } from '../../cards/catalog.js';

export interface Garble {
  track: 1 | 2;
  how: 'unreadable' | 'corrupt' | 'cut';
}

/** The characters a reader reads off `card`, each track start sentinel to end sentinel, with a fault if asked. */
export function readStripe(card: MagstripeCard, garble?: Garble): { track1?: string; track2: string } {
  const out: { track1?: string; track2: string } = { track2: card.track2 };
  if (card.track1 !== undefined) out.track1 = card.track1;
  if (!garble) return out;
  const key = garble.track === 1 ? 'track1' : 'track2';
  const text = out[key];
  if (text === undefined) return out;
  if (garble.how === 'unreadable') out[key] = `${text[0]}E?`;
  else if (garble.how === 'cut') out[key] = text.slice(0, Math.ceil(text.length / 2));
  else {
    // The 6th character is inside the PAN on both tracks ('%B' or ';' first): a misread digit.
    const i = garble.track === 1 ? 6 : 5;
    const d = text.charCodeAt(i) - 48;
    out[key] = text.slice(0, i) + String((d + 5) % 10) + text.slice(i + 1);
  }
  return out;
}
