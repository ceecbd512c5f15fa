/**
 * What a virtual card application keeps between commands: its ATC, which counts up with
 * every GET PROCESSING OPTIONS (EMV 4.4 Book 3 Annex A1, 9F36), and the data of the
 * transaction under way.
 */
import { parseDol } from '../../src/emv/dol.js';
import type { Personalised } from './personalisation.js';

export interface ApplicationState {
  app: Personalised;
  atc: number;
  /** Set by GPO: the PDOL data as received and its values by tag. */
  transaction?: { pdolData: Uint8Array; values: Map<number, Uint8Array>; generateAcDone: boolean };
}

/** A response: data and status word. */
export function answer(data: Uint8Array | undefined, sw: number): Uint8Array {
  const d = data ?? new Uint8Array(0);
  const out = new Uint8Array(d.length + 2);
  out.set(d);
  out[d.length] = sw >> 8;
  out[d.length + 1] = sw & 0xff;
  return out;
}

/** The values of DOL data, by the card's own DOL; undefined when the length does not match. */
export function dolValues(dol: Uint8Array | undefined, data: Uint8Array): Map<number, Uint8Array> | undefined {
  const entries = dol ? parseDol(dol) : [];
  const total = entries.reduce((n, e) => n + e.length, 0);
  if (total !== data.length) return undefined;
  const out = new Map<number, Uint8Array>();
  let o = 0;
  for (const e of entries) {
    out.set(e.tag, data.slice(o, o + e.length));
    o += e.length;
  }
  return out;
}

export function atcBytes(atc: number): Uint8Array {
  return Uint8Array.of((atc >> 8) & 0xff, atc & 0xff);
}

/** The amount authorised (9F02, n 12) in minor units. */
export function amountOf(values: Map<number, Uint8Array>): number {
  const v = values.get(0x9f02);
  if (!v) return 0;
  let n = 0;
  for (const b of v) n = n * 100 + (b >> 4) * 10 + (b & 0x0f);
  return n;
}
