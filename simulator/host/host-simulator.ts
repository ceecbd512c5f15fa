/**
 * The acquirer and issuer simulator, assembled: test accounts and keys, the books on disk,
 * the processor, the ISO 8583 server, the faults and the HTTP API.
 */
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/hal/ports.js';
import type { Logger } from '../../src/log.js';
import { AccountBook, loadDefaultAccounts, type HostKeysAndAccounts } from './accounts.js';
import { FaultQueue } from './faults.js';
import { HostApi } from './http-api.js';
import { HostLedger } from './ledger.js';
import { HostProcessor } from './processor.js';
import { HostServer } from './server.js';

export interface HostSimulatorOptions {
  /** Where the books are kept (ledger.log); null: in memory only. */
  dataDir: string | null;
  clock: Clock;
  log?: Logger;
  /** Accounts and BDKs; accounts.json when absent. */
  accounts?: HostKeysAndAccounts;
  timeZone?: string;
  refundWindowDays?: number;
  /** Serve TLS instead of TCP. */
  tls?: { key: string | Uint8Array; cert: string | Uint8Array };
}

export class HostSimulator {
  readonly book: AccountBook;
  readonly faults = new FaultQueue();
  readonly processor: HostProcessor;
  readonly server: HostServer;
  readonly api: HostApi;

  private constructor(
    readonly ledger: HostLedger,
    options: HostSimulatorOptions,
    book: AccountBook,
  ) {
    this.book = book;
    this.processor = new HostProcessor({
      book,
      ledger,
      clock: options.clock,
      ...(options.log ? { log: options.log } : {}),
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
      ...(options.refundWindowDays !== undefined ? { refundWindowDays: options.refundWindowDays } : {}),
    });
    this.server = new HostServer({
      processor: this.processor,
      faults: this.faults,
      clock: options.clock,
      ...(options.log ? { log: options.log } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    });
    this.api = new HostApi({ ledger, faults: this.faults, book });
  }

  static async open(options: HostSimulatorOptions): Promise<HostSimulator> {
    const book = new AccountBook(options.accounts ?? loadDefaultAccounts());
    const ledger = await HostLedger.open(options.dataDir, book);
    if (ledger.recovery?.tornTail || ledger.recovery?.damaged) {
      options.log?.warn({ event: 'hostsim.ledger.recovered', tornTail: ledger.recovery.tornTail, damaged: ledger.recovery.damaged }, 'host ledger recovered');
    }
    return new HostSimulator(ledger, options, book);
  }

  /** Starts the ISO 8583 server (port 0: the OS chooses). */
  listen(host: string, port: number): Promise<AddressInfo> {
    return this.server.listen(host, port);
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.ledger.close();
  }
}
