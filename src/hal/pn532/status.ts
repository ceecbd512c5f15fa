/**
 * The status byte of PN532 answers and its error codes (UM0701-02 7.1, error handling).
 * The low six bits carry the code; bit 6 is MI (more information: chaining, 7.3.8) and
 * bit 7 says a NAD byte is present.
 */

export const STATUS_CODE_MASK = 0x3f;
export const STATUS_MI = 0x40;
export const STATUS_NAD = 0x80;

/** Error codes of UM0701-02 7.1, each with a text written for the person reading a log. */
export const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  0x00: 'no error',
  0x01: 'the card did not answer in time',
  0x02: 'CRC error in what the card sent',
  0x03: 'parity error in what the card sent',
  0x04: 'wrong bit count during anticollision or select',
  0x05: 'framing error during a MIFARE operation',
  0x06: 'abnormal bit collision during anticollision at 106 kbps',
  0x07: 'the communication buffer is too small',
  0x09: 'the RF buffer overflowed',
  0x0a: 'the other side did not switch its RF field on in time (active mode)',
  0x0b: 'RF protocol error',
  0x0d: 'the chip overheated and switched its antenna drivers off',
  0x0e: 'internal buffer overflow',
  0x10: 'invalid parameter',
  0x12: 'DEP: the initiator sent a command the target does not support',
  0x13: 'data format error: length, PCB or block does not match the protocol',
  0x14: 'MIFARE authentication failed',
  0x23: 'ISO/IEC 14443-3: the UID check byte is wrong',
  0x25: 'DEP: invalid device state for this operation',
  0x26: 'operation not allowed in this configuration',
  0x27: 'command not acceptable now (unknown target, wrong mode or state)',
  0x29: 'the target was released by its initiator',
  0x2a: 'ISO/IEC 14443-3B: another card replaced the one activated',
  0x2b: 'ISO/IEC 14443-3B: the card activated before has gone',
  0x2c: 'NFCID3 of initiator and target do not match',
  0x2d: 'over-current detected',
  0x2e: 'NAD missing in a DEP frame',
});

/** The human text for a status byte (flags ignored). */
export function statusText(status: number): string {
  const code = status & STATUS_CODE_MASK;
  return STATUS_TEXT[code] ?? 'unknown error code';
}

/**
 * Codes that mean the radio exchange itself failed: what a card that left the field (or
 * never answered) produces. The reader then asks whether the card is still there to tell
 * "removed" from "garbled".
 */
const RF_FAILURES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0b, 0x13, 0x23, 0x29, 0x2a, 0x2b]);

export function isRfFailure(status: number): boolean {
  return RF_FAILURES.has(status & STATUS_CODE_MASK);
}
