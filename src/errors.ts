/**
 * Typed errors, one class per family. Every error carries a stable `code` a caller or a
 * test can branch on and a message written for the person who will read it.
 *
 * Faults end what is running (a device gone, a host that never answers); expected
 * results (a decline, a card that wants another interface) are values, not exceptions.
 */

export class PosError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A device, a port or a link misbehaved or is not there. */
export class DeviceError extends PosError {}

/** The port was closed while an operation waited on it; the operation was cancelled. */
export class PortClosedError extends DeviceError {
  readonly canceled = true;
  constructor(port: string) {
    super('PORT_CLOSED', `${port}: the port was closed`);
  }
}

/** A second write (or read) was started while one was still in progress. */
export class PortBusyError extends DeviceError {
  constructor(port: string, what: 'write' | 'read') {
    super('PORT_BUSY', `${port}: a ${what} is already in progress; ${what}s must not overlap`);
  }
}

/** No byte arrived within the read timeout. */
export class ReadTimeoutError extends DeviceError {
  readonly timeoutMs: number;
  constructor(port: string, timeoutMs: number) {
    super('READ_TIMEOUT', `${port}: no data within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** No I2C target acknowledged its address. */
export class I2cNackError extends DeviceError {
  readonly address: number;
  constructor(bus: string, address: number) {
    super('I2C_NACK', `${bus}: no device acknowledged address 0x${address.toString(16).padStart(2, '0').toUpperCase()}`);
    this.address = address;
  }
}

/** Bad input from a person, a file or a caller: names what is wrong and where. */
export class ValidationError extends PosError {
  constructor(message: string, code = 'INVALID') {
    super(code, message);
  }
}

/** What ended a wait that was not a fault: a key, a timeout, the card leaving. */
export class CancelledError extends PosError {
  readonly canceled = true;
  /** Why: 'cancel-key', 'timeout:<name>', 'shutdown', 'card-removed'... */
  readonly reason: string;
  constructor(reason: string, message?: string) {
    super('CANCELLED', message ?? `cancelled (${reason})`);
    this.reason = reason;
  }
}

/** A named timeout of a flow or prompt (pinEntryTimeout, hostResponseTimeout...) ran out. */
export class TimeoutError extends CancelledError {
  readonly timeoutName: string;
  constructor(timeoutName: string, ms: number) {
    super(`timeout:${timeoutName}`, `${timeoutName}: nothing happened within ${ms} ms`);
    this.timeoutName = timeoutName;
  }
}

/** Turns whatever an AbortSignal was aborted with into an Error to throw. */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  return new CancelledError(typeof r === 'string' ? r : 'aborted');
}
