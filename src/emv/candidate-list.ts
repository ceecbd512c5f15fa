/**
 * Combination selection, EMV Contactless Book B 3.3.2: the PPSE's directory entries matched
 * with the terminal's applications and kernels, in the order the card's priorities give.
 */
import { toHex } from '../hex.js';
import { findPath, type Tlv } from './tlv.js';
import type { AidConfig, KernelId } from './kernel-config.js';
import type { PreProcessingIndicators } from './pre-processing.js';

/** One Directory Entry (61) of the PPSE FCI, Book B Table 3-3. */
export interface DirectoryEntry {
  adfName: Uint8Array;
  label?: string;
  /** b4-b1 of 87; 0 when absent (no priority). */
  priority: number;
  /** The Kernel Identifier (9F2A) the card asks for, when it names one. */
  kernelIdentifier?: Uint8Array;
  /** Where the entry stood in the PPSE, to keep the card's order among equals. */
  order: number;
}

/** An application of the card the terminal will try, with the kernel to run and its indicators. */
export interface Combination {
  entry: DirectoryEntry;
  aid: AidConfig;
  kernel: KernelId;
  indicators: PreProcessingIndicators;
}

/** Book B 3.3.2.5 c: the default kernel for an AID without 9F2A, by RID (Table 3-6). */
export function defaultKernelFor(adfName: Uint8Array): number | undefined {
  const rid = toHex(adfName.subarray(0, 5));
  switch (rid) {
    case 'A000000004':
      return 2;
    case 'A000000003':
      return 3;
    case 'A000000025':
      return 4;
    case 'A000000065':
      return 5;
    case 'A000000152':
      return 6;
    case 'A000000333':
      return 7;
    default:
      return undefined;
  }
}

/**
 * The Directory Entries of a PPSE FCI (6F / A5 / BF0C / 61...). An entry without a usable
 * ADF name (4F of 5 to 16 bytes) is skipped, as Book B 3.3.2.4 says.
 */
export function directoryEntries(fci: readonly Tlv[]): DirectoryEntry[] {
  const bf0c = findPath(fci, 0x6f, 0xa5, 0xbf0c);
  if (!bf0c?.children) return [];
  const out: DirectoryEntry[] = [];
  let order = 0;
  for (const t of bf0c.children) {
    if (t.tag !== 0x61 || !t.children) continue;
    const adf = t.children.find((c) => c.tag === 0x4f);
    if (!adf || adf.value.length < 5 || adf.value.length > 16) continue;
    const label = t.children.find((c) => c.tag === 0x50);
    const prio = t.children.find((c) => c.tag === 0x87);
    const kid = t.children.find((c) => c.tag === 0x9f2a);
    out.push({
      adfName: adf.value,
      ...(label ? { label: printable(label.value) } : {}),
      priority: prio && prio.value.length === 1 ? prio.value[0]! & 0x0f : 0,
      ...(kid && kid.value.length > 0 ? { kernelIdentifier: kid.value } : {}),
      order: order++,
    });
  }
  return out;
}

/** A label as text: printable ASCII kept, anything else shown as '?'. */
export function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '?')).join('');
}

/**
 * Book B 3.3.2.5 c: the kernel the entry asks for. Absent, or a first byte of 00: the
 * default kernel of the AID. b8-b7 of the first byte 00 or 01: an international kernel, its
 * number in b6-b1. 10 or 11: a domestic kernel, which this terminal has none of.
 */
function requestedKernel(entry: DirectoryEntry): number | undefined {
  const k = entry.kernelIdentifier;
  if (!k || k[0] === 0x00) return defaultKernelFor(entry.adfName);
  if ((k[0]! & 0xc0) <= 0x40) return k[0]! & 0x3f;
  return undefined;
}

function startsWith(name: Uint8Array, prefix: Uint8Array): boolean {
  return name.length >= prefix.length && prefix.every((b, i) => name[i] === b);
}

/**
 * Book B 3.3.2.5 to 3.3.2.7: every (entry, configured application) pair whose AID the ADF
 * name starts with, whose kernel is the one asked for, and which pre-processing allows;
 * ordered by priority (1 highest, no priority last) and, among equals, the card's order.
 */
export function candidateList(entries: readonly DirectoryEntry[], aids: readonly AidConfig[], indicators: (aid: AidConfig) => PreProcessingIndicators): Combination[] {
  const out: Combination[] = [];
  for (const entry of entries) {
    const kernel = requestedKernel(entry);
    if (kernel === undefined) continue;
    // The longest configured AID the name starts with is the closest match.
    const match = aids
      .filter((a) => a.kernel === kernel && startsWith(entry.adfName, a.aid))
      .sort((a, b) => b.aid.length - a.aid.length)[0];
    if (!match) continue;
    const ind = indicators(match);
    if (ind.notAllowed) continue;
    out.push({ entry, aid: match, kernel: match.kernel, indicators: ind });
  }
  const rank = (p: number): number => (p === 0 ? 16 : p);
  return out.sort((a, b) => rank(a.entry.priority) - rank(b.entry.priority) || a.entry.order - b.entry.order);
}
