/**
 * The card's side of ISO/IEC 14443-4 at block level, for raw frames the host sends with
 * InCommunicateThru (UM0701-02 7.3.9) to a card the chip has activated. InDataExchange
 * never comes here: there the chip runs the block protocol itself. libnfc does come here,
 * to ask whether a card is still present (an R(NAK), answered with an R(ACK) or the last
 * block), and to deselect. Also the CRCs of ISO/IEC 14443-3 for frames whose CRC the
 * host computes itself (CIU_TxMode / CIU_RxMode bit 7 cleared).
 */

import { concat } from '../../../src/bytes.js';

/** ISO/IEC 14443-3 annex B: CRC_A (preset 6363) or CRC_B (preset FFFF, inverted); low byte first. */
export function crc14443(type: 'A' | 'B', data: Uint8Array): Uint8Array {
  let crc = type === 'A' ? 0x6363 : 0xffff;
  for (const byte of data) {
    let b = (byte ^ crc) & 0xff;
    b = (b ^ (b << 4)) & 0xff;
    crc = ((crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4)) & 0xffff;
  }
  if (type === 'B') crc = ~crc & 0xffff;
  return Uint8Array.of(crc & 0xff, crc >> 8);
}

/** True when the last two bytes of `frame` are the CRC of the bytes before them. */
export function crcMatches(type: 'A' | 'B', frame: Uint8Array): boolean {
  if (frame.length < 3) return false;
  const want = crc14443(type, frame.subarray(0, frame.length - 2));
  return want[0] === frame[frame.length - 2] && want[1] === frame[frame.length - 1];
}

/** What a card in ISO/IEC 14443-4 remembers between blocks. */
export interface PiccState {
  /** The card's block number: 1 after activation, toggled by each I-block it receives (rule C, D). */
  blockNumber: number;
  /** The last block the card sent, to send again when asked (rule 11). */
  lastBlock: Uint8Array | null;
  /** I-block parts received with the chaining bit set, waiting for the last one. */
  chained: Uint8Array[];
  /** The card got S(DESELECT): it answers nothing more until activated again. */
  deselected: boolean;
}

export function newPiccState(): PiccState {
  return { blockNumber: 1, lastBlock: null, chained: [], deselected: false };
}

const PCB_CHAINING = 0x10;
const PCB_CID = 0x08;
const PCB_NAD = 0x04;
const PCB_NAK = 0x10;

/**
 * The card's answer to one block (CRC already stripped), or null when a real card would
 * stay silent: a frame that is no block, a deselected card, a mute application.
 * `apdu` is the application: a C-APDU in, the R-APDU out, throwing when it stays mute.
 */
export function piccBlock(state: PiccState, block: Uint8Array, apdu: (c: Uint8Array) => Uint8Array): Uint8Array | null {
  if (state.deselected || block.length === 0) return null;
  const pcb = block[0]!;
  let at = 1;
  if ((pcb & PCB_CID) !== 0 && block.length < 2) return null;
  const cid = (pcb & PCB_CID) !== 0 ? block[at++] : undefined;
  const head = (p: number) => (cid === undefined ? [p] : [p | PCB_CID, cid]);
  const send = (bytes: number[]) => {
    const out = Uint8Array.from(bytes);
    state.lastBlock = out;
    return out;
  };

  if ((pcb & 0xe2) === 0x02) {
    // I-block (ISO/IEC 14443-4 7.1.1.1); rule D: the card toggles its number on receipt.
    if ((pcb & PCB_NAD) !== 0) at++;
    state.blockNumber ^= 1;
    state.chained.push(block.subarray(at));
    if ((pcb & PCB_CHAINING) !== 0) return send(head(0xa2 | state.blockNumber));
    const c = concat(...state.chained);
    state.chained = [];
    let r: Uint8Array;
    try {
      r = apdu(c);
    } catch {
      return null;
    }
    return send([...head(0x02 | state.blockNumber), ...r]);
  }
  if ((pcb & 0xe6) === 0xa2) {
    // R-block. Rule 11: one with the card's own number asks for the last block again.
    // Rule 12: an R(NAK) with the other number gets an R(ACK): the presence check libnfc
    // makes. An R(ACK) with the other number would continue the card's chaining, and
    // this card never chains its answers, so it stays silent.
    if ((pcb & 1) === state.blockNumber) return state.lastBlock ?? send(head(0xa2 | state.blockNumber));
    if ((pcb & PCB_NAK) !== 0) return send(head(0xa2 | state.blockNumber));
    return null;
  }
  if ((pcb & 0xf7) === 0xc2) {
    // S(DESELECT), answered with the same, then silence (7.1.1.3, 8).
    state.deselected = true;
    return Uint8Array.from(head(0xc2));
  }
  return null;
}

