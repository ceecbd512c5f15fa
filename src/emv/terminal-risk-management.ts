/**
 * Terminal Risk Management, EMV 4.4 Book 3 10.6: floor limit (10.6.1), random transaction
 * selection (10.6.2) and velocity checking (10.6.3). Like processing restrictions it only
 * sets TVR bits; terminal action analysis decides. The terminal exception file
 * (exception-file.ts) is checked by exceptionFileCheck(), which the kernel runs whatever the
 * AIP says: a listed card is the merchant's risk, not the card's choice.
 */
import { getData, type CommandApdu, type ResponseApdu } from './apdu.js';
import type { CardData } from './card-data.js';
import type { ContactAidConfig } from './contact-config.js';
import { CardError } from './errors.js';
import type { ExceptionFile } from './exception-file.js';
import { decodeTlv } from './tlv.js';
import { setTvr } from './tvr.js';

export interface RiskManagementInput {
  amount: number;
  aid: Pick<ContactAidConfig, 'floorLimit' | 'randomSelection'>;
  card: CardData;
  tvr: Uint8Array;
  exchange: (command: CommandApdu) => Promise<ResponseApdu>;
  /** A number in [0, 1): the random source of random selection. */
  random: () => number;
}

export interface RiskFindings {
  floorLimitExceeded: boolean;
  randomlySelected: boolean;
  /** What velocity checking read; absent when the card has no limits (9F14, 9F23). */
  velocity?: { atc: number; lastOnlineAtc: number } | { unavailable: true };
}

export async function terminalRiskManagement(i: RiskManagementInput): Promise<RiskFindings> {
  const f: RiskFindings = { floorLimitExceeded: false, randomlySelected: false };
  // 10.6.1: the split-sales part needs a transaction log, which this terminal keeps none of.
  if (i.amount >= i.aid.floorLimit) {
    f.floorLimitExceeded = true;
    setTvr(i.tvr, 'floorLimitExceeded');
  } else if (i.aid.randomSelection && randomlySelected(i.amount, i.aid.floorLimit, i.aid.randomSelection, i.random)) {
    f.randomlySelected = true;
    setTvr(i.tvr, 'randomlySelectedOnline');
  }
  const lower = i.card.get(0x9f14);
  const upper = i.card.get(0x9f23);
  if (lower?.length === 1 && upper?.length === 1) f.velocity = await velocity(i, lower[0]!, upper[0]!);
  return f;
}

/**
 * 10.6 (and Book 4's terminal risk management): the Application PAN, with the PAN Sequence
 * Number, looked up in the terminal exception file; listed: TVR byte 1 b5 "Card appears on
 * terminal exception file". True when listed.
 */
export function exceptionFileCheck(file: ExceptionFile | undefined, pan: string, panSequence: string | undefined, tvr: Uint8Array): boolean {
  if (!file || file.size === 0 || !file.lists(pan, panSequence)) return false;
  setTvr(tvr, 'exceptionFile');
  return true;
}

/**
 * 10.6.2: a random number from 1 to 99 against the Target Percentage below the threshold,
 * and above it against a percentage rising linearly to the Maximum Target Percentage at
 * the floor limit ("biased random selection").
 */
export function randomlySelected(amount: number, floorLimit: number, r: { targetPercent: number; maxTargetPercent: number; thresholdValue: number }, random: () => number): boolean {
  if (amount >= floorLimit) return false;
  const n = 1 + Math.floor(random() * 99);
  if (amount < r.thresholdValue) return n <= r.targetPercent;
  const span = floorLimit - r.thresholdValue;
  const percent = span > 0 ? r.targetPercent + ((r.maxTargetPercent - r.targetPercent) * (amount - r.thresholdValue)) / span : r.maxTargetPercent;
  return n <= percent;
}

/**
 * 10.6.3: GET DATA for the ATC (9F36) and the Last Online ATC Register (9F13). Either one
 * missing (or no higher ATC than the last online one): both limits count as exceeded. A
 * last online ATC of zero means the card never went online: "new card".
 */
async function velocity(i: RiskManagementInput, lowerLimit: number, upperLimit: number): Promise<RiskFindings['velocity']> {
  const atc = await counter(i, 0x9f36);
  const last = atc === undefined ? undefined : await counter(i, 0x9f13);
  if (atc === undefined || last === undefined || atc <= last) {
    setTvr(i.tvr, 'lowerOfflineLimitExceeded');
    setTvr(i.tvr, 'upperOfflineLimitExceeded');
    return { unavailable: true };
  }
  if (atc - last > lowerLimit) setTvr(i.tvr, 'lowerOfflineLimitExceeded');
  if (atc - last > upperLimit) setTvr(i.tvr, 'upperOfflineLimitExceeded');
  if (last === 0) setTvr(i.tvr, 'newCard');
  return { atc, lastOnlineAtc: last };
}

/** A 2-byte counter by GET DATA (Book 3 6.5.7: the answer is the data object, tag and all). */
async function counter(i: RiskManagementInput, tag: number): Promise<number | undefined> {
  const r = await i.exchange(getData(tag));
  if (r.sw !== 0x9000) return undefined;
  try {
    const v = decodeTlv(r.data).find((o) => o.tag === tag)?.value;
    return v?.length === 2 ? (v[0]! << 8) | v[1]! : undefined;
  } catch (e) {
    if (e instanceof CardError) return undefined;
    throw e;
  }
}
