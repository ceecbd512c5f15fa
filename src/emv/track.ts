/**
 * Magnetic stripe tracks 1 and 2 (ISO/IEC 7813, character sets and LRC of ISO/IEC 7811-2)
 * and track 2 equivalent data from a chip (EMV 4.4 Book 3 Annex A1, tag 57). Errors name a
 * position and what was expected, never the characters read: a track is card data, and an
 * error message may end up in a log.
 */
import { TrackError } from './errors.js';

export interface TrackData {
  track: 1 | 2;
  pan: string;
  /** Track 1 only; trailing spaces (ISO/IEC 7813 pads the name field) removed. */
  name?: string;
  /** YYMM. */
  expiry: string;
  serviceCode: string;
  discretionary: string;
}

/** ISO/IEC 7813: a PAN is at most 19 digits; payment cards use 12 or more (ISO/IEC 7812-1). */
const PAN_MIN = 12;
const PAN_MAX = 19;
/** ISO/IEC 7813: track 1 holds at most 79 characters, track 2 at most 40, sentinels and LRC included. */
const TRACK1_MAX = 79;
const TRACK2_MAX = 40;

/** The Luhn (mod 10) check digit test of ISO/IEC 7812-1 Annex B. */
export function luhnValid(pan: string): boolean {
  if (!/^[0-9]{2,}$/.test(pan)) return false;
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = pan.charCodeAt(pan.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function checkPan(pan: string, at: number): void {
  if (pan.length < PAN_MIN || pan.length > PAN_MAX) {
    throw new TrackError('TRACK_PAN_LENGTH', `the PAN has ${pan.length} digits; ${PAN_MIN} to ${PAN_MAX} expected`, at);
  }
  if (!luhnValid(pan)) throw new TrackError('TRACK_LUHN', 'the PAN fails its Luhn check (misread or mistyped)', at);
}

/** YYMM + 3-digit service code at the start of `rest`; returns the discretionary data after. */
function readExpiryAndServiceCode(rest: string, at: number): { expiry: string; serviceCode: string; discretionary: string } {
  const head = rest.slice(0, 7);
  if (!/^[0-9]{7}$/.test(head)) {
    throw new TrackError('TRACK_EXPIRY', 'expected the expiry date YYMM and the 3-digit service code after the separator', at);
  }
  const month = Number(head.slice(2, 4));
  if (month < 1 || month > 12) throw new TrackError('TRACK_EXPIRY', `the expiry month ${head.slice(2, 4)} is not 01-12`, at + 2);
  return { expiry: head.slice(0, 4), serviceCode: head.slice(4, 7), discretionary: rest.slice(7) };
}

/**
 * Splits off the sentinels and checks the LRC when one follows the end sentinel. With a
 * start sentinel the end sentinel must be there too; an LRC needs both (it covers them).
 */
function unwrap(text: string, start: string, track: 1 | 2): { body: string; offset: number } {
  const hasStart = text.startsWith(start);
  const end = text.indexOf('?');
  if (end < 0) {
    if (hasStart) throw new TrackError('TRACK_END_SENTINEL', `track ${track}: the end sentinel '?' is missing`, text.length);
    return { body: text, offset: 0 };
  }
  const after = text.length - end - 1;
  if (after > 1) throw new TrackError('TRACK_TRAILING', `track ${track}: ${after} characters after the end sentinel; at most the LRC may follow`, end + 1);
  if (after === 1) {
    if (!hasStart) throw new TrackError('TRACK_LRC', `track ${track}: an LRC is only checked with the start sentinel present`, end + 1);
    const want = lrc(text.slice(0, end + 1), track);
    if (text[end + 1] !== want) throw new TrackError('TRACK_LRC', `track ${track}: the LRC does not match the data (misread)`, end + 1);
  }
  return { body: text.slice(hasStart ? 1 : 0, end), offset: hasStart ? 1 : 0 };
}

/**
 * The LRC character of ISO/IEC 7811-2: the exclusive OR of every character's data bits from
 * start to end sentinel (6 bits for track 1, counted from ' '; 4 bits for track 2, from '0').
 * The parity bit of the LRC is not part of the character as text.
 */
export function lrc(fromStartToEndSentinel: string, track: 1 | 2): string {
  const base = track === 1 ? 0x20 : 0x30;
  let x = 0;
  for (let i = 0; i < fromStartToEndSentinel.length; i++) x ^= fromStartToEndSentinel.charCodeAt(i) - base;
  return String.fromCharCode(x + base);
}

/** Track 1, ISO/IEC 7813 format B: %B PAN ^ NAME ^ YYMM service-code discretionary ? [LRC]. */
export function parseTrack1(text: string): TrackData {
  if (text.length > TRACK1_MAX) throw new TrackError('TRACK_TOO_LONG', `track 1 has ${text.length} characters; at most ${TRACK1_MAX}`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // ISO/IEC 7811-2: track 1 characters are 6-bit, ' ' (20) to '_' (5F).
    if (c < 0x20 || c > 0x5f) throw new TrackError('TRACK_CHARACTER', 'track 1: a character outside the track 1 set (20-5F)', i);
  }
  const { body, offset } = unwrap(text, '%', 1);
  if (body[0] !== 'B') throw new TrackError('TRACK_FORMAT_CODE', "track 1: format code 'B' expected first", offset);
  const fields = body.slice(1).split('^');
  if (fields.length !== 3) {
    throw new TrackError('TRACK_SEPARATOR', `track 1: expected 2 field separators '^', found ${fields.length - 1}`);
  }
  const [pan, rawName, rest] = fields as [string, string, string];
  const panAt = offset + 1;
  if (!/^[0-9]*$/.test(pan)) throw new TrackError('TRACK_PAN', 'track 1: the PAN holds digits only', panAt);
  checkPan(pan, panAt);
  const nameAt = panAt + pan.length + 1;
  if (rawName.length < 2 || rawName.length > 26) {
    throw new TrackError('TRACK_NAME', `track 1: the name field has ${rawName.length} characters; 2 to 26 expected`, nameAt);
  }
  if (/[%?]/.test(rawName)) throw new TrackError('TRACK_NAME', 'track 1: a sentinel inside the name field', nameAt);
  const restAt = nameAt + rawName.length + 1;
  const fixed = readExpiryAndServiceCode(rest, restAt);
  if (/[%?]/.test(fixed.discretionary)) throw new TrackError('TRACK_CHARACTER', 'track 1: a sentinel inside the discretionary data', restAt + 7);
  return { track: 1, pan, name: rawName.trimEnd(), ...fixed };
}

/** Track 2, ISO/IEC 7813: ;PAN = YYMM service-code discretionary ? [LRC]. */
export function parseTrack2(text: string): TrackData {
  if (text.length > TRACK2_MAX) throw new TrackError('TRACK_TOO_LONG', `track 2 has ${text.length} characters; at most ${TRACK2_MAX}`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // ISO/IEC 7811-2: track 2 characters are 4-bit, '0' (30) to '?' (3F).
    if (c < 0x30 || c > 0x3f) throw new TrackError('TRACK_CHARACTER', 'track 2: a character outside the track 2 set (30-3F)', i);
  }
  const { body, offset } = unwrap(text, ';', 2);
  const sep = body.indexOf('=');
  if (sep < 0) throw new TrackError('TRACK_SEPARATOR', "track 2: the field separator '=' is missing");
  const pan = body.slice(0, sep);
  if (!/^[0-9]*$/.test(pan)) throw new TrackError('TRACK_PAN', 'track 2: the PAN holds digits only', offset);
  checkPan(pan, offset);
  const restAt = offset + sep + 1;
  const fixed = readExpiryAndServiceCode(body.slice(sep + 1), restAt);
  if (!/^[0-9]*$/.test(fixed.discretionary)) {
    throw new TrackError('TRACK_CHARACTER', 'track 2: the discretionary data holds digits only', restAt + 7);
  }
  return { track: 2, pan, ...fixed };
}

/**
 * Track 2 equivalent data (tag 57, and Kernel 2's 9F6B), EMV 4.4 Book 3 Annex A1: the
 * track 2 fields as nibbles, 'D' as the separator, one 'F' at the end to fill the last byte.
 * Positions in errors count nibbles.
 */
export function parseTrack2Equivalent(bytes: Uint8Array): TrackData {
  if (bytes.length === 0 || bytes.length > 19) {
    throw new TrackError('TRACK_LENGTH', `track 2 equivalent data is ${bytes.length} bytes; 1 to 19 expected`);
  }
  let nibbles = '';
  for (const b of bytes) nibbles += b.toString(16).padStart(2, '0').toUpperCase();
  const f = nibbles.indexOf('F');
  if (f >= 0 && f !== nibbles.length - 1) throw new TrackError('TRACK_PADDING', "an 'F' pad is allowed only as the last nibble", f);
  const body = f >= 0 ? nibbles.slice(0, f) : nibbles;
  const sep = body.indexOf('D');
  if (sep < 0) throw new TrackError('TRACK_SEPARATOR', "the field separator 'D' is missing");
  const bad = body.search(/[^0-9D]/);
  if (bad >= 0) throw new TrackError('TRACK_CHARACTER', 'a nibble that is neither a digit nor the separator D', bad);
  const pan = body.slice(0, sep);
  checkPan(pan, 0);
  const rest = body.slice(sep + 1);
  if (rest.includes('D')) throw new TrackError('TRACK_SEPARATOR', 'a second separator D', sep + 1 + rest.indexOf('D'));
  return { track: 2, pan, ...readExpiryAndServiceCode(rest, sep + 1) };
}

/**
 * Track 2 as track 2 equivalent data (tag 57's layout, Book 3 Annex A1): the same fields
 * with 'D' as the separator and an 'F' to fill the last byte. The terminal carries a swiped
 * track 2 this way, in the one form its host messages take from chip and stripe alike.
 */
export function track2EquivalentOf(t: TrackData): Uint8Array {
  if (t.track !== 2) throw new TrackError('TRACK_UNKNOWN', 'track 2 equivalent data is made from track 2 only');
  const nibbles = `${t.pan}D${t.expiry}${t.serviceCode}${t.discretionary}`;
  return Uint8Array.from(Buffer.from(nibbles.length % 2 ? `${nibbles}F` : nibbles, 'hex'));
}

/** Track 1 or 2 as a reader or a person gives it: by its start sentinel or its separator. */
export function parseTrack(text: string): TrackData {
  if (text.startsWith('%') || text.startsWith('B')) return parseTrack1(text);
  if (text.startsWith(';') || text.includes('=')) return parseTrack2(text);
  throw new TrackError('TRACK_UNKNOWN', "neither track 1 ('%B' or 'B' first) nor track 2 (';' first or '=' inside)");
}

/** The three digits of a service code, read as ISO/IEC 7813 defines them. */
export interface ServiceCode {
  code: string;
  /** Digit 1: where the card may be used. */
  interchange: 'international' | 'national' | 'private' | 'test' | 'reserved';
  /** Digit 1 is 2 or 6: the card has a chip, to be used where the terminal can. */
  chip: boolean;
  /** Digit 2: 'issuer' means authorise online with the issuer. */
  authorisation: 'normal' | 'issuer' | 'issuer-unless-bilateral' | 'reserved';
  /** Digit 3: which services, and whether a PIN is needed. */
  services: 'any' | 'goods-and-services' | 'atm-only' | 'cash-only' | 'reserved';
  pin: 'required' | 'if-pin-pad' | 'none';
}

const SERVICES: Readonly<Record<string, ServiceCode['services']>> = {
  '0': 'any',
  '1': 'any',
  '2': 'goods-and-services',
  '3': 'atm-only',
  '4': 'cash-only',
  '5': 'goods-and-services',
  '6': 'any',
  '7': 'goods-and-services',
};

export function readServiceCode(code: string): ServiceCode {
  if (!/^[0-9]{3}$/.test(code)) throw new TrackError('TRACK_SERVICE_CODE', 'a service code is 3 digits');
  const [d1, d2, d3] = [code[0]!, code[1]!, code[2]!];
  const interchange =
    d1 === '1' || d1 === '2' ? 'international' : d1 === '5' || d1 === '6' ? 'national' : d1 === '7' ? 'private' : d1 === '9' ? 'test' : 'reserved';
  const authorisation = d2 === '0' ? 'normal' : d2 === '2' ? 'issuer' : d2 === '4' ? 'issuer-unless-bilateral' : 'reserved';
  const services: ServiceCode['services'] = SERVICES[d3] ?? 'reserved';
  const pin = d3 === '0' || d3 === '3' || d3 === '5' ? 'required' : d3 === '6' || d3 === '7' ? 'if-pin-pad' : 'none';
  return { code, interchange, chip: d1 === '2' || d1 === '6', authorisation, services, pin };
}

/** What to do with a swipe: an expected result, returned as a value. */
export type SwipeDecision =
  | { action: 'use-chip'; reason: string }
  | { action: 'proceed'; fallback: boolean; serviceCode: ServiceCode };

export interface SwipeOptions {
  /** The terminal has a chip reader (contact or contactless) to send the card to. */
  chipReader?: boolean;
  /**
   * The chip was tried on this card and failed, and the acquirer allows magstripe fallback:
   * the swipe goes ahead, marked as fallback for the host.
   */
  fallbackAllowed?: boolean;
}

/**
 * A chip card (service code 2xx or 6xx) swiped at a terminal with a chip reader is sent
 * back to the chip reader, unless fallback is allowed; any other card proceeds.
 */
export function swipeDecision(serviceCode: string, options: SwipeOptions = {}): SwipeDecision {
  const sc = readServiceCode(serviceCode);
  const chipReader = options.chipReader ?? true;
  if (sc.chip && chipReader) {
    if (options.fallbackAllowed) return { action: 'proceed', fallback: true, serviceCode: sc };
    return { action: 'use-chip', reason: `service code ${sc.code}: the card has a chip; insert or tap it` };
  }
  return { action: 'proceed', fallback: false, serviceCode: sc };
}
