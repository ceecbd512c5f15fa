/**
 * Builders for every request of docs/host-spec.md (from typed inputs to an IsoMessage),
 * sealing with a MAC, and readers that turn a response into a typed result.
 *
 * The MAC is a hook, `(macInput) => 8 bytes`: the security layer binds it to the DUKPT MAC
 * request key for requests and to the MAC response key for responses (X9.24-1, ISO 9797-1
 * algorithm 3). This module never sees a key.
 *
 * Errors never quote a value: fields 2, 35 and 52 carry card data.
 */
import { timingSafeEqual } from 'node:crypto';
import { FieldValueError, MacMismatchError, MessageFormatError } from './errors.js';
import { pack, unpackWithLayout, type IsoMessage } from './iso8583.js';
import {
  CONDITION_CODES,
  ENTRY_MODES,
  HOST_FIELDS,
  MESSAGE_TYPES,
  NETWORK_CODES,
  PIN_CAPABILITY,
  PIN_CAPTURE_CODE,
  PROCESSING_CODES,
  RESPONSE_CODES,
  REVERSAL_REASONS,
  type EntryMode,
  type FieldTable,
  type MessageKind,
  type ResponseAction,
  type ReversalReason,
} from './spec.js';

/** Computes the 8-byte MAC of the bytes it is given (the message up to the MAC field). */
export type MacFn = (macInput: Uint8Array) => Uint8Array;

/** The terminal's local clock reading; the year is not sent (fields 12 and 13). */
export interface LocalDateTime {
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface TerminalIdentity {
  /** Field 41, up to 8 characters. */
  terminalId: string;
  /** Field 42, up to 15 characters. */
  merchantId: string;
}

interface RequestBase extends TerminalIdentity {
  /** Field 11, 1-999999. */
  stan: number;
  /** Fields 12 and 13. */
  at: LocalDateTime;
}

/** What the card reader produced. */
export interface CardRead {
  /** 8-19 digits (ISO/IEC 7812-1). */
  pan: string;
  entryMode: EntryMode;
  /** YYMM (field 14). */
  expiry?: string;
  /** PAN sequence number from tag 5F34, 0-99 (field 23). */
  panSequence?: number;
  /** Track 2, or the chip's tag 57 with D written as '=' and the F pad removed (field 35). */
  track2?: string;
  /** The ICC request data, BER-TLV (field 55). */
  icc?: Uint8Array;
}

export interface SaleInput extends RequestBase {
  /** Minor units of `currency`. */
  amount: number;
  /** ISO 4217 numeric, e.g. "156". */
  currency: string;
  batch: number;
  card: CardRead;
  /** The encrypted PIN block (field 52) when the card asked for online PIN. */
  pinBlock?: Uint8Array;
  /** The DUKPT KSN of the key that encrypts the PIN block and makes the MAC (field 53). */
  ksn: Uint8Array;
  /** Field 22 position 3; the terminal has a PIN keypad, so true unless told. */
  pinCapable?: boolean;
}

export interface MonthDay {
  month: number;
  day: number;
}

export interface VoidInput extends RequestBase {
  /** The amount of the sale being voided. */
  amount: number;
  currency: string;
  batch: number;
  /** The card read again, or the journal's PAN with entry mode 'unknown'; absent if neither. */
  card?: CardRead;
  pinBlock?: Uint8Array;
  ksn: Uint8Array;
  pinCapable?: boolean;
  original: { rrn: string; authCode?: string; batch: number; stan: number; date: MonthDay };
}

export interface RefundInput extends RequestBase {
  /** The amount to refund: all of the sale or a part. */
  amount: number;
  currency: string;
  batch: number;
  card: CardRead;
  pinBlock?: Uint8Array;
  ksn: Uint8Array;
  pinCapable?: boolean;
  /** The sale's RRN and date from the receipt; batch and STAN when known (else 0). */
  original: { rrn: string; date: MonthDay; batch?: number; stan?: number };
}

/** Field 63: the batch's totals (voided transactions excluded). */
export interface BatchTotals {
  /** Sales: count 0-999 and amount in minor units. */
  debitCount: number;
  debitAmount: number;
  /** Refunds. */
  creditCount: number;
  creditAmount: number;
}

export interface SettlementInput extends RequestBase {
  currency: string;
  batch: number;
  ksn: Uint8Array;
  totals: BatchTotals;
  /** The second 0500, sent after a batch upload (processing code 960000). */
  afterUpload?: boolean;
}

export interface BatchUploadInput extends TerminalIdentity {
  /** A new STAN for this 0320. */
  stan: number;
  currency: string;
  batch: number;
  ksn: Uint8Array;
  /** The transaction of the batch being uploaded. */
  record: {
    kind: 'sale' | 'refund';
    amount: number;
    stan: number;
    at: LocalDateTime;
    entryMode: EntryMode;
    rrn: string;
    authCode?: string;
    pan?: string;
    pinCapable?: boolean;
  };
}

export type NetworkInput = RequestBase;

// ---------------------------------------------------------------------------------------
// Value checks and formatting

function bad(what: string, detail: string): FieldValueError {
  return new FieldValueError(what, what, detail);
}

function digits(value: number, width: number, what: string, min = 0, max = 10 ** width - 1): string {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw bad(what, `must be a whole number from ${min} to ${max}`);
  }
  return String(value).padStart(width, '0');
}

function padText(value: string, width: number, what: string): string {
  if (typeof value !== 'string' || !/^[\x20-\x7E]*$/.test(value) || value.length === 0 || value.length > width) {
    throw bad(what, `must be 1 to ${width} printable ASCII characters`);
  }
  return value.padEnd(width, ' ');
}

function anExact(value: string, width: number, what: string): string {
  if (typeof value !== 'string' || value.length !== width || !/^[A-Za-z0-9 ]*$/.test(value)) {
    throw bad(what, `must be ${width} letters or digits`);
  }
  return value;
}

function currencyCode(value: string): string {
  if (typeof value !== 'string' || !/^[0-9]{3}$/.test(value)) throw bad('currency', 'must be an ISO 4217 numeric code of 3 digits');
  return value;
}

function ksnBytes(value: Uint8Array): Uint8Array {
  if (!(value instanceof Uint8Array) || (value.length !== 10 && value.length !== 12)) {
    throw bad('ksn', 'must be 10 bytes (TDES DUKPT) or 12 bytes (AES DUKPT)');
  }
  return value;
}

/** Field 12, hhmmss. */
function timeText(at: LocalDateTime, what = 'at'): string {
  return digits(at.hour, 2, `${what}.hour`, 0, 23) + digits(at.minute, 2, `${what}.minute`, 0, 59) + digits(at.second, 2, `${what}.second`, 0, 59);
}

/** Field 13 and the date of field 61, MMDD. */
function dateText(d: MonthDay, what = 'at'): string {
  return digits(d.month, 2, `${what}.month`, 1, 12) + digits(d.day, 2, `${what}.day`, 1, 31);
}

function entryModeText(mode: EntryMode, pinCapable: boolean | undefined): string {
  const code = Object.hasOwn(ENTRY_MODES, mode) ? ENTRY_MODES[mode] : undefined;
  if (code === undefined) throw bad('entryMode', `must be one of ${Object.keys(ENTRY_MODES).join(', ')}`);
  return code + (pinCapable === false ? PIN_CAPABILITY.notCapable : PIN_CAPABILITY.capable);
}

function panText(pan: string, what: string): string {
  if (typeof pan !== 'string' || !/^[0-9]{8,19}$/.test(pan)) throw bad(what, 'must be 8 to 19 digits (ISO/IEC 7812-1)');
  return pan;
}

function rrnText(rrn: string, what: string): string {
  return anExact(rrn, 12, what);
}

/** Card fields 2, 14, 22, 23, 35 and 55, each only when the read produced it. */
function cardFields(card: CardRead, pinCapable: boolean | undefined, fields: IsoMessage['fields']): void {
  fields[2] = panText(card.pan, 'card.pan');
  fields[22] = entryModeText(card.entryMode, pinCapable);
  if (card.expiry !== undefined) {
    if (!/^[0-9]{2}(0[1-9]|1[0-2])$/.test(card.expiry)) throw bad('card.expiry', 'must be YYMM');
    fields[14] = card.expiry;
  }
  if (card.panSequence !== undefined) fields[23] = digits(card.panSequence, 2, 'card.panSequence').padStart(3, '0');
  if (card.track2 !== undefined) {
    const t = card.track2;
    if (typeof t !== 'string' || !/^[0-9]{8,19}=[0-9]*$/.test(t) || t.length > 37) {
      throw bad('card.track2', "must be the PAN, '=', then digits; 37 characters at most");
    }
    if (t.slice(0, t.indexOf('=')) !== card.pan) throw bad('card.track2', 'does not carry the same PAN as card.pan');
    fields[35] = t;
  }
  if (card.icc !== undefined) {
    if (!(card.icc instanceof Uint8Array) || card.icc.length === 0 || card.icc.length > 255) {
      throw bad('card.icc', 'must be 1 to 255 bytes of BER-TLV');
    }
    fields[55] = card.icc;
  }
}

function pinFields(pinBlock: Uint8Array | undefined, fields: IsoMessage['fields']): void {
  if (pinBlock === undefined) return;
  if (!(pinBlock instanceof Uint8Array) || pinBlock.length !== 8) throw bad('pinBlock', 'must be 8 bytes');
  fields[26] = PIN_CAPTURE_CODE;
  fields[52] = pinBlock;
}

function commonFields(input: RequestBase): IsoMessage['fields'] {
  return {
    11: digits(input.stan, 6, 'stan', 1),
    12: timeText(input.at),
    13: dateText(input.at),
    41: padText(input.terminalId, 8, 'terminalId'),
    42: padText(input.merchantId, 15, 'merchantId'),
  };
}

/** Field 61: original batch (6), original STAN (6), original date MMDD (4). */
function originalData(batch: number, stan: number, date: MonthDay): string {
  return digits(batch, 6, 'original.batch') + digits(stan, 6, 'original.stan') + dateText(date, 'original.date');
}

/** The builder's own guard: what it made must fit the presence table (the MAC comes later). */
function checked(message: IsoMessage, kind: MessageKind): IsoMessage {
  const problems = checkPresence(message, kind, { beforeMac: true });
  if (problems.length > 0) throw new FieldValueError(kind, MESSAGE_TYPES[kind].title, problems.join('; '));
  return message;
}

// ---------------------------------------------------------------------------------------
// Builders

/** 0200 sale (processing code 000000). */
export function buildSale(input: SaleInput): IsoMessage {
  const fields = commonFields(input);
  fields[3] = PROCESSING_CODES.sale;
  fields[4] = digits(input.amount, 12, 'amount', 1);
  fields[25] = CONDITION_CODES.normal;
  fields[49] = currencyCode(input.currency);
  fields[53] = ksnBytes(input.ksn);
  fields[60] = digits(input.batch, 6, 'batch', 1);
  cardFields(input.card, input.pinCapable, fields);
  pinFields(input.pinBlock, fields);
  return checked({ mti: '0200', fields }, 'sale');
}

/** 0200 void of a sale of the open batch (processing code 020000). */
export function buildVoid(input: VoidInput): IsoMessage {
  const fields = commonFields(input);
  fields[3] = PROCESSING_CODES.void;
  fields[4] = digits(input.amount, 12, 'amount', 1);
  fields[25] = CONDITION_CODES.normal;
  fields[37] = rrnText(input.original.rrn, 'original.rrn');
  if (input.original.authCode !== undefined) fields[38] = anExact(input.original.authCode, 6, 'original.authCode');
  fields[49] = currencyCode(input.currency);
  fields[53] = ksnBytes(input.ksn);
  fields[60] = digits(input.batch, 6, 'batch', 1);
  fields[61] = originalData(input.original.batch, input.original.stan, input.original.date);
  if (input.card) {
    cardFields(input.card, input.pinCapable, fields);
    // Field 55 is not part of a void: no cryptogram is asked of the card for it.
    delete fields[55];
  } else {
    fields[22] = entryModeText('unknown', input.pinCapable);
  }
  pinFields(input.pinBlock, fields);
  return checked({ mti: '0200', fields }, 'void');
}

/** 0200 refund of a settled sale, full or partial (processing code 200000). */
export function buildRefund(input: RefundInput): IsoMessage {
  const fields = commonFields(input);
  fields[3] = PROCESSING_CODES.refund;
  fields[4] = digits(input.amount, 12, 'amount', 1);
  fields[25] = CONDITION_CODES.normal;
  fields[37] = rrnText(input.original.rrn, 'original.rrn');
  fields[49] = currencyCode(input.currency);
  fields[53] = ksnBytes(input.ksn);
  fields[60] = digits(input.batch, 6, 'batch', 1);
  fields[61] = originalData(input.original.batch ?? 0, input.original.stan ?? 0, input.original.date);
  cardFields(input.card, input.pinCapable, fields);
  pinFields(input.pinBlock, fields);
  return checked({ mti: '0200', fields }, 'refund');
}

/** Fields of the original request a reversal repeats; never 35 (track) or 52 (PIN block). */
export const REVERSAL_KEEPS = [2, 3, 4, 11, 12, 13, 14, 22, 23, 25, 37, 41, 42, 49, 55, 60, 61] as const;

/**
 * 0400 (or 0401, a repeat) reversing a 0200 of any kind. It keeps the original's STAN, so
 * the host finds the original by STAN and terminal ID; it gets a fresh KSN for its MAC.
 */
export function buildReversal(
  original: IsoMessage,
  options: { reason: ReversalReason; repeat?: boolean; ksn: Uint8Array },
): IsoMessage {
  if (original.mti !== '0200') throw bad('original', `must be a 0200 request, not ${String(original.mti)}`);
  const reason = Object.hasOwn(REVERSAL_REASONS, options.reason) ? REVERSAL_REASONS[options.reason] : undefined;
  if (reason === undefined) throw bad('reason', `must be one of ${Object.keys(REVERSAL_REASONS).join(', ')}`);
  const fields: IsoMessage['fields'] = {};
  for (const no of REVERSAL_KEEPS) {
    const v = original.fields[no];
    if (v !== undefined) fields[no] = v;
  }
  fields[39] = reason;
  fields[53] = ksnBytes(options.ksn);
  return checked({ mti: options.repeat ? '0401' : '0400', fields }, 'reversal');
}

/** 0320: one sale or refund of the batch, after a 0510 answered 95. */
export function buildBatchUpload(input: BatchUploadInput): IsoMessage {
  const r = input.record;
  if (r.kind !== 'sale' && r.kind !== 'refund') throw bad('record.kind', "must be 'sale' or 'refund'");
  const fields: IsoMessage['fields'] = {
    3: r.kind === 'refund' ? PROCESSING_CODES.refund : PROCESSING_CODES.sale,
    4: digits(r.amount, 12, 'record.amount', 1),
    11: digits(input.stan, 6, 'stan', 1),
    12: timeText(r.at, 'record.at'),
    13: dateText(r.at, 'record.at'),
    22: entryModeText(r.entryMode, r.pinCapable),
    37: rrnText(r.rrn, 'record.rrn'),
    41: padText(input.terminalId, 8, 'terminalId'),
    42: padText(input.merchantId, 15, 'merchantId'),
    49: currencyCode(input.currency),
    53: ksnBytes(input.ksn),
    60: digits(input.batch, 6, 'batch', 1),
    61: originalData(input.batch, r.stan, r.at),
  };
  if (r.authCode !== undefined) fields[38] = anExact(r.authCode, 6, 'record.authCode');
  if (r.pan !== undefined) fields[2] = panText(r.pan, 'record.pan');
  return checked({ mti: '0320', fields }, 'batch-upload');
}

/** Field 63 text: debit count n3, debit amount n12, credit count n3, credit amount n12. */
export function encodeTotals(t: BatchTotals): string {
  return (
    digits(t.debitCount, 3, 'totals.debitCount') +
    digits(t.debitAmount, 12, 'totals.debitAmount') +
    digits(t.creditCount, 3, 'totals.creditCount') +
    digits(t.creditAmount, 12, 'totals.creditAmount')
  );
}

/** 0500 settlement (920000; 960000 after a batch upload). */
export function buildSettlement(input: SettlementInput): IsoMessage {
  const fields = commonFields(input);
  fields[3] = input.afterUpload ? PROCESSING_CODES.settlementAfterUpload : PROCESSING_CODES.settlement;
  fields[49] = currencyCode(input.currency);
  fields[53] = ksnBytes(input.ksn);
  fields[60] = digits(input.batch, 6, 'batch', 1);
  fields[63] = encodeTotals(input.totals);
  return checked({ mti: '0500', fields }, 'settlement');
}

/** 0800 sign-on (field 70 = 001). Not MACed: see docs/host-spec.md section 6.11. */
export function buildSignOn(input: NetworkInput): IsoMessage {
  return checked({ mti: '0800', fields: { ...commonFields(input), 70: NETWORK_CODES.signOn } }, 'sign-on');
}

/** 0800 echo test (field 70 = 301). */
export function buildEcho(input: NetworkInput): IsoMessage {
  return checked({ mti: '0800', fields: { ...commonFields(input), 70: NETWORK_CODES.echo } }, 'echo');
}

/** The STAN after `stan`: 999999 wraps to 000001 (000000 is never used). */
export function nextStan(stan: number): number {
  return stan >= 999999 ? 1 : stan + 1;
}

// ---------------------------------------------------------------------------------------
// The presence table

/** Problems of a message against the presence table of `kind`; empty when it fits. */
export function checkPresence(message: IsoMessage, kind: MessageKind, options: { beforeMac?: boolean } = {}): string[] {
  const spec = MESSAGE_TYPES[kind];
  const problems: string[] = [];
  if (!spec.mtis.includes(message.mti)) problems.push(`MTI ${message.mti} is not ${spec.mtis.join(' or ')}`);
  for (const [key, presence] of Object.entries(spec.fields)) {
    const no = Number(key);
    if (presence !== 'M' || message.fields[no] !== undefined) continue;
    if (options.beforeMac && (no === 64 || no === 128)) continue;
    problems.push(`field ${no} is mandatory`);
  }
  for (const key of Object.keys(message.fields)) {
    if (spec.fields[Number(key)] === undefined) problems.push(`field ${key} is not part of this message`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// MAC

function macFieldOf(fields: IsoMessage['fields'], table: FieldTable): 64 | 128 {
  const no = Object.keys(fields).some((k) => Number(k) > 64) ? 128 : 64;
  const spec = table[no];
  if (!spec || spec.format !== 'b' || spec.lengthType !== 'fixed' || spec.length !== 8) {
    throw bad(`field ${no}`, 'the table does not define it as the 8-byte MAC');
  }
  return no;
}

/**
 * Packs `message` with its MAC: field 64, or 128 when the message has a secondary bitmap
 * (ISO 8583:1987). The MAC input is every byte from the MTI up to the MAC field, with the
 * bitmap already naming the MAC field.
 */
export function packWithMac(message: IsoMessage, mac: MacFn, table: FieldTable = HOST_FIELDS): Uint8Array {
  const fields = { ...message.fields };
  delete fields[64];
  delete fields[128];
  const no = macFieldOf(fields, table);
  fields[no] = new Uint8Array(8);
  const bytes = pack({ mti: message.mti, fields }, table);
  const end = bytes.length - 8;
  const code = mac(bytes.slice(0, end));
  if (!(code instanceof Uint8Array) || code.length !== 8) {
    throw bad(`field ${no}`, `the MAC function returned ${code?.length} bytes; the field holds 8`);
  }
  bytes.set(code, end);
  return bytes;
}

/**
 * Unpacks a response; with `mac`, also checks its MAC (bound to the MAC response key).
 * Garbled bytes throw MessageFormatError; a missing or wrong MAC throws MacMismatchError.
 * Either way the terminal treats it as no response.
 */
export function openResponse(bytes: Uint8Array, mac?: MacFn, table: FieldTable = HOST_FIELDS): IsoMessage {
  const { message, layout } = unpackWithLayout(bytes, table);
  if (!mac) return message;
  const no = Object.keys(message.fields).some((k) => Number(k) > 64) ? 128 : 64;
  const at = layout.get(no);
  const got = message.fields[no];
  if (!at || !(got instanceof Uint8Array)) throw new MacMismatchError(`field ${no} is missing`);
  const want = mac(bytes.slice(0, at.start));
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw new MacMismatchError('does not verify');
  return message;
}

// ---------------------------------------------------------------------------------------
// Matching

export type MatchResult =
  | { kind: 'match' }
  /** Not the answer to this request (another MTI, STAN or terminal): ignore it, keep waiting. */
  | { kind: 'foreign'; why: string }
  /** The answer to this request by STAN and terminal ID, but it disagrees with it: reverse. */
  | { kind: 'inconsistent'; why: string };

/** The response MTI of a request MTI: 0200 -> 0210, 0401 -> 0410 (ISO 8583:1987 4.1.1). */
export function responseMti(requestMti: string): string {
  return `${requestMti.slice(0, 2)}${Number(requestMti[2]) + 1}0`;
}

/** Whether `response` answers `request` (docs/host-spec.md section 7). */
export function checkResponse(request: IsoMessage, response: IsoMessage): MatchResult {
  const want = responseMti(request.mti);
  if (response.mti !== want) return { kind: 'foreign', why: `MTI ${response.mti}, expected ${want}` };
  if (response.fields[11] !== request.fields[11]) return { kind: 'foreign', why: 'another STAN (field 11)' };
  if (response.fields[41] !== request.fields[41]) return { kind: 'foreign', why: 'another terminal ID (field 41)' };
  for (const no of [3, 4, 60, 70]) {
    const a = request.fields[no];
    const b = response.fields[no];
    if (a !== undefined && b !== undefined && a !== b) {
      return { kind: 'inconsistent', why: `field ${no} differs from the request` };
    }
  }
  return { kind: 'match' };
}

// ---------------------------------------------------------------------------------------
// Readers

function formatError(message: IsoMessage, no: number, detail: string, code: 'ISO_MISSING_FIELD' | 'ISO_BAD_VALUE' = 'ISO_BAD_VALUE'): MessageFormatError {
  const name = HOST_FIELDS[no]?.name;
  return new MessageFormatError(code, no, `${message.mti} field ${no}${name ? ` (${name})` : ''}`, null, detail);
}

/**
 * Throws unless the response has its MTI and every mandatory field of `kind`. The MAC
 * field is openResponse's business, so a reader takes a message with or without it.
 */
function requireShape(message: IsoMessage, kind: MessageKind): void {
  const spec = MESSAGE_TYPES[kind];
  if (!spec.mtis.includes(message.mti)) {
    throw new MessageFormatError('ISO_BAD_VALUE', 'MTI', 'MTI', null, `${message.mti} is not ${spec.mtis.join(' or ')}`);
  }
  for (const [key, presence] of Object.entries(spec.fields)) {
    if (key === '64' || key === '128') continue;
    if (presence === 'M' && message.fields[Number(key)] === undefined) {
      throw formatError(message, Number(key), 'is missing', 'ISO_MISSING_FIELD');
    }
  }
}

function text(message: IsoMessage, no: number): string | undefined {
  const v = message.fields[no];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw formatError(message, no, 'must be text');
  return v;
}

function mustText(message: IsoMessage, no: number): string {
  const v = text(message, no);
  if (v === undefined) throw formatError(message, no, 'is missing', 'ISO_MISSING_FIELD');
  return v;
}

export interface ResponseOutcome {
  responseCode: string;
  action: ResponseAction;
  /** Words for the screen and receipt. */
  text: string;
}

/** What the terminal does with a field 39 code; a code not in the table is a decline. */
export function responseOutcome(code: string): ResponseOutcome {
  const known = Object.hasOwn(RESPONSE_CODES, code) ? RESPONSE_CODES[code] : undefined;
  if (known) return { responseCode: code, action: known.action, text: known.text };
  return { responseCode: code, action: 'decline', text: `Declined (code ${code})` };
}

interface ResponseBase {
  stan: number;
  terminalId: string;
  responseCode: string;
}

function base(message: IsoMessage): ResponseBase {
  return {
    stan: Number(mustText(message, 11)),
    terminalId: mustText(message, 41).trimEnd(),
    responseCode: mustText(message, 39),
  };
}

export interface FinancialResult extends ResponseBase, ResponseOutcome {
  approved: boolean;
  processingCode: string;
  amount: number;
  authCode?: string;
  rrn?: string;
  /** MMDD, field 15. */
  settlementDate?: string;
  /** Issuer data for the card (tags 91, 71, 72), field 55. */
  iccData?: Uint8Array;
  /** The host's own words, field 44. */
  hostText?: string;
}

/** Reads a 0210. An approval without an approval code (38) or RRN (37) is malformed. */
export function readFinancialResponse(message: IsoMessage): FinancialResult {
  requireShape(message, 'financial-response');
  const b = base(message);
  const outcome = responseOutcome(b.responseCode);
  const approved = outcome.action === 'approve';
  const result: FinancialResult = {
    ...b,
    ...outcome,
    approved,
    processingCode: mustText(message, 3),
    amount: Number(mustText(message, 4)),
  };
  const authCode = text(message, 38);
  const rrn = text(message, 37);
  if (approved && authCode === undefined) throw formatError(message, 38, 'is missing from an approval', 'ISO_MISSING_FIELD');
  if (approved && rrn === undefined) throw formatError(message, 37, 'is missing from an approval', 'ISO_MISSING_FIELD');
  if (authCode !== undefined) result.authCode = authCode.trimEnd();
  if (rrn !== undefined) result.rrn = rrn;
  const settlementDate = text(message, 15);
  if (settlementDate !== undefined) result.settlementDate = settlementDate;
  const hostText = text(message, 44);
  if (hostText !== undefined) result.hostText = hostText;
  const icc = message.fields[55];
  if (icc instanceof Uint8Array) result.iccData = icc;
  return result;
}

export interface ReversalResult extends ResponseBase {
  /**
   * reversed (00), not-found (25: the host never had it), already (94: reversed before):
   * the reversal is done. retry (91, 96): send a 0401 later. refused: any other code; done,
   * but the operator must reconcile it by hand.
   */
  outcome: 'reversed' | 'not-found' | 'already' | 'retry' | 'refused';
}

/** Reads a 0410. */
export function readReversalResponse(message: IsoMessage): ReversalResult {
  requireShape(message, 'reversal-response');
  const b = base(message);
  const outcomes: Record<string, ReversalResult['outcome']> = { '00': 'reversed', '25': 'not-found', '94': 'already', '91': 'retry', '96': 'retry' };
  return { ...b, outcome: outcomes[b.responseCode] ?? 'refused' };
}

export interface BatchUploadResult extends ResponseBase {
  accepted: boolean;
}

/** Reads a 0330. */
export function readBatchUploadResponse(message: IsoMessage): BatchUploadResult {
  requireShape(message, 'batch-upload-response');
  const b = base(message);
  return { ...b, accepted: b.responseCode === '00' };
}

/** Field 63 (or another totals field) of a message back into totals. */
export function decodeTotals(message: IsoMessage, no = 63): BatchTotals {
  const t = mustText(message, no);
  if (!/^[0-9]{30}$/.test(t)) throw formatError(message, no, `must be 30 digits, has ${t.length}`);
  return {
    debitCount: Number(t.slice(0, 3)),
    debitAmount: Number(t.slice(3, 15)),
    creditCount: Number(t.slice(15, 18)),
    creditAmount: Number(t.slice(18, 30)),
  };
}

export interface SettlementResult extends ResponseBase {
  batch: number;
  /** balanced (00): the batch is closed. upload (95): send every transaction as a 0320, then a 0500 with 960000. */
  outcome: 'balanced' | 'upload' | 'failed';
  /** The host's totals, when it sent them (with 95). */
  hostTotals?: BatchTotals;
}

/** Reads a 0510. */
export function readSettlementResponse(message: IsoMessage): SettlementResult {
  requireShape(message, 'settlement-response');
  const b = base(message);
  const outcome = b.responseCode === '00' ? 'balanced' : b.responseCode === '95' ? 'upload' : 'failed';
  const result: SettlementResult = { ...b, batch: Number(mustText(message, 60)), outcome };
  if (message.fields[63] !== undefined) result.hostTotals = decodeTotals(message);
  return result;
}

export interface HostDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface NetworkResult extends ResponseBase {
  kind: 'sign-on' | 'echo';
  ok: boolean;
  /** Field 62 of a sign-on response: the host's clock, for a terminal with no RTC. */
  hostTime?: HostDateTime;
}

/** Reads a 0810 of a sign-on or an echo test (told apart by field 70). */
export function readNetworkResponse(message: IsoMessage): NetworkResult {
  const code = text(message, 70);
  const kind = code === NETWORK_CODES.signOn ? 'sign-on' : code === NETWORK_CODES.echo ? 'echo' : undefined;
  if (!kind) throw formatError(message, 70, `must be ${NETWORK_CODES.signOn} or ${NETWORK_CODES.echo}`);
  requireShape(message, kind === 'sign-on' ? 'sign-on-response' : 'echo-response');
  const b = base(message);
  const result: NetworkResult = { ...b, kind, ok: b.responseCode === '00' };
  const t = text(message, 62);
  if (t !== undefined) result.hostTime = hostDateTime(message, t);
  return result;
}

/** Field 62, YYYYMMDDhhmmss. */
function hostDateTime(message: IsoMessage, t: string): HostDateTime {
  const parts = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$/.exec(t)?.slice(1).map(Number);
  const [year = 0, month = 0, day = 0, hour = 99, minute = 99, second = 99] = parts ?? [];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    throw formatError(message, 62, 'must be a date and time YYYYMMDDhhmmss');
  }
  return { year, month, day, hour, minute, second };
}
