import { PosError } from '../errors.js';

/**
 * The card said something we cannot use: malformed TLV, a truncated response, a track that
 * does not follow ISO/IEC 7813. A CardError is a fault of the exchange; outcomes the
 * standard foresees (declined, blocked, try another interface) are returned as values.
 */
export class CardError extends PosError {}

/** BER-TLV that breaks EMV 4.4 Book 3 Annex B; `offset` is where in the input it broke. */
export class TlvError extends CardError {
  readonly offset: number;
  constructor(code: string, offset: number, message: string) {
    super(code, `TLV at offset ${offset}: ${message}`);
    this.offset = offset;
  }
}

/** A data object list (PDOL, CDOL, DDOL, TDOL) the card sent that cannot be used. */
export class DolError extends CardError {}

/** Magstripe or track 2 equivalent data that does not follow ISO/IEC 7813. */
export class TrackError extends CardError {
  /** Character (or nibble, for tag 57) position where the problem was found, if any. */
  readonly position: number | undefined;
  constructor(code: string, message: string, position?: number) {
    super(code, position === undefined ? message : `${message} (at position ${position})`);
    this.position = position;
  }
}
