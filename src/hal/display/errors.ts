import { DeviceError, I2cNackError } from '../../errors.js';

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;

/** Nothing acknowledged the display's address when the driver started: wiring, power or address. */
export class DisplayNotFoundError extends DeviceError {
  readonly address: number;
  readonly bus: string;
  constructor(bus: string, address: number, cause: unknown) {
    super('DISPLAY_NOT_FOUND', `no display answered at ${hex2(address)} on ${bus}`, { cause });
    this.address = address;
    this.bus = bus;
  }
}

/** The display answered at start and later stopped acknowledging (a loose cable, a brown-out). */
export class DisplayGoneError extends DeviceError {
  readonly address: number;
  readonly bus: string;
  constructor(bus: string, address: number, cause: unknown) {
    super('DISPLAY_GONE', `the display at ${hex2(address)} on ${bus} stopped answering`, { cause });
    this.address = address;
    this.bus = bus;
  }
}

/** A NACK becomes the display's own error; every other failure passes through unchanged. */
export function displayError(bus: string, address: number, e: unknown, starting: boolean): unknown {
  if (!(e instanceof I2cNackError)) return e;
  return starting ? new DisplayNotFoundError(bus, address, e) : new DisplayGoneError(bus, address, e);
}
