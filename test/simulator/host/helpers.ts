/**
 * A terminal's side for the acquirer simulator's tests: TDES DUKPT from the test BDK (ANSI
 * X9.24-1), requests built with src/host/messages.ts, chip data with an ARQC made the way a
 * virtual card of accounts.json would make it, PIN blocks under the transaction's PIN key.
 * The simulator runs for real on 127.0.0.1:0 and the channel talks to it over TCP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTlv, encodeTlv } from '../../../src/emv/tlv.js';
import { fromHex } from '../../../src/hex.js';
import { HostChannel } from '../../../src/host/channel.js';
import type { IsoMessage } from '../../../src/host/iso8583.js';
import { tdesDukptMacs, type MacKeySource, type MacPair } from '../../../src/host/mac-keys.js';
import {
  buildBatchUpload,
  buildRefund,
  buildSale,
  buildSettlement,
  buildVoid,
  type BatchTotals,
  type CardRead,
  type LocalDateTime,
} from '../../../src/host/messages.js';
import { deriveIpek, TdesDukptTerminal } from '../../../src/security/dukpt-tdes.js';
import { generateArqc } from '../../../src/security/emv-cryptogram.js';
import { deriveAcSessionKey } from '../../../src/security/emv-keys.js';
import { encodePinBlock, encryptPinBlock } from '../../../src/security/pin-block.js';
import { loadDefaultAccounts, type Account } from '../../../simulator/host/accounts.js';
import { arqcInput } from '../../../simulator/host/arqc.js';
import { HostSimulator } from '../../../simulator/host/host-simulator.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';

export const TEST_BDK = fromHex('0123456789ABCDEFFEDCBA9876543210');
export const INITIAL_KSN = fromHex('FFFF9876543210E00000');
export const TERMINAL = { terminalId: 'TERM0001', merchantId: '898310048160001' } as const;

const ACCOUNTS = loadDefaultAccounts().accounts;
export function account(id: string): Account {
  const a = ACCOUNTS.find((x) => x.id === id);
  if (!a) throw new Error(`no test account ${id}`);
  return a;
}

function bcd(n: number | string, bytes: number): Uint8Array {
  return fromHex(String(n).padStart(bytes * 2, '0'));
}

/**
 * Field 55 of a chip card of `acc`: the ARQC over the data of ARQC_DATA_TAGS; `tamper`
 * flips a bit of the cryptogram.
 */
export function chipData(acc: Account, amount: number, atc: number, options: { tamper?: boolean; date?: string } = {}): Uint8Array {
  const atcBytes = bcd(atc.toString(16), 2);
  const objects = [
    { tag: 0x9f02, value: bcd(amount, 6) },
    { tag: 0x9f03, value: bcd(0, 6) },
    { tag: 0x9f1a, value: fromHex('0156') },
    { tag: 0x95, value: fromHex('0000008000') },
    { tag: 0x5f2a, value: fromHex('0156') },
    { tag: 0x9a, value: fromHex(options.date ?? '260115') },
    { tag: 0x9c, value: fromHex('00') },
    { tag: 0x9f37, value: fromHex('1A2B3C4D') },
    { tag: 0x82, value: fromHex('1980') },
    { tag: 0x9f36, value: atcBytes },
  ];
  const data = arqcInput(decodeTlv(encodeTlv(objects)))!;
  const { sessionKey } = deriveAcSessionKey(fromHex(acc.imk), acc.pan, acc.psn, atcBytes);
  const arqc = generateArqc(sessionKey, data);
  if (options.tamper) arqc[0]! ^= 1;
  return encodeTlv([{ tag: 0x9f26, value: arqc }, { tag: 0x9f27, value: fromHex('80') }, { tag: 0x9f10, value: fromHex('06010A03A00000') }, ...objects]);
}

export interface Sent {
  request: IsoMessage;
  mac: MacPair;
}

/** A terminal's request side: STANs, DUKPT, and the builders. */
export class TestTerminal {
  readonly dukpt = TdesDukptTerminal.load(deriveIpek(TEST_BDK, INITIAL_KSN), INITIAL_KSN);
  stan = 0;
  batch = 1;
  atc = 1;
  terminalId: string = TERMINAL.terminalId;

  /** MAC keys for the reversal queue: one DUKPT transaction each. */
  readonly keys: MacKeySource = {
    next: () => {
      const tx = this.dukpt.nextTransaction();
      return { ksn: tx.ksn, mac: tdesDukptMacs(tx) };
    },
  };

  private at(): LocalDateTime {
    // Every request gets its own time of day, so its (STAN, date, time) identity is new.
    const s = this.stan;
    return { month: 1, day: 15, hour: 17, minute: Math.floor(s / 60) % 60, second: s % 60 };
  }

  private begin() {
    this.stan += 1;
    const tx = this.dukpt.nextTransaction();
    return { tx, base: { terminalId: this.terminalId, merchantId: TERMINAL.merchantId, stan: this.stan, at: this.at() } };
  }

  card(accountId: string, amount: number, options: { chip?: boolean; tamper?: boolean; expiry?: string; pan?: string } = {}): CardRead {
    const acc = account(accountId);
    const card: CardRead = { pan: options.pan ?? acc.pan, entryMode: options.chip === false ? 'magstripe' : 'contactless-chip', panSequence: Number(acc.psn) };
    if (options.expiry) card.expiry = options.expiry;
    if (options.chip !== false && !options.pan) card.icc = chipData(acc, amount, this.atc++, { ...(options.tamper ? { tamper: true } : {}) });
    return card;
  }

  sale(accountId: string, amount: number, options: { pin?: string; chip?: boolean; tamper?: boolean; expiry?: string; pan?: string; currency?: string } = {}): Sent {
    const { tx, base } = this.begin();
    const card = this.card(accountId, amount, options);
    const pinBlock = options.pin ? encryptPinBlock(encodePinBlock(0, options.pin, card.pan), tx.pinKey) : undefined;
    const request = buildSale({ ...base, amount, currency: options.currency ?? '156', batch: this.batch, card, ksn: tx.ksn, ...(pinBlock ? { pinBlock } : {}) });
    return { request, mac: tdesDukptMacs(tx) };
  }

  void(sale: IsoMessage, saleResponse: IsoMessage, options: { amount?: number; withCard?: boolean } = {}): Sent {
    const { tx, base } = this.begin();
    const f = sale.fields;
    const request = buildVoid({
      ...base,
      amount: options.amount ?? Number(f[4]),
      currency: '156',
      batch: this.batch,
      ...(options.withCard ? { card: { pan: String(f[2]), entryMode: 'unknown' as const } } : {}),
      ksn: tx.ksn,
      original: {
        rrn: String(saleResponse.fields[37]),
        authCode: String(saleResponse.fields[38]),
        batch: Number(f[60]),
        stan: Number(f[11]),
        date: { month: Number(String(f[13]).slice(0, 2)), day: Number(String(f[13]).slice(2)) },
      },
    });
    return { request, mac: tdesDukptMacs(tx) };
  }

  refund(accountId: string, amount: number, original: { rrn: string; mmdd: string }, options: { chip?: boolean } = {}): Sent {
    const { tx, base } = this.begin();
    const card = this.card(accountId, amount, { chip: options.chip ?? false });
    const request = buildRefund({
      ...base,
      amount,
      currency: '156',
      batch: this.batch,
      card,
      ksn: tx.ksn,
      original: { rrn: original.rrn, date: { month: Number(original.mmdd.slice(0, 2)), day: Number(original.mmdd.slice(2)) } },
    });
    return { request, mac: tdesDukptMacs(tx) };
  }

  settlement(totals: BatchTotals, afterUpload = false): Sent {
    const { tx, base } = this.begin();
    return { request: buildSettlement({ ...base, currency: '156', batch: this.batch, ksn: tx.ksn, totals, afterUpload }), mac: tdesDukptMacs(tx) };
  }

  upload(sale: IsoMessage, response: IsoMessage): Sent {
    const { tx, base } = this.begin();
    const f = sale.fields;
    const t = String(f[12]);
    const d = String(f[13]);
    const request = buildBatchUpload({
      terminalId: base.terminalId,
      merchantId: base.merchantId,
      stan: base.stan,
      currency: '156',
      batch: this.batch,
      ksn: tx.ksn,
      record: {
        kind: f[3] === '200000' ? 'refund' : 'sale',
        amount: Number(f[4]),
        stan: Number(f[11]),
        at: { month: Number(d.slice(0, 2)), day: Number(d.slice(2)), hour: Number(t.slice(0, 2)), minute: Number(t.slice(2, 4)), second: Number(t.slice(4)) },
        entryMode: 'contactless-chip',
        rrn: String(response.fields[37]),
        authCode: String(response.fields[38]),
      },
    });
    return { request, mac: tdesDukptMacs(tx) };
  }
}

export interface HostRig {
  clock: VirtualClock;
  sim: HostSimulator;
  channel: HostChannel;
  terminal: TestTerminal;
  dataDir: string;
  port: number;
  send(s: Sent, timeoutMs?: number): Promise<IsoMessage>;
  close(): Promise<void>;
}

/** A simulator with its books in a fresh directory, a channel to it, a terminal. */
export async function hostRig(options: { dataDir?: string; clock?: VirtualClock } = {}): Promise<HostRig> {
  const clock = options.clock ?? new VirtualClock();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hostsim-'));
  const sim = await HostSimulator.open({ dataDir, clock });
  const addr = await sim.listen('127.0.0.1', 0);
  const channel = new HostChannel({ endpoint: { host: '127.0.0.1', port: addr.port }, clock });
  const terminal = new TestTerminal();
  return {
    clock,
    sim,
    channel,
    terminal,
    dataDir,
    port: addr.port,
    send: (s, timeoutMs) => channel.send(s.request, { mac: s.mac, ...(timeoutMs ? { timeoutMs } : {}) }),
    close: async () => {
      await channel.close();
      await sim.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
