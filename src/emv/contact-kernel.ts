/**
 * A contact chip transaction, EMV 4.4 Book 1 chapter 12 and Book 3 chapter 10, in the order
 * of Book 3 Figure 6:
 *
 *   application selection (PSE or list of AIDs, final selection)  application-selection.ts
 *   initiate application processing (GPO with the PDOL, 10.1)     gpo.ts
 *   read application data (10.2)                                  afl.ts, read-records.ts
 *   offline data authentication (10.3: SDA, DDA, CDA)             offline-data-authentication.ts
 *   processing restrictions (10.4)                                processing-restrictions.ts
 *   cardholder verification (10.5: online PIN, offline PIN)       contact-cvm.ts, offline-pin.ts
 *   terminal risk management (10.6), the exception file           terminal-risk-management.ts, exception-file.ts
 *   terminal action analysis (10.7), first GENERATE AC (10.8)     terminal-action-analysis.ts
 *   online processing, issuer authentication (10.9), scripts
 *   (10.10) and completion with the second GENERATE AC (10.11)    complete(), issuer-scripts.ts
 *
 * The same modules serve Kernels 2 and 4 where Book 3 and Book C-2 say the same thing. The
 * kernel never touches the reader: it is given `transmit` and uses transceive() for the
 * T=0 procedure answers (61xx, 6Cxx). Expected ends are values (a KernelResult, with
 * `complete` when the card asked to go online); a card that breaks the rules throws a
 * CardError; CANCEL or a removed card rejects with the signal's or the reader's reason.
 */
import { finalSelect } from './final-selection.js';
import { randomInt } from 'node:crypto';
import { abortReason, ValidationError } from '../errors.js';
import { toHex } from '../hex.js';
import { maskPan } from '../security/pan.js';
import { externalAuthenticate, generateAc, getProcessingOptions, parseResponse, transceive, type CommandApdu, type CryptogramType, type ResponseApdu, type Send } from './apdu.js';
import { parseAfl } from './afl.js';
import { accountOf } from './application-data.js';
import { findCandidates, selectionOrder, type ContactCandidate } from './application-selection.js';
import { printable } from './candidate-list.js';
import { CardData } from './card-data.js';
import { checkContactConfig, type ContactConfig } from './contact-config.js';
import { cryptogramRank, cryptogramType } from './cryptogram-information.js';
import { contactCardholderVerification } from './contact-cvm.js';
import type { CvmOutcome } from './cvm-list.js';
import { dateNumber } from './dates.js';
import { buildDolData, chainSources, mapSource, type DataSource } from './dol.js';
import { CardError } from './errors.js';
import { decodeN, encodeUint } from './formats.js';
import { parseGenerateAc, type GenerateAcAnswer } from './generate-ac-response.js';
import { parseGpoResponse } from './gpo.js';
import { buildIccData } from './icc-data.js';
import { issuerScripts, runIssuerScripts, scriptResultsData, type ScriptResult } from './issuer-scripts.js';
import type { KernelResult, OdaStatus, Outcome } from './kernel-result.js';
import { answered } from './kernel-session.js';
import type { IccPublicKey } from './oda-certificates.js';
import { verifyCda } from './oda-dynamic.js';
import { offlineDataAuthentication } from './offline-data-authentication.js';
import { recoverPinEnciphermentKey, verifyOfflinePin, type OfflinePinPort } from './offline-pin.js';
import { processingRestrictions } from './processing-restrictions.js';
import { readRecords, type StaticData } from './read-records.js';
import { SensitiveCardData } from './sensitive-card-data.js';
import { terminalActionAnalysis } from './terminal-action-analysis.js';
import { terminalDataSource, type TransactionData } from './terminal-data.js';
import { exceptionFileCheck, terminalRiskManagement } from './terminal-risk-management.js';
import { decodeTlv, type Tlv } from './tlv.js';
import { setTsi, setTvr } from './tvr.js';

export interface ContactTransaction {
  /** The contact reader: one C-APDU out, the whole R-APDU back (61xx and 6Cxx as the card said them). */
  transmit: Send;
  config: ContactConfig;
  /** Amount, type, date and UN; its TVR and TSI are written as the kernel goes. */
  transaction: TransactionData;
  signal: AbortSignal;
  /**
   * Online PIN, when the card's CVM list chooses it (Book 3 10.5.1): the flow takes the PIN
   * on the keypad into an encrypted PIN block, keeps the block for the authorisation and
   * answers 'entered', or 'bypassed' when the cardholder bypassed PIN entry. It runs before
   * the first GENERATE AC because the TVR the cryptogram covers records it. Absent: the PIN
   * is taken after the kernel and counted as entered.
   */
  onlinePin?: (signal: AbortSignal, pan: string) => Promise<'entered' | 'bypassed'>;
  /**
   * Offline PIN, when the CVM list chooses a PIN the card verifies (Book 3 10.5.1: codes 01,
   * 03, 04, 05): the flow shows the PIN prompt (with the tries left when the card said, and
   * after a wrong PIN), and hands the digits to the prompt's `submit`, which builds the PIN
   * block, sends VERIFY and zeroes it (offline-pin.ts). Called again after each wrong PIN.
   * Absent: the terminal has no PIN pad for it ("PIN pad not present"), the next rule applies.
   */
  offlinePin?: OfflinePinPort;
  /** A number in [0, 1) for random transaction selection; crypto random by default. */
  random?: () => number;
}

/** What the issuer (or its absence) said, for the second GENERATE AC. */
export type IssuerResponse =
  | {
      kind: 'online';
      /** The host's decision, from its response code (host-spec: which codes approve). */
      approved: boolean;
      /** Field 39, two characters: the Authorisation Response Code (8A) the card is given. */
      responseCode: string;
      /** Field 55 of the answer: 91 Issuer Authentication Data, 71 and 72 scripts. */
      iccData?: Uint8Array;
    }
  /** No answer (timeout, no link): Book 3 10.7 decides by the default action codes (Y3 or Z3). */
  | { kind: 'unable-to-go-online' };

export interface ContactResult extends KernelResult {
  interface: 'contact';
  /**
   * Present when the outcome is 'online-request': after the host answered (or did not),
   * runs issuer authentication, the scripts and the second GENERATE AC. Call it once.
   */
  complete?: (response: IssuerResponse, options?: { signal?: AbortSignal }) => Promise<ContactCompletion>;
}

export interface ContactCompletion extends KernelResult {
  interface: 'contact';
  outcome: 'approved' | 'declined';
  /** The Authorisation Response Code given to the card: the issuer's, or Y3/Z3 (Book 4 Annex A). */
  authorisationResponseCode: string;
  /** Issuer authentication (Book 3 10.9): by EXTERNAL AUTHENTICATE, or by the card inside the second GENERATE AC. */
  issuerAuthentication: 'success' | 'failed' | 'by-card' | 'not-performed';
  /** Issuer Script Results (9F5B), 5 bytes a script; empty when the issuer sent none. */
  scriptResults: Uint8Array;
  /** The issuer approved but the card declined: the approved authorisation must be reversed. */
  reversalRequired: boolean;
}

/** Book 3 Annex C1: the AIP bits the contact kernel reads (byte 1). */
const AIP_CVM_SUPPORTED = 0x10;
const AIP_TRM_TO_BE_PERFORMED = 0x08;
const AIP_ISSUER_AUTHENTICATION = 0x04;

const NO_CVM_RESULTS = (): Uint8Array => Uint8Array.of(0x3f, 0x00, 0x00);
const NO_ODA: OdaStatus = Object.freeze({ method: 'none', result: 'not-performed' }) as OdaStatus;

/** What one application's processing keeps between the first and the second GENERATE AC. */
interface Session {
  t: ContactTransaction;
  exchange: (command: CommandApdu) => Promise<ResponseApdu>;
  /** One command's bytes as they are, no procedure answers followed (VERIFY, whose bytes the caller zeroes). */
  sendOnce: (apdu: Uint8Array) => Promise<ResponseApdu>;
  count: () => number;
  candidate: ContactCandidate;
  fci: CardData;
  card: CardData;
  kernelData: Map<number, Uint8Array>;
  terminal: DataSource;
  all: DataSource;
  aip: Uint8Array;
  pdolData: Uint8Array;
  oda: OdaStatus;
  cdaKey?: IccPublicKey;
  cvm: CvmOutcome;
}

export async function runContactTransaction(t: ContactTransaction): Promise<ContactResult> {
  const { config, transaction: txn } = t;
  checkContactConfig(config);
  const terminalBase = terminalDataSource(config.terminal, txn);
  let exchanges = 0;
  const send: Send = async (apdu) => {
    exchanges++;
    return t.transmit(apdu);
  };
  const exchangeOn = (signal: AbortSignal) => async (command: CommandApdu) => {
    if (signal.aborted) throw abortReason(signal);
    return transceive(send, command, { signal });
  };
  const exchange = exchangeOn(t.signal);
  const sendOnce = async (apdu: Uint8Array): Promise<ResponseApdu> => {
    if (t.signal.aborted) throw abortReason(t.signal);
    return parseResponse(await send(apdu));
  };
  const ended = (outcome: Outcome, reason: string): ContactResult => ({
    interface: 'contact',
    outcome,
    reason,
    cvm: 'none',
    cvmResults: NO_CVM_RESULTS(),
    tvr: txn.tvr.slice(),
    tsi: txn.tsi.slice(),
    oda: NO_ODA,
    iccData: new Uint8Array(0),
    exchanges,
  });

  // Book 1 12.3: the candidate list.
  const search = await findCandidates(exchange, config);
  if (search.kind === 'card-blocked') return ended('end-application', search.reason);
  const candidates = selectionOrder(search.candidates, config.cardholderConfirmation);
  if (candidates.length === 0) {
    // No mutually supported application: the chip cannot be used here, the stripe may
    // (Book 4 11.1: magstripe fallback where the acquirer allows it).
    return ended('try-another-interface', search.candidates.length > 0 ? 'the card\'s applications need the cardholder\'s confirmation, which this terminal cannot ask for' : 'no application on the card is accepted here');
  }

  // Book 1 12.4: final selection; Book 3 10.1: a GPO refused with 6985 returns to it.
  let lastReason = '';
  for (const candidate of candidates) {
    const name = candidate.adfName;
    const final = await finalSelect(exchange, name);
    if (!final.ok) {
      lastReason = final.reason;
      continue;
    }
    const fci = final.fci;
    txn.tvr.fill(0);
    txn.tsi.fill(0);
    const own = new Map<number, Uint8Array>([
      [0x9f06, candidate.aid.aid],
      [0x9f09, candidate.aid.appVersion],
      [0x9f1b, encodeUint(candidate.aid.floorLimit, 4)],
    ]);
    const terminal = chainSources(mapSource(own), terminalBase);
    const card = new CardData();
    const kernelData = new Map<number, Uint8Array>();
    const selected: Selected = {
      t,
      exchange,
      sendOnce,
      count: () => exchanges,
      candidate,
      fci,
      card,
      kernelData,
      terminal,
      all: chainSources(mapSource(kernelData), card.source(), fci.source(), terminal),
    };
    const r = await processApplication(selected, exchangeOn);
    if (r === 'select-next') {
      lastReason = `GPO of ${toHex(name)} answered 6985 conditions of use not satisfied`;
      continue;
    }
    return r;
  }
  return ended('end-application', lastReason || 'no application could be selected');
}

/** An application selected, before GPO: what processApplication starts from. */
type Selected = Omit<Session, 'aip' | 'pdolData' | 'oda' | 'cdaKey' | 'cvm'>;

async function processApplication(p: Selected, exchangeOn: (signal: AbortSignal) => Session['exchange']): Promise<ContactResult | 'select-next'> {
  const { t, card, fci, kernelData } = p;
  const { config, transaction: txn } = t;
  const date = dateNumber(txn.time);

  // Book 3 10.1: GPO with the PDOL data (83 00 without a PDOL).
  const pdol = fci.get(0x9f38);
  const pdolData = pdol ? buildDolData(pdol, p.terminal, { maxLength: 252 }) : new Uint8Array(0);
  const g = await p.exchange(getProcessingOptions(pdolData));
  if (g.sw === 0x6985) return 'select-next';
  if (g.sw !== 0x9000) {
    const before: Session = { ...p, aip: new Uint8Array(2), pdolData, oda: NO_ODA, cvm: { method: 'none', results: NO_CVM_RESULTS(), tvr: [] } };
    return result(before, 'end-application', answered('GPO', g.sw));
  }
  const gpo = parseGpoResponse(g.data);
  card.addAll(gpo.objects, 'GPO');
  const aip = gpo.aip;

  // Book 3 10.2: every record the AFL names; the mandatory data of 7.2.
  const staticData = await readRecords({ exchange: p.exchange }, parseAfl(gpo.afl), card);
  card.require(0x5f24, 'Application Expiration Date');
  card.require(0x5a, 'Application PAN');
  card.require(0x8c, 'CDOL1');
  card.require(0x8d, 'CDOL2');
  const account = accountOf(card);

  // 10.3
  const odaOutcome = await offlineDataAuthentication({
    aip,
    terminalCapabilities: config.terminal.terminalCapabilities,
    caKeys: config.caKeys,
    rid: p.candidate.adfName.subarray(0, 5),
    card,
    pan: account.pan,
    staticData,
    date,
    tvr: txn.tvr,
    tsi: txn.tsi,
    exchange: p.exchange,
    source: p.all,
    defaultDdol: p.candidate.aid.defaultDdol,
    kernelData,
  });

  // 10.4
  processingRestrictions({
    card,
    terminalAppVersion: p.candidate.aid.appVersion,
    terminalCountry: config.terminal.countryCode,
    terminalType: config.terminal.terminalType,
    transactionType: txn.type,
    date,
    tvr: txn.tvr,
  });

  // 10.5
  const cvm = await cardholderVerification(p, aip, staticData, date);
  kernelData.set(0x9f34, cvm.results);

  // 10.6: the exception file whatever the AIP says, then the rest where the card asks for it.
  exceptionFileCheck(config.exceptionFile, account.pan, account.panSequence, txn.tvr);
  if ((aip[0]! & AIP_TRM_TO_BE_PERFORMED) !== 0) {
    await terminalRiskManagement({
      amount: txn.amount,
      aid: p.candidate.aid,
      card,
      tvr: txn.tvr,
      exchange: p.exchange,
      random: t.random ?? (() => randomInt(0, 1_000_000) / 1_000_000),
    });
    setTsi(txn.tsi, 'terminalRiskManagementPerformed');
  }

  const s: Session = { ...p, aip, pdolData, oda: odaOutcome.status, ...(odaOutcome.cdaKey ? { cdaKey: odaOutcome.cdaKey } : {}), cvm };

  // 10.7, 10.8: the first GENERATE AC.
  const aid = p.candidate.aid;
  const asked = terminalActionAnalysis(
    txn.tvr,
    { denial: card.get(0x9f0e), online: card.get(0x9f0f), default: card.get(0x9f0d) },
    { denial: aid.tacDenial, online: aid.tacOnline, default: aid.tacDefault },
    config.onlineCapable,
  );
  const first = await generate(s, asked, card.get(0x8c)!);
  if (first.kind === 'refused') return result(s, 'end-application', answered('GENERATE AC', first.sw));
  if (first.kind === 'cda-failed') return result(s, 'declined', `CDA failed (${first.check})`, first.cryptogram);
  const c = first.cryptogram;
  if (c.type === 'AAC') return result(s, 'declined', asked === 'AAC' ? 'declined by terminal action analysis (AAC)' : 'the card declined (AAC)', c);
  if (c.type === 'TC') return result(s, 'approved', 'approved offline (TC)', c);
  const online = result(s, 'online-request', 'online authorisation requested (ARQC)', c);
  let used = false;
  online.complete = async (response, options = {}) => {
    if (used) throw new ValidationError('complete() was already called for this transaction', 'KERNEL_STATE');
    used = true;
    return completion({ ...s, exchange: exchangeOn(options.signal ?? t.signal) }, c, response);
  };
  return online;
}

/**
 * Book 3 10.5 with the card's CVM List, against 9F33 byte 2 (contact-cvm.ts): online PIN
 * through `onlinePin`, offline PIN through `offlinePin` and VERIFY (offline-pin.ts), each
 * rule that fails moving on to the next when its b7 says so. A card that does not support
 * cardholder verification (AIP byte 1 b5) gets none: "No CVM performed".
 */
async function cardholderVerification(p: Selected, aip: Uint8Array, staticData: StaticData, date: number): Promise<CvmOutcome> {
  const { t, card } = p;
  const txn = t.transaction;
  const terminal = t.config.terminal;
  if ((aip[0]! & AIP_CVM_SUPPORTED) === 0) return { method: 'none', results: NO_CVM_RESULTS(), tvr: [] };
  const appCurrency = card.get(0x9f42);
  const account = accountOf(card);
  const cvm = await contactCardholderVerification(
    card.get(0x8e),
    {
      amount: txn.amount,
      inApplicationCurrency: appCurrency !== undefined && Number(decodeN(appCurrency) ?? -1) === terminal.currencyCode,
      capability: terminal.terminalCapabilities[1]!,
      transactionType: txn.type,
      unattended: false,
    },
    {
      // The PAN goes with the request: ISO 9564 formats 0, 3 and 4 bind the PIN block to it.
      ...(t.onlinePin ? { onlinePin: () => t.onlinePin!(t.signal, account.pan) } : {}),
      ...(t.offlinePin
        ? {
            offlinePin: (kind) =>
              verifyOfflinePin({
                kind,
                port: t.offlinePin!,
                signal: t.signal,
                exchange: p.exchange,
                sendOnce: p.sendOnce,
                pinKey: () =>
                  recoverPinEnciphermentKey({ caKeys: t.config.caKeys, rid: p.candidate.adfName.subarray(0, 5), card, pan: account.pan, staticData, date }),
              }),
          }
        : {}),
    },
  );
  for (const bit of cvm.tvr) setTvr(txn.tvr, bit);
  setTsi(txn.tsi, 'cardholderVerificationPerformed');
  return cvm;
}

type Cryptogram = NonNullable<KernelResult['cryptogram']>;
type Generated =
  | { kind: 'ok'; cryptogram: Cryptogram; answer: GenerateAcAnswer }
  | { kind: 'refused'; sw: number }
  | { kind: 'cda-failed'; check: string; cryptogram?: Cryptogram };

/**
 * One GENERATE AC (Book 3 6.5.5, 9.3) with CDA asked for when CDA was selected, its key is
 * recovered and a TC or ARQC is wanted (Book 2 6.6); the CDA signature checked (6.6.2).
 */
async function generate(s: Session, asked: CryptogramType, cdol: Uint8Array): Promise<Generated> {
  const txn = s.t.transaction;
  const cda = s.cdaKey !== undefined && asked !== 'AAC';
  const cdolData = buildDolData(cdol, s.all);
  const g = await s.exchange(generateAc(asked, cdolData, { cda }));
  setTsi(txn.tsi, 'cardRiskManagementPerformed');
  if (g.sw !== 0x9000) return { kind: 'refused', sw: g.sw };
  const answer = parseGenerateAc(g.data);
  s.card.addAll(answer.objects, 'GENERATE AC', { replace: true });
  const type = cryptogramType(answer.cid);
  if (cryptogramRank(type) > cryptogramRank(asked)) {
    throw new CardError('CARD_CRYPTOGRAM', `the card answered a ${type} when the terminal asked for an ${asked}`);
  }
  if (cda && type !== 'AAC') {
    const sdad = s.card.get(0x9f4b);
    const v = sdad
      ? verifyCda(s.cdaKey!, sdad, { unpredictableNumber: txn.unpredictableNumber, cid: answer.cid, pdolData: s.pdolData, cdolData, response: answer.objects })
      : undefined;
    if (!v?.ok) {
      const failure = v && !v.ok ? v.failure : { check: 'SDAD_MISSING' as const, message: 'CDA was asked for and the card gave no Signed Dynamic Application Data (9F4B)' };
      setTvr(txn.tvr, 'cdaFailed');
      s.oda = { method: 'CDA', result: 'failed', failure };
      // Book 2 6.6.2: a cryptogram whose signature fails is not trusted: the terminal declines.
      return { kind: 'cda-failed', check: failure.check };
    }
    s.card.set(0x9f26, v.value.cryptogram);
    s.oda = { method: 'CDA', result: 'success' };
    return { kind: 'ok', cryptogram: { type, value: v.value.cryptogram, atc: answer.atc }, answer };
  }
  if (!answer.ac) throw new CardError('CARD_DATA_MISSING', 'the GENERATE AC answer has no Application Cryptogram (9F26)');
  return { kind: 'ok', cryptogram: { type, value: answer.ac, atc: answer.atc }, answer };
}

function result(s: Session, outcome: Outcome, reason: string, cryptogram?: Cryptogram, extraTags: readonly number[] = []): ContactResult {
  const { card, fci, candidate, t } = s;
  const txn = t.transaction;
  const account = card.has(0x5a) || card.has(0x57) ? accountOf(card) : undefined;
  const label = fci.get(0x50);
  const iccData = cryptogram
    ? buildIccData([...t.config.iccDataTags, ...extraTags], { kernel: mapSource(s.kernelData), card: chainSources(card.source(), fci.source()), terminal: s.terminal })
    : new Uint8Array(0);
  return {
    interface: 'contact',
    outcome,
    reason,
    aid: candidate.adfName.slice(),
    ...(label ? { label: printable(label) } : candidate.label !== undefined ? { label: candidate.label } : {}),
    ...(account
      ? {
          maskedPan: maskPan(account.pan),
          expiry: account.expiry,
          ...(account.panSequence !== undefined ? { panSequence: account.panSequence } : {}),
          sensitive: new SensitiveCardData(account.pan, account.track2),
        }
      : {}),
    cvm: s.cvm.method,
    cvmResults: s.cvm.results.slice(),
    tvr: txn.tvr.slice(),
    tsi: txn.tsi.slice(),
    ...(cryptogram ? { cryptogram } : {}),
    oda: s.oda,
    iccData,
    exchanges: s.count(),
  };
}

/** The two characters of an Authorisation Response Code (an 2, Book 3 Annex A1). */
function arcBytes(code: string): Uint8Array {
  if (!/^[\x20-\x7e]{2}$/.test(code)) throw new ValidationError(`responseCode '${code}' is not two printable characters (8A, an 2)`);
  return Uint8Array.from(Buffer.from(code, 'ascii'));
}

/** The issuer's field 55 as data objects; what cannot be read counts as nothing received. */
function issuerObjects(iccData: Uint8Array | undefined): { objects: Tlv[]; malformed: boolean } {
  if (!iccData || iccData.length === 0) return { objects: [], malformed: false };
  try {
    return { objects: decodeTlv(iccData), malformed: false };
  } catch (e) {
    if (e instanceof CardError) return { objects: [], malformed: true };
    throw e;
  }
}

/**
 * Book 3 10.9 to 10.11: issuer authentication (EXTERNAL AUTHENTICATE when the AIP says the
 * card supports it; else the card checks tag 91 itself if its CDOL2 asks for it), the
 * scripts of template 71, the second GENERATE AC (TC if the issuer approved, else AAC; without
 * an issuer, the default action codes decide: Y3 or Z3), then the scripts of template 72.
 */
async function completion(s: Session, arqc: Cryptogram, response: IssuerResponse): Promise<ContactCompletion> {
  const txn = s.t.transaction;
  const aid = s.candidate.aid;
  let asked: CryptogramType;
  let arc: string;
  let issuerAuthentication: ContactCompletion['issuerAuthentication'] = 'not-performed';
  let scripts: ScriptResult[] = [];
  let objects: Tlv[] = [];
  const notes: string[] = [];

  if (response.kind === 'online') {
    arc = response.responseCode;
    s.kernelData.set(0x8a, arcBytes(arc));
    asked = response.approved ? 'TC' : 'AAC';
    const parsed = issuerObjects(response.iccData);
    objects = parsed.objects;
    if (parsed.malformed) notes.push('the issuer data (field 55) could not be read');
    const iad = objects.filter((o) => o.tag === 0x91);
    if (iad.length > 0) {
      const value = iad[0]!.value;
      s.kernelData.set(0x91, value);
      if ((s.aip[0]! & AIP_ISSUER_AUTHENTICATION) !== 0) {
        // 10.9: one EXTERNAL AUTHENTICATE; more than one 91, or one of a wrong length, fails.
        let ok = false;
        if (iad.length === 1 && value.length >= 8 && value.length <= 16) {
          const r = await s.exchange(externalAuthenticate(value));
          ok = r.sw === 0x9000;
        }
        setTsi(txn.tsi, 'issuerAuthenticationPerformed');
        if (!ok) setTvr(txn.tvr, 'issuerAuthenticationFailed');
        issuerAuthentication = ok ? 'success' : 'failed';
      } else {
        issuerAuthentication = 'by-card';
      }
    }
    const before = issuerScripts(objects, 0x71);
    if (before.length > 0) {
      scripts = await runIssuerScripts(before, s.exchange);
      setTsi(txn.tsi, 'scriptProcessingPerformed');
      if (scripts.some((r) => r.result === 'failed')) setTvr(txn.tvr, 'scriptFailedBeforeFinalAc');
    }
  } else {
    // 10.7 "unable to go online": the default action codes against the TVR.
    const card = s.card;
    asked = terminalActionAnalysis(txn.tvr, { denial: card.get(0x9f0e), default: card.get(0x9f0d) }, { denial: aid.tacDenial, default: aid.tacDefault }, false);
    arc = asked === 'TC' ? 'Y3' : 'Z3';
    s.kernelData.set(0x8a, arcBytes(arc));
  }

  const second = await generate(s, asked, s.card.get(0x8d)!);
  const approvedOnline = response.kind === 'online' && response.approved;
  const after = issuerScripts(objects, 0x72);
  const runAfter = async () => {
    if (after.length === 0) return;
    const r = await runIssuerScripts(after, s.exchange);
    scripts = [...scripts, ...r];
    setTsi(txn.tsi, 'scriptProcessingPerformed');
    if (r.some((x) => x.result === 'failed')) setTvr(txn.tvr, 'scriptFailedAfterFinalAc');
  };
  const results = () => scriptResultsData(scripts);
  const done = (outcome: 'approved' | 'declined', reason: string, cryptogram?: Cryptogram): ContactCompletion => {
    const sr = results();
    if (sr.length > 0) s.kernelData.set(0x9f5b, sr);
    const r = result(s, outcome, [reason, ...notes].join('; '), cryptogram ?? arqc, sr.length > 0 ? [0x9f5b] : []);
    return {
      ...r,
      interface: 'contact',
      outcome,
      authorisationResponseCode: arc,
      issuerAuthentication,
      scriptResults: sr,
      reversalRequired: approvedOnline && outcome === 'declined',
    };
  };
  if (second.kind === 'refused') return done('declined', answered('the second GENERATE AC', second.sw));
  if (second.kind === 'cda-failed') return done('declined', `CDA of the second GENERATE AC failed (${second.check})`);
  await runAfter();
  const c = second.cryptogram;
  if (c.type === 'ARQC') throw new CardError('CARD_CRYPTOGRAM', 'the card answered the second GENERATE AC with an ARQC');
  if (c.type === 'TC') return done('approved', response.kind === 'online' ? 'approved by the issuer and the card (TC)' : 'unable to go online: approved offline (TC, Y3)', c);
  const why =
    response.kind === 'unable-to-go-online'
      ? asked === 'AAC'
        ? 'unable to go online: declined by the default action codes (AAC, Z3)'
        : 'unable to go online: the card declined (AAC)'
      : approvedOnline
        ? `the issuer approved but the card declined (AAC${issuerAuthentication === 'failed' ? ', issuer authentication failed' : ''})`
        : 'declined by the issuer (AAC)';
  return done('declined', why, c);
}
