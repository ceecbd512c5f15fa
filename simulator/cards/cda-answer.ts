/**
 * A GENERATE AC answer signed for CDA (EMV 4.4 Book 2 6.6.1): format 2, with the Signed
 * Dynamic Application Data (9F4B) in place of the cryptogram. The signature carries the
 * ICC Dynamic Number, the CID, the cryptogram and the Transaction Data Hash Code over the
 * PDOL data, the CDOL data and the answer's other data objects in the order they are sent.
 * The M/Chip cards (contactless) and the contact cards sign this way.
 */
import { encodeTlv, type TlvInput } from '../../src/emv/tlv.js';
import { cardRandom } from './card-random.js';
import { sha1, signDynamicData } from './certificates.js';
import type { TestKey } from './test-keys.js';

const t = (tag: number, value: Uint8Array): TlvInput => ({ tag, value });

export interface CdaInput {
  icc: TestKey;
  pan: string;
  atc: number;
  cid: number;
  ac: Uint8Array;
  iad: Uint8Array;
  pdolData: Uint8Array;
  cdolData: Uint8Array;
  /** 9F37 of the CDOL data: the terminal dynamic data of the signature. */
  unpredictableNumber: Uint8Array;
  /** Signs over another UN: a card that fails CDA, for tests. */
  wrongSignature?: boolean;
}

/** The data field of the answer (77 template); the status word is the caller's. */
export function cdaAnswer(i: CdaInput): Uint8Array {
  const atc = Uint8Array.of((i.atc >> 8) & 0xff, i.atc & 0xff);
  const others = [t(0x9f27, Uint8Array.of(i.cid)), t(0x9f36, atc), t(0x9f10, i.iad)];
  const tdhc = sha1(i.pdolData, i.cdolData, ...others.map((o) => encodeTlv([o])));
  const idn = cardRandom(i.pan, i.atc, 'idn', 8);
  const dynamic = Uint8Array.from([0x08, ...idn, i.cid, ...i.ac, ...tdhc]);
  const un = i.wrongSignature ? i.unpredictableNumber.map((b) => b ^ 0xff) : i.unpredictableNumber;
  const sdad = signDynamicData(i.icc, dynamic, un);
  return encodeTlv([{ tag: 0x77, children: [others[0]!, others[1]!, t(0x9f4b, sdad), others[2]!] }]);
}
