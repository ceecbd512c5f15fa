/**
 * A contactless transaction from the first APDU to its outcome: EMV Contactless Book A
 * (architecture), Book B (Entry Point: pre-processing, PPSE, candidate list, final
 * selection), then the kernel of the selected application (kernel-c2.ts for Kernels 2 and
 * 4, kernel-c3.ts for Kernels 3 and 7).
 *
 * The kernel never touches the reader: it is given `transmit` (one C-APDU out, the R-APDU
 * back) and uses transceive() for 61xx/6Cxx. Expected ends are returned as a KernelResult;
 * a card that breaks the rules (malformed data, missing mandatory data) throws a CardError;
 * the signal aborting (CANCEL, card removed) rejects with its reason.
 */
import { finalSelect } from './final-selection.js';
import { abortReason } from '../errors.js';
import { maskPan } from '../security/pan.js';
import { selectByName, transceive, type CommandApdu, type Send } from './apdu.js';
import { accountOf } from './application-data.js';
import { CardData } from './card-data.js';
import { candidateList, directoryEntries, printable, type Combination } from './candidate-list.js';
import { dateNumber } from './dates.js';
import { chainSources, mapSource, type DataSource } from './dol.js';
import { encodeUint } from './formats.js';
import { buildIccData } from './icc-data.js';
import { kernelC2 } from './kernel-c2.js';
import { kernelC3 } from './kernel-c3.js';
import { checkContactlessConfig, type ContactlessConfig } from './kernel-config.js';
import type { KernelResult, Outcome } from './kernel-result.js';
import { answered, NO_ODA, type KernelDecision, type KernelSession } from './kernel-session.js';
import { preProcess } from './pre-processing.js';
import { SensitiveCardData } from './sensitive-card-data.js';
import { terminalDataSource, type TransactionData } from './terminal-data.js';
import { decodeTlv } from './tlv.js';

/** "2PAY.SYS.DDF01", the Proximity Payment System Environment (Book B 3.3.2.2). */
export const PPSE = Uint8Array.from(Buffer.from('2PAY.SYS.DDF01', 'ascii'));

export interface ContactlessTransaction {
  /** The reader: one C-APDU out, the whole R-APDU back. */
  transmit: Send;
  config: ContactlessConfig;
  /** Amount, type, date and UN; its TVR and TSI are written as the kernel goes. */
  transaction: TransactionData;
  signal: AbortSignal;
}

/** The tags the TTQ-based kernels mean and Kernels 2 and 4 do not: left out of their field 55. */
const NOT_FOR_EMV_MODE_KERNELS: ReadonlySet<number> = new Set([0x9f66, 0x9f6c]);

export async function runContactlessTransaction(t: ContactlessTransaction): Promise<KernelResult> {
  const { config, transaction: txn, signal } = t;
  checkContactlessConfig(config);
  const terminalBase = terminalDataSource(config.terminal, txn);
  let exchanges = 0;
  const send: Send = async (apdu) => {
    exchanges++;
    return t.transmit(apdu);
  };
  const exchange = async (command: CommandApdu) => {
    if (signal.aborted) throw abortReason(signal);
    return transceive(send, command, { signal });
  };
  const ended = (outcome: Outcome, reason: string): KernelResult => ({
    outcome,
    reason,
    cvm: 'none',
    cvmResults: Uint8Array.of(0x3f, 0x00, 0x00),
    tvr: txn.tvr.slice(),
    tsi: txn.tsi.slice(),
    oda: NO_ODA,
    iccData: new Uint8Array(0),
    exchanges,
  });

  // Book B 3.1.1: pre-processing, before the first APDU.
  const indicators = (aid: Combination['aid']) => preProcess(aid, txn.amount, config.terminal.ttq);
  if (config.aids.every((a) => indicators(a).notAllowed)) {
    return ended('try-another-interface', 'the amount is not allowed contactless for any application (transaction limit)');
  }

  // Book B 3.3.2: SELECT PPSE and the candidate list.
  const ppse = await exchange(selectByName(PPSE));
  if (ppse.sw !== 0x9000) return ended('end-application', answered('SELECT PPSE', ppse.sw));
  const candidates = candidateList(directoryEntries(decodeTlv(ppse.data)), config.aids, indicators);
  if (candidates.length === 0) return ended('end-application', 'no application on the card is accepted here');

  // Book B 3.3.3: final selection, the kernel, and Select Next while candidates remain.
  let lastReason = '';
  for (const comb of candidates) {
    const name = comb.entry.adfName;
    const final = await finalSelect(exchange, name);
    if (!final.ok) {
      lastReason = final.reason;
      continue;
    }
    const fci = final.fci;
    txn.tvr.fill(0);
    txn.tsi.fill(0);
    const session = newSession(t, comb, fci, terminalBase, (c) => exchange(c));
    const decision = comb.kernel === 2 || comb.kernel === 4 ? await kernelC2(session) : await kernelC3(session);
    if (decision.outcome === 'select-next') {
      lastReason = decision.reason;
      continue;
    }
    return assemble(decision, session, exchanges);
  }
  return ended('end-application', lastReason || 'no application could be selected');
}

function newSession(
  t: ContactlessTransaction,
  comb: Combination,
  fci: CardData,
  terminalBase: DataSource,
  exchange: KernelSession['exchange'],
): KernelSession {
  const aid = comb.aid;
  const own = new Map<number, Uint8Array>(aid.terminalData ?? []);
  own.set(0x9f06, aid.aid);
  own.set(0x9f09, aid.appVersion);
  // The floor limit of this application (9F1B) rather than the terminal's (Book B 3.1.1.6).
  if (aid.floorLimit <= 0xffffffff) own.set(0x9f1b, encodeUint(aid.floorLimit, 4));
  if (comb.kernel === 3 || comb.kernel === 7) own.set(0x9f66, comb.indicators.ttq);
  const terminal = chainSources(mapSource(own), terminalBase);
  const card = new CardData(comb.kernel === 2 ? 'C-2' : undefined);
  const kernelData = new Map<number, Uint8Array>();
  return {
    exchange,
    config: t.config,
    txn: t.transaction,
    combination: comb,
    fci,
    card,
    terminal,
    kernelData,
    all: chainSources(mapSource(kernelData), card.source(), fci.source(), terminal),
    date: dateNumber(t.transaction.time),
    signal: t.signal,
  };
}

function assemble(d: KernelDecision, s: KernelSession, exchanges: number): KernelResult {
  const { card, fci, combination: comb, txn } = s;
  const account = card.has(0x5a) || card.has(0x57) ? accountOf(card) : undefined;
  const label = fci.get(0x50);
  const emvMode = comb.kernel === 2 || comb.kernel === 4;
  const iccData = buildIccData(s.config.iccDataTags, {
    kernel: mapSource(s.kernelData),
    card: chainSources(card.source(), fci.source()),
    terminal: s.terminal,
    ...(comb.kernel === 2 ? { kernelName: 'C-2' as const } : {}),
    ...(emvMode ? { exclude: NOT_FOR_EMV_MODE_KERNELS } : {}),
  });
  return {
    outcome: d.outcome as Outcome,
    reason: d.reason,
    kernel: comb.kernel,
    aid: comb.entry.adfName.slice(),
    ...(label ? { label: printable(label) } : comb.entry.label !== undefined ? { label: comb.entry.label } : {}),
    ...(account
      ? {
          maskedPan: maskPan(account.pan),
          expiry: account.expiry,
          ...(account.panSequence !== undefined ? { panSequence: account.panSequence } : {}),
          sensitive: new SensitiveCardData(account.pan, account.track2),
        }
      : {}),
    cvm: d.cvm,
    cvmResults: d.cvmResults,
    tvr: txn.tvr.slice(),
    tsi: txn.tsi.slice(),
    ...(d.cryptogram ? { cryptogram: d.cryptogram } : {}),
    oda: d.oda,
    iccData,
    exchanges,
  };
}
