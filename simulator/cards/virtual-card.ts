/**
 * A virtual contactless payment card at APDU level (ISO/IEC 7816-4 commands as EMV uses
 * them): the PPSE, one or more applications personalised from a CardDescription, their
 * records, and the application behaviour of their profile (qvsdc.ts, mchip.ts). It answers
 * every command with a status word, as a card does, and never throws at the terminal.
 */
import { ValidationError } from '../../src/errors.js';
import { encodeTlv } from '../../src/emv/tlv.js';
import { fromHex, toHex } from '../../src/hex.js';
import type { RfCard } from '../devices/pn532/rf-card.js';
import { answer, atcBytes, type ApplicationState } from './application-state.js';
import type { CardDescription } from './card-description.js';
import { mchipGenerateAc, mchipGpo } from './mchip.js';
import { personalise } from './personalisation.js';
import { qvsdcGpo } from './qvsdc.js';

const PPSE_NAME = '325041592E5359532E4444463031';

export interface Exchange {
  c: Uint8Array;
  r: Uint8Array;
}

export class VirtualCard {
  readonly description: CardDescription;
  /** Every command and answer since the card was made (what a test or the bench counts). */
  readonly log: Exchange[] = [];
  private readonly apps: ApplicationState[];
  private readonly ppse: Uint8Array;
  private selected: ApplicationState | undefined;

  constructor(description: CardDescription) {
    if (description.applications.length === 0) throw new ValidationError(`card ${description.id}: no application`);
    this.description = description;
    this.apps = description.applications.map((a) => ({ app: personalise(a), atc: a.atc }));
    // Book B Table 3-3: the PPSE FCI lists every application in a Directory Entry (61).
    this.ppse = encodeTlv([
      {
        tag: 0x6f,
        children: [
          { tag: 0x84, value: fromHex(PPSE_NAME) },
          { tag: 0xa5, children: [{ tag: 0xbf0c, children: this.apps.map((s) => s.app.ppseEntry) }] },
        ],
      },
    ]);
  }

  /** The ATC of each application, in description order. */
  atcs(): number[] {
    return this.apps.map((a) => a.atc);
  }

  transceive(apdu: Uint8Array): Uint8Array {
    const r = this.respond(apdu);
    this.log.push({ c: apdu.slice(), r });
    return r;
  }

  /** The card as the PN532 emulator's field holds it: ISO/IEC 14443-4 type A with an ATS. */
  rfCard(): RfCard {
    return {
      type: 'A',
      uid: fromHex(this.description.uid),
      // TL 05, T0 78 (FSCI 8: 256-byte frames; TA, TB, TC follow), TA 80, TB 70, TC 02.
      ats: fromHex('0578807002'),
      transceive: (apdu) => this.transceive(apdu),
    };
  }

  private respond(apdu: Uint8Array): Uint8Array {
    if (apdu.length < 4) return answer(undefined, 0x6700);
    const [cla, ins, p1, p2] = [apdu[0]!, apdu[1]!, apdu[2]!, apdu[3]!];
    const body = commandData(apdu);
    if (body === undefined) return answer(undefined, 0x6700);
    if (cla === 0x00 && ins === 0xa4) return this.select(p1, p2, body);
    if (cla === 0x00 && ins === 0xb2) return this.readRecord(p1, p2);
    const s = this.selected;
    if (cla === 0x80 && ins === 0xa8) {
      if (!s) return answer(undefined, 0x6985);
      // Book 3 6.5.8: the data field is the Command Template 83 holding the PDOL data.
      if (body.length < 2 || body[0] !== 0x83 || body[1] !== body.length - 2) return answer(undefined, 0x6a80);
      const pdolData = body.slice(2);
      return s.app.desc.profile === 'qvsdc' ? qvsdcGpo(s, pdolData) : mchipGpo(s, pdolData);
    }
    if (cla === 0x80 && ins === 0xae) {
      if (!s || s.app.desc.profile !== 'mchip') return answer(undefined, 0x6d00);
      return mchipGenerateAc(s, p1, body);
    }
    if (cla === 0x80 && ins === 0xca) {
      if (!s) return answer(undefined, 0x6985);
      if (p1 === 0x9f && p2 === 0x36) return answer(encodeTlv([{ tag: 0x9f36, value: atcBytes(s.atc) }]), 0x9000);
      return answer(undefined, 0x6a88);
    }
    if (cla !== 0x00 && cla !== 0x80) return answer(undefined, 0x6e00);
    return answer(undefined, 0x6d00);
  }

  private select(p1: number, p2: number, name: Uint8Array): Uint8Array {
    if (p1 !== 0x04 || (p2 !== 0x00 && p2 !== 0x02)) return answer(undefined, 0x6a86);
    const hex = toHex(name);
    this.selected = undefined;
    if (hex === PPSE_NAME) return answer(this.ppse, 0x9000);
    const s = this.apps.find((a) => toHex(a.app.aid) === hex);
    if (!s) return answer(undefined, 0x6a82);
    // EMV 4.4 Book 1 12.4: a blocked application answers SELECT with 6A81.
    if (s.app.desc.blocked) return answer(undefined, 0x6a81);
    s.transaction = undefined;
    this.selected = s;
    return answer(s.app.fci, 0x9000);
  }

  private readRecord(rec: number, p2: number): Uint8Array {
    const s = this.selected;
    if (!s) return answer(undefined, 0x6985);
    if ((p2 & 0x07) !== 0x04) return answer(undefined, 0x6a86);
    const record = s.app.records.get(`${p2 >> 3}/${rec}`);
    return record ? answer(record, 0x9000) : answer(undefined, 0x6a83);
  }
}

/** The data field of a short command APDU (cases 1 to 4); undefined if Lc does not fit. */
export function commandData(apdu: Uint8Array): Uint8Array | undefined {
  if (apdu.length <= 5) return new Uint8Array(0);
  const lc = apdu[4]!;
  if (lc === 0 || (apdu.length !== 5 + lc && apdu.length !== 6 + lc)) return undefined;
  return apdu.subarray(5, 5 + lc);
}
