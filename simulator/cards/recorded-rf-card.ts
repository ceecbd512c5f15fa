/**
 * A recorded card (a trace of {"c","r"}) in the PN532 emulator's field: the playback of
 * src/emv/recorded-card.ts behind an ISO/IEC 14443-4 type A activation.
 */
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../src/errors.js';
import { fromHex } from '../../src/hex.js';
import { parseTrace, RecordedCard } from '../../src/emv/recorded-card.js';
import type { RfCard } from '../devices/pn532/rf-card.js';

/** The card of a trace file, with a UID of its own (7 bytes, hex). */
export function recordedRfCard(path: string, uid = '04C0FFEE000001'): RfCard & { recording: RecordedCard } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ValidationError(`${path}: cannot read the trace (${(e as Error).message.split('\n')[0]})`);
  }
  const recording = new RecordedCard(parseTrace(json, path));
  return { type: 'A', uid: fromHex(uid), ats: fromHex('0578807002'), recording, transceive: (apdu) => recording.transceive(apdu) };
}
