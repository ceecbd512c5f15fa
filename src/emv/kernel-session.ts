/**
 * What a kernel works with once Entry Point has selected an application: the card link,
 * the data gathered so far and the transaction. EMV Contactless Book A 5.8: Entry Point
 * hands the kernel the selected combination, the FCI and the pre-processing indicators.
 */
import { statusText } from './status-words.js';
import type { CommandApdu, CryptogramType, ResponseApdu } from './apdu.js';
import type { CardData } from './card-data.js';
import type { Combination } from './candidate-list.js';
import type { DataSource } from './dol.js';
import type { ContactlessConfig } from './kernel-config.js';
import type { CvmMethod, OdaStatus, Outcome } from './kernel-result.js';
import type { TransactionData } from './terminal-data.js';

export interface KernelSession {
  /** Sends a command (with 61xx/6Cxx handling) and returns the card's answer. */
  exchange(command: CommandApdu): Promise<ResponseApdu>;
  config: ContactlessConfig;
  txn: TransactionData;
  combination: Combination;
  /** The data objects of the selected application's FCI (A5 contents: 50, 87, 9F38, BF0C...). */
  fci: CardData;
  /** What the card returned from GPO on. */
  card: CardData;
  /** Terminal and transaction data, with this application's own values first (TTQ, 9F09...). */
  terminal: DataSource;
  /** What the kernel itself produced for the card and the host: 9F34 CVM Results. */
  kernelData: Map<number, Uint8Array>;
  /** Kernel data, card data, FCI, then terminal: what a CDOL is filled from. */
  all: DataSource;
  /** The transaction date, yyyymmdd. */
  date: number;
  signal: AbortSignal;
}

/** A kernel's end: an outcome, or Select Next (Book B 3.3.3: try the next candidate). */
export interface KernelDecision {
  outcome: Outcome | 'select-next';
  reason: string;
  cvm: CvmMethod;
  cvmResults: Uint8Array;
  cryptogram?: { type: CryptogramType; value: Uint8Array; atc: Uint8Array };
  oda: OdaStatus;
}

/** "GPO answered 6985 conditions of use not satisfied". */
export function answered(what: string, sw: number): string {
  return `${what} answered ${statusText(sw)}`;
}

export const NO_ODA: OdaStatus = Object.freeze({ method: 'none', result: 'not-performed' }) as OdaStatus;
