/**
 * The acquirer's side of docs/host-spec.md: one request in, its answer out. Requests are
 * handled one at a time (the caller serialises), and each request's changes to the books
 * are on disk before its answer is returned.
 *
 * For every MACed request, in order:
 *   30  field 53 (the KSN) is missing, or the message breaks the presence table (5.2)
 *   A0  no BDK for the KSN's key set, or the MAC is missing or does not verify (6.12)
 *   94  a 0200, 0320 or 0500 whose STAN and terminal ID were seen that day (section 7)
 *   12  a processing code this message does not take
 *   96  anything unexpected while processing (the request is not applied)
 * then the rules of each message below, and the issuer's checks of issuer.ts.
 */
import type { Clock } from '../../src/hal/ports.js';
import { toHex } from '../../src/hex.js';
import { unpackWithLayout, type IsoMessage } from '../../src/host/iso8583.js';
import { aesDukptMacs, tdesDukptMacs, type MacPair } from '../../src/host/mac-keys.js';
import { checkPresence, decodeTotals, encodeTotals, openResponse, responseMti, type BatchTotals } from '../../src/host/messages.js';
import { NETWORK_CODES, PROCESSING_CODES, RESPONSE_CODES, type MessageKind } from '../../src/host/spec.js';
import type { Logger } from '../../src/log.js';
import { zeroize } from '../../src/security/bytes.js';
import { aesDukptHostKeys, derivationKeyType } from '../../src/security/dukpt-aes.js';
import { tdesDukptHostKeys } from '../../src/security/dukpt-tdes.js';
import { maskPan } from '../../src/security/pan.js';
import type { AccountBook, TxKind } from './accounts.js';
import { issuerAuthenticationData } from './arqc.js';
import { hostTime, type HostTime } from './host-time.js';
import { checkCard } from './issuer.js';
import type { HostLedger, LedgerTx } from './ledger.js';

export interface ProcessorOptions {
  book: AccountBook;
  ledger: HostLedger;
  clock: Clock;
  log?: Logger;
  /** The host's time zone for its business day and field 62. */
  timeZone?: string;
  /** How long after a sale it may be refunded. */
  refundWindowDays?: number;
}

/** The answer and the MAC to seal it with (null: sent unMACed). */
export interface Answer {
  response: IsoMessage;
  mac: MacPair | null;
}

type Fields = IsoMessage['fields'];

interface Keys {
  mac: MacPair;
  pinKey: Uint8Array | null;
}

const KIND_OF_CODE: Readonly<Record<string, TxKind>> = {
  [PROCESSING_CODES.sale]: 'sale',
  [PROCESSING_CODES.void]: 'void',
  [PROCESSING_CODES.refund]: 'refund',
};

function str(fields: Fields, no: number): string | undefined {
  const v = fields[no];
  return typeof v === 'string' ? v : undefined;
}

function bytes(fields: Fields, no: number): Uint8Array | undefined {
  const v = fields[no];
  return v instanceof Uint8Array ? v : undefined;
}

/** The fields of `req` listed in `keep`, then field 39 and `extra`. */
function answer(req: IsoMessage, code: string, keep: readonly number[], extra: Fields = {}): IsoMessage {
  const fields: Fields = {};
  for (const no of keep) if (req.fields[no] !== undefined) fields[no] = req.fields[no]!;
  fields[39] = code;
  Object.assign(fields, extra);
  return { mti: responseMti(req.mti), fields };
}

/** Field 44: the code's words, within the field's 25 characters. */
function words(code: string): string {
  return (RESPONSE_CODES[code]?.text ?? `Declined (code ${code})`).replace(/[^\x20-\x7e]/g, ' ').slice(0, 25);
}

const ECHO_0210 = [3, 4, 11, 12, 13, 41, 49, 60] as const;
const ECHO_0410 = [3, 4, 11, 12, 13, 41] as const;
const ECHO_0330 = [3, 11, 41] as const;
const ECHO_0510 = [3, 11, 12, 13, 41, 60] as const;

export class HostProcessor {
  private readonly book: AccountBook;
  private readonly ledger: HostLedger;
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly timeZone: string;
  private readonly refundWindowMs: number;

  constructor(options: ProcessorOptions) {
    this.book = options.book;
    this.ledger = options.ledger;
    this.clock = options.clock;
    this.log = options.log;
    this.timeZone = options.timeZone ?? 'Asia/Shanghai';
    this.refundWindowMs = (options.refundWindowDays ?? 30) * 86_400_000;
  }

  private now(): HostTime {
    return hostTime(this.clock.now(), this.timeZone);
  }

  /**
   * Answers one request (from the MTI on). `forcedCode`: the decline:CODE fault, answered
   * without processing. Null: nothing can be answered (the bytes do not unpack).
   */
  async handle(raw: Uint8Array, forcedCode?: string): Promise<Answer | null> {
    let req: IsoMessage;
    try {
      req = unpackWithLayout(raw).message;
    } catch (e) {
      this.log?.warn({ event: 'hostsim.request.garbled', err: (e as Error).message }, 'request does not unpack; not answered');
      return null;
    }
    try {
      const out = await this.dispatch(req, raw, forcedCode);
      await this.ledger.commit();
      return out;
    } catch (e) {
      // What was applied before the fault is written too, so the books on disk stay those in memory.
      this.log?.error({ event: 'hostsim.request.failed', mti: req.mti, err: (e as Error).message }, 'host malfunction');
      await this.ledger.commit().catch(() => undefined);
      return { response: answer(req, '96', [3, 4, 11, 12, 13, 41]), mac: null };
    }
  }

  private async dispatch(req: IsoMessage, raw: Uint8Array, forced: string | undefined): Promise<Answer> {
    if (req.mti === '0800') return { response: this.network(req, forced), mac: null };
    const kind = this.kindOf(req);
    if (!kind) return { response: answer(req, '12', [3, 4, 11, 12, 13, 41]), mac: null };

    const ksn = bytes(req.fields, 53);
    if (!ksn) return { response: answer(req, '30', [3, 4, 11, 12, 13, 41]), mac: null };
    const keys = this.keysFor(ksn);
    if (!keys) return { response: answer(req, 'A0', [3, 4, 11, 12, 13, 41]), mac: null };
    const echo = req.mti === '0200' ? ECHO_0210 : req.mti === '0320' ? ECHO_0330 : req.mti === '0500' ? ECHO_0510 : ECHO_0410;
    try {
      openResponse(raw, keys.mac.request);
    } catch {
      this.log?.warn({ event: 'hostsim.mac.bad', mti: req.mti, stan: req.fields[11] }, 'request MAC does not verify: A0');
      return { response: answer(req, 'A0', echo), mac: keys.mac };
    }
    const problems = checkPresence(req, kind);
    if (problems.length > 0) {
      this.log?.warn({ event: 'hostsim.format', mti: req.mti, problems }, 'request breaks the presence table: 30');
      return { response: answer(req, '30', echo), mac: keys.mac };
    }
    const tid = String(req.fields[41]).trimEnd();
    const now = this.now();
    if (req.mti === '0200' || req.mti === '0320' || req.mti === '0500') {
      if (this.ledger.seenBefore(`${now.date}|${tid}|${String(req.fields[11])}`)) {
        return { response: answer(req, '94', echo), mac: keys.mac };
      }
    }
    try {
      switch (req.mti) {
        case '0200':
          return { response: this.financial(req, kind as TxKind, keys, now, forced), mac: keys.mac };
        case '0400':
        case '0401':
          return { response: forced ? answer(req, forced, echo) : this.reversal(req, tid), mac: keys.mac };
        case '0320':
          return { response: forced ? answer(req, forced, echo) : this.upload(req, tid, now), mac: keys.mac };
        default:
          return { response: forced ? answer(req, forced, echo) : this.settlement(req, tid, now), mac: keys.mac };
      }
    } finally {
      zeroize(keys.pinKey);
    }
  }

  /** Which row of the presence table a request is; null: not a request this host takes. */
  private kindOf(req: IsoMessage): MessageKind | null {
    const pc = str(req.fields, 3);
    switch (req.mti) {
      case '0200':
        return pc && KIND_OF_CODE[pc] ? KIND_OF_CODE[pc]! : null;
      case '0400':
      case '0401':
        return pc && KIND_OF_CODE[pc] ? 'reversal' : null;
      case '0320':
        return pc === PROCESSING_CODES.sale || pc === PROCESSING_CODES.refund ? 'batch-upload' : null;
      case '0500':
        return pc === PROCESSING_CODES.settlement || pc === PROCESSING_CODES.settlementAfterUpload ? 'settlement' : null;
      default:
        return null;
    }
  }

  /** The DUKPT keys of the request's KSN from the BDK of its key set (X9.24-1 or X9.24-3). */
  private keysFor(ksn: Uint8Array): Keys | null {
    try {
      if (ksn.length === 10) {
        const bdk = this.book.bdk(toHex(ksn.subarray(0, 5)));
        if (!bdk) return null;
        const k = tdesDukptHostKeys(bdk, ksn);
        const keys = { mac: tdesDukptMacs(k), pinKey: k.pinKey };
        zeroize(k.ipek, k.transactionKey, k.macRequestKey, k.macResponseKey, k.dataRequestKey, k.dataResponseKey);
        return keys;
      }
      if (ksn.length === 12) {
        const bdk = this.book.bdk(toHex(ksn.subarray(0, 4)));
        if (!bdk) return null;
        const type = derivationKeyType(bdk);
        const k = aesDukptHostKeys(bdk, ksn);
        const keys = { mac: aesDukptMacs(k, type.startsWith('TDES') ? 'tdes' : 'aes'), pinKey: null };
        zeroize(k.initialKey, k.derivationKey, k.pinKey, k.macGenerationKey, k.macVerificationKey, k.dataEncryptionKey, k.dataDecryptionKey);
        return keys;
      }
    } catch {
      // A KSN the derivation refuses: its MAC cannot be checked.
    }
    return null;
  }

  // ---- 0800 ---------------------------------------------------------------------------------

  private network(req: IsoMessage, forced: string | undefined): IsoMessage {
    const code = str(req.fields, 70);
    const keep = [11, 12, 13, 41, 70];
    if (code === NETWORK_CODES.signOn) return answer(req, forced ?? '00', keep, { 62: this.now().full });
    if (code === NETWORK_CODES.echo) return answer(req, forced ?? '00', keep);
    return answer(req, '12', keep);
  }

  // ---- 0200 ---------------------------------------------------------------------------------

  private financial(req: IsoMessage, kind: TxKind, keys: Keys, now: HostTime, forced: string | undefined): IsoMessage {
    const f = req.fields;
    const tid = String(f[41]).trimEnd();
    const amount = Number(str(f, 4));
    const pan = str(f, 2);
    const tx: LedgerTx = {
      key: `${tid}|${String(f[11])}|${String(f[13])}|${String(f[12])}`,
      stan: String(f[11]),
      terminalId: tid,
      type: kind,
      amount,
      currency: String(f[49]),
      status: 'declined',
      responseCode: '',
      rrn: `${now.monthDay}${String(this.ledger.count + 1).padStart(8, '0')}`,
      authCode: null,
      reversed: false,
      batch: Number(str(f, 60)),
      localDate: String(f[13]),
      localTime: String(f[12]),
      hostDate: now.date,
      hostAt: this.clock.now(),
      accountId: null,
      maskedPan: pan ? maskPan(pan) : null,
      ...(bytes(f, 53) ? { ksn: toHex(bytes(f, 53)!) } : {}),
    };
    const extra: Fields = { 15: now.monthDay };
    const code = forced ?? this.decide(req, kind, keys, now, tx, extra);
    tx.responseCode = code;
    if (code === '00') {
      tx.status = 'approved';
      tx.authCode = String((this.ledger.count * 48271 + 97) % 1_000_000).padStart(6, '0');
      extra[38] = tx.authCode;
    }
    this.ledger.putTx(tx);
    extra[37] = tx.rrn!;
    extra[44] = words(code);
    const icc = extra[55];
    if (icc === undefined) delete extra[55];
    this.log?.info({ event: 'hostsim.financial', kind, stan: tx.stan, terminalId: tid, amount, responseCode: code, maskedPan: tx.maskedPan }, `${kind} ${code}`);
    return answer(req, code, ECHO_0210, extra);
  }

  /** The response code of a 0200, applying its effects to the books when approved. */
  private decide(req: IsoMessage, kind: TxKind, keys: Keys, now: HostTime, tx: LedgerTx, extra: Fields): string {
    const f = req.fields;
    const pan = str(f, 2);
    const amount = tx.amount;
    if (!Number.isSafeInteger(amount) || amount <= 0) return '13';
    if (kind === 'void') return this.voidSale(req, tx, pan);

    const card = checkCard(this.book, this.ledger, {
      kind,
      pan: pan ?? '',
      ...(str(f, 14) ? { expiry: str(f, 14)! } : {}),
      ...(str(f, 23) ? { panSequence: str(f, 23)! } : {}),
      currency: String(f[49]),
      ...(bytes(f, 55) ? { icc: bytes(f, 55)! } : {}),
      ...(bytes(f, 52) ? { pinBlock: bytes(f, 52)! } : {}),
      pinKey: keys.pinKey,
      now,
    });
    const account = card.account;
    const state = card.state;
    tx.accountId = account?.id ?? null;
    let code = card.code;
    if (code === '00' && account && state) {
      code = kind === 'sale' ? this.sale(account.perTransactionLimit, account.dailyLimit, state, amount, now) : this.refund(req, tx, account.id);
      if (code === '00') {
        if (kind === 'sale') state.balance -= amount;
        else state.balance += amount;
      }
    }
    if (account && state) this.ledger.putAccount(account.id, state);
    if (card.cryptogram.kind === 'ok') {
      extra[55] = issuerAuthenticationData(card.cryptogram, code);
      zeroize(card.cryptogram.sessionKey);
    }
    return code;
  }

  /** 61: over the per-transaction or the daily limit; 51: over the balance. */
  private sale(perTransaction: number, daily: number, state: { balance: number; dailyDate: string; dailySpent: number }, amount: number, now: HostTime): string {
    if (state.dailyDate !== now.date) {
      state.dailyDate = now.date;
      state.dailySpent = 0;
    }
    if (amount > perTransaction || state.dailySpent + amount > daily) return '61';
    if (amount > state.balance) return '51';
    state.dailySpent += amount;
    return '00';
  }

  /**
   * A void: 25 when no approved, unreversed sale of this terminal has the RRN (37), the
   * STAN and date of field 61, and the card (2, when sent); 12 when that sale was voided
   * already or its batch is closed or not the void's (60); 13 when the amount is not the sale's.
   */
  private voidSale(req: IsoMessage, tx: LedgerTx, pan: string | undefined): string {
    const f = req.fields;
    const sale = this.ledger.byRrn(String(f[37]), tx.terminalId);
    const f61 = String(f[61] ?? '');
    if (!sale || sale.type !== 'sale' || sale.status !== 'approved' || sale.reversed) return '25';
    if (f61.slice(6, 12) !== sale.stan || f61.slice(12, 16) !== sale.localDate) return '25';
    if (pan !== undefined && this.book.account(pan)?.id !== sale.accountId) return '25';
    tx.accountId = sale.accountId;
    tx.maskedPan = sale.maskedPan;
    tx.originalKey = sale.key;
    if (sale.voided) return '12';
    if (this.ledger.isClosed(sale.terminalId, sale.batch) || tx.batch !== sale.batch) return '12';
    if (tx.amount !== sale.amount) return '13';
    sale.voided = true;
    this.ledger.putTx(sale);
    if (sale.accountId) {
      const s = this.ledger.account(sale.accountId);
      s.balance += sale.amount;
      if (s.dailyDate === sale.hostDate) s.dailySpent = Math.max(0, s.dailySpent - sale.amount);
      this.ledger.putAccount(sale.accountId, s);
    }
    return '00';
  }

  /**
   * A refund: 25 when no approved, unreversed sale has the RRN (37) with the date of field
   * 61, for this card; 12 when that sale was voided, is not settled yet (its batch is open:
   * void it instead) or is older than the refund window; 13 when the refunds so far and this
   * one would exceed the sale.
   */
  private refund(req: IsoMessage, tx: LedgerTx, accountId: string): string {
    const f = req.fields;
    const sale = this.ledger.saleByRrn(String(f[37]));
    if (!sale || sale.status !== 'approved' || sale.reversed) return '25';
    if (String(f[61] ?? '').slice(12, 16) !== sale.localDate || sale.accountId !== accountId) return '25';
    tx.originalKey = sale.key;
    if (sale.voided) return '12';
    if (!this.ledger.isClosed(sale.terminalId, sale.batch)) return '12';
    if (this.clock.now() - sale.hostAt > this.refundWindowMs) return '12';
    if ((sale.refunded ?? 0) + tx.amount > sale.amount) return '13';
    sale.refunded = (sale.refunded ?? 0) + tx.amount;
    this.ledger.putTx(sale);
    return '00';
  }

  // ---- 0400 / 0401 --------------------------------------------------------------------------

  /**
   * 25: no transaction of this terminal with the STAN, date and time (11, 13, 12);
   * 13: the amount is not the original's; 94 (0400) or 00 (0401): already reversed;
   * 12: the original's batch is closed; 00: reversed, its effects undone.
   */
  private reversal(req: IsoMessage, tid: string): IsoMessage {
    const f = req.fields;
    const original = this.ledger.findByKey(`${tid}|${String(f[11])}|${String(f[13])}|${String(f[12])}`);
    const done = (code: string) => {
      this.log?.info({ event: 'hostsim.reversal', mti: req.mti, stan: f[11], terminalId: tid, responseCode: code }, `reversal ${code}`);
      return answer(req, code, ECHO_0410);
    };
    if (!original) return done('25');
    if (Number(str(f, 4)) !== original.amount) return done('13');
    if (original.reversed) return done(req.mti === '0400' ? '94' : '00');
    if (this.ledger.isClosed(original.terminalId, original.batch)) return done('12');
    if (original.status === 'approved') this.undo(original);
    original.reversed = true;
    this.ledger.putTx(original);
    return done('00');
  }

  private undo(tx: LedgerTx): void {
    const adjust = (accountId: string | null, delta: number, daily: number) => {
      if (!accountId) return;
      const s = this.ledger.account(accountId);
      s.balance += delta;
      if (s.dailyDate === tx.hostDate) s.dailySpent = Math.max(0, s.dailySpent + daily);
      this.ledger.putAccount(accountId, s);
    };
    const original = tx.originalKey ? this.ledger.findByKey(tx.originalKey) : undefined;
    if (tx.type === 'sale' && !tx.voided) adjust(tx.accountId, tx.amount, -tx.amount);
    if (tx.type === 'void' && original) {
      original.voided = false;
      this.ledger.putTx(original);
      adjust(original.accountId, -original.amount, original.amount);
    }
    if (tx.type === 'refund') {
      if (original) {
        original.refunded = Math.max(0, (original.refunded ?? 0) - tx.amount);
        this.ledger.putTx(original);
      }
      adjust(tx.accountId, -tx.amount, 0);
    }
  }

  // ---- 0320 ---------------------------------------------------------------------------------

  /** A transaction of the batch sent again: marked uploaded, or added when the host lacked it. */
  private upload(req: IsoMessage, tid: string, now: HostTime): IsoMessage {
    const f = req.fields;
    const batch = Number(str(f, 60));
    if (this.ledger.isClosed(tid, batch)) return answer(req, '12', ECHO_0330);
    const known = this.ledger.byRrn(String(f[37]), tid);
    if (known && known.batch === batch) {
      known.uploaded = true;
      this.ledger.putTx(known);
    } else {
      const f61 = String(f[61]);
      const pan = str(f, 2);
      this.ledger.putTx({
        key: `${tid}|${f61.slice(6, 12)}|${String(f[13])}|${String(f[12])}`,
        stan: f61.slice(6, 12),
        terminalId: tid,
        type: f[3] === PROCESSING_CODES.refund ? 'refund' : 'sale',
        amount: Number(str(f, 4)),
        currency: String(f[49]),
        status: 'approved',
        responseCode: '00',
        rrn: String(f[37]),
        authCode: str(f, 38) ?? null,
        reversed: false,
        batch,
        localDate: String(f[13]),
        localTime: String(f[12]),
        hostDate: now.date,
        hostAt: this.clock.now(),
        accountId: pan ? (this.book.account(pan)?.id ?? null) : null,
        maskedPan: pan ? maskPan(pan) : null,
        uploaded: true,
      });
    }
    return answer(req, '00', ECHO_0330);
  }

  // ---- 0500 ---------------------------------------------------------------------------------

  /**
   * 920000: 00 and the batch closes when field 63 equals the host's totals of the batch;
   * 95 with the host's totals in 63 otherwise (the terminal then uploads). 960000 (after the
   * upload): 00, the batch closes on the terminal's totals. A batch already closed: 00 when
   * the totals are those it closed with, 12 otherwise.
   */
  private settlement(req: IsoMessage, tid: string, now: HostTime): IsoMessage {
    const f = req.fields;
    const batch = Number(str(f, 60));
    let terminalTotals: BatchTotals;
    try {
      terminalTotals = decodeTotals(req);
    } catch {
      return answer(req, '30', ECHO_0510);
    }
    const hostTotals = this.ledger.totals(tid, batch);
    const same = encodeTotals(terminalTotals) === encodeTotals(hostTotals);
    const record = (status: 'balanced' | 'out-of-balance' | 'closed-after-upload') =>
      this.ledger.addSettlement({ terminalId: tid, batch, stan: String(f[11]), status, terminalTotals, hostTotals, hostDate: now.date, hostAt: this.clock.now() });
    const extra: Fields = { 15: now.monthDay };
    let code: string;
    if (this.ledger.isClosed(tid, batch)) {
      const last = [...this.ledger.settlements].reverse().find((s) => s.terminalId === tid && s.batch === batch && s.status !== 'out-of-balance');
      code = last && encodeTotals(last.terminalTotals) === encodeTotals(terminalTotals) ? '00' : '12';
    } else if (f[3] === PROCESSING_CODES.settlementAfterUpload) {
      record('closed-after-upload');
      this.ledger.closeBatch(tid, batch);
      code = '00';
    } else if (same) {
      record('balanced');
      this.ledger.closeBatch(tid, batch);
      code = '00';
    } else {
      record('out-of-balance');
      extra[63] = encodeTotals(hostTotals);
      code = '95';
    }
    this.log?.info({ event: 'hostsim.settlement', terminalId: tid, batch, responseCode: code }, `settlement ${code}`);
    return answer(req, code, ECHO_0510, extra);
  }
}
