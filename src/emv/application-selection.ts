/**
 * Application selection over the contact interface, EMV 4.4 Book 1 chapter 12: the
 * candidate list is built from the card's Payment System Environment directory (12.3.2,
 * SELECT '1PAY.SYS.DDF01' then READ RECORD of its SFI) or, when the card has none, by
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
import { CardError } from './errors.js';
import { decodeTlv, findPath, type Tlv } from './tlv.js';

/** "1PAY.SYS.DDF01", the Payment System Environment of the contact interface (Book 1 12.2.2). */
export const PSE = Uint8Array.from(Buffer.from('1PAY.SYS.DDF01', 'ascii'));

/** A card can answer "select next" with the same application forever; 12.3.3 stops at 6A82. */
const MAX_OCCURRENCES = 16;
/** A directory longer than this is a card that loops; Book 1 names no limit, records are 1-254. */
const MAX_DIRECTORY_RECORDS = 32;

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
 * 6A83, and keep each ADF entry (61 with 4F) the terminal supports. 'fallback' sends the
 * caller to the list of AIDs: no PSE, a blocked PSE (6283), bad data, a READ RECORD error.
 */
async function fromPse(exchange: Exchange, aids: readonly ContactAidConfig[]): Promise<CandidateSearch | { kind: 'fallback' }> {
  const r = await exchange(selectByName(PSE));
  if (r.sw === 0x6a81) return { kind: 'card-blocked', reason: 'SELECT of the PSE answered 6A81: the card is blocked or does not support SELECT' };
  if (r.sw !== 0x9000) return { kind: 'fallback' };
  try {
    const fci = decodeTlv(r.data);
    const sfi = findPath(fci, 0x6f, 0xa5, 0x88)?.value;
    if (!sfi || sfi.length !== 1 || sfi[0]! < 1 || sfi[0]! > 30) return { kind: 'fallback' };
    const candidates: ContactCandidate[] = [];
    for (let rec = 1; rec <= MAX_DIRECTORY_RECORDS; rec++) {
      const rr = await exchange(readRecord(sfi[0]!, rec));
      if (rr.sw === 0x6a83) return { kind: 'candidates', method: 'pse', candidates };
      if (rr.sw !== 0x9000) return { kind: 'fallback' };
      const record = decodeTlv(rr.data);
      if (record.length !== 1 || record[0]!.tag !== 0x70 || !record[0]!.children) return { kind: 'fallback' };
      for (const entry of record[0]!.children) {
        // A DDF entry (9D) would be followed into its own directory (12.3.2 step 4); the
        // payment cards this terminal meets list their ADFs in the PSE, so DDFs are skipped.
        if (entry.tag !== 0x61 || !entry.children) continue;
        const adf = entry.children.find((c) => c.tag === 0x4f)?.value;
        if (!adf || adf.length < 5 || adf.length > 16) continue;
        const aid = matchingAid(adf, aids);
        if (!aid || candidates.some((c) => equal(c.adfName, adf))) continue;
        candidates.push({ adfName: adf.slice(), aid, ...describe(entry.children), order: candidates.length });
      }
    }
    return { kind: 'fallback' };
  } catch (e) {
    // Malformed directory data: Book 1 12.3.2 goes on with the list of AIDs.
    if (e instanceof CardError) return { kind: 'fallback' };
    throw e;
  }
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
