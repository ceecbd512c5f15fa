/**
 * The unpredictable parts of a virtual card's answers (its own unpredictable number, its
 * ICC Dynamic Number), derived from the card's identity and ATC so that a card replays
 * the same answers for the same ATC: tests stay reproducible, and no two ATCs repeat.
 */
import { createHash } from 'node:crypto';

export function cardRandom(seed: string, atc: number, label: string, n: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${seed}|${atc}|${label}`).digest()).slice(0, n);
}
