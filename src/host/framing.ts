/**
 * The transport framing of docs/host-spec.md section 2: every message is preceded by a
 * 2-byte unsigned big-endian length, the number of bytes that follow (header excluded).
 * No TPDU. Both ends use this: the terminal's channel and the acquirer simulator.
 */
import { concat } from '../bytes.js';
import { FrameError } from './errors.js';

export const LENGTH_HEADER_BYTES = 2;
/** What a 2-byte header can announce. */
export const MAX_FRAME_LENGTH = 0xffff;
/**
 * The default cap of a reader: the specification's messages are under 600 bytes in
 * practice, so anything far above is a stream out of step, not a message worth buffering.
 */
export const DEFAULT_MAX_FRAME = 4096;

/** The message with its length header in front. */
export function frame(message: Uint8Array): Uint8Array {
  if (message.length === 0 || message.length > MAX_FRAME_LENGTH) throw new FrameError(message.length, MAX_FRAME_LENGTH);
  const out = new Uint8Array(LENGTH_HEADER_BYTES + message.length);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, LENGTH_HEADER_BYTES);
  return out;
}

/**
 * Cuts a byte stream into messages. Chunks may split a header or a message anywhere, or
 * carry several messages. A header of 0 or over `maxLength` throws FrameError: after it no
 * boundary can be trusted, and the owner closes the connection.
 */
export class FrameReader {
  private buffered: Uint8Array = new Uint8Array(0);
  private failed = false;

  constructor(readonly maxLength: number = DEFAULT_MAX_FRAME) {
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_FRAME_LENGTH) {
      throw new RangeError(`maxLength must be 1-${MAX_FRAME_LENGTH}`);
    }
  }

  /** Bytes received so far that do not yet make a whole message. */
  get pendingBytes(): number {
    return this.buffered.length;
  }

  /** Adds a chunk; returns every message it completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) return [];
    const all = this.buffered.length === 0 ? chunk : concat(this.buffered, chunk);
    const out: Uint8Array[] = [];
    let pos = 0;
    while (all.length - pos >= LENGTH_HEADER_BYTES) {
      const length = (all[pos]! << 8) | all[pos + 1]!;
      if (length === 0 || length > this.maxLength) {
        this.failed = true;
        this.buffered = new Uint8Array(0);
        throw new FrameError(length, this.maxLength);
      }
      if (all.length - pos - LENGTH_HEADER_BYTES < length) break;
      out.push(all.slice(pos + LENGTH_HEADER_BYTES, pos + LENGTH_HEADER_BYTES + length));
      pos += LENGTH_HEADER_BYTES + length;
    }
    this.buffered = all.slice(pos);
    return out;
  }
}

