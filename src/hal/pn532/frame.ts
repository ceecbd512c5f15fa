import { ValidationError } from '../../errors.js';
import { Pn532FrameError, type FrameField } from './errors.js';

/**
 * The PN532 host-link frames (UM0701-02 6.2.1), encoded and parsed as pure functions of
 * bytes. The parser is incremental: bytes arrive in any chunks, and a frame is returned
 * only once all of it is there and every field has passed its check.
 *
 *   normal      00 00 FF LEN LCS TFI PD0..PDn DCS 00              (6.2.1.1)
 *   extended    00 00 FF FF FF LENM LENL LCS TFI PD0..PDn DCS 00  (6.2.1.2)
 *   ACK         00 00 FF 00 FF 00                                 (6.2.1.3)
 *   NACK        00 00 FF FF 00 00                                 (6.2.1.4)
 *   error       00 00 FF 01 FF 7F 81 00                           (6.2.1.5)
 *
 * LEN counts TFI and the data bytes; LEN + LCS = 0 and TFI + PD0 + ... + PDn + DCS = 0,
 * both modulo 256.
 */

/** TFI of frames from the host controller to the PN532. */
export const TFI_HOST = 0xd4;
/** TFI of frames from the PN532 to the host controller. */
export const TFI_PN532 = 0xd5;
/** TFI of the application-level error frame. */
const TFI_ERROR = 0x7f;

export const ACK_FRAME: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0x00, 0xff, 0x00);
export const NACK_FRAME: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff, 0x00, 0x00);
export const ERROR_FRAME: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0x01, 0xff, 0x7f, 0x81, 0x00);

/**
 * The longest LEN the PN532 handles: TFI, command code, target byte and its 262-byte data
 * field of InDataExchange (UM0701-02 7.3.8). Garbage that happens to look like a longer
 * frame is refused at once instead of stalling the parser for up to 64 KiB.
 */
export const MAX_FRAME_LENGTH = 265;

/** Bytes a frame takes on the wire beyond its LEN bytes: the most an extended frame adds. */
export const FRAME_OVERHEAD = 10;

export type Frame =
  | { kind: 'ack' }
  | { kind: 'nack' }
  /** The PN532's answer to a command it could not parse (6.2.1.5). */
  | { kind: 'error' }
  | { kind: 'information'; tfi: number; data: Uint8Array; extended: boolean };

/** Low byte of the two's complement of the sum: what makes a checksum add up to zero. */
function checksum(bytes: Iterable<number>): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return -sum & 0xff;
}

/**
 * An information frame carrying `data` (command code and parameters) after `tfi`. Uses the
 * extended form when LEN does not fit a byte, or when asked to.
 */
export function encodeFrame(tfi: number, data: Uint8Array, options: { extended?: boolean } = {}): Uint8Array {
  const len = data.length + 1;
  if (len > 0xffff) throw new ValidationError(`PN532 frame: ${data.length} data bytes do not fit a frame (at most 65534)`);
  const extended = options.extended === true || len > 0xff;
  const head = extended
    ? [0x00, 0x00, 0xff, 0xff, 0xff, len >> 8, len & 0xff, checksum([len >> 8, len & 0xff])]
    : [0x00, 0x00, 0xff, len, checksum([len])];
  const out = new Uint8Array(head.length + len + 2);
  out.set(head, 0);
  out[head.length] = tfi;
  out.set(data, head.length + 1);
  out[head.length + len] = (checksum(data) - tfi) & 0xff;
  out[head.length + len + 1] = 0x00;
  return out;
}

export interface FrameParserOptions {
  /** Refuse information frames with another TFI (D5 on the host side, D4 on the chip's). */
  expectTfi?: number;
  /** Longest LEN accepted; default MAX_FRAME_LENGTH. */
  maxLength?: number;
  /**
   * Require the postamble byte (00) after each frame. True by default; false when the PN532
   * was told to leave pre- and postamble out (SetParameters fRemovePrePostAmble, 7.2.9).
   */
  postamble?: boolean;
}

/**
 * Finds frames in a byte stream. Whatever precedes a start code (00 FF) is preamble or
 * garbage and is dropped. When a frame fails a check, next() throws a Pn532FrameError
 * naming the field and skips only that start code, so a real frame that began inside the
 * bad one is still found by the next call.
 */
export class FrameParser {
  private buf = new Uint8Array(0);
  private pos = 0;
  private readonly expectTfi: number | undefined;
  private readonly maxLength: number;
  private readonly postamble: boolean;

  constructor(options: FrameParserOptions = {}) {
    this.expectTfi = options.expectTfi;
    this.maxLength = options.maxLength ?? MAX_FRAME_LENGTH;
    this.postamble = options.postamble ?? true;
  }

  /** Bytes held and not yet consumed (a partial frame, or a lone 00 that may start one). */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const rest = this.buf.subarray(this.pos);
    const next = new Uint8Array(rest.length + chunk.length);
    next.set(rest, 0);
    next.set(chunk, rest.length);
    this.buf = next;
    this.pos = 0;
  }

  /** Drops everything held: used after the link was flushed to resynchronise. */
  reset(): void {
    this.buf = new Uint8Array(0);
    this.pos = 0;
  }

  /** The next complete frame, or undefined until more bytes arrive. Throws Pn532FrameError. */
  next(): Frame | undefined {
    const b = this.buf;
    let s = -1;
    for (let i = this.pos; i + 1 < b.length; i++) {
      if (b[i] === 0x00 && b[i + 1] === 0xff) {
        s = i;
        break;
      }
    }
    if (s < 0) {
      // Keep a trailing 00: it may be the first half of a start code still on its way.
      this.pos = b.length > this.pos && b[b.length - 1] === 0x00 ? b.length - 1 : b.length;
      return undefined;
    }
    this.pos = s;
    const h = s + 2;
    if (b.length < h + 2) return undefined;
    const len = b[h]!;
    const lcs = b[h + 1]!;

    if ((len === 0x00 && lcs === 0xff) || (len === 0xff && lcs === 0x00)) {
      const end = h + 2;
      if (!this.postambleOk(s, end)) return undefined;
      return { kind: len === 0x00 ? 'ack' : 'nack' };
    }

    let length: number;
    let body: number;
    const extended = len === 0xff && lcs === 0xff;
    if (extended) {
      if (b.length < h + 5) return undefined;
      const lenm = b[h + 2]!;
      const lenl = b[h + 3]!;
      if (((lenm + lenl + b[h + 4]!) & 0xff) !== 0) {
        this.fail(s, 'LCS', `extended length checksum ${hex(b[h + 4]!)} does not match LENM ${hex(lenm)} LENL ${hex(lenl)}`);
      }
      length = (lenm << 8) | lenl;
      body = h + 5;
    } else {
      if (((len + lcs) & 0xff) !== 0) this.fail(s, 'LCS', `length checksum ${hex(lcs)} does not match LEN ${hex(len)}`);
      length = len;
      body = h + 2;
    }
    if (length === 0) this.fail(s, 'LEN', 'length 0: the frame carries not even a TFI');
    if (length > this.maxLength) this.fail(s, 'LEN', `length ${length} is more than the ${this.maxLength} bytes a PN532 frame holds`);

    const dcsAt = body + length;
    if (b.length < dcsAt + 1) return undefined;
    let sum = 0;
    for (let i = body; i <= dcsAt; i++) sum += b[i]!;
    if ((sum & 0xff) !== 0) {
      this.fail(s, 'DCS', `data checksum ${hex(b[dcsAt]!)} does not match the ${length} bytes of TFI and data`);
    }
    const tfi = b[body]!;
    const isError = !extended && length === 1 && tfi === TFI_ERROR;
    if (!isError && this.expectTfi !== undefined && tfi !== this.expectTfi) {
      this.fail(s, 'TFI', `TFI ${hex(tfi)} where ${hex(this.expectTfi)} was expected`);
    }
    if (!this.postambleOk(s, dcsAt + 1)) return undefined;
    if (isError) return { kind: 'error' };
    return { kind: 'information', tfi, data: Uint8Array.from(b.subarray(body + 1, dcsAt)), extended };
  }

  /** Checks the postamble at `end` (when required) and consumes the frame; false: wait. */
  private postambleOk(start: number, end: number): boolean {
    if (this.postamble) {
      if (this.buf.length < end + 1) return false;
      const p = this.buf[end]!;
      if (p !== 0x00) this.fail(start, 'postamble', `postamble ${hex(p)} where 0x00 was expected`);
      end += 1;
    }
    this.pos = end;
    return true;
  }

  private fail(start: number, field: FrameField, message: string): never {
    this.pos = start + 2;
    throw new Pn532FrameError(field, message);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;
}
