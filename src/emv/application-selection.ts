/**
 * Application selection over the contact interface, EMV 4.4 Book 1 chapter 12: the
 * candidate list is built from the card's Payment System Environment directory (12.3.2,
 * SELECT '1PAY.SYS.DDF01' then READ RECORD of its SFI, DDFs followed into their own
 * directories) or, when the card has none, by
 * selecting each AID the terminal knows (12.3.3, with partial names and "select next");
 * then the candidates are ordered by priority for final selection (12.4).
 *
 * A PSE that is missing, blocked or malformed is not a fault: 12.3.2 sends the terminal
 * to the list of AIDs. Only SELECT answering 6A81 (card blocked, or SELECT not supported)
 * ends the card session.
 */
import { readRecord, selectByName, type CommandApdu, type ResponseApdu } from './apdu.js';
import { printable } from './candidate-list.js';
import type { ContactAidConfig, ContactConfig } from './contact-config.js';
import { toHex } from '../hex.js';
import { CardError } from './errors.js';
import { decodeTlv, findPath, type Tlv } from './tlv.js';

/** "1PAY.SYS.DDF01", the Payment System Environment of the contact interface (Book 1 12.2.2). */
export const PSE = Uint8Array.from(Buffer.from('1PAY.SYS.DDF01', 'ascii'));

/** A card can answer "select next" with the same application forever; 12.3.3 stops at 6A82. */
const MAX_OCCURRENCES = 16;
/** A directory longer than this is a card that loops; Book 1 names no limit, records are 1-254. */
const MAX_DIRECTORY_RECORDS = 32;
/** The PSE is depth 1; a DDF below this many levels is not entered (Book 1 names no limit). */
const MAX_DIRECTORY_DEPTH = 4;
/** Records read over the whole tree of directories, PSE and DDFs together. */
const MAX_WALK_RECORDS = 64;

export type Exchange = (command: CommandApdu) => Promise<ResponseApdu>;

/** A mutually supported application (Book 1 12.3: "candidate list"). */
export interface ContactCandidate {
  /** The ADF name to select (the card's, full length). */
  adfName: Uint8Array;
  /** The terminal's application it matched. */
  aid: ContactAidConfig;
  label?: string;
  preferredName?: string;
  /** Application Priority Indicator (87) b4-b1; 0: no priority. */
  priority: number;
  /** 87 b8: the cardholder must confirm this application before it is used. */
  confirmationRequired: boolean;
  /** Where it was found, to keep the card's order among equals. */
  order: number;
}

export type CandidateSearch =
  | { kind: 'candidates'; method: 'pse' | 'aid-list'; candidates: ContactCandidate[] }
  /** SELECT answered 6A81: the card is blocked or does not support SELECT (Book 1 12.3.2, 12.3.3). */
  | { kind: 'card-blocked'; reason: string };

function startsWith(name: Uint8Array, prefix: Uint8Array): boolean {
  return name.length >= prefix.length && prefix.every((b, i) => name[i] === b);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

/**
 * Book 1 12.3.1: the terminal application an ADF name matches: the same AID, or a longer
 * name that starts with an AID whose Application Selection Indicator allows partial
 * selection. The longest configured AID that matches is the closest.
 */
export function matchingAid(adfName: Uint8Array, aids: readonly ContactAidConfig[]): ContactAidConfig | undefined {
  return aids
    .filter((a) => equal(adfName, a.aid) || (a.partialSelection && adfName.length > a.aid.length && startsWith(adfName, a.aid)))
    .sort((a, b) => b.aid.length - a.aid.length)[0];
}

/** Label, preferred name and priority as an FCI (A5) or a directory entry (61) gives them. */
function describe(objects: readonly Tlv[]): Pick<ContactCandidate, 'label' | 'preferredName' | 'priority' | 'confirmationRequired'> {
  const get = (tag: number) => objects.find((o) => o.tag === tag)?.value;
  const label = get(0x50);
  const preferred = get(0x9f12);
  const api = get(0x87);
  const p = api && api.length === 1 ? api[0]! : 0;
  return {
    ...(label ? { label: printable(label) } : {}),
    ...(preferred ? { preferredName: printable(preferred) } : {}),
    priority: p & 0x0f,
    confirmationRequired: (p & 0x80) !== 0,
  };
}

/** Book 1 12.3: the PSE first when configured, else (or when it gives nothing) the list of AIDs. */
export async function findCandidates(exchange: Exchange, config: Pick<ContactConfig, 'aids' | 'usePse'>): Promise<CandidateSearch> {
  if (config.usePse) {
    const pse = await fromPse(exchange, config.aids);
    if (pse.kind === 'card-blocked') return pse;
    if (pse.kind === 'candidates' && pse.candidates.length > 0) return pse;
  }
  return fromAidList(exchange, config.aids);
}

/**
 * Book 1 12.3.2: SELECT the PSE, read its directory (SFI from 88) record by record until
 * 6A83, and keep each ADF entry (61 with 4F) the terminal supports; a DDF entry (61 with
 * 9D) is followed into its own directory (directory-walk below). 'fallback' sends the caller
 * to the list of AIDs: no PSE, a blocked PSE (6283), bad data, a READ RECORD error.
 */
async function fromPse(exchange: Exchange, aids: readonly ContactAidConfig[]): Promise<CandidateSearch | { kind: 'fallback' }> {
  const r = await exchange(selectByName(PSE));
  if (r.sw === 0x6a81) return { kind: 'card-blocked', reason: 'SELECT of the PSE answered 6A81: the card is blocked or does not support SELECT' };
  if (r.sw !== 0x9000) return { kind: 'fallback' };
  try {
    const sfi = directorySfi(r.data);
    if (sfi === undefined) return { kind: 'fallback' };
    const walk: Walk = { exchange, aids, candidates: [], entered: new Set([toHex(PSE)]), records: 0 };
    const read = await readDirectory(walk, PSE, sfi, 1);
    return read === 'complete' ? { kind: 'candidates', method: 'pse', candidates: walk.candidates } : { kind: 'fallback' };
  } catch (e) {
    // Malformed directory data: Book 1 12.3.2 goes on with the list of AIDs.
    if (e instanceof CardError) return { kind: 'fallback' };
    throw e;
  }
}

/** The SFI of a directory (88 in the FCI's proprietary template A5), 1 to 30; else undefined. */
function directorySfi(fciData: Uint8Array): number | undefined {
  const sfi = findPath(decodeTlv(fciData), 0x6f, 0xa5, 0x88)?.value;
  return sfi && sfi.length === 1 && sfi[0]! >= 1 && sfi[0]! <= 30 ? sfi[0]! : undefined;
}

/** What the walk through the PSE's directories carries. */
interface Walk {
  exchange: Exchange;
  aids: readonly ContactAidConfig[];
  candidates: ContactCandidate[];
  /** The DF names (hex) of every directory entered: a DDF listed again (a loop) is not entered twice. */
  entered: Set<string>;
  /** Records read over the whole walk. */
  records: number;
}

/**
 * One directory of Book 1 12.3.2, read from record 1 until 6A83: each ADF entry (4F) the
 * terminal supports becomes a candidate; each DDF entry (9D) is SELECTed and its own
 * directory (the SFI of its FCI) read at once, depth first, before the next entry of this
 * one. READ RECORD reads the files of the current DF (ISO/IEC 7816-4 7.3.3), so after a DDF
 * this directory is SELECTed again before its next record is read. A DDF that cannot be
 * selected, has no directory, was entered before (a card whose DDFs list each other) or lies
 * deeper than MAX_DIRECTORY_DEPTH is passed over; a DDF's directory that breaks off keeps
 * what it gave. 'broken': this directory could not be read to its end.
 */
async function readDirectory(walk: Walk, name: Uint8Array, sfi: number, depth: number): Promise<'complete' | 'broken'> {
  for (let rec = 1; rec <= MAX_DIRECTORY_RECORDS; rec++) {
    if (++walk.records > MAX_WALK_RECORDS) return 'broken';
    const rr = await walk.exchange(readRecord(sfi, rec));
    if (rr.sw === 0x6a83) return 'complete';
    if (rr.sw !== 0x9000) return 'broken';
    const record = decodeTlv(rr.data);
    if (record.length !== 1 || record[0]!.tag !== 0x70 || !record[0]!.children) return 'broken';
    let left = false;
    for (const entry of record[0]!.children) {
      if (entry.tag !== 0x61 || !entry.children) continue;
      const adf = entry.children.find((c) => c.tag === 0x4f)?.value;
      if (adf) {
        if (adf.length < 5 || adf.length > 16) continue;
        const aid = matchingAid(adf, walk.aids);
        if (!aid || walk.candidates.some((c) => equal(c.adfName, adf))) continue;
        walk.candidates.push({ adfName: adf.slice(), aid, ...describe(entry.children), order: walk.candidates.length });
        continue;
      }
      const ddf = entry.children.find((c) => c.tag === 0x9d)?.value;
      if (!ddf || ddf.length < 5 || ddf.length > 16 || depth >= MAX_DIRECTORY_DEPTH || walk.entered.has(toHex(ddf))) continue;
      walk.entered.add(toHex(ddf));
      const selected = await walk.exchange(selectByName(ddf));
      // ISO/IEC 7816-4 5.1.3: a warning (62xx, 63xx) selected the DDF all the same; an error left the current DF as it was.
      left ||= selected.sw1 === 0x62 || selected.sw1 === 0x63 || selected.sw === 0x9000;
      if (selected.sw !== 0x9000) continue;
      let ddfSfi: number | undefined;
      try {
        ddfSfi = directorySfi(selected.data);
      } catch (e) {
        if (!(e instanceof CardError)) throw e;
      }
      if (ddfSfi === undefined) continue;
      try {
        await readDirectory(walk, ddf, ddfSfi, depth + 1);
      } catch (e) {
        // A DDF's malformed directory spoils that DDF only.
        if (!(e instanceof CardError)) throw e;
      }
    }
    if (left) {
      const back = await walk.exchange(selectByName(name));
      if (back.sw !== 0x9000) return 'broken';
    }
  }
  return 'broken';
}

/**
 * Book 1 12.3.3: SELECT each terminal AID. The answer's DF name (84) equal to the AID: a
 * candidate (unless 6283, blocked). Longer: a candidate when partial selection is allowed,
 * and in any case SELECT "next occurrence" (P2 02) with the same AID until the card has no
 * more (6A82). 6A81: the card is blocked.
 */
async function fromAidList(exchange: Exchange, aids: readonly ContactAidConfig[]): Promise<CandidateSearch> {
  const candidates: ContactCandidate[] = [];
  for (const aid of aids) {
    let occurrence: 'first' | 'next' = 'first';
    for (let n = 0; n < MAX_OCCURRENCES; n++) {
      const r = await exchange(selectByName(aid.aid, occurrence));
      if (r.sw === 0x6a81) return { kind: 'card-blocked', reason: 'SELECT answered 6A81: the card is blocked or does not support SELECT' };
      if (r.sw !== 0x9000 && r.sw !== 0x6283) break;
      let df: Uint8Array | undefined;
      let proprietary: readonly Tlv[] = [];
      try {
        const fci = decodeTlv(r.data);
        df = findPath(fci, 0x6f, 0x84)?.value;
        proprietary = findPath(fci, 0x6f, 0xa5)?.children ?? [];
      } catch (e) {
        if (!(e instanceof CardError)) throw e;
      }
      if (!df || !startsWith(df, aid.aid)) break;
      const usable = r.sw === 0x9000 && !candidates.some((c) => equal(c.adfName, df));
      if (equal(df, aid.aid)) {
        if (usable) candidates.push({ adfName: df.slice(), aid, ...describe(proprietary), order: candidates.length });
        break;
      }
      if (usable && aid.partialSelection) candidates.push({ adfName: df.slice(), aid, ...describe(proprietary), order: candidates.length });
      occurrence = 'next';
    }
  }
  return { kind: 'candidates', method: 'aid-list', candidates };
}

/**
 * Book 1 12.4: the candidates in the order final selection tries them: priority 1 first,
 * applications without a priority last, equals in the card's order. Without a way for the
 * cardholder to confirm, an application that requires confirmation (87 b8) is left out.
 */
export function selectionOrder(candidates: readonly ContactCandidate[], cardholderConfirmation: boolean): ContactCandidate[] {
  const rank = (p: number): number => (p === 0 ? 16 : p);
  return candidates
    .filter((c) => cardholderConfirmation || !c.confirmationRequired)
    .sort((a, b) => rank(a.priority) - rank(b.priority) || a.order - b.order);
}
