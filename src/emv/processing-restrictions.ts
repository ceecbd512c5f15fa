/**
 * Processing Restrictions, EMV 4.4 Book 3 10.4: whether the card's application may be used
 * here and now. Each finding is a TVR bit, not a decision: terminal action analysis (or a
 * contactless kernel's own rules) decides what follows.
 */
import type { CardData } from './card-data.js';
import { yymmddToNumber } from './dates.js';
import { decodeN } from './formats.js';
import { setTvr } from './tvr.js';

export interface RestrictionsInput {
  card: CardData;
  /** 9F09 of the selected application. */
  terminalAppVersion: Uint8Array;
  /** 9F1A, the terminal's country (numeric). */
  terminalCountry: number;
  /** 9F35 terminal type: 14, 15, 16 are ATMs (Book 4 Annex A1). */
  terminalType: number;
  /** 9C */
  transactionType: number;
  /** Transaction date, yyyymmdd. */
  date: number;
  tvr: Uint8Array;
}

export interface RestrictionsFindings {
  expired: boolean;
  notYetEffective: boolean;
  versionDiffers: boolean;
  serviceNotAllowed: boolean;
}

const CASH = 0x01;
const CASHBACK = 0x09;

/** Book 3 10.4.1 version, 10.4.2 usage control, 10.4.3 dates. */
export function processingRestrictions(i: RestrictionsInput): RestrictionsFindings {
  const f: RestrictionsFindings = { expired: false, notYetEffective: false, versionDiffers: false, serviceNotAllowed: false };
  // 10.4.1: only when the card states its version.
  const cardVersion = i.card.get(0x9f08);
  if (cardVersion && (cardVersion[0] !== i.terminalAppVersion[0] || cardVersion[1] !== i.terminalAppVersion[1])) {
    f.versionDiffers = true;
    setTvr(i.tvr, 'differentVersions');
  }
  // 10.4.2: Application Usage Control (9F07) against where and what the transaction is.
  const auc = i.card.get(0x9f07);
  if (auc && auc.length === 2) {
    const issuerCountry = i.card.get(0x5f28);
    const domestic = issuerCountry !== undefined && Number(decodeN(issuerCountry) ?? -1) === i.terminalCountry;
    const atm = i.terminalType >= 14 && i.terminalType <= 16;
    let allowed = atm ? (auc[0]! & 0x02) !== 0 : (auc[0]! & 0x01) !== 0;
    if (i.transactionType === CASH) allowed &&= (auc[0]! & (domestic ? 0x80 : 0x40)) !== 0;
    else allowed &&= (auc[0]! & (domestic ? 0x28 : 0x14)) !== 0; // goods or services
    if (i.transactionType === CASHBACK) allowed &&= (auc[1]! & (domestic ? 0x80 : 0x40)) !== 0;
    if (!allowed) {
      f.serviceNotAllowed = true;
      setTvr(i.tvr, 'serviceNotAllowed');
    }
  }
  // 10.4.3: effective date after today, expiry date before today.
  const effective = i.card.get(0x5f25);
  const eff = effective ? yymmddToNumber(effective) : undefined;
  if (eff !== undefined && eff > i.date) {
    f.notYetEffective = true;
    setTvr(i.tvr, 'notYetEffective');
  }
  const expiry = i.card.get(0x5f24);
  const exp = expiry ? yymmddToNumber(expiry) : undefined;
  // An expiry that is no date at all cannot be honoured either: it counts as expired.
  if (expiry && (exp === undefined || exp < i.date)) {
    f.expired = true;
    setTvr(i.tvr, 'expiredApplication');
  }
  return f;
}
