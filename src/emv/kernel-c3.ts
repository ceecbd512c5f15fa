/**
 * Kernel 3, Visa qVSDC (EMV Contactless Book C-3), also run for Kernel 7, UnionPay qPBOC
 * (Book C-7), whose EMV-mode flow is the same in what a terminal sees: GPO with the TTQ in
 * the PDOL; the card decides and answers with its cryptogram in a format 2 GPO response;
 * records; then the reader's checks of an offline approval (fDDA, expiry) and the CVM the
 * card's CTQ asks for. No terminal action analysis, no GENERATE AC.
 *
 * The TVR stays as it was sent in the PDOL: the card's cryptogram covers it, and field 55
 * must carry the same value for the issuer to verify it.
 */
import { getProcessingOptions } from './apdu.js';
import { parseAfl } from './afl.js';
import { accountOf } from './application-data.js';
import { cryptogramType } from './cryptogram-information.js';
import { ctqCvm } from './ctq-cvm.js';
import { yymmddToNumber } from './dates.js';
import { buildDolData } from './dol.js';
import { CardError } from './errors.js';
import { parseGpoResponse } from './gpo.js';
import type { OdaStatus } from './kernel-result.js';
import { answered, NO_ODA, type KernelDecision, type KernelSession } from './kernel-session.js';
import { verifyFdda } from './oda-dynamic.js';
import { recoverOdaKeys } from './oda-keys.js';
import { readRecords } from './read-records.js';
import { setTsi } from './tvr.js';
import { transactionValues } from './terminal-data.js';

/** Book C-3 (CID absent): the IAD's CVR byte 2, b6-b5, tells the cryptogram type. */
function cidFromIad(iad: Uint8Array): number {
  if (iad.length < 5) throw new CardError('CARD_DATA_MISSING', 'the card gave no Cryptogram Information Data (9F27) and its IAD is too short to tell the cryptogram');
  return ((iad[4]! >> 4) & 0x03) << 6;
}

export async function kernelC3(s: KernelSession): Promise<KernelDecision> {
  const { combination: comb, card } = s;
  const pdol = s.fci.get(0x9f38);
  // The PDOL's command template must fit a short APDU: 83, a length of up to two bytes, the data.
  const pdolData = pdol ? buildDolData(pdol, s.terminal, { maxLength: 252 }) : new Uint8Array(0);
  const r = await s.exchange(getProcessingOptions(pdolData));
  const base = { cvm: 'none' as const, cvmResults: Uint8Array.of(0x3f, 0x00, 0x00), oda: NO_ODA };
  // Book C-3: 6986 asks for another interface; 6985 (and 6984) let Entry Point try the next application.
  if (r.sw === 0x6986) return { ...base, outcome: 'try-another-interface', reason: answered('GPO', r.sw) };
  if (r.sw === 0x6985 || r.sw === 0x6984) return { ...base, outcome: 'select-next', reason: answered('GPO', r.sw) };
  if (r.sw !== 0x9000) return { ...base, outcome: 'end-application', reason: answered('GPO', r.sw) };
  const gpo = parseGpoResponse(r.data);
  if (gpo.format !== 2) throw new CardError('GPO_FORMAT', 'a qVSDC card answers GPO in format 2 (77); this one used format 1');
  card.addAll(gpo.objects, 'GPO');
  const staticData = await readRecords(s, parseAfl(gpo.afl), card);

  // Book C-3 mandatory data of a qVSDC transaction.
  const atc = card.require(0x9f36, 'Application Transaction Counter');
  const ac = card.require(0x9f26, 'Application Cryptogram');
  const iad = card.require(0x9f10, 'Issuer Application Data');
  const cidBytes = card.get(0x9f27);
  const cid = cidBytes ? cidBytes[0]! : cidFromIad(iad);
  const type = cryptogramType(cid);
  const account = accountOf(card);
  const cryptogram = { type, value: ac, atc };

  const cvm = ctqCvm({ ctq: card.get(0x9f6c), ttq: comb.indicators.ttq });
  s.kernelData.set(0x9f34, cvm.results);
  if (cvm.method !== 'none') setTsi(s.txn.tsi, 'cardholderVerificationPerformed');
  const withCvm = { cvm: cvm.method, cvmResults: cvm.results, cryptogram };

  if (type === 'AAC') return { ...withCvm, oda: NO_ODA, outcome: 'declined', reason: 'the card declined (AAC)' };
  if (cvm.failed) return { ...withCvm, oda: NO_ODA, outcome: 'declined', reason: 'a CVM is required and the card and reader share none' };
  if (type === 'ARQC') return { ...withCvm, oda: NO_ODA, outcome: 'online-request', reason: 'the card asks for online authorisation (ARQC)' };

  // An offline approval (TC): the reader checks what the card could not.
  const ctq = card.get(0x9f6c);
  if (cvm.method === 'online-pin') {
    return { ...withCvm, oda: NO_ODA, outcome: 'declined', reason: 'the card approved offline but asks for an online PIN' };
  }
  const oda = fdda(s, account.pan, staticData);
  const expiry = card.get(0x5f24);
  const expiryDate = expiry ? yymmddToNumber(expiry) : undefined;
  const expired = expiry !== undefined && (expiryDate === undefined || expiryDate < s.date);
  const online = s.config.onlineCapable;
  if (oda.result === 'failed') {
    // CTQ byte 1: b6 go online if ODA fails, b5 switch interface if ODA fails.
    if (ctq && (ctq[0]! & 0x20) !== 0 && online) return { ...withCvm, oda, outcome: 'online-request', reason: 'fDDA failed; the card asks to go online' };
    if (ctq && (ctq[0]! & 0x10) !== 0 && (comb.indicators.ttq[0]! & 0x10) !== 0) {
      return { ...withCvm, oda, outcome: 'try-another-interface', reason: 'fDDA failed; the card asks for the contact interface' };
    }
    return { ...withCvm, oda, outcome: 'declined', reason: `fDDA failed (${oda.failure?.check ?? 'not supported'})` };
  }
  if (expired) {
    // CTQ byte 1 b4: go online if the application has expired.
    if (ctq && (ctq[0]! & 0x08) !== 0 && online) return { ...withCvm, oda, outcome: 'online-request', reason: 'the application has expired; the card asks to go online' };
    return { ...withCvm, oda, outcome: 'declined', reason: 'the application has expired' };
  }
  return { ...withCvm, oda, outcome: 'approved', reason: 'approved offline by the card (TC) with fDDA' };
}

/** fDDA of an offline approval: the card must support DDA (AIP byte 1 b6) and sign (9F4B). */
function fdda(s: KernelSession, pan: string, staticData: Awaited<ReturnType<typeof readRecords>>): OdaStatus {
  const card = s.card;
  const aip = card.require(0x82, 'AIP');
  if ((aip[0]! & 0x20) === 0) {
    return { method: 'fDDA', result: 'failed', failure: { check: 'SDAD_MISSING', message: 'the card approved offline but does not support fDDA (AIP)' } };
  }
  setTsi(s.txn.tsi, 'odaPerformed');
  const keys = recoverOdaKeys({ caKeys: s.config.caKeys, rid: s.combination.entry.adfName.subarray(0, 5), card, pan, staticData, date: s.date });
  if (!keys.ok) return { method: 'fDDA', result: 'failed', failure: keys.failure };
  const sdad = card.get(0x9f4b);
  if (!sdad) return { method: 'fDDA', result: 'failed', failure: { check: 'SDAD_MISSING', message: 'the card approved offline without Signed Dynamic Application Data (9F4B)' } };
  // The values as they went out in the PDOL (Book C-3: the fDDA input is the GPO's data).
  const t = transactionValues(s.txn);
  const v = verifyFdda(keys.value, sdad, {
    unpredictableNumber: t.get(0x9f37)!,
    amount: t.get(0x9f02)!,
    currency: s.terminal(0x5f2a) ?? new Uint8Array(2),
    cardAuthenticationData: card.get(0x9f69),
  });
  return v.ok ? { method: 'fDDA', result: 'success' } : { method: 'fDDA', result: 'failed', failure: v.failure };
}
