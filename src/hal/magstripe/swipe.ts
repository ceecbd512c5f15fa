/**
 * The tracks of one swipe, as the reader delivered them: each from its start sentinel to its
 * end sentinel (and the LRC when the reader passes it on). Track data must never reach a
 * log, a screen or a file (PCI DSS 4.0 3.3), so this object hides its content from JSON,
 * util.inspect and template strings; the terminal reads the tracks once, to parse them,
 * and then wipes them.
 */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const REDACTED = '[redacted track data]';

export class MagstripeSwipe {
  #track1: string | undefined;
  #track2: string;

  constructor(tracks: { track1?: string | undefined; track2: string }) {
    this.#track1 = tracks.track1;
    this.#track2 = tracks.track2;
  }

  /** Track 1 ('%B...?'), when the reader read it. */
  get track1(): string | undefined {
    return this.#track1;
  }

  /** Track 2 (';...?'). */
  get track2(): string {
    return this.#track2;
  }

  /** Forgets the tracks; after it track1 is undefined and track2 ''. */
  wipe(): void {
    this.#track1 = undefined;
    this.#track2 = '';
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [INSPECT](): string {
    return REDACTED;
  }
}
