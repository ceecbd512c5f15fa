/**
 * How bytes reach the PN532 and come back: HSU (hsu-link.ts), I2C (i2c-link.ts) or SPI
 * (spi-link.ts). The chip logic (pn532.ts) knows only this, as libnfc's pn53x.c knows only
 * its drivers' send and receive. Framing, checksums, ACK and retries are the chip logic's
 * job; a link moves bytes and knows its own handshake (HSU wake-up, I2C and SPI ready).
 */
export interface Pn532Link {
  /** What people call the link in messages: "/dev/serial0", "/dev/i2c-1@0x24". */
  readonly path: string;

  /** Sends one whole frame. */
  send(frame: Uint8Array): Promise<void>;

  /**
   * Resolves with bytes the chip sent, as soon as there are any: part of a frame (HSU) or
   * one read transfer (I2C, SPI: after the chip said it is ready). `expect` is how many
   * frame bytes are likely to come, so a transfer-based link reads them in one go. Rejects
   * with ReadTimeoutError after `timeoutMs` on the clock, with the signal's reason when
   * `signal` aborts.
   */
  receive(options: { timeoutMs: number; expect: number; signal?: AbortSignal }): Promise<Uint8Array>;

  /** Drops whatever the chip sent and was not read yet (resynchronisation). */
  flush(): Promise<void>;

  /** Brings the chip out of PowerDown or Low VBat the way this link must (UM0701-02 7.2.11). */
  wakeUp(): Promise<void>;

  /** Releases the port. */
  close(): Promise<void>;
}
