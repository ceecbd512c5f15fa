/**
 * The terminal's side of the online step, assembled as the composition root will: the
 * journal and the reversal queue on disk in a data directory, the channel over real TCP,
 * HostLink, and DUKPT keys from the key store (or a fixed test source). Used by the online
 * tests, the crash child process and the soak command; the far end is the acquirer
 * simulator (or a raw TCP server in the fuzz test).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../../src/hal/ports.js';
import { HostChannel } from '../../../src/host/channel.js';
import { HostLink } from '../../../src/host/host-link.js';
import type { MacKeySource } from '../../../src/host/mac-keys.js';
import type { CardRead } from '../../../src/host/messages.js';
import { ReversalQueue } from '../../../src/host/reversal-queue.js';
import type { Logger } from '../../../src/log.js';
import { deriveIpek } from '../../../src/security/dukpt-tdes.js';
import { KeyStore, SIM_BOARD_SERIAL } from '../../../src/security/key-store.js';
import { macKeySourceOf } from '../../../src/flows/online-keys.js';
import { journalReversalListener, type CardSecrets, type OnlineDeps } from '../../../src/flows/online.js';
import { Journal } from '../../../src/store/journal.js';
import { toHex } from '../../../src/hex.js';
import { panLookupHash } from '../../../src/security/pan.js';
import { account, chipData, INITIAL_KSN, TERMINAL, TEST_BDK } from '../../simulator/host/helpers.js';

/** Test-only keys for card data at rest (a real terminal takes them from its key store). */
export const TEST_SECRETS: CardSecrets = { sealKey: new Uint8Array(32).fill(0x11), hashKey: new Uint8Array(32).fill(0x22) };
export const TIME_ZONE = 'Asia/Shanghai';
export { TERMINAL };

export interface TerminalSide {
  journal: Journal;
  queue: ReversalQueue;
  channel: HostChannel;
  link: HostLink;
  deps: OnlineDeps;
  close(): Promise<void>;
}

export interface TerminalSideOptions {
  dataDir: string;
  port: number;
  clock: Clock;
  /** 'keystore': DUKPT from a key store in dataDir (injected with the test BDK's IPEK once). */
  keys: MacKeySource | 'keystore';
  responseTimeoutMs?: number;
  connectTimeoutMs?: number;
  retry?: { initialMs: number; maxMs: number };
  backoff?: { initialMs: number; maxMs: number };
  /** Field 41; TERMINAL's when absent. */
  terminalId?: string;
  log?: Logger;
}

/** The key store of a test terminal, loaded with the simulator's test BDK on first use. */
export async function testKeyStore(dataDir: string): Promise<KeyStore> {
  const store = new KeyStore({ dataDir, serial: SIM_BOARD_SERIAL });
  if (!(await store.hasKeys())) await store.injectTdes(deriveIpek(TEST_BDK, INITIAL_KSN), INITIAL_KSN);
  return store;
}

export async function openTerminalSide(options: TerminalSideOptions): Promise<TerminalSide> {
  mkdirSync(options.dataDir, { recursive: true });
  const keys = options.keys === 'keystore' ? macKeySourceOf(await testKeyStore(options.dataDir)) : options.keys;
  const journal = await Journal.open({ file: join(options.dataDir, 'journal.log'), now: () => options.clock.now() });
  const channel = new HostChannel({
    endpoint: { host: '127.0.0.1', port: options.port },
    clock: options.clock,
    ...(options.responseTimeoutMs ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    backoff: options.backoff ?? { initialMs: 20, maxMs: 200 },
    ...(options.log ? { log: options.log } : {}),
  });
  const queue = await ReversalQueue.open({
    file: join(options.dataDir, 'reversals.log'),
    cardKey: new Uint8Array(32).fill(0x33),
    keys,
    channel,
    clock: options.clock,
    ...(options.responseTimeoutMs ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    onSettled: journalReversalListener(journal),
    ...(options.log ? { log: options.log } : {}),
  });
  const link = new HostLink(channel, queue, options.log);
  const deps: OnlineDeps = {
    journal,
    link,
    keys,
    secrets: TEST_SECRETS,
    clock: options.clock,
    terminal: { ...TERMINAL, ...(options.terminalId ? { terminalId: options.terminalId } : {}) },
    timeZone: TIME_ZONE,
    ...(options.responseTimeoutMs ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  return {
    journal,
    queue,
    channel,
    link,
    deps,
    close: async () => {
      // Queue first: nothing is written once the link goes down under a request in flight.
      await queue.close();
      await journal.close();
      await channel.close();
    },
  };
}

/** A contactless chip read of a test account, with an ARQC the simulator verifies. */
export function contactlessCard(accountId: string, amount: number, atc: number): CardRead {
  const acc = account(accountId);
  return { pan: acc.pan, entryMode: 'contactless-chip', expiry: acc.expiry, panSequence: Number(acc.psn), icc: chipData(acc, amount, atc) };
}

/** The keyed PAN hash of each test account, to tell from the journal whose card it was. */
export function accountOfHash(ids: readonly string[]): Map<string, string> {
  return new Map(ids.map((id) => [toHex(panLookupHash(TEST_SECRETS.hashKey, account(id).pan)), id]));
}
