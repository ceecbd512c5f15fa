/**
 * Runs the contact kernel against a virtual contact card through the whole contact path:
 * the card in the simulated slot, the PC/SC driver on it, the kernel on the session. The
 * slot records every command and answer, T=0 procedure answers included, so a test holds
 * the whole exchange to the script the kernel is meant to follow.
 */
import { expect } from 'vitest';
import { ContactChipCard } from '../../../simulator/cards/contact-card.js';
import { contactCardDescription } from '../../../simulator/cards/contact-catalog.js';
import type { ContactCardDescription } from '../../../simulator/cards/contact-description.js';
import { ContactSlotEmulator } from '../../../simulator/devices/contact-slot/contact-slot.js';
import { defaultContactConfig, type ContactConfig } from '../../../src/emv/contact-config.js';
import { runContactTransaction, type ContactResult, type ContactTransaction } from '../../../src/emv/contact-kernel.js';
import { encodeTlv, type TlvInput } from '../../../src/emv/tlv.js';
import type { TransactionData } from '../../../src/emv/terminal-data.js';
import { PcscContactReader } from '../../../src/hal/contact/pcsc-reader.js';
import type { ContactCardSession } from '../../../src/hal/contact-reader.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { arpcMethod1 } from '../../../src/security/emv-cryptogram.js';
import { deriveAcSessionKey } from '../../../src/security/emv-keys.js';
import { transaction } from './kernel-harness.js';

export interface ContactRun {
  result: ContactResult;
  card: ContactChipCard;
  slot: ContactSlotEmulator;
  session: ContactCardSession;
  txn: TransactionData;
  /** Every C-APDU the slot received so far, hex. */
  commands(): string[];
  /** Every exchange so far as 'C-APDU -> SW' (the answer's last two bytes). */
  script(): string[];
}

/** chip-ok's description with changes, for the variants (SDA, CDA, EXTERNAL AUTHENTICATE...). */
export function chipOk(change: (d: ContactCardDescription) => void = () => {}): ContactChipCard {
  const d = contactCardDescription('chip-ok');
  change(d);
  return new ContactChipCard(d);
}

/** chip-offlinepin's description with changes. */
export function chipOfflinePin(change: (d: ContactCardDescription) => void = () => {}): ContactChipCard {
  const d = contactCardDescription('chip-offlinepin');
  change(d);
  return new ContactChipCard(d);
}

export async function insertAndRun(
  card: ContactChipCard,
  amount: number,
  config: ContactConfig = defaultContactConfig(),
  extra: Partial<ContactTransaction> & {
    prepare?: (slot: ContactSlotEmulator) => void;
    /** Sees each C-APDU the kernel hands the reader, the very array (not a copy). */
    observe?: (apdu: Uint8Array) => void;
  } = {},
): Promise<ContactRun> {
  const { prepare, observe, ...more } = extra;
  const slot = new ContactSlotEmulator();
  const reader = new PcscContactReader(slot);
  const signal = new AbortController().signal;
  const waiting = reader.waitForCard({ signal });
  slot.insert(card);
  const session = await waiting;
  prepare?.(slot);
  const txn = transaction(amount);
  const result = await runContactTransaction({
    transmit: (apdu) => {
      observe?.(apdu);
      return session.transmit(apdu);
    },
    config,
    transaction: txn,
    signal,
    // Never randomly selected unless a test says so.
    random: () => 0.999,
    ...more,
  });
  return {
    result,
    card,
    slot,
    session,
    txn,
    commands: () => slot.exchanges.map((e) => toHex(e.c)),
    script: () => slot.exchanges.map((e) => `${toHex(e.c)} -> ${toHex(e.r.subarray(e.r.length - 2))}`),
  };
}

/** Expected exchange: [C-APDU hex (spaces allowed), SW the slot answered, what it is]. */
export type ContactScript = readonly (readonly [command: string, sw: string, note: string])[];

/** The whole exchange, in order: none skipped, none extra, each answered as scripted. */
export function expectExchange(run: ContactRun, script: ContactScript): void {
  const want = script.map(([c, sw, note]) => `${c.replace(/\s+/g, '').toUpperCase()} -> ${sw}  (${note})`);
  const got = run.script().map((line, i) => `${line}  (${script[i]?.[2] ?? 'not in the script'})`);
  expect(got).toEqual(want);
}

/** The issuer's side: ARPC method 1 over the ARQC with the response code as ARC; tag 91's value. */
export function issuerAuthenticationData(card: ContactChipCard, arqc: Uint8Array, atc: Uint8Array, responseCode: string, index = 0): Uint8Array {
  const a = card.description.applications[index]!;
  const { sessionKey } = deriveAcSessionKey(fromHex(a.imk), a.pan, a.psn, atc);
  const arc = Uint8Array.from(Buffer.from(responseCode, 'ascii'));
  return Uint8Array.from([...arpcMethod1(sessionKey, arqc, arc), ...arc]);
}

/** Field 55 of the host's answer: 91, then scripts (71, 72) as given. */
export function issuerIccData(iad: Uint8Array | undefined, scripts: TlvInput[] = []): Uint8Array {
  return encodeTlv([...(iad ? [{ tag: 0x91, value: iad }] : []), ...scripts]);
}
