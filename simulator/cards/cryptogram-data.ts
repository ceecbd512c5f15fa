/**
 * What the virtual cards' application cryptograms are computed over: the data of the
 * acquirer and issuer simulator's arqcInput() (simulator/host/arqc.ts), the "recommended
 * minimum set" of EMV 4.4 Book 2 8.1.1, so that the host verifies them from field 55 with
 * checkCryptogram(). Keys: option A ICC master key from the account's IMK, the common
 * session key from the ATC (Book 2 A1.4.1, A1.3.1); MAC algorithm 3, padding method 2
 * (8.1.2). src/security does the cryptography.
 */
import type { Tlv } from '../../src/emv/tlv.js';
import { fromHex } from '../../src/hex.js';
import { generateArqc } from '../../src/security/emv-cryptogram.js';
import { deriveAcSessionKey } from '../../src/security/emv-keys.js';
import { ARQC_DATA_TAGS, arqcInput } from '../host/arqc.js';

/** The length of each value, to fill with zeros what a card's DOL did not ask for (Book 3 5.4). */
const LENGTHS: ReadonlyMap<number, number> = new Map([
  [0x9f02, 6],
  [0x9f03, 6],
  [0x9f1a, 2],
  [0x95, 5],
  [0x5f2a, 2],
  [0x9a, 3],
  [0x9c, 1],
  [0x9f37, 4],
  [0x82, 2],
  [0x9f36, 2],
]);

/** The data the cryptogram covers, the values taken from `get` (the card's DOL data, its AIP and ATC). */
export function cryptogramInput(get: (tag: number) => Uint8Array | undefined): Uint8Array {
  const objects: Tlv[] = ARQC_DATA_TAGS.map((tag) => ({
    tag,
    constructed: false,
    offset: 0,
    value: get(tag) ?? new Uint8Array(LENGTHS.get(tag) ?? 0),
  }));
  return arqcInput(objects)!;
}

/** The card's side: the 8-byte cryptogram (ARQC, TC or AAC alike). */
export function applicationCryptogram(imkHex: string, pan: string, psn: string, atc: Uint8Array, input: Uint8Array): Uint8Array {
  const { sessionKey, iccMasterKey } = deriveAcSessionKey(fromHex(imkHex), pan, psn, atc);
  const ac = generateArqc(sessionKey, input);
  iccMasterKey.fill(0);
  sessionKey.fill(0);
  return ac;
}
