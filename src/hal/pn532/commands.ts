/**
 * PN532 command codes and the pure encoding and decoding of their parameters and answers
 * (UM0701-02 chapter 7). No I/O here: pn532.ts sends what these build.
 */

/** Command codes; the answer's code is the command's plus one. */
export const CMD = Object.freeze({
  /** 7.2.1: self tests; 0x00 echoes data (line test), 0x06 checks the card is still there. */
  Diagnose: 0x00,
  /** 7.2.2: IC, firmware version and revision, supported protocols. */
  GetFirmwareVersion: 0x02,
  /** 7.2.3: field state and the targets in use. */
  GetGeneralStatus: 0x04,
  /** 7.2.8: HSU speed. */
  SetSerialBaudRate: 0x10,
  /** 7.2.9: protocol flags (NAD, DID, automatic RATS / ATR_RES, pre/postamble). */
  SetParameters: 0x12,
  /** 7.2.10: how the SAM is used; also what takes the C106 out of Low VBat mode. */
  SAMConfiguration: 0x14,
  /** 7.2.11: sleep until one of the enabled wake-up sources fires. */
  PowerDown: 0x16,
  /** 7.3.1: RF field, timings, retries. */
  RFConfiguration: 0x32,
  /** 7.3.5: detect and activate up to two cards of one technology. */
  InListPassiveTarget: 0x4a,
  /** 7.3.8: exchange data (APDUs) with an activated target; MI chaining. */
  InDataExchange: 0x40,
  /** 7.3.10: deselect a target, keeping what is known of it. */
  InDeselect: 0x44,
  /** 7.3.11: release a target: it is forgotten. */
  InRelease: 0x52,
  /** 7.3.13: poll several technologies in turn, a bounded or endless number of times. */
  InAutoPoll: 0x60,
});

const NAMES = new Map<number, string>(Object.entries(CMD).map(([name, code]) => [code, name]));

/** "InDataExchange", or "command 0x5A" for a code this driver does not name. */
export function commandName(code: number): string {
  return NAMES.get(code) ?? `command 0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** Diagnose test numbers (7.2.1). */
export const DIAG_COMMUNICATION_LINE = 0x00;
export const DIAG_ATTENTION = 0x06;

/** SAMConfiguration modes (7.2.10). */
export const SAM_NORMAL = 0x01;

/** SetParameters flags (7.2.9). */
export const PARAM = Object.freeze({
  NAD_USED: 0x01,
  DID_USED: 0x02,
  AUTOMATIC_ATR_RES: 0x04,
  AUTOMATIC_RATS: 0x10,
  ISO14443_4_PICC: 0x20,
  REMOVE_PRE_POSTAMBLE: 0x40,
});

/** RFConfiguration items (7.3.1). */
export const RF_ITEM = Object.freeze({
  /** One byte: bit 0 RF on, bit 1 automatic RF collision avoidance. */
  FIELD: 0x01,
  /** RFU, fATR_RES_Timeout, fRetryTimeout: timeout codes (see timeoutCode). */
  TIMINGS: 0x02,
  /** MaxRtyCOM: retries of InDataExchange at the RF level. */
  MAX_RTY_COM: 0x04,
  /** MxRtyATR, MxRtyPSL, MxRtyPassiveActivation; 0xFF means retry forever. */
  MAX_RETRIES: 0x05,
});

/** Retry count meaning "forever" in RFConfiguration MaxRetries (7.3.1). */
export const RETRY_FOREVER = 0xff;

/** PowerDown wake-up sources (7.2.11). */
export const WAKE = Object.freeze({
  INT0: 0x01,
  INT1: 0x02,
  RF: 0x08,
  HSU: 0x10,
  SPI: 0x20,
  GPIO: 0x40,
  I2C: 0x80,
});

/** BrTy of InListPassiveTarget (7.3.5). */
export const BRTY_106A = 0x00;
export const BRTY_106B = 0x03;

/** Target types of InAutoPoll (7.3.13) this driver decodes. */
export const AUTOPOLL = Object.freeze({
  GENERIC_106: 0x00,
  MIFARE: 0x10,
  ISO14443_4A: 0x20,
  ISO14443_4B_GENERIC: 0x03,
  ISO14443_4B: 0x23,
});

/**
 * The timeout codes of RFConfiguration item 2 (7.3.1): 0 is no timeout, code n is
 * 100 µs * 2^(n-1), up to 0x10 (about 3.28 s).
 */
export function timeoutMs(code: number): number {
  if (code === 0) return 0;
  return 0.1 * 2 ** (Math.min(code, 0x10) - 1);
}

/** The smallest timeout code that waits at least `ms` (0x10 when none is long enough). */
export function timeoutCode(ms: number): number {
  for (let n = 1; n <= 0x10; n++) if (timeoutMs(n) >= ms) return n;
  return 0x10;
}

export interface FirmwareVersion {
  /** 0x32 for a PN532. */
  ic: number;
  version: number;
  revision: number;
  /** The support byte as sent, and what it means. */
  support: number;
  isoA: boolean;
  isoB: boolean;
  iso18092: boolean;
}

export interface TargetA {
  type: 'A';
  /** Target number the PN532 gave it (1 or 2), used by later commands. */
  tg: number;
  atqa: Uint8Array;
  sak: number;
  uid: Uint8Array;
  /** Whole ATS, TL first; absent when the card is not ISO/IEC 14443-4 or RATS was off. */
  ats?: Uint8Array;
}

export interface TargetB {
  type: 'B';
  tg: number;
  /** 12 bytes: 0x50, PUPI (4), application data (4), protocol info (3). */
  atqb: Uint8Array;
  /** The PUPI, which plays the UID's part. */
  uid: Uint8Array;
  attribRes: Uint8Array;
}

export type Target = TargetA | TargetB;

/** A problem in an answer's content; the caller wraps it with the command it concerns. */
export class DecodeProblem extends Error {}

class Reader {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  get left(): number {
    return this.b.length - this.at;
  }
  byte(what: string): number {
    if (this.at >= this.b.length) throw new DecodeProblem(`${what} missing`);
    return this.b[this.at++]!;
  }
  bytes(n: number, what: string): Uint8Array {
    if (this.at + n > this.b.length) throw new DecodeProblem(`${what}: ${n} bytes expected, ${this.left} left`);
    const out = this.b.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

/** GetFirmwareVersion answer: IC, Ver, Rev, Support (7.2.2). */
export function decodeFirmwareVersion(data: Uint8Array): FirmwareVersion {
  if (data.length !== 4) throw new DecodeProblem(`4 bytes expected, got ${data.length}`);
  const [ic, version, revision, support] = data as unknown as [number, number, number, number];
  return { ic, version, revision, support, isoA: (support & 1) !== 0, isoB: (support & 2) !== 0, iso18092: (support & 4) !== 0 };
}

function readTargetA(r: Reader): TargetA {
  const tg = r.byte('Tg');
  // The PN532 reports SENS_RES most significant byte first (what nfc-list prints as
  // "00 44"); over the air ISO/IEC 14443-3 6.5.2 sends the least significant byte first.
  // The reader contract promises air order, so the two bytes are swapped here.
  const atqa = r.bytes(2, 'SENS_RES').reverse();
  const sak = r.byte('SEL_RES');
  const uidLength = r.byte('NFCID length');
  if (![4, 7, 10].includes(uidLength)) throw new DecodeProblem(`NFCID1 length ${uidLength} is not 4, 7 or 10`);
  const uid = r.bytes(uidLength, 'NFCID1');
  const target: TargetA = { type: 'A', tg, atqa, sak, uid };
  // SAK bit 6 says the card speaks ISO/IEC 14443-4 (ISO/IEC 14443-3 6.5.3.4); the PN532
  // then sends RATS itself and appends the ATS, whose first byte TL counts the whole ATS.
  if ((sak & 0x20) !== 0 && r.left > 0) {
    const tl = r.byte('ATS length');
    if (tl < 1) throw new DecodeProblem('ATS length byte 0');
    const rest = r.bytes(tl - 1, 'ATS');
    const ats = new Uint8Array(tl);
    ats[0] = tl;
    ats.set(rest, 1);
    target.ats = ats;
  }
  return target;
}

function readTargetB(r: Reader): TargetB {
  const tg = r.byte('Tg');
  const atqb = r.bytes(12, 'ATQB');
  if (atqb[0] !== 0x50) throw new DecodeProblem(`ATQB starts with 0x${atqb[0]!.toString(16)}, not 0x50`);
  const n = r.byte('ATTRIB_RES length');
  const attribRes = r.bytes(n, 'ATTRIB_RES');
  return { type: 'B', tg, atqb, uid: atqb.slice(1, 5), attribRes };
}

/** InListPassiveTarget answer: NbTg then each target's data (7.3.5). */
export function decodeListedTargets(data: Uint8Array, brty: number): Target[] {
  const r = new Reader(data);
  const n = r.byte('NbTg');
  if (n > 2) throw new DecodeProblem(`NbTg ${n}: the PN532 lists at most 2 targets`);
  const targets: Target[] = [];
  for (let i = 0; i < n; i++) {
    if (brty === BRTY_106A) targets.push(readTargetA(r));
    else if (brty === BRTY_106B) targets.push(readTargetB(r));
    else throw new DecodeProblem(`BrTy 0x${brty.toString(16)} is not decoded by this driver`);
  }
  if (r.left !== 0) throw new DecodeProblem(`${r.left} bytes after the last target`);
  return targets;
}

/** InAutoPoll answer: NbTg then Type, length and target data for each (7.3.13). */
export function decodeAutoPoll(data: Uint8Array): Target[] {
  const r = new Reader(data);
  const n = r.byte('NbTg');
  if (n > 2) throw new DecodeProblem(`NbTg ${n}: the PN532 reports at most 2 targets`);
  const targets: Target[] = [];
  for (let i = 0; i < n; i++) {
    const type = r.byte('target type');
    const length = r.byte('target data length');
    const inner = new Reader(r.bytes(length, 'target data'));
    let t: Target;
    if (type === AUTOPOLL.GENERIC_106 || type === AUTOPOLL.MIFARE || type === AUTOPOLL.ISO14443_4A) t = readTargetA(inner);
    else if (type === AUTOPOLL.ISO14443_4B || type === AUTOPOLL.ISO14443_4B_GENERIC) t = readTargetB(inner);
    else throw new DecodeProblem(`target type 0x${type.toString(16)} is not decoded by this driver`);
    if (inner.left !== 0) throw new DecodeProblem(`${inner.left} bytes left in the data of target ${i + 1}`);
    targets.push(t);
  }
  if (r.left !== 0) throw new DecodeProblem(`${r.left} bytes after the last target`);
  return targets;
}
