/**
 * Offline Data Authentication over the contact interface, EMV 4.4 Book 3 10.3: the method
 * is the best one both card (AIP) and terminal (9F33 byte 3) support, CDA before DDA before
 * SDA; then SDA (Book 2 5) and DDA (Book 2 6.5, with INTERNAL AUTHENTICATE) are performed
 * here, and for CDA (Book 2 6.6) the ICC key is recovered here and the signature checked at
 * GENERATE AC. A failure is a TVR bit for terminal action analysis, never an exception.
 */
import { internalAuthenticate, type CommandApdu, type ResponseApdu } from './apdu.js';
import type { CaKeyStore } from './ca-keys.js';
import type { CardData } from './card-data.js';
import { buildDolData, parseDol, type DataSource } from './dol.js';
import { CardError } from './errors.js';
import type { OdaStatus } from './kernel-result.js';
import type { IccPublicKey } from './oda-certificates.js';
import { recoverDynamicSignature } from './oda-dynamic.js';
import { recoverCardIssuerKey, recoverOdaKeys, staticDataToAuthenticate } from './oda-keys.js';
import type { OdaCheck, OdaFailure } from './oda-result.js';
import { verifySda } from './oda-static.js';
import type { StaticData } from './read-records.js';
import { decodeTlv } from './tlv.js';
import { setTsi, setTvr } from './tvr.js';

export interface OdaInput {
  aip: Uint8Array;
  /** 9F33, 3 bytes: byte 3 b8 SDA, b7 DDA, b4 CDA (Book 4 Annex A2). */
  terminalCapabilities: Uint8Array;
  caKeys: CaKeyStore;
  /** The first 5 bytes of the selected AID. */
  rid: Uint8Array;
  card: CardData;
  pan: string;
  staticData: StaticData;
  /** yyyymmdd */
  date: number;
  tvr: Uint8Array;
  tsi: Uint8Array;
  exchange: (command: CommandApdu) => Promise<ResponseApdu>;
  /** What a DDOL is filled from (the transaction's unpredictable number among it). */
  source: DataSource;
  /** The terminal's default DDOL for a card without 9F49. */
  defaultDdol: Uint8Array;
  /** Where the kernel keeps what ODA produced for later DOLs: 9F45 (SDA), 9F4C (DDA). */
  kernelData: Map<number, Uint8Array>;
}

export interface OdaOutcome {
  status: OdaStatus;
  /** CDA: the recovered ICC key, for the signature of GENERATE AC; absent when recovery failed. */
  cdaKey?: IccPublicKey;
}

type Method = 'SDA' | 'DDA' | 'CDA';

/** Book 3 10.3: CDA if both support it, else DDA, else SDA, else none. */
export function odaMethod(aip: Uint8Array, terminalCapabilities: Uint8Array): Method | 'none' {
  const card = aip[0]!;
  const terminal = terminalCapabilities[2]!;
  if (card & 0x01 && terminal & 0x08) return 'CDA';
  if (card & 0x20 && terminal & 0x40) return 'DDA';
  if (card & 0x40 && terminal & 0x80) return 'SDA';
  return 'none';
}

const FAILED_BIT = { SDA: 'sdaFailed', DDA: 'ddaFailed', CDA: 'cdaFailed' } as const;

export async function offlineDataAuthentication(i: OdaInput): Promise<OdaOutcome> {
  const method = odaMethod(i.aip, i.terminalCapabilities);
  if (method === 'none') {
    setTvr(i.tvr, 'odaNotPerformed');
    return { status: { method: 'none', result: 'not-performed' } };
  }
  setTsi(i.tsi, 'odaPerformed');
  const fail = (failure: OdaFailure, dataMissing = false): OdaOutcome => {
    setTvr(i.tvr, FAILED_BIT[method]);
    if (dataMissing) setTvr(i.tvr, 'iccDataMissing');
    return { status: { method, result: 'failed', failure } };
  };
  const keyInput = { caKeys: i.caKeys, rid: i.rid, card: i.card, pan: i.pan, staticData: i.staticData, date: i.date };

  if (method === 'SDA') {
    const issuer = recoverCardIssuerKey(keyInput);
    if (!issuer.ok) return fail(issuer.failure, issuer.dataMissing);
    const ssad = i.card.get(0x93);
    const data = staticDataToAuthenticate(i.staticData, i.card);
    if (!data) return fail({ check: 'STATIC_DATA_INVALID', message: 'the signed records or the tag list 9F4A break Book 2 5.4' });
    const v = verifySda(issuer.value, ssad, data);
    if (!v.ok) return fail(v.failure, ssad === undefined);
    i.kernelData.set(0x9f45, v.value.dataAuthenticationCode);
    return { status: { method, result: 'success' } };
  }

  const keys = recoverOdaKeys(keyInput);
  if (!keys.ok) return fail(keys.failure, keys.dataMissing);
  if (method === 'CDA') return { status: { method, result: 'not-performed' }, cdaKey: keys.value };

  // DDA, Book 2 6.5.1: the card's DDOL, else the terminal's default; it must hold the UN.
  const ddol = i.card.get(0x9f49) ?? i.defaultDdol;
  let ddolData: Uint8Array;
  try {
    if (!parseDol(ddol).some((e) => e.tag === 0x9f37)) {
      return fail(odaFailure('DDOL_WITHOUT_UNPREDICTABLE_NUMBER', 'the DDOL does not ask for the Unpredictable Number (9F37)'));
    }
    ddolData = buildDolData(ddol, i.source);
  } catch (e) {
    if (e instanceof CardError) return fail(odaFailure('DDOL_WITHOUT_UNPREDICTABLE_NUMBER', `the DDOL cannot be used: ${e.message}`));
    throw e;
  }
  const r = await i.exchange(internalAuthenticate(ddolData));
  if (r.sw !== 0x9000) return fail(odaFailure('INTERNAL_AUTHENTICATE_FAILED', `INTERNAL AUTHENTICATE answered ${r.sw.toString(16).toUpperCase().padStart(4, '0')}`));
  const sdad = signedDynamicData(r.data);
  if (!sdad) return fail(odaFailure('SDAD_MISSING', 'the INTERNAL AUTHENTICATE answer holds no Signed Dynamic Application Data'));
  const v = recoverDynamicSignature(keys.value, sdad, ddolData);
  if (!v.ok) return fail(v.failure);
  i.kernelData.set(0x9f4c, v.value.iccDynamicNumber);
  return { status: { method, result: 'success' } };
}

/** Book 3 6.5.9.4: format 1 (80: the signature itself) or format 2 (77 holding 9F4B). */
function signedDynamicData(data: Uint8Array): Uint8Array | undefined {
  try {
    const top = decodeTlv(data);
    if (top.length !== 1) return undefined;
    const t = top[0]!;
    if (t.tag === 0x80) return t.value;
    if (t.tag === 0x77) return t.children?.find((c) => c.tag === 0x9f4b)?.value;
    return undefined;
  } catch (e) {
    if (e instanceof CardError) return undefined;
    throw e;
  }
}

function odaFailure(check: OdaCheck, message: string): OdaFailure {
  return { check, message };
}
