/**
 * The card data that must never reach a log, a screen or a file in clear: the full PAN and
 * the track 2 equivalent data (PCI DSS 4.0 3.3 and 3.4). The kernel hands them to the flow
 * in this one object, apart from everything else it returns, so that logging a result
 * can never print them: JSON.stringify, util.inspect, pino and template strings all see
 * "[redacted]". The flow reads them only to build the host message and then wipes them.
 */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const REDACTED = '[redacted card data]';

export class SensitiveCardData {
  #pan: string;
  #track2: Uint8Array | undefined;

  constructor(pan: string, track2?: Uint8Array) {
    this.#pan = pan;
    this.#track2 = track2 ? track2.slice() : undefined;
  }

  /** The full PAN, digits. */
  get pan(): string {
    return this.#pan;
  }

  /** Track 2 equivalent data (tag 57) as the card gave it, a copy; undefined if the card had none. */
  get track2(): Uint8Array | undefined {
    return this.#track2?.slice();
  }

  /** Overwrites what this object holds; after it, pan is '' and track2 undefined. */
  wipe(): void {
    this.#track2?.fill(0);
    this.#track2 = undefined;
    this.#pan = '';
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
