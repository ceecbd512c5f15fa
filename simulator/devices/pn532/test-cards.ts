import { ValidationError } from '../../../src/errors.js';
import { fromHex } from '../../../src/hex.js';
import type { RfCard } from './rf-card.js';

/**
 * A few named cards to put in the emulated PN532's field until the virtual card catalog
 * (simulator/cards/) exists: enough to see a reader find, activate and talk to a card.
 * None of them holds an EMV application. Each call builds a fresh card, since the
 * emulator refuses to hold one object twice.
 */

export interface TestCardInfo {
  id: string;
  note: string;
  make(): RfCard;
}

const SW_FILE_NOT_FOUND = Uint8Array.of(0x6a, 0x82);
const SW_INS_NOT_SUPPORTED = Uint8Array.of(0x6d, 0x00);
const SW_OK = Uint8Array.of(0x90, 0x00);

/**
 * An ISO/IEC 7816-4 card with no application: SELECT (INS A4) finds nothing (6A82),
 * every other instruction is unknown (6D00). A command shorter than a header gets 6D00
 * too: the card answers, it does not fall silent.
 */
function emptyApplet(apdu: Uint8Array): Uint8Array {
  return apdu.length >= 4 && apdu[1] === 0xa4 ? SW_FILE_NOT_FOUND : SW_INS_NOT_SUPPORTED;
}

/** The ATS of the cards below: FSCI 8 (256-byte frames), TA/TB/TC present, FWI 7. */
const ATS = '0578807002';

const CARDS: readonly TestCardInfo[] = Object.freeze<TestCardInfo[]>([
  {
    id: 'iso-dep-a',
    note: 'ISO/IEC 14443-4 type A, 7-byte UID 04A1B2C3D4E5F6, SAK 20; SELECT answers 6A82, anything else 6D00',
    make: () => ({ type: 'A', uid: fromHex('04A1B2C3D4E5F6'), ats: fromHex(ATS), transceive: emptyApplet }),
  },
  {
    id: 'iso-dep-a4',
    note: 'ISO/IEC 14443-4 type A, 4-byte UID 08C0FFEE (random, 08 first), SAK 20; SELECT answers 6A82, anything else 6D00',
    make: () => ({ type: 'A', uid: fromHex('08C0FFEE'), ats: fromHex(ATS), transceive: emptyApplet }),
  },
  {
    id: 'iso-dep-b',
    note: 'ISO/IEC 14443-4 type B, PUPI 1A2B3C4D; SELECT answers 6A82, anything else 6D00',
    make: () => ({ type: 'B', uid: fromHex('1A2B3C4D'), transceive: emptyApplet }),
  },
  {
    id: 'uid-only',
    note: 'ISO/IEC 14443-3 type A only (ATQA 0044, SAK 00, UID 04112233445566): found by a poll, but no ISO-DEP, so APDUs get no answer',
    make: () => ({
      type: 'A',
      uid: fromHex('04112233445566'),
      transceive: () => {
        throw new Error('this card speaks no ISO/IEC 14443-4');
      },
    }),
  },
  {
    id: 'echo-a',
    note: 'ISO/IEC 14443-4 type A, UID 04E0E0E0E0E0E0; answers every APDU with the APDU itself followed by 9000',
    make: () => ({
      type: 'A',
      uid: fromHex('04E0E0E0E0E0E0'),
      ats: fromHex(ATS),
      transceive: (apdu: Uint8Array) => Uint8Array.from([...apdu, ...SW_OK]),
    }),
  },
]);

/** Every test card, in a stable order, for listings and help texts. */
export function testCards(): readonly TestCardInfo[] {
  return CARDS;
}

/** A fresh card of that id; a ValidationError naming the ids there are when it is unknown. */
export function testCard(id: string): RfCard {
  const info = CARDS.find((c) => c.id === id);
  if (!info) throw new ValidationError(`unknown card '${id}' (test cards: ${CARDS.map((c) => c.id).join(', ')})`, 'UNKNOWN_CARD');
  return info.make();
}
