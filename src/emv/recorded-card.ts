/**
 * A card played back from a recorded APDU trace: a JSON list of {"c":"HEX","r":"HEX"}
 * (CONTRACT.md, `pos tool emv read --trace`). Items may carry a "note"; an item with no
 * "c" and "r" (say {"source":"...","note":"..."}) is a comment. The terminal's commands
 * will not be byte for byte those of the recording (its UN, date and amount differ), so
 * they are matched the way the data demands: a SELECT by the name it selects, every other
 * command by its header CLA INS P1 P2. Repeats of one key are answered in recorded order,
 * the last answer again once they run out; what the recording lacks gets the status a card
 * without it would give.
 */
import { ValidationError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';

export interface TraceStep {
  c: Uint8Array;
  r: Uint8Array;
  note?: string;
}

/** Reads a trace file's JSON; every mistake names the item. */
export function parseTrace(json: unknown, source = 'trace'): TraceStep[] {
  if (!Array.isArray(json)) throw new ValidationError(`${source}: a trace is a JSON list of {"c":"HEX","r":"HEX"}`);
  const out: TraceStep[] = [];
  json.forEach((item: unknown, i) => {
    const where = `${source} item ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ValidationError(`${where}: not an object`);
    const o = item as Record<string, unknown>;
    if (o.c === undefined && o.r === undefined) return; // a comment
    if (typeof o.c !== 'string' || typeof o.r !== 'string') throw new ValidationError(`${where}: "c" and "r" must both be hex strings`);
    const c = fromHex(o.c, `${where} c`);
    const r = fromHex(o.r, `${where} r`);
    if (c.length < 4) throw new ValidationError(`${where}: a command has at least CLA INS P1 P2`);
    if (r.length < 2) throw new ValidationError(`${where}: a response ends with SW1 SW2`);
    out.push({ c, r, ...(typeof o.note === 'string' ? { note: o.note } : {}) });
  });
  if (out.length === 0) throw new ValidationError(`${source}: the trace has no exchanges`);
  return out;
}

/** The name a SELECT by name carries (ISO/IEC 7816-4: INS A4, P1 04), else undefined. */
function selectName(c: Uint8Array): string | undefined {
  if (c[1] !== 0xa4 || c[2] !== 0x04 || c.length < 6) return undefined;
  const lc = c[4]!;
  return toHex(c.subarray(5, 5 + lc));
}

function key(c: Uint8Array): string {
  const name = selectName(c);
  return name !== undefined ? `SELECT ${name}` : toHex(c.subarray(0, 4));
}

export class RecordedCard {
  private readonly queues = new Map<string, TraceStep[]>();
  private readonly last = new Map<string, TraceStep>();
  /** Commands that found no recorded answer, for whoever wants to know what the recording lacked. */
  readonly misses: Uint8Array[] = [];

  constructor(steps: readonly TraceStep[]) {
    for (const s of steps) {
      const k = key(s.c);
      const q = this.queues.get(k) ?? [];
      q.push(s);
      this.queues.set(k, q);
    }
  }

  transceive(apdu: Uint8Array): Uint8Array {
    if (apdu.length < 4) return Uint8Array.of(0x67, 0x00);
    const k = key(apdu);
    const step = this.queues.get(k)?.shift() ?? this.last.get(k);
    if (step) {
      this.last.set(k, step);
      return step.r.slice();
    }
    this.misses.push(apdu.slice());
    // ISO/IEC 7816-4 5.1.3: what a card without the file, record or command answers.
    if (apdu[1] === 0xa4) return Uint8Array.of(0x6a, 0x82);
    if (apdu[1] === 0xb2) return Uint8Array.of(0x6a, 0x83);
    return Uint8Array.of(0x6d, 0x00);
  }

  /** Steps never answered, by their recorded command. */
  unused(): TraceStep[] {
    return [...this.queues.values()].flat();
  }
}
