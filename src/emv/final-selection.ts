import { selectByName, type CommandApdu, type ResponseApdu } from './apdu.js';
import { CardData } from './card-data.js';
import { answered } from './kernel-session.js';
import { decodeTlv, findPath } from './tlv.js';
import { toHex } from '../hex.js';

export type FinalSelection = { ok: true; fci: CardData } | { ok: false; reason: string };

/**
 * Final selection of one candidate, the same for the contact and the contactless kernels
 * (EMV 4.4 Book 1 12.4; Contactless Book B 3.3.3): SELECT by its ADF name, the FCI must
 * name that very application (6F/84), its proprietary template (A5) is kept with 84. A card
 * that answers 6283 (contact: the application is blocked) or 6A81 (contactless: blocked)
 * or anything but 9000 leaves this candidate with the reason in words.
 */
export async function finalSelect(exchange: (c: CommandApdu) => Promise<ResponseApdu>, name: Uint8Array): Promise<FinalSelection> {
  const sel = await exchange(selectByName(name));
  if (sel.sw !== 0x9000) {
    const blocked = sel.sw === 0x6283 || sel.sw === 0x6a81;
    return { ok: false, reason: blocked ? `application ${toHex(name)} is blocked (SELECT answered ${sel.sw.toString(16).toUpperCase()})` : answered(`SELECT ${toHex(name)}`, sel.sw) };
  }
  const fciTree = decodeTlv(sel.data);
  const df = findPath(fciTree, 0x6f, 0x84);
  if (!df || toHex(df.value) !== toHex(name)) return { ok: false, reason: `the FCI of ${toHex(name)} names another application` };
  const fci = new CardData();
  fci.addAll(findPath(fciTree, 0x6f, 0xa5)?.children ?? [], 'FCI', { replace: true });
  fci.set(0x84, df.value);
  return { ok: true, fci };
}
