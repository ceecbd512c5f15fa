/**
 * Command and response APDUs (ISO/IEC 7816-4:2005 5.1, short length fields only, as EMV
 * uses them), the EMV commands a terminal sends (EMV 4.4 Book 1 11.3, Book 3 6.5), and the
 * transport helper that follows a card's 61xx and 6Cxx procedure answers.
 */
import { concat } from '../bytes.js';
import { ValidationError, abortReason } from '../errors.js';
import { toHex } from '../hex.js';
import { CardError } from './errors.js';
import { encodeTlv } from './tlv.js';

/** A short command APDU. `le` is the number of bytes expected, 1-256 (256 is written 00). */
export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  le?: number;
}

/** A response APDU split into its data and the two status bytes. */
export interface ResponseApdu {
  data: Uint8Array;
  sw1: number;
  sw2: number;
  /** SW1 * 256 + SW2: 0x9000. */
  sw: number;
}

/** The Le that asks for everything the card has: '00' in a short APDU. */
export const LE_ANY = 256;

/** ISO/IEC 7816-3:2006 12.1.3: case 1 no data either way, 2 data out, 3 data in, 4 both. */
export function apduCase(c: CommandApdu): 1 | 2 | 3 | 4 {
  const hasData = c.data !== undefined && c.data.length > 0;
  const hasLe = c.le !== undefined;
  if (hasData) return hasLe ? 4 : 3;
  return hasLe ? 2 : 1;
}

/** The bytes of a short command APDU: CLA INS P1 P2 [Lc data] [Le]. */
export function encodeCommand(c: CommandApdu): Uint8Array {
  for (const [name, v] of [['CLA', c.cla], ['INS', c.ins], ['P1', c.p1], ['P2', c.p2]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new ValidationError(`APDU ${name} ${v} is not a byte`);
  }
  const data = c.data ?? new Uint8Array(0);
  if (data.length > 255) throw new ValidationError(`APDU data of ${data.length} bytes does not fit a short Lc (255 at most)`);
  if (c.le !== undefined && (!Number.isInteger(c.le) || c.le < 1 || c.le > 256)) {
    throw new ValidationError(`APDU Le ${c.le} is not 1-256`);
  }
  const out: number[] = [c.cla, c.ins, c.p1, c.p2];
  if (data.length > 0) out.push(data.length, ...data);
  if (c.le !== undefined) out.push(c.le & 0xff);
  return Uint8Array.from(out);
}

/** Reads a short command APDU back by the rules of ISO/IEC 7816-3:2006 12.1.3. */
export function parseCommand(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) throw new ValidationError(`command APDU of ${bytes.length} bytes: at least CLA INS P1 P2 are needed`);
  const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (bytes.length === 4) return { cla, ins, p1, p2 };
  const b5 = bytes[4]!;
  if (bytes.length === 5) return { cla, ins, p1, p2, le: b5 === 0 ? 256 : b5 };
  if (b5 === 0) throw new ValidationError('command APDU: extended lengths are not supported (Lc = 00)');
  const data = bytes.slice(5, 5 + b5);
  if (bytes.length === 5 + b5) return { cla, ins, p1, p2, data };
  if (bytes.length === 6 + b5) {
    const le = bytes[5 + b5]!;
    return { cla, ins, p1, p2, data, le: le === 0 ? 256 : le };
  }
  throw new ValidationError(`command APDU: Lc ${b5} does not match its ${bytes.length} bytes`);
}

/** Splits a response into data and SW1 SW2; a response needs at least the two status bytes. */
export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) {
    throw new CardError('APDU_RESPONSE_TOO_SHORT', `the card answered ${bytes.length} byte(s); a response ends with SW1 SW2`);
  }
  const sw1 = bytes[bytes.length - 2]!;
  const sw2 = bytes[bytes.length - 1]!;
  return { data: bytes.subarray(0, bytes.length - 2), sw1, sw2, sw: sw1 * 256 + sw2 };
}

function byteIn(v: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new ValidationError(`${what} ${v} is not ${min}-${max}`);
  return v;
}

/** SELECT by DF name, EMV 4.4 Book 1 11.3.2: P1 04; P2 00 first or only, 02 next occurrence. */
export function selectByName(name: Uint8Array, occurrence: 'first' | 'next' = 'first'): CommandApdu {
  // Book 1 11.3.2 Table 40: Lc '05' to '10' (an AID is 5 to 16 bytes).
  if (name.length < 5 || name.length > 16) throw new ValidationError(`SELECT: a DF name is 5 to 16 bytes, not ${name.length}`);
  return { cla: 0x00, ins: 0xa4, p1: 0x04, p2: occurrence === 'first' ? 0x00 : 0x02, data: name, le: LE_ANY };
}

/** GET PROCESSING OPTIONS, Book 3 6.5.8: the PDOL data inside the Command Template '83'. */
export function getProcessingOptions(pdolData: Uint8Array = new Uint8Array(0)): CommandApdu {
  const data = encodeTlv([{ tag: 0x83, value: pdolData }]);
  if (data.length > 255) throw new ValidationError(`GET PROCESSING OPTIONS: PDOL data of ${pdolData.length} bytes is too long`);
  return { cla: 0x80, ins: 0xa8, p1: 0x00, p2: 0x00, data, le: LE_ANY };
}

/** READ RECORD, Book 3 6.5.11: P1 the record number, P2 the SFI in b8-b4 with b3-b1 = 100. */
export function readRecord(sfi: number, record: number): CommandApdu {
  byteIn(sfi, 1, 30, 'READ RECORD: SFI');
  byteIn(record, 1, 254, 'READ RECORD: record number');
  return { cla: 0x00, ins: 0xb2, p1: record, p2: (sfi << 3) | 0x04, le: LE_ANY };
}

/** GET DATA, Book 3 6.5.7: P1 P2 the tag (9F36 ATC, 9F13, 9F17 PIN Try Counter, 9F4F). */
export function getData(tag: number): CommandApdu {
  byteIn(tag, 1, 0xffff, 'GET DATA: tag');
  return { cla: 0x80, ins: 0xca, p1: tag >> 8, p2: tag & 0xff, le: LE_ANY };
}

export type CryptogramType = 'AAC' | 'TC' | 'ARQC';

/**
 * GENERATE AC, Book 3 6.5.5.2 Table 12, the reference control parameter P1: b8-b7 the
 * cryptogram asked for (00 AAC, 01 TC, 10 ARQC), b5 set when a CDA signature is requested.
 */
export function generateAc(type: CryptogramType, cdolData: Uint8Array, options: { cda?: boolean } = {}): CommandApdu {
  const kind = type === 'AAC' ? 0x00 : type === 'TC' ? 0x40 : 0x80;
  const p1 = kind | (options.cda ? 0x10 : 0x00);
  return { cla: 0x80, ins: 0xae, p1, p2: 0x00, data: cdolData, le: LE_ANY };
}

/** VERIFY, Book 3 6.5.12: P2 80 plaintext PIN block, 88 enciphered PIN. Case 3: no Le. */
export function verify(pinData: Uint8Array, qualifier: 'plaintext' | 'enciphered'): CommandApdu {
  if (pinData.length === 0) throw new ValidationError('VERIFY: the PIN data is empty');
  return { cla: 0x00, ins: 0x20, p1: 0x00, p2: qualifier === 'plaintext' ? 0x80 : 0x88, data: pinData };
}

/** INTERNAL AUTHENTICATE, Book 3 6.5.9: the DDOL data for DDA. */
export function internalAuthenticate(ddolData: Uint8Array): CommandApdu {
  if (ddolData.length === 0) throw new ValidationError('INTERNAL AUTHENTICATE: the DDOL data is empty');
  return { cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x00, data: ddolData, le: LE_ANY };
}

/**
 * EXTERNAL AUTHENTICATE, Book 3 6.5.4: the Issuer Authentication Data (91) for the card to
 * check the issuer's ARPC. Case 3: no Le; the card answers 9000 or 6300.
 */
export function externalAuthenticate(issuerAuthenticationData: Uint8Array): CommandApdu {
  if (issuerAuthenticationData.length < 8 || issuerAuthenticationData.length > 16) {
    throw new ValidationError(`EXTERNAL AUTHENTICATE: Issuer Authentication Data is 8 to 16 bytes, not ${issuerAuthenticationData.length}`);
  }
  return { cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data: issuerAuthenticationData };
}

/** GET CHALLENGE, Book 3 6.5.6: 8 random bytes for the enciphered offline PIN. */
export function getChallenge(): CommandApdu {
  return { cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, le: LE_ANY };
}

/** GET RESPONSE, ISO/IEC 7816-4:2005 7.6.1: fetches the bytes a 61xx announced. */
export function getResponse(le: number): CommandApdu {
  return { cla: 0x00, ins: 0xc0, p1: 0x00, p2: 0x00, le };
}

/** The reader: one command out, one response back (an ISO-DEP exchange, a T=0 APDU). */
export type Send = (apdu: Uint8Array) => Promise<Uint8Array>;

export interface TransceiveOptions {
  /** Most GET RESPONSE or resend exchanges after the first; a card may not loop us forever. */
  maxExchanges?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_EXCHANGES = 32;

/**
 * Sends a command and follows the card's procedure answers to its complete response:
 * - 61xx: xx more bytes wait; fetch them with GET RESPONSE (Le = xx) and add them to what
 *   came so far, again as long as the card says 61xx;
 * - 6Cxx: the Le was wrong; send the same command again with Le = xx. A command that
 *   expected no data (case 1 or 3) gets the 6Cxx back instead: adding an Le would change it.
 * This is the T=0 case 2 and 4 handling of EMV 4.3 Book 1 9.3.1 (in EMV 4.4 moved to the EMV
 * Contact Interface Specification, with the same examples in Annex A) and ISO/IEC 7816-3:2006
 * 12.2; PC/SC and contactless readers pass the same answers through, so it runs for all.
 */
export async function transceive(send: Send, apdu: Uint8Array | CommandApdu, options: TransceiveOptions = {}): Promise<ResponseApdu> {
  const first = apdu instanceof Uint8Array ? parseCommand(apdu) : apdu;
  const max = options.maxExchanges ?? DEFAULT_MAX_EXCHANGES;
  const parts: Uint8Array[] = [];
  let command = first;
  for (let exchange = 0; ; exchange++) {
    if (exchange > max) {
      throw new CardError(
        'APDU_TOO_MANY_EXCHANGES',
        `INS ${toHex(Uint8Array.of(first.ins))}: the card still asked for more after ${max} GET RESPONSE or resend exchanges`,
      );
    }
    if (options.signal?.aborted) throw abortReason(options.signal);
    const r = parseResponse(await send(encodeCommand(command)));
    if (r.sw1 === 0x61) {
      parts.push(r.data);
      command = getResponse(r.sw2 === 0 ? 256 : r.sw2);
      continue;
    }
    if (r.sw1 === 0x6c && command.le !== undefined) {
      command = { ...command, le: r.sw2 === 0 ? 256 : r.sw2 };
      continue;
    }
    parts.push(r.data);
    return { data: concat(...parts), sw1: r.sw1, sw2: r.sw2, sw: r.sw };
  }
}

