/**
 * Issuer Script Processing, EMV 4.4 Book 3 10.10: the issuer may answer with scripts of
 * commands for the card (PIN change, application block, PUT DATA...), in template 71 (sent
 * before the second GENERATE AC) or 72 (after it). Each command (86) is sent in order; a
 * status other than 90xx, 62xx or 63xx ends that script. The results go back to the acquirer
 * as the Issuer Script Results (Book 4 Annex A, tag 9F5B in field 55).
 */
import { parseCommand, type CommandApdu, type ResponseApdu } from './apdu.js';
import { PosError } from '../errors.js';
import type { Tlv } from './tlv.js';

export interface IssuerScript {
  template: 0x71 | 0x72;
  /** Issuer Script Identifier (9F18), 4 bytes; zeros when the issuer gave none. */
  id: Uint8Array;
  /** The Issuer Script Commands (86), each a whole C-APDU. */
  commands: Uint8Array[];
  /** The template held something other than 9F18 and 86: not sent at all. */
  malformed: boolean;
}

export interface ScriptResult {
  template: 0x71 | 0x72;
  id: Uint8Array;
  result: 'performed' | 'failed';
  /** 1-based position of the command that failed (0 when the script could not be read). */
  failedCommand?: number;
}

/** The scripts of one template kind in the issuer's data, in the order received. */
export function issuerScripts(objects: readonly Tlv[], template: 0x71 | 0x72): IssuerScript[] {
  return objects
    .filter((o) => o.tag === template)
    .map((o) => {
      const children = o.children ?? [];
      const id = children.find((c) => c.tag === 0x9f18)?.value;
      const commands = children.filter((c) => c.tag === 0x86).map((c) => c.value);
      const malformed = !o.children || children.some((c) => c.tag !== 0x9f18 && c.tag !== 0x86) || (id !== undefined && id.length !== 4);
      return { template, id: id?.length === 4 ? id.slice() : new Uint8Array(4), commands, malformed };
    });
}

/** Book 3 10.10: sends each script's commands until one is refused. */
export async function runIssuerScripts(scripts: readonly IssuerScript[], exchange: (c: CommandApdu) => Promise<ResponseApdu>): Promise<ScriptResult[]> {
  const out: ScriptResult[] = [];
  for (const s of scripts) {
    if (s.malformed) {
      out.push({ template: s.template, id: s.id, result: 'failed', failedCommand: 0 });
      continue;
    }
    let failed: number | undefined;
    for (let i = 0; i < s.commands.length; i++) {
      let command: CommandApdu;
      try {
        command = parseCommand(s.commands[i]!);
      } catch (e) {
        if (!(e instanceof PosError)) throw e;
        failed = i + 1;
        break;
      }
      const r = await exchange(command);
      if (r.sw1 !== 0x90 && r.sw1 !== 0x62 && r.sw1 !== 0x63) {
        failed = i + 1;
        break;
      }
    }
    out.push(failed === undefined ? { template: s.template, id: s.id, result: 'performed' } : { template: s.template, id: s.id, result: 'failed', failedCommand: failed });
  }
  return out;
}

/**
 * The Issuer Script Results, 5 bytes a script: byte 1 b8-b5 the result (1 failed, 2
 * performed), b4-b1 the failing command's number (0 unknown, F for 15 or more); bytes 2-5
 * the script identifier.
 */
export function scriptResultsData(results: readonly ScriptResult[]): Uint8Array {
  const out = new Uint8Array(results.length * 5);
  results.forEach((r, i) => {
    const seq = r.result === 'failed' ? Math.min(r.failedCommand ?? 0, 15) : 0;
    out[i * 5] = ((r.result === 'performed' ? 2 : 1) << 4) | seq;
    out.set(r.id, i * 5 + 1);
  });
  return out;
}
