/**
 * Read Application Data, EMV 4.4 Book 3 10.2: READ RECORD for every record the AFL names,
 * and the static data to be authenticated gathered from the signed ones (Book 2 5.4).
 */
import { readRecord } from './apdu.js';
import type { AflEntry } from './afl.js';
import type { CardData } from './card-data.js';
import { CardError } from './errors.js';
import type { KernelSession } from './kernel-session.js';
import { answered } from './kernel-session.js';
import { decodeTlv } from './tlv.js';

export interface StaticData {
  /** The signed records' data, concatenated as Book 2 5.4 says. */
  records: Uint8Array;
  /** False when a signed record broke the rule of 5.4 (ODA must then fail). */
  valid: boolean;
}

/**
 * Reads each record in AFL order. A status other than 9000 or a record of SFI 1-10 that is
 * not one '70' template ends the transaction (Book 3 10.2). For signed records, SFI 1-10
 * give the value of their 70 template, SFI 11-30 the whole record (Book 2 5.4).
 */
export async function readRecords(s: Pick<KernelSession, 'exchange'>, afl: readonly AflEntry[], card: CardData): Promise<StaticData> {
  const signed: Uint8Array[] = [];
  let valid = true;
  for (const e of afl) {
    for (let rec = e.first; rec <= e.last; rec++) {
      const r = await s.exchange(readRecord(e.sfi, rec));
      if (r.sw !== 0x9000) throw new CardError('RECORD_READ', answered(`READ RECORD SFI ${e.sfi} record ${rec}`, r.sw));
      const objects = decodeTlv(r.data);
      const isTemplate = objects.length === 1 && objects[0]!.tag === 0x70;
      if (e.sfi <= 10 && !isTemplate) {
        throw new CardError('RECORD_TEMPLATE', `SFI ${e.sfi} record ${rec} is not one record template (70)`);
      }
      card.addAll(objects, `SFI ${e.sfi} record ${rec}`);
      if (rec - e.first < e.odaCount) {
        if (e.sfi <= 10) signed.push(objects[0]!.value);
        else if (isTemplate) signed.push(r.data);
        else valid = false;
      }
    }
  }
  const total = signed.reduce((n, p) => n + p.length, 0);
  const records = new Uint8Array(total);
  let o = 0;
  for (const p of signed) {
    records.set(p, o);
    o += p.length;
  }
  return { records, valid };
}
