/**
 * What a PC/SC reader hands back from a T=0 card: ISO/IEC 7816-3:2006 12.2 (and the cases
 * of EMV 4.3 Book 1 9.3.1, now the EMV Contact Interface Specification) seen from above the
 * reader driver. The driver sends a case 4 command without its Le, so a card with data to
 * give answers 61xx and waits for GET RESPONSE; a case 2 command whose Le is not the length
 * the card has gets 6Cxx and must be sent again with that Le. The card behind it is an APDU
 * level ChipCard (the T=1 view); this class plays the card's side of T=0 around it.
 */
import { apduCase, parseCommand } from '../../../src/emv/apdu.js';
import { toHex } from '../../../src/hex.js';
import type { ChipCard } from '../../cards/catalog.js';

function sw(word: number): Uint8Array {
  return Uint8Array.of(word >> 8, word & 0xff);
}

export class T0Transport {
  /** Data waiting for GET RESPONSE, and the status word that goes with its last part. */
  private pending: { data: Uint8Array; sw: Uint8Array } | null = null;
  /** A case 2 answer refused with 6Cxx: the command it belongs to, served again without re-running it. */
  private resend: { header: string; response: Uint8Array } | null = null;

  constructor(private readonly card: ChipCard) {}

  exchange(apdu: Uint8Array): Uint8Array {
    let cmd;
    try {
      cmd = parseCommand(apdu);
    } catch {
      return sw(0x6700);
    }
    const header = toHex(apdu.subarray(0, 4));
    // GET RESPONSE: the data a 61xx announced, as much as Le asks.
    if (cmd.cla === 0x00 && cmd.ins === 0xc0 && this.pending) {
      const p = this.pending;
      const le = cmd.le ?? 256;
      if (le > p.data.length) return sw(0x6c00 | (p.data.length & 0xff));
      const part = p.data.subarray(0, le);
      const rest = p.data.subarray(le);
      if (rest.length > 0) {
        this.pending = { data: rest, sw: p.sw };
        return Uint8Array.from([...part, 0x61, rest.length >= 256 ? 0x00 : rest.length]);
      }
      this.pending = null;
      return Uint8Array.from([...part, ...p.sw]);
    }
    this.pending = null;
    const kind = apduCase(cmd);
    if (kind === 2 && this.resend?.header === header) {
      const r = this.resend.response;
      this.resend = null;
      if ((cmd.le ?? 256) === r.length - 2) return r;
    }
    this.resend = null;
    const r = this.card.transceive(apdu);
    if (r.length < 2) return r;
    const data = r.subarray(0, r.length - 2);
    const status = r.subarray(r.length - 2);
    const normal = status[0] === 0x90 && status[1] === 0x00;
    if (data.length === 0) return r;
    if (kind === 2) {
      // The card sends exactly Le bytes or says how many it has.
      if ((cmd.le ?? 256) === data.length) return r;
      this.resend = { header, response: r };
      return sw(0x6c00 | (data.length & 0xff));
    }
    // Cases 3 and 4: no Le went to the card, so data can only come by GET RESPONSE, and
    // only after a normal ending; with an error or warning the data is not sent.
    if (!normal) return status.slice();
    this.pending = { data: data.slice(), sw: status.slice() };
    return sw(0x6100 | (data.length >= 256 ? 0 : data.length));
  }
}
