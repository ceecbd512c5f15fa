/**
 * The Application File Locator (94): which records to read and which of them feed offline
 * data authentication. EMV 4.4 Book 3 10.2: four bytes an entry (SFI in b8-b4 of byte 1,
 * first record, last record, how many records from the first are signed); an AFL that
 * breaks these rules ends the transaction.
 */
import { CardError } from './errors.js';

export interface AflEntry {
  sfi: number;
  first: number;
  last: number;
  /** Records from `first` on whose data is signed static data (Book 2 5.4). */
  odaCount: number;
}

export function parseAfl(afl: Uint8Array): AflEntry[] {
  if (afl.length % 4 !== 0) throw new CardError('AFL_INVALID', `the AFL is ${afl.length} bytes; it is a multiple of 4`);
  const out: AflEntry[] = [];
  for (let i = 0; i < afl.length; i += 4) {
    const [b1, first, last, oda] = [afl[i]!, afl[i + 1]!, afl[i + 2]!, afl[i + 3]!];
    const sfi = b1 >> 3;
    const n = i / 4 + 1;
    // Book 3 10.2: SFI 1-30 with b3-b1 zero, a first record of 1 or more, a last record not
    // before it, and no more signed records than the entry names.
    if (sfi < 1 || sfi > 30 || (b1 & 0x07) !== 0) throw new CardError('AFL_INVALID', `AFL entry ${n}: SFI byte is not a short file identifier 1-30`);
    if (first === 0) throw new CardError('AFL_INVALID', `AFL entry ${n}: the first record number is 0`);
    if (last < first) throw new CardError('AFL_INVALID', `AFL entry ${n}: the last record comes before the first`);
    if (oda > last - first + 1) throw new CardError('AFL_INVALID', `AFL entry ${n}: ${oda} signed records in a range of ${last - first + 1}`);
    out.push({ sfi, first, last, odaCount: oda });
  }
  return out;
}
