import { join } from 'node:path';
import type { Logger } from 'pino';
import { defaultContactlessConfig, type ContactlessConfig } from './emv/kernel-config.js';
import { defaultContactConfig, type ContactConfig } from './emv/contact-config.js';
import { hashedExceptionFile } from './emv/exception-file.js';
import { DEFAULT_TERMINAL_CONFIG, type TerminalConfig } from './emv/terminal-data.js';
import { macKeySourceOf } from './flows/online-keys.js';
import { journalReversalListener, recoverOnline, type OnlineDeps, type OnlineRecovery } from './flows/online.js';
import type { Clock } from './hal/ports.js';
import { HostChannel, type HostEndpoint } from './host/channel.js';
import { HostLink } from './host/host-link.js';
import { ReversalQueue } from './host/reversal-queue.js';
import { currency } from './money.js';
import type { KeyStore } from './security/key-store.js';
import type { TerminalSettings } from './store/config.js';
import { Journal } from './store/journal.js';

/** What a sale needs beyond the devices: card configuration, keys, the journal, the host. */
export interface PaymentServices {
  emv: ContactlessConfig;
  contact: ContactConfig;
  keyStore: KeyStore;
  online: OnlineDeps;
  /** What start-up recovery found in the journal (sales reversed after a crash). */
  recovered: OnlineRecovery;
  close(): Promise<void>;
}

export interface PaymentOptions {
  dataDir: string;
  endpoint: HostEndpoint;
  keyStore: KeyStore;
  settings: TerminalSettings;
  clock: Clock;
  log: Logger;
}

/** The merchant's identity and currency over the EMV terminal defaults. */
function terminalConfig(settings: TerminalSettings, base: TerminalConfig): TerminalConfig {
  const c = currency(settings.currency);
  return {
    ...DEFAULT_TERMINAL_CONFIG,
    ...base,
    terminalId: settings.terminalId,
    merchantId: settings.merchantId,
    currencyCode: Number(c.numeric),
    currencyExponent: c.exponent,
  };
}

/** The contactless kernels' configuration with the merchant's settings. */
export function emvConfig(settings: TerminalSettings): ContactlessConfig {
  const base = defaultContactlessConfig();
  return { ...base, terminal: terminalConfig(settings, base.terminal) };
}

/**
 * The contact kernel's configuration with the merchant's settings; with `hashKey` (the key
 * store's PAN hash key) the settings' exception file, whose entries are PAN hashes under it.
 */
export function contactEmvConfig(settings: TerminalSettings, hashKey?: Uint8Array): ContactConfig {
  const base = defaultContactConfig();
  const listed = settings.exceptionFile ?? [];
  return {
    ...base,
    terminal: terminalConfig(settings, base.terminal),
    ...(hashKey && listed.length > 0 ? { exceptionFile: hashedExceptionFile(hashKey, listed) } : {}),
  };
}

/**
 * Opens the payment side of the terminal, in the order DESIGN.md's sale needs it: keys for
 * card data at rest, the journal, the channel to the acquirer, the reversal queue (which
 * the journal hears from), then start-up recovery: any sale the journal holds as pending,
 * or approved but never completed, from a run that crashed, is reversed before the first
 * new request can leave. The reversal queue then keeps retrying on its own.
 */
export async function openPayments(o: PaymentOptions): Promise<PaymentServices> {
  const secrets = await o.keyStore.cardDataKeys();
  const keys = macKeySourceOf(o.keyStore);
  const journal = await Journal.open({ file: join(o.dataDir, 'journal.log'), now: () => o.clock.now() });
  const channel = new HostChannel({ endpoint: o.endpoint, clock: o.clock, log: o.log });
  const reversals = await ReversalQueue.open({
    file: join(o.dataDir, 'reversals.log'),
    cardKey: secrets.sealKey,
    keys,
    channel,
    clock: o.clock,
    log: o.log,
    onSettled: journalReversalListener(journal),
  });
  const online: OnlineDeps = {
    journal,
    link: new HostLink(channel, reversals, o.log),
    keys,
    secrets,
    clock: o.clock,
    terminal: { terminalId: o.settings.terminalId, merchantId: o.settings.merchantId },
    timeZone: o.settings.timeZone,
    log: o.log,
  };
  const recovered = await recoverOnline(online, { flush: false });
  reversals.start();
  return {
    emv: emvConfig(o.settings),
    contact: contactEmvConfig(o.settings, secrets.hashKey),
    keyStore: o.keyStore,
    online,
    recovered,
    async close() {
      await reversals.close();
      await journal.close();
      await channel.close();
    },
  };
}
