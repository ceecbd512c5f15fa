/**
 * Runs the contactless kernel against a card in-process and records every C-APDU it sent,
 * so a test can hold the whole exchange to the script the kernel is meant to follow.
 */
import { expect } from 'vitest';
import { runContactlessTransaction } from '../../../src/emv/contactless-kernel.js';
import { DEFAULT_AIDS, defaultContactlessConfig, type AidConfig, type ContactlessConfig } from '../../../src/emv/kernel-config.js';
import type { KernelResult } from '../../../src/emv/kernel-result.js';
import { newTransaction, type TransactionData } from '../../../src/emv/terminal-data.js';
import { fromHex, toHex } from '../../../src/hex.js';

/** The transaction every kernel test uses: 15 March 2026 10:30:00 local, UN 11 22 33 44. */
export const TIME = new Date(2026, 2, 15, 10, 30, 0);
export const UN = '11223344';

export function transaction(amount: number): TransactionData {
  return newTransaction({ amount, time: TIME, random: () => fromHex(UN) });
}

/** The default configuration with every application's floor limit raised: offline approval allowed. */
export function offlineConfig(floorLimit = 10_000): ContactlessConfig {
  return defaultContactlessConfig({ aids: DEFAULT_AIDS.map((a): AidConfig => ({ ...a, floorLimit })) });
}

export interface Run {
  result: KernelResult;
  commands: string[];
  txn: TransactionData;
}

export async function run(card: { transceive(apdu: Uint8Array): Uint8Array }, amount: number, config: ContactlessConfig = defaultContactlessConfig()): Promise<Run> {
  const commands: string[] = [];
  const txn = transaction(amount);
  const result = await runContactlessTransaction({
    transmit: async (apdu) => {
      commands.push(toHex(apdu));
      return card.transceive(apdu);
    },
    config,
    transaction: txn,
    signal: new AbortController().signal,
  });
  return { result, commands, txn };
}

/** A script step: the C-APDU in hex (spaces allowed) and what it is. */
export type Expected = readonly (readonly [hex: string, note: string])[];

/** Every command as scripted, in order: none skipped, none extra. */
export function expectScript(commands: readonly string[], script: Expected): void {
  const want = script.map(([hex, note]) => `${hex.replace(/\s+/g, '').toUpperCase()}  (${note})`);
  const got = commands.map((c, i) => `${c}  (${script[i]?.[1] ?? 'not in the script'})`);
  expect(got).toEqual(want);
}

export const SELECT_PPSE: readonly [string, string] = ['00A404000E 325041592E5359532E4444463031 00', 'SELECT PPSE'];

/** The qVSDC PDOL data of the tests' transaction, with the TTQ given. */
export function qvsdcGpo(ttq: string, amount = '000000000100'): string {
  return `80A80000 23 8321 ${ttq} ${amount} 000000000000 0156 0000000000 0156 260315 00 ${UN} 00`;
}
