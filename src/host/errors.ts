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
  | 'ISO_BAD_VALUE'
  | 'FRAME_LENGTH';

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

/**
 * A length header (docs/host-spec.md section 2) that no message can have: zero, or over the
 * channel's maximum. The stream cannot be trusted to find the next message, so the
 * connection is closed; the request waiting on it gets this error (a garbled reply).
 */
export class FrameError extends MessageFormatError {
  readonly length: number;
  constructor(length: number, max: number) {
    // 'MTI' stands for the message as a whole: its length header comes before the MTI.
    super('FRAME_LENGTH', 'MTI', 'length header', null, length === 0 ? 'announces an empty message' : `announces ${length} bytes; the most accepted is ${max}`);
    this.length = length;
  }
}

/** No connection to the host could be made: the request never left, nothing is to be reversed. */
export class HostConnectError extends HostError {
  readonly requestSent = false;
  constructor(endpoint: string, detail: string, options?: { cause?: unknown }) {
    super('HOST_CONNECT', `host ${endpoint}: cannot connect (${detail}); the request was not sent`, options);
  }
}

/** No matching, verified response within the response timeout (docs/host-spec.md section 7). */
export class HostTimeoutError extends HostError {
  readonly requestSent = true;
  readonly timeoutMs: number;
  constructor(endpoint: string, timeoutMs: number) {
    super('HOST_TIMEOUT', `host ${endpoint}: no response within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection closed after the request left and before its answer came. */
export class HostDisconnectedError extends HostError {
  readonly requestSent = true;
  constructor(endpoint: string, detail: string, options?: { cause?: unknown }) {
    super('HOST_DISCONNECTED', `host ${endpoint}: the connection closed before the answer (${detail})`, options);
  }
}

/**
 * A reversal is due and could not be delivered yet: no financial request and no settlement
 * may leave before it (docs/host-spec.md section 8, rule 5).
 */
export class ReversalPendingError extends HostError {
  readonly pending: number;
  constructor(pending: number) {
    super('REVERSAL_PENDING', `${pending} reversal${pending === 1 ? ' is' : 's are'} due and not yet acknowledged by the host; try again later`);
    this.pending = pending;
  }
}
