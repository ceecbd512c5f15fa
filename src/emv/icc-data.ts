/**
 * The ICC data of an authorisation request (ISO 8583 field 55): the configured tags, each
 * as BER-TLV, with the value the transaction used. What the terminal sets (TVR, amounts,
 * UN, CVM Results...) comes from the terminal's side; what the card gave from the card's.
 */
import type { DataSource } from './dol.js';
import { tagInfo, type Kernel } from './tags.js';
import { encodeTlv, type TlvInput } from './tlv.js';

export interface IccDataSources {
  /** What the kernel produced (9F34). */
  kernel: DataSource;
  /** Card data, FCI included. */
  card: DataSource;
  /** Terminal and transaction data as sent to the card. */
  terminal: DataSource;
  kernelName?: Kernel;
  /** Tags left out for this kernel (the TTQ means nothing to a Kernel 2 issuer). */
  exclude?: ReadonlySet<number>;
}

/** The tags in `tags` order; a tag nobody has a value for is left out. */
export function buildIccData(tags: readonly number[], s: IccDataSources): Uint8Array {
  const out: TlvInput[] = [];
  for (const tag of tags) {
    if (s.exclude?.has(tag)) continue;
    const terminalSide = tagInfo(tag, s.kernelName)?.source === 'terminal';
    const value = s.kernel(tag) ?? (terminalSide ? (s.terminal(tag) ?? s.card(tag)) : (s.card(tag) ?? s.terminal(tag)));
    if (value !== undefined) out.push({ tag, value });
  }
  return encodeTlv(out);
}
