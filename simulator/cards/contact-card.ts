/**
 * A virtual contact chip card at APDU level (ISO/IEC 7816-4 commands as EMV 4.4 Book 1 11
 * and Book 3 6.5 use them), for the contact slot emulator: the Payment System Environment
 * and its directory (with DDFs and their own directories where the description has them),
 * applications selected by full or partial name (first and next occurrence), GPO, READ
 * RECORD, GET DATA, INTERNAL AUTHENTICATE (DDA), offline PIN (GET CHALLENGE, VERIFY with a
 * plaintext or an enciphered PIN, the PIN Try Counter), the two GENERATE ACs with the
 * issuer's ARPC checked (by EXTERNAL AUTHENTICATE or inside the second GENERATE AC from tag
 * 91), CDA, and the issuer script commands. It answers every command with a status word, as
 * a card does, and never throws at the terminal.
 *
 * Its cryptograms are over the host simulator's data (cryptogram-data.ts) under its
 * account's IMK, so the acquirer simulator verifies its ARQC, and a test can make the ARPC
 * the card checks with src/security.
 */
import { constants, privateDecrypt } from 'node:crypto';
import { ValidationError } from '../../src/errors.js';
import { encodeTlv, type TlvInput } from '../../src/emv/tlv.js';
import { fromHex, toHex } from '../../src/hex.js';
import { verifyArpcMethod1 } from '../../src/security/emv-cryptogram.js';
import { deriveAcSessionKey } from '../../src/security/emv-keys.js';
import { answer, amountOf, atcBytes, dolValues } from './application-state.js';
import { cardRandom } from './card-random.js';
import { cdaAnswer } from './cda-answer.js';
import { signDynamicData } from './certificates.js';
import type { ChipCard } from './catalog.js';
import type { ContactCardDescription, DirectoryEntry } from './contact-description.js';
import { personaliseContact, type PersonalisedContact } from './contact-personalisation.js';
import { applicationCryptogram, cryptogramInput } from './cryptogram-data.js';
import { commandData, type Exchange } from './virtual-card.js';

const PSE_NAME = toHex(Uint8Array.from(Buffer.from('1PAY.SYS.DDF01', 'ascii')));
/** The SFI of the PSE's directory file (Book 1 12.2.3); the DDFs' directories take 2, 3... (1 to 10). */
const DIRECTORY_SFI = 1;

/** A directory DF (the PSE or a DDF): its FCI, the SFI of its directory file, its records. */
interface Directory {
  kind: 'directory';
  fci: Uint8Array;
  sfi: number;
  records: Uint8Array[];
}

interface Transaction {
  pdolData: Uint8Array;
  first?: { cid: number; ac: Uint8Array; cda: boolean };
  externalAuthentication?: 'ok' | 'failed';
  done: boolean;
}

interface ContactApplicationState {
  kind: 'application';
  app: PersonalisedContact;
  atc: number;
  lastOnlineAtc: number;
  blocked: boolean;
  /** PIN Try Counter (9F17): tries left before the offline PIN is blocked. */
  pinTries: number;
  /** The ICC Unpredictable Number of the last GET CHALLENGE, good for one VERIFY (Book 2 7.2). */
  challenge?: Uint8Array;
  challenges: number;
  transaction?: Transaction;
}

const t = (tag: number, value: Uint8Array): TlvInput => ({ tag, value });

/** The digits of a plaintext offline PIN block (control 2, length 4-12, digits, F filler); undefined when it is not one. */
function pinOf(block: Uint8Array): string | undefined {
  const hex = toHex(block);
  const n = parseInt(hex[1]!, 16);
  if (hex[0] !== '2' || n < 4 || n > 12) return undefined;
  const digits = hex.slice(2, 2 + n);
  if (!/^[0-9]+$/.test(digits) || !/^F*$/.test(hex.slice(2 + n))) return undefined;
  return digits;
}

export class ContactChipCard implements ChipCard {
  readonly description: ContactCardDescription;
  readonly atr: Uint8Array;
  /** Every command and answer since the card was made. */
  readonly log: Exchange[] = [];
  /** The issuer script commands the card received, in order. */
  readonly scriptCommands: Uint8Array[] = [];
  private readonly apps: ContactApplicationState[];
  /** The PSE and the DDFs by DF name (hex). */
  private readonly directories = new Map<string, Directory>();
  private selected: Directory | ContactApplicationState | undefined;
  /** For SELECT next (P2 02): the name asked and the application found last. */
  private lastSelect: { name: string; index: number } | undefined;

  constructor(description: ContactCardDescription) {
    if (description.applications.length === 0) throw new ValidationError(`card ${description.id}: no application`);
    this.description = description;
    this.atr = fromHex(description.atr);
    this.apps = description.applications.map((a): ContactApplicationState => ({
      kind: 'application',
      app: personaliseContact(a),
      atc: a.atc,
      lastOnlineAtc: a.atc,
      blocked: a.blocked ?? false,
      pinTries: a.offlinePin ? (a.offlinePin.triesLeft ?? a.offlinePin.tryLimit) : 0,
      challenges: 0,
    }));
    // Book 1 12.2.3: the PSE's FCI names the SFI of its directory; by default its one record
    // lists an Application Template (61) per application.
    this.addDirectory(PSE_NAME, description.directory ?? [description.applications.map((_, application) => ({ application }))]);
  }

  /**
   * A directory DF and, depth first, the DDFs it lists (Book 1 12.2.3): each record a 70
   * template of entries, 61 with 4F (an ADF) or 61 with 9D (a DDF, whose FCI names its own
   * directory's SFI). A DDF named again is not made twice: the entry points at the first.
   */
  private addDirectory(name: string, records: DirectoryEntry[][]): void {
    const sfi = this.directories.size === 0 ? DIRECTORY_SFI : DIRECTORY_SFI + this.directories.size;
    if (sfi > 10) throw new ValidationError(`card ${this.description.id}: more than 10 directories`);
    const fci = encodeTlv([{ tag: 0x6f, children: [t(0x84, fromHex(name)), { tag: 0xa5, children: [t(0x88, Uint8Array.of(sfi)), t(0x5f2d, Uint8Array.from(Buffer.from('zhen')))] }] }]);
    const dir: Directory = { kind: 'directory', fci, sfi, records: [] };
    this.directories.set(name.toUpperCase(), dir);
    for (const record of records) {
      const entries: TlvInput[] = [];
      for (const e of record) {
        if ('application' in e) {
          const a = this.apps[e.application];
          if (!a) throw new ValidationError(`card ${this.description.id}: the directory lists application ${e.application}, which it does not have`);
          entries.push(a.app.directoryEntry);
        } else {
          const ddf = e.ddf.name.toUpperCase();
          if (!this.directories.has(ddf)) this.addDirectory(ddf, e.ddf.records);
          entries.push({ tag: 0x61, children: [t(0x9d, fromHex(ddf))] });
        }
      }
      dir.records.push(encodeTlv([{ tag: 0x70, children: entries }]));
    }
  }

  /** The PIN Try Counter of an application (description order). */
  pinTriesLeft(index = 0): number {
    return this.apps[index]?.pinTries ?? 0;
  }

  /** The ATC of each application, in description order. */
  atcs(): number[] {
    return this.apps.map((a) => a.atc);
  }

  /** Whether an application was blocked (by description or by an APPLICATION BLOCK script). */
  isBlocked(index = 0): boolean {
    return this.apps[index]?.blocked ?? false;
  }

  /** Power-on: what a reset does to a card's volatile state (ISO/IEC 7816-3 6.2). */
  reset(): void {
    this.selected = undefined;
    this.lastSelect = undefined;
    for (const a of this.apps) {
      a.transaction = undefined;
      a.challenge = undefined;
    }
  }

  transceive(apdu: Uint8Array): Uint8Array {
    const r = this.respond(apdu);
    this.log.push({ c: apdu.slice(), r });
    return r;
  }

  private respond(apdu: Uint8Array): Uint8Array {
    if (apdu.length < 4) return answer(undefined, 0x6700);
    const [cla, ins, p1, p2] = [apdu[0]!, apdu[1]!, apdu[2]!, apdu[3]!];
    const body = commandData(apdu);
    if (body === undefined) return answer(undefined, 0x6700);
    if (cla === 0x00 && ins === 0xa4) return this.select(p1, p2, body);
    if (cla === 0x00 && ins === 0xb2) return this.readRecord(p1, p2);
    const s = this.selected?.kind === 'directory' ? undefined : this.selected;
    if (cla === 0x80 && ins === 0xa8) return s ? this.gpo(s, body) : answer(undefined, 0x6985);
    if (cla === 0x80 && ins === 0xca) return s ? this.getData(s, p1, p2) : answer(undefined, 0x6985);
    if (cla === 0x00 && ins === 0x88) return s ? this.internalAuthenticate(s, body) : answer(undefined, 0x6985);
    if (cla === 0x80 && ins === 0xae) return s ? this.generateAc(s, p1, body) : answer(undefined, 0x6985);
    if (cla === 0x00 && ins === 0x82) return s ? this.externalAuthenticate(s, body) : answer(undefined, 0x6985);
    if (cla === 0x00 && ins === 0x84) return s ? this.getChallenge(s, p1, p2, apdu.length) : answer(undefined, 0x6985);
    if (cla === 0x00 && ins === 0x20) return s ? this.verify(s, p1, p2, body) : answer(undefined, 0x6985);
    // Issuer script commands (Book 3 6.5 and the issuers' own: PUT DATA, APPLICATION BLOCK
    // and UNBLOCK, PIN CHANGE/UNBLOCK) with secure messaging (CLA 84 or 04). Their MACs are
    // not checked by this card.
    if ((cla === 0x84 || cla === 0x04) && [0x1e, 0x18, 0x24, 0xda].includes(ins)) {
      if (!s) return answer(undefined, 0x6985);
      this.scriptCommands.push(apdu.slice());
      if (ins === 0x1e) s.blocked = true;
      if (ins === 0x18) s.blocked = false;
      return answer(undefined, 0x9000);
    }
    if (cla !== 0x00 && cla !== 0x80 && cla !== 0x84 && cla !== 0x04) return answer(undefined, 0x6e00);
    return answer(undefined, 0x6d00);
  }

  /**
   * SELECT by DF name, ISO/IEC 7816-4 7.1.1 as Book 1 11.3 uses it: the PSE, or the first
   * (P2 00) or next (P2 02) application whose name starts with the one given. A blocked
   * application answers 6283 with its FCI (Book 1 12.3.3).
   */
  private select(p1: number, p2: number, name: Uint8Array): Uint8Array {
    if (this.description.cardBlocked) return answer(undefined, 0x6a81);
    if (p1 !== 0x04 || (p2 !== 0x00 && p2 !== 0x02)) return answer(undefined, 0x6a86);
    const hex = toHex(name);
    this.selected = undefined;
    const directory = this.directories.get(hex);
    if (directory && (hex !== PSE_NAME || this.description.pse) && p2 === 0x00) {
      this.selected = directory;
      return answer(directory.fci, 0x9000);
    }
    if (hex === PSE_NAME) return answer(undefined, 0x6a82);
    const from = p2 === 0x02 && this.lastSelect?.name === hex ? this.lastSelect.index + 1 : 0;
    const index = this.apps.findIndex((a, i) => i >= from && toHex(a.app.aid).startsWith(hex));
    if (index < 0) {
      this.lastSelect = undefined;
      return answer(undefined, 0x6a82);
    }
    this.lastSelect = { name: hex, index };
    const s = this.apps[index]!;
    s.transaction = undefined;
    if (s.blocked) return answer(s.app.fci, 0x6283);
    this.selected = s;
    return answer(s.app.fci, 0x9000);
  }

  private readRecord(rec: number, p2: number): Uint8Array {
    if ((p2 & 0x07) !== 0x04) return answer(undefined, 0x6a86);
    const sfi = p2 >> 3;
    if (this.selected?.kind === 'directory') {
      const d = this.selected;
      if (sfi !== d.sfi) return answer(undefined, 0x6a82);
      const record = rec >= 1 ? d.records[rec - 1] : undefined;
      return record ? answer(record, 0x9000) : answer(undefined, 0x6a83);
    }
    const s = this.selected;
    if (!s) return answer(undefined, 0x6985);
    const record = s.app.records.get(`${sfi}/${rec}`);
    return record ? answer(record, 0x9000) : answer(undefined, 0x6a83);
  }

  /** Book 3 6.5.8: the PDOL data in template 83; a format 1 answer (80: AIP, AFL), as contact cards give. */
  private gpo(s: ContactApplicationState, body: Uint8Array): Uint8Array {
    if (body.length < 2 || body[0] !== 0x83 || body[1] !== body.length - 2) return answer(undefined, 0x6a80);
    const pdolData = body.slice(2);
    if (!dolValues(s.app.pdol, pdolData)) return answer(undefined, 0x6700);
    if (s.app.desc.gpoRefused) return answer(undefined, 0x6985);
    s.atc = (s.atc + 1) & 0xffff;
    s.transaction = { pdolData, done: false };
    return answer(encodeTlv([t(0x80, Uint8Array.from([...s.app.aip, ...s.app.afl]))]), 0x9000);
  }

  /** Book 3 6.5.7: the ATC, the Last Online ATC Register and the PIN Try Counter. */
  private getData(s: ContactApplicationState, p1: number, p2: number): Uint8Array {
    const tag = (p1 << 8) | p2;
    if (tag === 0x9f36) return answer(encodeTlv([t(0x9f36, atcBytes(s.atc))]), 0x9000);
    if (tag === 0x9f13) return answer(encodeTlv([t(0x9f13, atcBytes(s.lastOnlineAtc))]), 0x9000);
    const pin = s.app.desc.offlinePin;
    if (tag === 0x9f17 && pin && !pin.counterHidden) return answer(encodeTlv([t(0x9f17, Uint8Array.of(s.pinTries))]), 0x9000);
    return answer(undefined, 0x6a88);
  }

  /** Book 3 6.5.6: 8 unpredictable bytes, which the next VERIFY with an enciphered PIN must carry. */
  private getChallenge(s: ContactApplicationState, p1: number, p2: number, length: number): Uint8Array {
    if (p1 !== 0x00 || p2 !== 0x00) return answer(undefined, 0x6a86);
    if (length !== 5) return answer(undefined, 0x6700);
    if (!s.app.desc.offlinePin) return answer(undefined, 0x6d00);
    s.challenges++;
    s.challenge = cardRandom(s.app.desc.pan, s.atc, `challenge ${s.challenges}`, 8);
    return answer(s.challenge, 0x9000);
  }

  /**
   * Book 3 6.5.12: VERIFY with the plaintext offline PIN block (P2 80) or the enciphered one
   * (P2 88: Book 2 7.2, deciphered with the card's PIN key, 7F, the PIN block, the challenge
   * of the GET CHALLENGE just before). A right PIN sets the PIN Try Counter back to its limit;
   * a wrong one (or a block that does not decipher to the format) takes a try: 63Cx with
   * the tries left; at 0 the PIN is blocked and VERIFY answers 6983.
   */
  private verify(s: ContactApplicationState, p1: number, p2: number, data: Uint8Array): Uint8Array {
    const pin = s.app.desc.offlinePin;
    if (!pin) return answer(undefined, 0x6d00);
    if (p1 !== 0x00 || (p2 !== 0x80 && p2 !== 0x88)) return answer(undefined, 0x6a86);
    const challenge = s.challenge;
    s.challenge = undefined;
    if (s.pinTries === 0) return answer(undefined, 0x6983);
    let block: Uint8Array | undefined;
    if (p2 === 0x80) {
      if (data.length !== 8) return answer(undefined, 0x6700);
      block = data.slice();
    } else {
      if (!challenge) return answer(undefined, 0x6985);
      if (data.length !== s.app.pinKey.modulus.length) return answer(undefined, 0x6700);
      const clear = new Uint8Array(privateDecrypt({ key: s.app.pinKey.private, padding: constants.RSA_NO_PADDING }, data));
      try {
        if (clear[0] === 0x7f && toHex(clear.subarray(9, 17)) === toHex(challenge)) block = clear.slice(1, 9);
      } finally {
        clear.fill(0);
      }
    }
    try {
      if (block && pinOf(block) === pin.pin) {
        s.pinTries = pin.tryLimit;
        return answer(undefined, 0x9000);
      }
    } finally {
      block?.fill(0);
    }
    s.pinTries = Math.max(0, s.pinTries - 1);
    return answer(undefined, 0x63c0 | s.pinTries);
  }

  /** Book 2 6.5.1: the Signed Dynamic Application Data over an 8-byte ICC Dynamic Number and the DDOL data. */
  private internalAuthenticate(s: ContactApplicationState, ddolData: Uint8Array): Uint8Array {
    const d = s.app.desc;
    if (d.oda !== 'DDA' && d.oda !== 'CDA') return answer(undefined, 0x6d00);
    if (!s.transaction) return answer(undefined, 0x6985);
    if (!dolValues(s.app.ddol, ddolData)) return answer(undefined, 0x6700);
    const idn = cardRandom(d.pan, s.atc, 'dda-idn', 8);
    const sdad = signDynamicData(s.app.icc, Uint8Array.of(0x08, ...idn), ddolData);
    return answer(encodeTlv([t(0x80, sdad)]), 0x9000);
  }

  /** Book 2 8.2.1: ARPC method 1 over the first cryptogram and the ARC; 9000 or 6300. */
  private externalAuthenticate(s: ContactApplicationState, data: Uint8Array): Uint8Array {
    const txn = s.transaction;
    if (s.app.desc.issuerAuthentication !== 'external-authenticate') return answer(undefined, 0x6d00);
    if (!txn?.first || txn.first.cid !== 0x80 || txn.done || txn.externalAuthentication) return answer(undefined, 0x6985);
    if (data.length !== 10) return answer(undefined, 0x6700);
    const ok = this.arpcValid(s, txn.first.ac, data);
    txn.externalAuthentication = ok ? 'ok' : 'failed';
    return answer(undefined, ok ? 0x9000 : 0x6300);
  }

  private arpcValid(s: ContactApplicationState, arqc: Uint8Array, issuerData: Uint8Array): boolean {
    const d = s.app.desc;
    const { sessionKey, iccMasterKey } = deriveAcSessionKey(fromHex(d.imk), d.pan, d.psn, atcBytes(s.atc));
    try {
      return verifyArpcMethod1(sessionKey, arqc, issuerData.subarray(8, 10), issuerData.subarray(0, 8));
    } finally {
      sessionKey.fill(0);
      iccMasterKey.fill(0);
    }
  }

  /**
   * Book 3 6.5.5 and 9.3: the first GENERATE AC gives at most what was asked (AAC < ARQC <
   * TC; a TC only within the offline limit); after an ARQC the second gives a TC only when
   * the issuer was authenticated (or the terminal could not go online) and an AAC otherwise.
   */
  private generateAc(s: ContactApplicationState, p1: number, cdolData: Uint8Array): Uint8Array {
    const txn = s.transaction;
    const d = s.app.desc;
    if (!txn || txn.done) return answer(undefined, 0x6985);
    const asked = p1 & 0xc0;
    if (asked === 0xc0 || (p1 & 0x2f) !== 0) return answer(undefined, 0x6a86);
    const first = txn.first === undefined;
    const values = dolValues(first ? s.app.cdol1 : s.app.cdol2, cdolData);
    if (!values) return answer(undefined, 0x6700);
    let cid: number;
    if (first) {
      cid = asked === 0x00 ? 0x00 : asked === 0x40 && amountOf(values) <= d.offlineLimit ? 0x40 : 0x80;
    } else {
      if (asked === 0x80) return answer(undefined, 0x6a86);
      const issuerData = values.get(0x91);
      let issuerOk = true;
      if (d.issuerAuthentication === 'external-authenticate') {
        issuerOk = txn.externalAuthentication !== 'failed';
        if (txn.externalAuthentication === 'ok') s.lastOnlineAtc = s.atc;
      } else if (issuerData && issuerData.some((b) => b !== 0)) {
        issuerOk = this.arpcValid(s, txn.first!.ac, issuerData);
        if (issuerOk) s.lastOnlineAtc = s.atc;
      }
      cid = asked === 0x40 && issuerOk ? 0x40 : 0x00;
    }
    const atc = atcBytes(s.atc);
    const input = cryptogramInput((tag) => (tag === 0x82 ? s.app.aip : tag === 0x9f36 ? atc : values.get(tag)));
    const ac = applicationCryptogram(d.imk, d.pan, d.psn, atc, input);
    const cda = (p1 & 0x10) !== 0 && cid !== 0x00 && d.oda === 'CDA';
    if (first) txn.first = { cid, ac, cda };
    if (!first || cid !== 0x80) txn.done = true;
    if (cda) {
      const un = values.get(0x9f37) ?? new Uint8Array(4);
      return answer(cdaAnswer({ icc: s.app.icc, pan: d.pan, atc: s.atc, cid, ac, iad: s.app.iad, pdolData: txn.pdolData, cdolData, unpredictableNumber: un }), 0x9000);
    }
    // Format 1 (Book 3 6.5.5.4): CID, ATC, cryptogram, Issuer Application Data.
    return answer(encodeTlv([t(0x80, Uint8Array.from([cid, ...atc, ...ac, ...s.app.iad]))]), 0x9000);
  }
}
