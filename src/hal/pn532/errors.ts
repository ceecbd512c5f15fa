import { DeviceError } from '../../errors.js';
import { commandName } from './commands.js';
import { statusText } from './status.js';

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;

/** The field of a PN532 frame that failed a check (UM0701-02 6.2.1). */
export type FrameField = 'LEN' | 'LCS' | 'TFI' | 'DCS' | 'postamble' | 'command code';

/** A frame from (or for) the PN532 failed one of its checks; `field` names which. */
export class Pn532FrameError extends DeviceError {
  readonly field: FrameField;
  constructor(field: FrameField, message: string) {
    super('PN532_FRAME', `PN532 frame: ${message}`);
    this.field = field;
  }
}

/** The PN532 answered with its application-level error frame (UM0701-02 6.2.1.5). */
export class Pn532SyntaxError extends DeviceError {
  readonly command: number;
  constructor(path: string, command: number) {
    super(
      'PN532_SYNTAX',
      `${path}: the PN532 refused ${commandName(command)} as a syntax error (unknown command or wrong parameters)`,
    );
    this.command = command;
  }
}

/** A command's status byte was not 0x00: carries the code of UM0701-02 7.1 and its meaning. */
export class Pn532StatusError extends DeviceError {
  readonly status: number;
  readonly command: number;
  constructor(command: number, status: number) {
    super('PN532_STATUS', `${commandName(command)} failed: ${statusText(status)} (status ${hex2(status & 0x3f)})`);
    this.status = status & 0x3f;
    this.command = command;
  }
}

/** No ACK came back for a command, even after resending it (UM0701-02 6.2.2). */
export class Pn532NoAckError extends DeviceError {
  readonly command: number;
  readonly attempts: number;
  constructor(path: string, command: number, attempts: number) {
    super('PN532_NO_ACK', `${path}: the PN532 did not acknowledge ${commandName(command)} (${attempts} attempts)`);
    this.command = command;
    this.attempts = attempts;
  }
}

/** A command was acknowledged but its answer did not come in time; it was aborted. */
export class Pn532TimeoutError extends DeviceError {
  readonly command: number;
  readonly timeoutMs: number;
  constructor(path: string, command: number, timeoutMs: number) {
    super('PN532_TIMEOUT', `${path}: no answer to ${commandName(command)} within ${timeoutMs} ms`);
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

/** A well-framed answer whose content does not fit the command (too short, bad lengths). */
export class Pn532ResponseError extends DeviceError {
  readonly command: number;
  constructor(command: number, problem: string) {
    super('PN532_RESPONSE', `${commandName(command)}: malformed answer: ${problem}`);
    this.command = command;
  }
}

/** Nothing that behaves like a PN532 is on the link: wiring, power, interface pins, speed. */
export class Pn532AbsentError extends DeviceError {
  readonly path: string;
  constructor(path: string, cause?: unknown) {
    super('PN532_ABSENT', `no PN532 answered on ${path}`, { cause });
    this.path = path;
  }
}

/** Something answered, but not as a PN532 (GetFirmwareVersion gave another IC). */
export class Pn532WrongChipError extends DeviceError {
  readonly ic: number;
  constructor(path: string, ic: number) {
    super('PN532_WRONG_CHIP', `${path}: the chip answered as IC ${hex2(ic)}, not a PN532 (0x32)`);
    this.ic = ic;
  }
}
