/**
 * The chip data of a receipt (AID, application label, the cryptogram and its type, TVR,
 * TSI) to and from the journal's form: kept with an approved sale's record so that a
 * reprint prints the EMV block the original receipt printed, also once the batch is settled.
 */
import type { Logger } from '../log.js';
import type { ChipData } from '../printer/index.js';
import type { Journal, JournalChip, JournalRecord } from '../store/journal.js';

/** The journal's form of a receipt's chip data. */
export function journalChipOf(chip: ChipData): JournalChip {
  return {
    aid: chip.aid,
    ...(chip.appLabel ? { appLabel: chip.appLabel } : {}),
    ...(chip.tc ? { cryptogram: { type: chip.cryptogramType ?? 'TC', value: chip.tc } } : {}),
    ...(chip.tvr ? { tvr: chip.tvr } : {}),
    ...(chip.tsi ? { tsi: chip.tsi } : {}),
  };
}

/** The chip data of a journal record as its receipt printed it. */
export function chipOf(r: JournalRecord): ChipData | undefined {
  const c = r.chip;
  if (!c) return undefined;
  return {
    aid: c.aid,
    ...(c.appLabel ? { appLabel: c.appLabel } : {}),
    ...(c.cryptogram ? { tc: c.cryptogram.value, cryptogramType: c.cryptogram.type } : {}),
    ...(c.tvr ? { tvr: c.tvr } : {}),
    ...(c.tsi ? { tsi: c.tsi } : {}),
  };
}

/**
 * Keeps the chip data an approved sale's receipt prints with its journal record, for a
 * reprint. The sale stands whatever happens here: a write that fails is logged, and a
 * reprint of that sale then prints no chip data.
 */
export async function keepChip(journal: Journal, id: string, chip: ChipData, log?: Logger): Promise<void> {
  try {
    await journal.setChip(id, journalChipOf(chip));
  } catch (e) {
    log?.error({ event: 'sale.chipNotKept', id, err: (e as Error).message }, 'the chip data of the receipt is not in the journal');
  }
}
