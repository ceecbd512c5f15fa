/**
 * The Answer to Reset, ISO/IEC 7816-3:2006 8.2 (and the EMV basic ATRs of the EMV Contact
 * Interface Specification 8.3): TS, T0, the interface bytes chained by TDi, the historical
 * bytes and, when a protocol other than T=0 is offered, the check byte TCK. The reader
 * uses it to know which protocols the card speaks; a card whose ATR breaks these rules is
 * treated as mute.
 */
import { PosError } from '../../errors.js';

export interface InterfaceBytes {
  ta?: number;
  tb?: number;
  tc?: number;
  td?: number;
}

export interface Atr {
  /** TS 3B: direct convention; 3F: inverse convention. */
  convention: 'direct' | 'inverse';
  /** TA1..TD1, TA2..TD2, ... as the card sent them. */
  interfaceBytes: InterfaceBytes[];
  /** The transmission protocols offered, in the order of the TDi (T=0 alone when no TD1). */
  protocols: number[];
  historical: Uint8Array;
}

/** An ATR that breaks ISO/IEC 7816-3 8.2; `offset` is the byte where it broke. */
export class AtrError extends PosError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('ATR_INVALID', `ATR byte ${offset}: ${message}`);
    this.offset = offset;
  }
}

/** ISO/IEC 7816-3 8.2.1: at most 32 characters after TS. */
const MAX_LENGTH = 33;

export function parseAtr(atr: Uint8Array): Atr {
  if (atr.length === 0) throw new AtrError('no answer to reset', 0);
  if (atr.length > MAX_LENGTH) throw new AtrError(`${atr.length} bytes; an ATR holds at most ${MAX_LENGTH}`, MAX_LENGTH);
  const ts = atr[0]!;
  if (ts !== 0x3b && ts !== 0x3f) throw new AtrError('TS is neither 3B (direct) nor 3F (inverse convention)', 0);
  let p = 1;
  const next = (what: string): number => {
    if (p >= atr.length) throw new AtrError(`the ATR ends where ${what} was announced`, p);
    return atr[p++]!;
  };
  const t0 = next('T0');
  const k = t0 & 0x0f;
  let y = t0 >> 4;
  const interfaceBytes: InterfaceBytes[] = [];
  const protocols: number[] = [];
  let otherThanT0 = false;
  for (let i = 1; ; i++) {
    const b: InterfaceBytes = {};
    if (y & 0x1) b.ta = next(`TA${i}`);
    if (y & 0x2) b.tb = next(`TB${i}`);
    if (y & 0x4) b.tc = next(`TC${i}`);
    if (y & 0x8) b.td = next(`TD${i}`);
    interfaceBytes.push(b);
    if (b.td === undefined) break;
    const t = b.td & 0x0f;
    if (t !== 0) otherThanT0 = true;
    // T=15 qualifies global interface bytes; it is not a protocol (8.2.3).
    if (t !== 15 && !protocols.includes(t)) protocols.push(t);
    y = b.td >> 4;
  }
  if (protocols.length === 0) protocols.push(0);
  const historical = atr.slice(p, p + k);
  if (historical.length !== k) throw new AtrError(`T0 announces ${k} historical bytes, ${historical.length} follow`, p);
  p += k;
  // 8.2.5: TCK is present unless T=0 is the only T indicated.
  if (otherThanT0) {
    if (p >= atr.length) throw new AtrError('TCK is missing', p);
    let x = 0;
    for (let i = 1; i <= p; i++) x ^= atr[i]!;
    if (x !== 0) throw new AtrError('TCK does not check (the ATR was misread)', p);
    p++;
  }
  if (p !== atr.length) throw new AtrError(`${atr.length - p} bytes after the end of the ATR`, p);
  return { convention: ts === 0x3b ? 'direct' : 'inverse', interfaceBytes, protocols, historical };
}

/** The protocol a reader uses: T=0 or T=1 as the card offers first (EMV uses no other). */
export function firstProtocol(atr: Atr): 'T=0' | 'T=1' | undefined {
  const t = atr.protocols.find((x) => x === 0 || x === 1);
  return t === undefined ? undefined : t === 0 ? 'T=0' : 'T=1';
}
