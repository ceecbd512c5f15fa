/**
 * The magstripe reader as the rest of the terminal sees it, and its one driver for both
 * kinds of reader: characters from a CharacterSource, assembled into tracks by the
 * TrackAssembler, with a limit on the pause between two characters of one swipe.
 */
import { abortReason, ReadTimeoutError } from '../../errors.js';
import type { CharacterSource } from './character-source.js';
import { SwipeError } from './errors.js';
import type { MagstripeSwipe } from './swipe.js';
import { TrackAssembler } from './track-assembler.js';

export interface MagstripeReader {
  /** What people call this reader in messages. */
  readonly name: string;
  /**
   * Waits for the next swipe and resolves with its tracks (track 2 always there). Rejects
   * with SwipeError when the swipe could not be read (the customer swipes again), with the
   * signal's reason when `signal` aborts (a half-read swipe is then forgotten).
   */
  waitForSwipe(options: { signal: AbortSignal }): Promise<MagstripeSwipe>;
  close(): Promise<void>;
}

export interface StreamReaderOptions {
  /** Most ms between two characters of one swipe: a reader sends a swipe in one burst. Default 500. */
  interCharacterTimeoutMs?: number;
  /** The reader passes each track's LRC on after its end sentinel. Default false. */
  lrc?: boolean;
}

/** A read that waits for the first character of a swipe: as long as a timer allows. */
const IDLE_MS = 0x7fffffff;

export class StreamMagstripeReader implements MagstripeReader {
  private readonly assembler: TrackAssembler;
  private readonly gapMs: number;
  /** Characters read past the end of the last swipe: the start of the next. */
  private carry = '';

  constructor(
    private readonly source: CharacterSource,
    options: StreamReaderOptions = {},
  ) {
    this.gapMs = options.interCharacterTimeoutMs ?? 500;
    this.assembler = new TrackAssembler({ lrc: options.lrc ?? false });
  }

  get name(): string {
    return this.source.name;
  }

  async waitForSwipe(options: { signal: AbortSignal }): Promise<MagstripeSwipe> {
    const { signal } = options;
    const asm = this.assembler;
    let failed: SwipeError | undefined;
    try {
      for (;;) {
        if (signal.aborted) throw abortReason(signal);
        let chunk = this.carry;
        this.carry = '';
        if (chunk.length === 0) {
          try {
            chunk = await this.source.read({ timeoutMs: asm.started ? this.gapMs : IDLE_MS, signal });
          } catch (e) {
            if (!(e instanceof ReadTimeoutError)) throw e;
            const r = asm.gap();
            if (failed) throw failed;
            if (r?.kind === 'swipe') return r.swipe;
            if (r?.kind === 'error') throw r.error;
            continue;
          }
        }
        for (let i = 0; i < chunk.length; i++) {
          const r = asm.feed(chunk[i]!);
          if (failed && !asm.discarding) {
            // The rest of the bad swipe is gone (up to its Enter): report it now.
            this.carry = chunk.slice(i + 1);
            throw failed;
          }
          if (!r) continue;
          if (r.kind === 'swipe') {
            this.carry = chunk.slice(i + 1);
            return r.swipe;
          }
          if (!asm.discarding) {
            this.carry = chunk.slice(i + 1);
            throw r.error;
          }
          // Drop what is left of this swipe before reporting, so it cannot pass for the next one.
          failed = r.error;
        }
      }
    } catch (e) {
      // Cancelled, or the port failed: a half-read swipe is forgotten.
      if (!(e instanceof SwipeError)) asm.reset();
      throw e;
    }
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
