/**
 * The terminal exception file (EMV 4.4 Book 3 10.6 and Book 4's terminal risk management): the acquirer's list of
 * cards this terminal must not take offline. A card on it gets TVR byte 1 b5 "Card appears
 * on terminal exception file", and the action codes decide (Book 3 10.7: the TACs of the
 * default applications deny it, or send it online).
 *
 * No PAN is kept in the clear, on disk or in memory: an entry is the keyed PAN hash the
 * journal indexes by (src/security/pan.ts panLookupHash, under the key store's `hashKey`),
 * 64 hex digits, optionally followed by '/' and the PAN Sequence Number (two digits) when
 * only that card of the account is listed. A card seen in the journal is listed by its
 * record's `panHash`; an acquirer's list of PANs is turned into entries on the terminal with
 * exceptionFileEntry(), so its digits are never written.
 */
import { ValidationError } from '../errors.js';
import { toHex } from '../hex.js';
import { panLookupHash } from '../security/pan.js';

export interface ExceptionFile {
  /** Whether the card (its Application PAN, and PAN Sequence Number when the entry names one) is listed. */
  lists(pan: string, panSequence?: string): boolean;
  readonly size: number;
}

const ENTRY = /^[0-9A-Fa-f]{64}(\/[0-9]{2})?$/;

/** What is wrong with a list of entries, each named by its position; empty when nothing is. */
export function exceptionFileProblems(entries: unknown): string[] {
  if (!Array.isArray(entries)) return ['exceptionFile must be a list of PAN hashes'];
  const p: string[] = [];
  entries.forEach((e, i) => {
    if (typeof e !== 'string' || !ENTRY.test(e)) p.push(`exceptionFile[${i}] must be a keyed PAN hash: 64 hex digits, optionally '/' and a 2-digit PAN sequence number`);
  });
  return p;
}

/** The entry of one card: the keyed hash of its PAN (and its PAN Sequence Number when given). */
export function exceptionFileEntry(hashKey: Uint8Array, pan: string, panSequence?: string): string {
  if (panSequence !== undefined && !/^[0-9]{2}$/.test(panSequence)) throw new ValidationError('exception file: a PAN sequence number is 2 digits');
  const hash = toHex(panLookupHash(hashKey, pan));
  return panSequence === undefined ? hash : `${hash}/${panSequence}`;
}

/** The exception file of these entries, checked against PANs hashed under `hashKey`. */
export function hashedExceptionFile(hashKey: Uint8Array, entries: readonly string[]): ExceptionFile {
  const problems = exceptionFileProblems(entries);
  if (problems.length) throw new ValidationError(problems.join('; '), 'CONFIG_INVALID');
  const key = hashKey.slice();
  const whole = new Set<string>();
  const bySequence = new Set<string>();
  for (const e of entries) (e.includes('/') ? bySequence : whole).add(e.toUpperCase());
  return {
    size: whole.size + bySequence.size,
    lists(pan, panSequence) {
      const hash = toHex(panLookupHash(key, pan)).toUpperCase();
      return whole.has(hash) || (panSequence !== undefined && bySequence.has(`${hash}/${panSequence}`));
    },
  };
}
