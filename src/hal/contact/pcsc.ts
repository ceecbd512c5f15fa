/**
 * The PC/SC seam (PC/SC Workgroup specification part 5: SCardGetStatusChange, SCardConnect,
 * SCardTransmit, SCardDisconnect): one reader of the resource manager as the contact driver
 * is handed it. On Linux the resource manager is pcsc-lite (pcscd) with the CCID driver for
 * USB readers; on the sim board the contact slot emulator (simulator/devices/contact-slot)
 * keeps the same contract; src/hal/linux/pcsc.ts is the port over pcscd (README.md here).
 */
import type { ContactProtocol } from '../contact-reader.js';

/** One reader's state, as SCardGetStatusChange reports it. */
export interface PcscReaderState {
  /** SCARD_STATE_PRESENT: a card is in the slot. */
  present: boolean;
  /** The ATR the reader read when the card came in (rgbAtr); absent without a card. */
  atr?: Uint8Array;
  /**
   * The event counter (the high word of dwEventState): it counts insertions and removals,
   * so a card pulled out and put back between two looks is still seen as a new insertion.
   */
  events: number;
}

/** A connection to the card in the slot (SCardConnect). */
export interface PcscConnection {
  readonly atr: Uint8Array;
  readonly protocol: ContactProtocol;
  /**
   * SCardTransmit: one short APDU out, the response back. With T=0 the reader driver maps
   * the APDU to TPDUs (ISO/IEC 7816-3 12.2: a case 4 command goes without its Le) and hands
   * the card's 61xx and 6Cxx back unchanged. Rejects with CardRemovedError when the card was
   * pulled out (SCARD_W_REMOVED_CARD), CardTransmissionError for other failures.
   */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /** SCardDisconnect with SCARD_UNPOWER_CARD. Twice is harmless. */
  disconnect(): Promise<void>;
}

export interface PcscReaderPort {
  /** The reader's name as PC/SC lists it ("ACS ACR39U ICC Reader 00 00"), or "sim:contact". */
  readonly name: string;
  /** The state now. */
  state(): PcscReaderState;
  /** Calls `listener` on every change of state (insertion, removal), never by our polling. Returns a function that stops it. */
  watch(listener: (state: PcscReaderState) => void): () => void;
  /**
   * SCardConnect (exclusive, T=0 or T=1 as the card offers): powers the card. Rejects with
   * CardRemovedError when no card is in the slot, ContactCardMuteError when it does not
   * answer to reset.
   */
  connect(): Promise<PcscConnection>;
  /** Releases the reader (SCardReleaseContext). */
  close(): Promise<void>;
}

/**
 * How a board's ports offer PC/SC readers by the name its description gives: the sim board's
 * (the contact slot emulator) and the Linux ports (pcscd, src/hal/linux/pcsc.ts), whose
 * pcsc() rejects with ContactReaderUnavailableError when the binding or pcscd is missing.
 */
export interface PcscPorts {
  pcsc(reader: string): Promise<PcscReaderPort>;
}

export function hasPcsc(ports: object): ports is PcscPorts {
  return typeof (ports as Partial<PcscPorts>).pcsc === 'function';
}
