import type { SerialLink } from '../ports.js';
import type { Pn532Link } from './link.js';

/** Default HSU speed of the PN532 after reset (UM0701-02 7.2.8). */
export const HSU_DEFAULT_BAUD = 115200;

/**
 * The wake-up preamble for HSU: 0x55 makes the UART's first edges that start the chip's
 * oscillator; the zeros that follow fill the time it needs before it listens again, so
 * the command frame sent right after is heard whole (UM0701-02 7.2.11, HSU wake-up).
 * 16 bytes is 1.4 ms at 115200 baud.
 */
export const HSU_WAKEUP = Uint8Array.of(0x55, 0x55, ...new Array<number>(14).fill(0x00));

export interface HsuLinkOptions {
  /** Bytes to send to wake the chip; default HSU_WAKEUP. */
  wakeup?: Uint8Array;
}

/** The PN532 on a UART (its HSU): frames go out as they are and come back as a stream. */
export class Pn532HsuLink implements Pn532Link {
  readonly path: string;
  private readonly wakeup: Uint8Array;

  constructor(
    private readonly serial: SerialLink,
    options: HsuLinkOptions = {},
  ) {
    this.path = serial.path;
    this.wakeup = options.wakeup ?? HSU_WAKEUP;
  }

  send(frame: Uint8Array): Promise<void> {
    return this.serial.write(frame);
  }

  receive(options: { timeoutMs: number; expect: number; signal?: AbortSignal }): Promise<Uint8Array> {
    return this.serial.read({ timeoutMs: options.timeoutMs, signal: options.signal });
  }

  flush(): Promise<void> {
    return this.serial.flush();
  }

  wakeUp(): Promise<void> {
    return this.serial.write(this.wakeup);
  }

  close(): Promise<void> {
    return this.serial.close();
  }
}
