import { ReadTimeoutError } from '../errors.js';
import type { Clock, SerialLink } from '../hal/ports.js';
import { PrinterNotRespondingError, PrinterStatusError } from './errors.js';
import * as cmd from './escpos.js';
import type { PrinterProfile } from './profile.js';
import { CSN_A2, mechanismMs, wireMs } from './profile.js';
import type { Segment } from './render.js';
import type { PrinterStatus } from './status.js';
import { fromDleEot, fromGsR, isDleEotStatus, isGsRStatus, UNKNOWN_STATUS } from './status.js';

export interface EscPosPrinterOptions {
  link: SerialLink;
  clock: Clock;
  profile?: PrinterProfile;
}

/**
 * An ESC/POS printer on a serial link: sends segments paced to the mechanism, and asks
 * for status. It keeps no job state (that is the print queue's) and is the only writer on
 * its link.
 *
 * Pacing: the CSN-A2 class has no flow control on its TTL link (the driver cannot see a
 * BUSY line and the printer sends no XOFF), so the driver models the mechanism instead: it
 * keeps the time at which everything sent so far should be printed, estimated from the
 * profile's dot rows per second, and holds each segment back until less than `leadMs` of
 * printing is still queued in the printer. The printer's buffer then holds a few lines
 * at most, which also bounds what is left in it when the paper runs out.
 */
export class EscPosPrinter {
  readonly profile: PrinterProfile;
  private readonly link: SerialLink;
  private readonly clock: Clock;
  /** Monotonic ms at which the mechanism should have printed every segment sent. */
  private busyUntil = 0;
  /** Bytes written and estimated print time, for benchmarks and logs. */
  bytesSent = 0;

  constructor(options: EscPosPrinterOptions) {
    this.link = options.link;
    this.clock = options.clock;
    this.profile = options.profile ?? CSN_A2;
  }

  get path(): string {
    return this.link.path;
  }

  /** Estimated ms of printing still queued in the printer. */
  backlogMs(): number {
    return Math.max(0, this.busyUntil - this.clock.monotonic());
  }

  private frozenMs = 0;

  /**
   * The printer stopped (paper out, cover open): what it still holds waits, and will print
   * first when it is back. The estimate is frozen now and taken up again by `resume()`.
   */
  pause(): void {
    this.frozenMs = Math.max(this.frozenMs, this.backlogMs());
    this.busyUntil = this.clock.monotonic();
  }

  /** The printer can print again: the frozen backlog is printed before anything sent now. */
  resume(): void {
    this.busyUntil = Math.max(this.busyUntil, this.clock.monotonic()) + this.frozenMs;
    this.frozenMs = 0;
  }

  /** Estimated ms the mechanism needs for one segment. */
  segmentMs(s: Segment): number {
    return mechanismMs(this.profile, s.printRows, s.feedRows);
  }

  /** Sends one segment once the printer has room for it; resolves when its bytes are on the wire. */
  async send(segment: Segment, signal?: AbortSignal): Promise<void> {
    const wait = this.backlogMs() - this.profile.leadMs;
    if (wait > 0) await this.clock.sleep(Math.ceil(wait), signal);
    await this.link.write(segment.bytes);
    this.bytesSent += segment.bytes.length;
    this.busyUntil = Math.max(this.busyUntil, this.clock.monotonic()) + this.segmentMs(segment);
  }

  /** Waits until everything sent should have been printed. */
  async drain(signal?: AbortSignal): Promise<void> {
    const left = this.backlogMs();
    if (left > 0) await this.clock.sleep(Math.ceil(left), signal);
  }

  private async query(request: Uint8Array, valid: (b: number) => boolean, what: string, extraMs = 0): Promise<number> {
    const timeoutMs = Math.ceil(this.profile.statusTimeoutMs + wireMs(this.profile, request.length + 1) + extraMs);
    let bad = -1;
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.link.flush();
      await this.link.write(request);
      let reply: Uint8Array;
      try {
        reply = await this.link.read({ timeoutMs, maxBytes: 1 });
      } catch (e) {
        if (e instanceof ReadTimeoutError) throw new PrinterNotRespondingError(this.link.path, timeoutMs, e);
        throw e;
      }
      if (valid(reply[0]!)) return reply[0]!;
      bad = reply[0]!; // noise on the line: ask once more before giving up
    }
    throw new PrinterStatusError(this.link.path, what, bad);
  }

  /**
   * The printer's state. 'dle-eot': DLE EOT 2 (cover, paper end stop, error) and, with
   * `paperSensor`, DLE EOT 4 (near end). 'gs-r': GS r 1, which the printer answers only
   * after printing what it holds, so the wait includes the backlog. 'none': nothing is
   * asked and the status says so (`known: false`). Throws PrinterNotRespondingError or
   * PrinterStatusError; a closed link's PortClosedError passes through.
   */
  async status(options: { paperSensor?: boolean } = {}): Promise<PrinterStatus> {
    switch (this.profile.status) {
      case 'none':
        return UNKNOWN_STATUS;
      case 'gs-r':
        return fromGsR(await this.query(cmd.transmitPaperStatus(), isGsRStatus, 'GS r 1', this.backlogMs()));
      case 'dle-eot': {
        const offline = await this.query(cmd.realTimeStatus(2), isDleEotStatus, 'DLE EOT 2');
        const paper = options.paperSensor ? await this.query(cmd.realTimeStatus(4), isDleEotStatus, 'DLE EOT 4') : undefined;
        return fromDleEot(offline, paper);
      }
    }
  }
}
