/**
 * A keyboard-wedge magstripe reader as the terminal's key event source sees it: a swipe is
 * typed as US-layout key presses (Shift around '%', '^', '?', capital letters), then Enter.
 * It keeps the KeyEventSource contract: reads time out on the clock, abort, and fail once
 * closed; one read waits at a time.
 */
import { abortReason, PortBusyError, PortClosedError } from '../../../src/errors.js';
import { keyEventsFor, type KeyEvent, type KeyEventSource } from '../../../src/hal/magstripe/keyboard-wedge.js';
import { PendingRead } from '../../../src/hal/pending-read.js';
import type { Clock } from '../../../src/hal/ports.js';
import type { MagstripeCard } from '../../cards/catalog.js';
import { readStripe, type Garble } from './garble.js';

export class WedgeKeyboardEmulator implements KeyEventSource {
  readonly name: string;
  private queue: KeyEvent[] = [];
  private readonly reads: PendingRead<KeyEvent[]>;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? 'sim:wedge';
    this.reads = new PendingRead(clock, this.name);
  }

  /** Key events as they come off the USB, in one report (or more: see `typeSlowly`). */
  press(events: readonly KeyEvent[]): void {
    if (this.closed) return;
    this.queue.push(...events);
    if (this.reads.waiting && this.queue.length > 0) this.reads.give(this.queue.splice(0));
  }

  /** Types `text` as a US keyboard would. */
  type(text: string): void {
    this.press(keyEventsFor(text));
  }

  /** Types text one key event every `msPerEvent` on the clock (for tests of the pause between characters). */
  async typeSlowly(text: string, msPerEvent: number): Promise<void> {
    for (const e of keyEventsFor(text)) {
      this.press([e]);
      await this.clock.sleep(msPerEvent);
    }
  }

  /** A swipe: track 1, track 2, Enter. */
  swipe(card: MagstripeCard, options: { garble?: Garble } = {}): void {
    const t = readStripe(card, options.garble);
    this.type(`${t.track1 ?? ''}${t.track2}\r`);
  }

  read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<KeyEvent[]> {
    if (this.closed) return Promise.reject(new PortClosedError(this.name));
    if (this.reads.waiting) return Promise.reject(new PortBusyError(this.name, 'read'));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    if (this.queue.length > 0) return Promise.resolve(this.queue.splice(0));
    return this.reads.wait(options.timeoutMs, options.signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reads.fail(new PortClosedError(this.name));
  }
}
