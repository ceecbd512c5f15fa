/**
 * Terminal Action Analysis, EMV 4.4 Book 3 10.7: the TVR against the issuer's action codes
 * (9F0E denial, 9F0F online, 9F0D default) and the acquirer's (TACs) decides which
 * cryptogram to ask the card for.
 */
import type { CryptogramType } from './apdu.js';

export interface ActionCodes {
  denial?: Uint8Array | undefined;
  online?: Uint8Array | undefined;
  default?: Uint8Array | undefined;
}

function hits(tvr: Uint8Array, ...codes: (Uint8Array | undefined)[]): boolean {
  for (let i = 0; i < 5; i++) {
    let mask = 0;
    for (const c of codes) mask |= c?.[i] ?? 0;
    if ((tvr[i]! & mask) !== 0) return true;
  }
  return false;
}

/**
 * 10.7: denial first (an absent IAC-Denial counts as all zeros); then, if the terminal can
 * go online, online (an absent IAC-Online as all ones), else default (absent: all ones);
 * what neither asks for is approved offline with a TC.
 */
export function terminalActionAnalysis(tvr: Uint8Array, iac: ActionCodes, tac: ActionCodes, onlineCapable: boolean): CryptogramType {
  const ones = new Uint8Array(5).fill(0xff);
  if (hits(tvr, iac.denial, tac.denial)) return 'AAC';
  if (onlineCapable) return hits(tvr, iac.online ?? ones, tac.online) ? 'ARQC' : 'TC';
  return hits(tvr, iac.default ?? ones, tac.default) ? 'AAC' : 'TC';
}
