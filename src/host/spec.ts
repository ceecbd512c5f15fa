/**
 * The terminal's ISO 8583:1987 host specification as data: docs/host-spec.md in tables.
 * The packer (iso8583.ts) knows nothing of any field; everything it does comes from a
 * FieldTable. Message builders and readers (messages.ts) take their codes from here.
 *
 * Lengths count digits for n and z, characters for an and ans, and bytes for b (ISO
 * 8583:1987 writes b fields in bits: "b 64" is 8 bytes here).
 */
import { ValidationError } from '../errors.js';

/** ISO 8583:1987 section 4.2 data element formats (z: track 2 and 3 code set). */
export type FieldFormat = 'n' | 'an' | 'ans' | 'z' | 'b';
/** Fixed, or variable with a 2- or 3-digit length prefix (ISO 8583:1987 section 4.2: LL, LLL). */
export type LengthType = 'fixed' | 'llvar' | 'lllvar';
/** How the value's bytes are written: packed BCD, one ASCII byte a character, or raw bytes. */
export type Encoding = 'bcd' | 'ascii' | 'binary';

export interface FieldSpec {
  readonly name: string;
  readonly format: FieldFormat;
  readonly lengthType: LengthType;
  /** The length of a fixed field; the maximum of a variable one. */
  readonly length: number;
  readonly encoding: Encoding;
}

/** Field number (2-128) to its definition. Field 1 is the secondary bitmap, never a value. */
export type FieldTable = Readonly<Record<number, FieldSpec>>;

const ENCODINGS: Readonly<Record<FieldFormat, readonly Encoding[]>> = {
  n: ['bcd', 'ascii'],
  z: ['bcd'],
  an: ['ascii'],
  ans: ['ascii'],
  b: ['binary'],
};

/**
 * Checks a table once and freezes it, so the packer can trust every entry. Variant tables
 * (a sample from another acquirer's specification) are made with this too.
 */
export function defineFields(entries: Record<number, FieldSpec>): FieldTable {
  const table: Record<number, FieldSpec> = {};
  for (const [key, spec] of Object.entries(entries)) {
    const no = Number(key);
    const where = `field ${key} (${spec.name})`;
    if (!Number.isInteger(no) || no < 2 || no > 128 || no === 65) {
      throw new ValidationError(`${where}: a field number is 2-128; 1 and 65 are bitmaps`);
    }
    if (!ENCODINGS[spec.format]?.includes(spec.encoding)) {
      throw new ValidationError(`${where}: format ${spec.format} cannot be encoded as ${spec.encoding}`);
    }
    const cap = spec.lengthType === 'llvar' ? 99 : spec.lengthType === 'lllvar' ? 999 : Infinity;
    if (!Number.isInteger(spec.length) || spec.length < 1 || spec.length > cap) {
      throw new ValidationError(`${where}: length ${spec.length} does not fit a ${spec.lengthType} field`);
    }
    table[no] = Object.freeze({ ...spec });
  }
  return Object.freeze(table);
}

/** The fields this terminal and its acquirer exchange (docs/host-spec.md section 5). */
export const HOST_FIELDS: FieldTable = defineFields({
  // ISO 8583:1987 field 2. Left-justified BCD; an odd digit count ends in a 0 pad nibble.
  2: { name: 'Primary account number', format: 'n', lengthType: 'llvar', length: 19, encoding: 'bcd' },
  // Field 3: tt (transaction type) aa (from account) bb (to account); see PROCESSING_CODES.
  3: { name: 'Processing code', format: 'n', lengthType: 'fixed', length: 6, encoding: 'bcd' },
  // Field 4: integer minor units of the currency in field 49.
  4: { name: 'Amount, transaction', format: 'n', lengthType: 'fixed', length: 12, encoding: 'bcd' },
  // Field 11: 000001-999999, new for every request but a reversal (which repeats the original's).
  11: { name: 'Systems trace audit number', format: 'n', lengthType: 'fixed', length: 6, encoding: 'bcd' },
  // Field 12: hhmmss, the terminal's local time when the request was built.
  12: { name: 'Time, local transaction', format: 'n', lengthType: 'fixed', length: 6, encoding: 'bcd' },
  // Field 13: MMDD, the terminal's local date.
  13: { name: 'Date, local transaction', format: 'n', lengthType: 'fixed', length: 4, encoding: 'bcd' },
  // Field 14: YYMM, from the chip (tag 5F24) or the track.
  14: { name: 'Date, expiration', format: 'n', lengthType: 'fixed', length: 4, encoding: 'bcd' },
  // Field 15: MMDD, the host's business day; informative.
  15: { name: 'Date, settlement', format: 'n', lengthType: 'fixed', length: 4, encoding: 'bcd' },
  // Field 22: PAN entry mode (2 digits) + PIN entry capability (1 digit); see ENTRY_MODES.
  22: { name: 'Point of service entry mode', format: 'n', lengthType: 'fixed', length: 3, encoding: 'bcd' },
  // Field 23: the PAN sequence number of the chip (tag 5F34), right-justified.
  23: { name: 'Card sequence number', format: 'n', lengthType: 'fixed', length: 3, encoding: 'bcd' },
  // Field 25: see CONDITION_CODES.
  25: { name: 'Point of service condition code', format: 'n', lengthType: 'fixed', length: 2, encoding: 'bcd' },
  // Field 26: the most PIN digits the keypad accepts; sent with field 52.
  26: { name: 'Point of service PIN capture code', format: 'n', lengthType: 'fixed', length: 2, encoding: 'bcd' },
  // Field 32: informative, in responses only.
  32: { name: 'Acquiring institution identification code', format: 'n', lengthType: 'llvar', length: 11, encoding: 'bcd' },
  // Field 35: track 2 or the chip's Track 2 Equivalent Data (tag 57); '=' is the nibble D.
  35: { name: 'Track 2 data', format: 'z', lengthType: 'llvar', length: 37, encoding: 'bcd' },
  // Field 37: assigned by the host; the key of voids and refunds.
  37: { name: 'Retrieval reference number', format: 'an', lengthType: 'fixed', length: 12, encoding: 'ascii' },
  // Field 38: the issuer's approval code.
  38: { name: 'Authorization identification response', format: 'an', lengthType: 'fixed', length: 6, encoding: 'ascii' },
  // Field 39: see RESPONSE_CODES; in a 0400/0401, the reason for the reversal.
  39: { name: 'Response code', format: 'an', lengthType: 'fixed', length: 2, encoding: 'ascii' },
  // Field 41: left-justified, space-filled.
  41: { name: 'Card acceptor terminal identification', format: 'ans', lengthType: 'fixed', length: 8, encoding: 'ascii' },
  // Field 42: left-justified, space-filled.
  42: { name: 'Card acceptor identification code', format: 'ans', lengthType: 'fixed', length: 15, encoding: 'ascii' },
  // Field 44: ISO 8583:1987 has an..25; ans here so a decline text may carry punctuation.
  44: { name: 'Additional response data', format: 'ans', lengthType: 'llvar', length: 25, encoding: 'ascii' },
  // Field 49: ISO 4217 numeric code.
  49: { name: 'Currency code, transaction', format: 'n', lengthType: 'fixed', length: 3, encoding: 'bcd' },
  // Field 52: the ISO 9564 PIN block encrypted under the DUKPT PIN key.
  52: { name: 'Personal identification number data', format: 'b', lengthType: 'fixed', length: 8, encoding: 'binary' },
  // Field 53: ISO 8583:1987 has n16; here the DUKPT KSN, 10 bytes (X9.24-1) or 12 (X9.24-3 AES).
  53: { name: 'Security related control information', format: 'b', lengthType: 'llvar', length: 12, encoding: 'binary' },
  // Field 55: reserved in 1987; used for EMV data as ISO 8583:1993 and EMV Book 4 annex do.
  55: { name: 'ICC system related data', format: 'b', lengthType: 'lllvar', length: 255, encoding: 'binary' },
  // Fields 60-63: ISO 8583:1987 reserves them for private use (LLLVAR); typed n here.
  60: { name: 'Batch number', format: 'n', lengthType: 'lllvar', length: 6, encoding: 'bcd' },
  61: { name: 'Original transaction data', format: 'n', lengthType: 'lllvar', length: 16, encoding: 'bcd' },
  62: { name: 'Host date and time', format: 'n', lengthType: 'lllvar', length: 14, encoding: 'bcd' },
  63: { name: 'Settlement totals', format: 'n', lengthType: 'lllvar', length: 30, encoding: 'bcd' },
  // Field 64: the MAC when the message has no secondary bitmap.
  64: { name: 'Message authentication code', format: 'b', lengthType: 'fixed', length: 8, encoding: 'binary' },
  // Field 70: see NETWORK_CODES.
  70: { name: 'Network management information code', format: 'n', lengthType: 'fixed', length: 3, encoding: 'bcd' },
  // Field 128: the MAC when the message has a secondary bitmap (ISO 8583:1987 field 128).
  128: { name: 'Message authentication code', format: 'b', lengthType: 'fixed', length: 8, encoding: 'binary' },
});

/** Field 3 values (ISO 8583:1987 annex A: 00 goods and services, 02 debit adjustment, 20 returns). */
export const PROCESSING_CODES = Object.freeze({
  sale: '000000',
  void: '020000',
  refund: '200000',
  settlement: '920000',
  settlementAfterUpload: '960000',
} as const);

/** Field 22 positions 1-2: how the PAN was read. */
export const ENTRY_MODES = Object.freeze({
  /** No card was read (a void from the journal). */
  unknown: '00',
  manual: '01',
  'contact-chip': '05',
  'contactless-chip': '07',
  /** The chip could not be read and the card was swiped instead. */
  fallback: '80',
  /** The full track 2 was read unaltered from the stripe. */
  magstripe: '90',
  'contactless-magstripe': '91',
} as const);
export type EntryMode = keyof typeof ENTRY_MODES;

/** Field 22 position 3: can this terminal take a PIN. */
export const PIN_CAPABILITY = Object.freeze({ unknown: '0', capable: '1', notCapable: '2' } as const);

/** Field 25: the only condition this terminal sends. */
export const CONDITION_CODES = Object.freeze({ normal: '00' } as const);

/** Field 26: the keypad accepts PINs of 4 to 12 digits. */
export const PIN_CAPTURE_CODE = '12';

/** Field 70 (ISO 8583:1987 practice: 001 sign-on, 002 sign-off, 301 echo test). */
export const NETWORK_CODES = Object.freeze({ signOn: '001', signOff: '002', echo: '301' } as const);

/** Field 39 of a 0400/0401: why the terminal reverses. */
export const REVERSAL_REASONS = Object.freeze({
  /** No response within the response timeout (ISO 8583:1987 68: response received too late). */
  'no-response': '68',
  /** A response came whose MAC did not verify (private code, as A0 below). */
  'bad-mac': 'A0',
  /** A response came that could not be unpacked or did not agree with the request (30: format error). */
  'bad-response': '30',
  /** The terminal could not finish after the request left: power lost, chip declined, card pulled (22: suspected malfunction). */
  'terminal-failure': '22',
  /** The customer cancelled after the request left (17: customer cancellation). */
  cancelled: '17',
} as const);
export type ReversalReason = keyof typeof REVERSAL_REASONS;

/** What the terminal does with a response code to a financial request. */
export type ResponseAction = 'approve' | 'decline' | 'retry' | 'refer';

export interface ResponseCodeSpec {
  /** The meaning in ISO 8583:1987 annex A (A0: private, as in CN acquirer specifications). */
  readonly meaning: string;
  readonly action: ResponseAction;
  /** Words for the screen and the receipt. */
  readonly text: string;
}

/** Field 39 of a 0210 (docs/host-spec.md section 6.8). Any other code is a decline. */
export const RESPONSE_CODES: Readonly<Record<string, ResponseCodeSpec>> = Object.freeze({
  '00': { meaning: 'Approved', action: 'approve', text: 'Approved' },
  '01': { meaning: 'Refer to card issuer', action: 'refer', text: 'Call your card issuer' },
  '03': { meaning: 'Invalid merchant', action: 'decline', text: 'Terminal not registered; call the acquirer' },
  '05': { meaning: 'Do not honour', action: 'decline', text: 'Declined by the card issuer' },
  '12': { meaning: 'Invalid transaction', action: 'decline', text: 'Transaction not allowed' },
  '13': { meaning: 'Invalid amount', action: 'decline', text: 'Invalid amount' },
  '14': { meaning: 'Invalid card number', action: 'decline', text: 'Invalid card number' },
  '19': { meaning: 'Re-enter transaction', action: 'retry', text: 'Please try again' },
  '25': { meaning: 'Unable to locate record', action: 'decline', text: 'Original transaction not found' },
  '30': { meaning: 'Format error', action: 'decline', text: 'Message format error; call the acquirer' },
  '51': { meaning: 'Insufficient funds', action: 'decline', text: 'Insufficient funds' },
  '54': { meaning: 'Expired card', action: 'decline', text: 'Card expired' },
  '55': { meaning: 'Incorrect PIN', action: 'retry', text: 'Wrong PIN; try again' },
  '57': { meaning: 'Transaction not permitted to cardholder', action: 'decline', text: 'Not allowed for this card' },
  '58': { meaning: 'Transaction not permitted to terminal', action: 'decline', text: 'Not allowed on this terminal' },
  '61': { meaning: 'Exceeds withdrawal amount limit', action: 'decline', text: 'Amount over the card limit' },
  '62': { meaning: 'Restricted card', action: 'decline', text: 'Card restricted' },
  '65': { meaning: 'Exceeds withdrawal frequency limit', action: 'retry', text: 'Insert the card and enter the PIN' },
  '75': { meaning: 'Allowable number of PIN tries exceeded', action: 'decline', text: 'PIN tries exceeded' },
  '91': { meaning: 'Issuer or switch inoperative', action: 'retry', text: 'Card issuer unavailable; try later' },
  '94': { meaning: 'Duplicate transmission', action: 'retry', text: 'Duplicate transaction number; try again' },
  '95': { meaning: 'Reconcile error', action: 'decline', text: 'Totals differ; the batch is uploaded' },
  '96': { meaning: 'System malfunction', action: 'retry', text: 'Host system error; try again' },
  A0: { meaning: 'MAC verification failed at the host', action: 'decline', text: 'Security check failed; signing on again' },
} satisfies Record<string, ResponseCodeSpec>);

/** M mandatory, C conditional (docs/host-spec.md section 5.2 says when), O optional. */
export type Presence = 'M' | 'C' | 'O';

export type MessageKind =
  | 'sale'
  | 'void'
  | 'refund'
  | 'financial-response'
  | 'reversal'
  | 'reversal-response'
  | 'batch-upload'
  | 'batch-upload-response'
  | 'settlement'
  | 'settlement-response'
  | 'sign-on'
  | 'sign-on-response'
  | 'echo'
  | 'echo-response';

export interface MessageTypeSpec {
  /** The MTIs this kind is sent with (a reversal: 0400 first, 0401 for every repeat). */
  readonly mtis: readonly string[];
  readonly title: string;
  /** Field number to presence; a field not listed must not be sent. */
  readonly fields: Readonly<Record<number, Presence>>;
}

function kind(mtis: string[], title: string, fields: Record<number, Presence>): MessageTypeSpec {
  return Object.freeze({ mtis: Object.freeze(mtis), title, fields: Object.freeze(fields) });
}

/** The presence table of docs/host-spec.md section 5.2; test/host checks the two agree. */
export const MESSAGE_TYPES: Readonly<Record<MessageKind, MessageTypeSpec>> = Object.freeze({
  sale: kind(['0200'], 'Sale request', {
    2: 'M', 3: 'M', 4: 'M', 11: 'M', 12: 'M', 13: 'M', 14: 'C', 22: 'M', 23: 'C', 25: 'M', 26: 'C',
    35: 'C', 41: 'M', 42: 'M', 49: 'M', 52: 'C', 53: 'M', 55: 'C', 60: 'M', 64: 'M',
  }),
  void: kind(['0200'], 'Void request', {
    2: 'C', 3: 'M', 4: 'M', 11: 'M', 12: 'M', 13: 'M', 14: 'C', 22: 'M', 23: 'C', 25: 'M', 26: 'C',
    35: 'C', 37: 'M', 38: 'C', 41: 'M', 42: 'M', 49: 'M', 52: 'C', 53: 'M', 60: 'M', 61: 'M', 64: 'M',
  }),
  refund: kind(['0200'], 'Refund request', {
    2: 'M', 3: 'M', 4: 'M', 11: 'M', 12: 'M', 13: 'M', 14: 'C', 22: 'M', 23: 'C', 25: 'M', 26: 'C',
    35: 'C', 37: 'M', 41: 'M', 42: 'M', 49: 'M', 52: 'C', 53: 'M', 55: 'C', 60: 'M', 61: 'M', 64: 'M',
  }),
  'financial-response': kind(['0210'], 'Sale, void or refund response', {
    3: 'M', 4: 'M', 11: 'M', 12: 'M', 13: 'M', 15: 'O', 32: 'O', 37: 'C', 38: 'C', 39: 'M', 41: 'M',
    42: 'O', 44: 'O', 49: 'O', 55: 'C', 60: 'O', 64: 'M',
  }),
  reversal: kind(['0400', '0401'], 'Reversal request and repeat', {
    2: 'C', 3: 'M', 4: 'M', 11: 'M', 12: 'M', 13: 'M', 14: 'C', 22: 'M', 23: 'C', 25: 'M', 37: 'C',
    39: 'M', 41: 'M', 42: 'M', 49: 'M', 53: 'M', 55: 'C', 60: 'M', 61: 'C', 64: 'M',
  }),
  'reversal-response': kind(['0410'], 'Reversal response', {
    3: 'M', 4: 'O', 11: 'M', 12: 'O', 13: 'O', 39: 'M', 41: 'M', 64: 'M',
  }),
  'batch-upload': kind(['0320'], 'Batch upload (one transaction of the batch)', {
    2: 'O', 3: 'M', 4: 'M', 11: 'M', 12: 'M', 13: 'M', 22: 'M', 37: 'M', 38: 'C', 41: 'M', 42: 'M',
    49: 'M', 53: 'M', 60: 'M', 61: 'M', 64: 'M',
  }),
  'batch-upload-response': kind(['0330'], 'Batch upload response', {
    3: 'M', 11: 'M', 39: 'M', 41: 'M', 64: 'M',
  }),
  settlement: kind(['0500'], 'Settlement request', {
    3: 'M', 11: 'M', 12: 'M', 13: 'M', 41: 'M', 42: 'M', 49: 'M', 53: 'M', 60: 'M', 63: 'M', 64: 'M',
  }),
  'settlement-response': kind(['0510'], 'Settlement response', {
    3: 'M', 11: 'M', 12: 'O', 13: 'O', 15: 'O', 39: 'M', 41: 'M', 60: 'M', 63: 'C', 64: 'M',
  }),
  'sign-on': kind(['0800'], 'Sign-on request', {
    11: 'M', 12: 'M', 13: 'M', 41: 'M', 42: 'M', 70: 'M',
  }),
  'sign-on-response': kind(['0810'], 'Sign-on response', {
    11: 'M', 12: 'O', 13: 'O', 39: 'M', 41: 'M', 62: 'M', 70: 'M',
  }),
  echo: kind(['0800'], 'Echo test request', {
    11: 'M', 12: 'M', 13: 'M', 41: 'M', 42: 'M', 70: 'M',
  }),
  'echo-response': kind(['0810'], 'Echo test response', {
    11: 'M', 12: 'O', 13: 'O', 39: 'M', 41: 'M', 70: 'M',
  }),
});
