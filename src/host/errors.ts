/**
 * Errors of the host layer. Bytes from the acquirer that do not follow docs/host-spec.md
 * are a MessageFormatError naming the field and the byte offset (counted from the first
 * byte of the MTI); values a caller asks us to send that the specification forbids are a
 * FieldValueError (a ValidationError: the caller's input is wrong, not the host).
 *
 * No message here ever contains a field's value: fields 2, 35 and 52 hold card data.
 */
import { PosError, ValidationError } from '../errors.js';

/** Where in a message: a field number (1 = the secondary bitmap), the MTI or the primary bitmap. */
export type FieldRef = number | 'MTI' | 'bitmap';

/** The family: anything that went wrong between the terminal and the acquirer host. */
export class HostError extends PosError {}

export type FormatErrorCode =
  | 'ISO_TRUNCATED'
  | 'ISO_BAD_NIBBLE'
  | 'ISO_BAD_PAD'
  | 'ISO_TOO_LONG'
  | 'ISO_BAD_CHAR'
  | 'ISO_UNDEFINED_FIELD'
  | 'ISO_BAD_BITMAP'
  | 'ISO_TRAILING_BYTES'
  | 'ISO_MISSING_FIELD'
  | 'ISO_BAD_VALUE';

/** Bytes (or a decoded message) from the host that break the specification. */
export class MessageFormatError extends HostError {
  override readonly code: FormatErrorCode;
  readonly field: FieldRef;
  /** Byte offset from the first byte of the MTI; null when the fault has no position (a missing field). */
  readonly offset: number | null;
  constructor(code: FormatErrorCode, field: FieldRef, where: string, offset: number | null, detail: string) {
    super(code, offset === null ? `${where}: ${detail}` : `${where} at offset ${offset}: ${detail}`);
    this.code = code;
    this.field = field;
    this.offset = offset;
  }
}

/** A value handed to the packer or a builder that the specification does not allow. */
export class FieldValueError extends ValidationError {
  readonly field: FieldRef | string;
  constructor(field: FieldRef | string, where: string, detail: string) {
    super(`${where}: ${detail}`, 'ISO_FIELD_VALUE');
    this.field = field;
  }
}

/** A response whose MAC is missing or does not verify: the terminal treats it as no response. */
export class MacMismatchError extends HostError {
  constructor(detail: string) {
    super('MAC_MISMATCH', `response MAC: ${detail}; treated as no response`);
  }
}
