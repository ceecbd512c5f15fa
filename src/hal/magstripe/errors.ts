import { PosError } from '../../errors.js';

/**
 * A swipe that could not be read: not a fault of the terminal (the customer swipes again,
 * or the card goes to the chip reader), and never with the characters read in the message:
 * they are card data.
 */
export type SwipeErrorCode =
  /** The reader marked a track as unreadable ('%E?', ';E?'). */
  | 'SWIPE_TRACK_UNREADABLE'
  /** Sentinels out of place, a character outside the track's set, Enter inside a track. */
  | 'SWIPE_FRAMING'
  /** A track longer than ISO/IEC 7813 allows (79 characters for track 1, 40 for track 2). */
  | 'SWIPE_TOO_LONG'
  /** Track 1 alone: the terminal needs track 2. */
  | 'SWIPE_NO_TRACK2'
  /** The characters stopped in the middle of a track (the inter-character timeout ran out). */
  | 'SWIPE_INCOMPLETE';

export class SwipeError extends PosError {
  /** The track the problem was found in, when it was in one. */
  readonly track: 1 | 2 | 3 | undefined;
  constructor(code: SwipeErrorCode, message: string, track?: 1 | 2 | 3) {
    super(code, track ? `track ${track}: ${message}` : message);
    this.track = track;
  }
}
