import { ValidationError } from '../errors.js';

/**
 * Errors of the security layer. They are ValidationErrors: each one means an input (a key,
 * a PIN, a PAN, a KSN, a PIN block, a stored DUKPT state) is not what the standard allows,
 * and `pos tool` reports them as one line with exit code 2. Messages never carry a PIN,
 * a full PAN, a clear PIN block or a key.
 */
export class SecurityError extends ValidationError {
  constructor(code: string, message: string) {
    super(message, code);
  }
}

/** A key of a length the algorithm does not take. */
export class KeyLengthError extends SecurityError {
  constructor(what: string, got: number, allowed: string) {
    super('KEY_LENGTH', `${what}: ${got} bytes; ${allowed}`);
  }
}

/** A PIN that is not 4 to 12 decimal digits (ISO 9564-1). */
export class PinError extends SecurityError {
  constructor(message: string) {
    super('PIN_INVALID', message);
  }
}

/** A PAN that is not 8 to 19 decimal digits (ISO/IEC 7812-1). */
export class PanError extends SecurityError {
  constructor(message: string) {
    super('PAN_INVALID', message);
  }
}

/**
 * A PIN block that does not decode. `code` tells which check failed: PIN_BLOCK_LENGTH,
 * PIN_BLOCK_FORMAT (control field), PIN_BLOCK_PIN_LENGTH, PIN_BLOCK_DIGIT, PIN_BLOCK_FILL.
 */
export class PinBlockError extends SecurityError {}

/** A key serial number of the wrong size, or with a counter the scheme never uses. */
export class KsnError extends SecurityError {
  constructor(message: string, code = 'KSN_INVALID') {
    super(code, message);
  }
}

/** The DUKPT device has used its last counter; it needs a new initial key. */
export class KsnExhaustedError extends SecurityError {
  constructor(scheme: string) {
    super('KSN_EXHAUSTED', `${scheme}: the transaction counter is exhausted; load a new initial key`);
  }
}

/** A stored DUKPT state that is malformed or breaks the register invariants. */
export class DukptStateError extends SecurityError {
  constructor(message: string) {
    super('DUKPT_STATE', `DUKPT state: ${message}`);
  }
}

/** Any other argument outside what the algorithm defines (a padding method, an ATC length...). */
export class CryptoArgumentError extends SecurityError {
  constructor(message: string) {
    super('CRYPTO_ARGUMENT', message);
  }
}
