/**
 * Kernel 2, Mastercard (EMV Contactless Book C-2), EMV mode; also run for Kernel 4,
 * American Express (Book C-4), whose EMV mode follows the same contact-like sequence:
 * GPO, records, processing restrictions, CVM from the card's CVM list with the reader's CVM
 * capability for this amount, terminal risk management, terminal action analysis, then
 * GENERATE AC, with CDA when card and reader support it. Mag-stripe mode is not supported.
 */
import { generateAc, getProcessingOptions } from './apdu.js';
import { parseAfl } from './afl.js';
import { accountOf } from './application-data.js';
import { cryptogramRank, cryptogramType } from './cryptogram-information.js';
import { processCvmList } from './cvm-list.js';
import { buildDolData } from './dol.js';
import { CardError } from './errors.js';
import { decodeN } from './formats.js';
import { parseGenerateAc } from './generate-ac-response.js';
import { parseGpoResponse } from './gpo.js';
import type { CvmMethod, OdaStatus } from './kernel-result.js';
import { answered, type KernelDecision, type KernelSession } from './kernel-session.js';
import type { IccPublicKey } from './oda-certificates.js';
import { verifyCda } from './oda-dynamic.js';
import { recoverOdaKeys } from './oda-keys.js';
import { processingRestrictions } from './processing-restrictions.js';
import { readRecords } from './read-records.js';
import { terminalActionAnalysis } from './terminal-action-analysis.js';
import { setTsi, setTvr } from './tvr.js';

export async function kernelC2(s: KernelSession): Promise<KernelDecision> {
  const { combination: comb, card, txn, config } = s;
  const aidConfig = comb.aid;
  const kernel2 = comb.kernel === 2;
  const noCvm = { cvm: 'none' as CvmMethod, cvmResults: Uint8Array.of(0x3f, 0x00, 0x00) };
  let oda: OdaStatus = { method: 'none', result: 'not-performed' };

  const pdol = s.fci.get(0x9f38);
  const pdolData = pdol ? buildDolData(pdol, s.terminal, { kernel: kernel2 ? 'C-2' : undefined, maxLength: 252 }) : new Uint8Array(0);
  const r = await s.exchange(getProcessingOptions(pdolData));
  // Book C-2: a GPO that fails lets Entry Point select the next application.
  if (r.sw !== 0x9000) return { ...noCvm, oda, outcome: 'select-next', reason: answered('GPO', r.sw) };
  const gpo = parseGpoResponse(r.data);
  card.addAll(gpo.objects, 'GPO');
  const aip = gpo.aip;
  // Book C-2: AIP byte 2 b8 says the card supports EMV mode; without it only mag-stripe mode is left.
  if (kernel2 && (aip[1]! & 0x80) === 0) {
    return { ...noCvm, oda, outcome: 'try-another-interface', reason: 'the card offers only mag-stripe mode, which this reader does not support' };
  }
  const staticData = await readRecords(s, parseAfl(gpo.afl), card);

  // Mandatory data (Book 3 7.2, C-2 "Read Application Data").
  card.require(0x5f24, 'Application Expiration Date');
  const cdol1 = card.require(0x8c, 'CDOL1');
  const account = accountOf(card);

  // Offline data authentication: CDA, prepared before GENERATE AC (Book 2 6.6).
  const terminalCaps = config.terminal.terminalCapabilities;
  let iccKey: IccPublicKey | undefined;
  if ((aip[0]! & 0x01) !== 0 && (terminalCaps[2]! & 0x08) !== 0) {
    setTsi(txn.tsi, 'odaPerformed');
    const keys = recoverOdaKeys({ caKeys: config.caKeys, rid: comb.entry.adfName.subarray(0, 5), card, pan: account.pan, staticData, date: s.date });
    if (keys.ok) {
      iccKey = keys.value;
      oda = { method: 'CDA', result: 'not-performed' };
    } else {
      oda = { method: 'CDA', result: 'failed', failure: keys.failure };
      setTvr(txn.tvr, 'cdaFailed');
      if (keys.dataMissing) setTvr(txn.tvr, 'iccDataMissing');
    }
  } else {
    setTvr(txn.tvr, 'odaNotPerformed');
  }

  processingRestrictions({
    card,
    terminalAppVersion: aidConfig.appVersion,
    terminalCountry: config.terminal.countryCode,
    terminalType: config.terminal.terminalType,
    transactionType: txn.type,
    date: s.date,
    tvr: txn.tvr,
  });

  // Cardholder verification.
  const cvm = cardholderVerification(s, aip);
  for (const bit of cvm.tvr) setTvr(txn.tvr, bit);
  s.kernelData.set(0x9f34, cvm.results);
  if (cvm.method !== 'none' || cvm.tvr.length > 0) setTsi(txn.tsi, 'cardholderVerificationPerformed');

  // Terminal risk management (Book 3 10.6; C-2: the reader's contactless limits).
  if (comb.indicators.floorLimitExceeded) setTvr(txn.tvr, 'floorLimitExceeded');
  setTsi(txn.tsi, 'terminalRiskManagementPerformed');
  const onDevice = kernel2 && (aip[0]! & 0x02) !== 0 && ((aidConfig.kernelConfiguration ?? 0) & 0x20) !== 0;
  const limit = onDevice ? (aidConfig.transactionLimitOnDevice ?? aidConfig.transactionLimit) : aidConfig.transactionLimit;
  if (txn.amount >= limit) {
    return { cvm: cvm.method, cvmResults: cvm.results, oda, outcome: 'try-another-interface', reason: 'the amount is above the contactless transaction limit for this card' };
  }

  // Terminal action analysis, then GENERATE AC.
  const asked = terminalActionAnalysis(
    txn.tvr,
    { denial: card.get(0x9f0e), online: card.get(0x9f0f), default: card.get(0x9f0d) },
    { denial: aidConfig.tacDenial, online: aidConfig.tacOnline, default: aidConfig.tacDefault },
    config.onlineCapable,
  );
  const cda = iccKey !== undefined && asked !== 'AAC';
  const cdolData = buildDolData(cdol1, s.all, { kernel: kernel2 ? 'C-2' : undefined });
  const g = await s.exchange(generateAc(asked, cdolData, { cda }));
  setTsi(txn.tsi, 'cardRiskManagementPerformed');
  const withCvm = { cvm: cvm.method, cvmResults: cvm.results };
  if (g.sw !== 0x9000) return { ...withCvm, oda, outcome: 'end-application', reason: answered('GENERATE AC', g.sw) };
  const answer = parseGenerateAc(g.data);
  card.addAll(answer.objects, 'GENERATE AC', { replace: true });
  const type = cryptogramType(answer.cid);
  if (cryptogramRank(type) > cryptogramRank(asked)) {
    throw new CardError('CARD_CRYPTOGRAM', `the card answered a ${type} when the terminal asked for an ${asked}`);
  }

  let cryptogram = answer.ac;
  if (cda && type !== 'AAC' && iccKey) {
    const sdad = card.get(0x9f4b);
    const v = sdad
      ? verifyCda(iccKey, sdad, {
          unpredictableNumber: txn.unpredictableNumber,
          cid: answer.cid,
          pdolData,
          cdolData,
          response: answer.objects,
        })
      : undefined;
    if (!v?.ok) {
      setTvr(txn.tvr, 'cdaFailed');
      const failure = v && !v.ok ? v.failure : { check: 'SDAD_MISSING' as const, message: 'CDA was asked for and the card gave no Signed Dynamic Application Data (9F4B)' };
      oda = { method: 'CDA', result: 'failed', failure };
      // Book 2 6.6.2 and C-2: a cryptogram whose signature fails is not trusted: decline.
      return { ...withCvm, oda, outcome: 'declined', reason: `CDA failed (${failure.check})` };
    }
    cryptogram = v.value.cryptogram;
    card.set(0x9f26, cryptogram);
    oda = { method: 'CDA', result: 'success' };
  } else if (cda) {
    oda = { method: 'CDA', result: 'not-performed' };
  }
  if (!cryptogram) throw new CardError('CARD_DATA_MISSING', 'the GENERATE AC answer has no Application Cryptogram (9F26)');
  const result = { ...withCvm, oda, cryptogram: { type, value: cryptogram, atc: answer.atc } };
  if (type === 'AAC') return { ...result, outcome: 'declined', reason: asked === 'AAC' ? 'declined by terminal action analysis (AAC)' : 'the card declined (AAC)' };
  if (type === 'ARQC') return { ...result, outcome: 'online-request', reason: 'online authorisation requested (ARQC)' };
  return { ...result, outcome: 'approved', reason: 'approved offline (TC)' };
}

/**
 * Book C-2 "CVM Selection": on-device verification when card and reader support it (AIP
 * byte 1 b2, Kernel Configuration b6), "confirmation code verified" above the CVM limit and
 * no CVM below; no CVM performed when the card does not support cardholder verification
 * (AIP byte 1 b5); else the CVM list with 9F33 byte 2 taken from DF8118 above the limit and
 * DF8119 below. Kernel 4 follows the CVM list the same way.
 */
function cardholderVerification(s: KernelSession, aip: Uint8Array): { method: CvmMethod; results: Uint8Array; tvr: ReturnType<typeof processCvmList>['tvr'] } {
  const comb = s.combination;
  const cvmRequired = comb.indicators.cvmRequired;
  const a = comb.aid;
  if (comb.kernel === 2 && (aip[0]! & 0x02) !== 0 && ((a.kernelConfiguration ?? 0) & 0x20) !== 0) {
    return cvmRequired
      ? { method: 'cdcvm', results: Uint8Array.of(0x01, 0x00, 0x02), tvr: [] }
      : { method: 'no-cvm', results: Uint8Array.of(0x3f, 0x00, 0x02), tvr: [] };
  }
  if ((aip[0]! & 0x10) === 0) return { method: 'none', results: Uint8Array.of(0x3f, 0x00, 0x00), tvr: [] };
  const caps = s.config.terminal.terminalCapabilities;
  const capability = cvmRequired ? (a.cvmCapabilityCvmRequired ?? caps[1]!) : (a.cvmCapabilityNoCvmRequired ?? 0x08);
  // C-2: 9F33 byte 2 is the CVM capability this transaction used, for the card and the host.
  s.kernelData.set(0x9f33, Uint8Array.of(caps[0]!, capability, caps[2]!));
  const appCurrency = s.card.get(0x9f42);
  const inApplicationCurrency = appCurrency !== undefined && Number(decodeN(appCurrency) ?? -1) === s.config.terminal.currencyCode;
  return processCvmList(s.card.get(0x8e), {
    amount: s.txn.amount,
    inApplicationCurrency,
    capability,
    transactionType: s.txn.type,
    unattended: false,
  });
}

