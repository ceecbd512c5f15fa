import { PortClosedError, ReadTimeoutError } from '../../../src/errors.js';
import type { SerialLink } from '../../../src/hal/ports.js';
import type { SerialDevicePort } from './emulator.js';

/**
 * The device side of a UART made from any SerialLink, so the PN532 emulator can sit on a
 * real tty (a pty from socat, a USB-serial adapter) where other NFC software reaches it.
 * A read loop turns the link's pull-style reads into the pushed chunks the emulator
 * listens for; an idle line costs one wake-up per `idleReadMs`, nothing more.
 */
export class SerialLinkDevicePort implements SerialDevicePort {
  /** Resolves when the read loop ends: the link closed, or failed (then `failure` says how). */
  readonly ended: Promise<void>;
  /** What ended the loop when it was not an orderly close. */
  failure: Error | null = null;
  /** Bytes that came in and went out, for a log at the end. */
  readonly counts = { in: 0, out: 0 };

  private listeners: ((data: Uint8Array) => void)[] = [];
  private writes: Promise<void> = Promise.resolve();
  private started = false;
  private finish!: () => void;

  constructor(
    readonly link: SerialLink,
    private readonly options: { idleReadMs?: number } = {},
  ) {
    // The loop waits for its first listener: bytes read with nobody to hear them would be lost.
    this.ended = new Promise<void>((resolve) => (this.finish = resolve));
  }

  onData(listener: (data: Uint8Array) => void): () => void {
    this.listeners.push(listener);
    if (!this.started) {
      this.started = true;
      void this.pump().then(this.finish);
    }
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Writes in order; a SerialLink refuses overlapping writes, so each waits for the one before. */
  write(data: Uint8Array): Promise<void> {
    const run = this.writes.then(async () => {
      await this.link.write(data);
      this.counts.out += data.length;
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async pump(): Promise<void> {
    const timeoutMs = this.options.idleReadMs ?? 60_000;
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await this.link.read({ timeoutMs });
      } catch (e) {
        if (e instanceof ReadTimeoutError) continue;
        if (!(e instanceof PortClosedError)) this.failure = e instanceof Error ? e : new Error(String(e));
        return;
      }
      this.counts.in += chunk.length;
      for (const l of [...this.listeners]) l(chunk);
    }
  }

  /** Closes the link; the read loop ends. */
  async close(): Promise<void> {
    await this.link.close();
    if (!this.started) this.finish();
    await this.ended;
  }
}
