/**
 * `pos tool track DATA`: a magstripe track 1 or 2 as a reader gives it (with or without
 * sentinels and LRC), or track 2 equivalent data (tag 57) in hex, as CONTRACT.md prints it:
 * {"track":1|2,"pan","name","expiry":"YYMM","serviceCode","discretionary"}; name is null
 * for track 2.
 *
 * This tool prints the full PAN, unlike everything else in the terminal: a technician asked
 * for it, to check a card or a reader on the bench with data they already hold. It is an
 * offline utility; nothing it reads is logged or stored.
 */
import { ValidationError } from '../../errors.js';
import { fromHex } from '../../hex.js';
import { CardError } from '../../emv/errors.js';
import { parseTrack, parseTrack2Equivalent, type TrackData } from '../../emv/track.js';
import { parseArgs } from '../args.js';
import type { ToolCommand } from './tool-command.js';

export interface TrackJson {
  track: 1 | 2;
  pan: string;
  name: string | null;
  expiry: string;
  serviceCode: string;
  discretionary: string;
}

function read(text: string): TrackData {
  // Hex with the 'D' separator and no '=' can only be tag 57's nibbles.
  if (/^[0-9A-Fa-f]+$/.test(text) && /[Dd]/.test(text)) return parseTrack2Equivalent(fromHex(text, 'track DATA'));
  return parseTrack(text);
}

const track: ToolCommand = {
  name: 'track',
  usage: 'track DATA',
  run(args: string[]): TrackJson {
    const { positional } = parseArgs(args);
    // A name on track 1 holds spaces; unquoted, the shell splits it, so the words are rejoined.
    const text = positional.join(' ');
    if (text === '') throw new ValidationError('track: give the track data (pos tool track DATA)');
    try {
      const t = read(text);
      return {
        track: t.track,
        pan: t.pan,
        name: t.name ?? null,
        expiry: t.expiry,
        serviceCode: t.serviceCode,
        discretionary: t.discretionary,
      };
    } catch (e) {
      if (e instanceof CardError) throw new ValidationError(`track: ${e.message}`, e.code);
      throw e;
    }
  },
};

export default track;
