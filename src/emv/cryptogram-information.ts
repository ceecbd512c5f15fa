/**
 * Cryptogram Information Data (9F27), EMV 4.4 Book 3 Annex C7.3 (Table 15 of 6.5.5.4):
 * b8-b7 the type of cryptogram the card returned.
 */
import type { CryptogramType } from './apdu.js';
import { CardError } from './errors.js';

export function cryptogramType(cid: number): CryptogramType {
  switch (cid & 0xc0) {
    case 0x00:
      return 'AAC';
    case 0x40:
      return 'TC';
    case 0x80:
      return 'ARQC';
    default:
      throw new CardError('CARD_DATA_FORMAT', 'the Cryptogram Information Data (9F27) names the reserved cryptogram type 11');
  }
}

/** Book 3 9.3 / Kernel 2: AAC < ARQC < TC; a card may answer less than asked, never more. */
export function cryptogramRank(t: CryptogramType): number {
  return t === 'AAC' ? 0 : t === 'ARQC' ? 1 : 2;
}
