import { describe, expect, it } from 'vitest';
import {
  BRTY_106A,
  BRTY_106B,
  commandName,
  DecodeProblem,
  decodeAutoPoll,
  decodeFirmwareVersion,
  decodeListedTargets,
  timeoutCode,
  timeoutMs,
} from '../../../src/hal/pn532/commands.js';
import { Pn532ResponseError, Pn532WrongChipError } from '../../../src/hal/pn532/errors.js';
import { encodeFrame, TFI_PN532 } from '../../../src/hal/pn532/frame.js';
import { Pn532HsuLink } from '../../../src/hal/pn532/hsu-link.js';
import { Pn532 } from '../../../src/hal/pn532/pn532.js';
import { isRfFailure, statusText } from '../../../src/hal/pn532/status.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { createSerialPair } from '../../../simulator/ports/serial-pair.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { drive, failure } from './harness.js';

describe('answer decoding (UM0701-02 7)', () => {
  it('firmware version and its support bits', () => {
    expect(decodeFirmwareVersion(fromHex('32010602'))).toEqual({
      ic: 0x32,
      version: 1,
      revision: 6,
      support: 2,
      isoA: false,
      isoB: true,
      iso18092: false,
    });
    expect(() => decodeFirmwareVersion(fromHex('320106'))).toThrow(DecodeProblem);
  });

  it('two type A targets back to back, the first with an ATS, the second without; ATQA turned to air order', () => {
    // The PN532 sends SENS_RES most significant byte first: 00 44 for a double-size UID card.
    const data = fromHex('02' + '01 0044 20 07 04A1B2C3D4E5F6 0578807002' + '02 0004 08 04 DEADBEEF');
    const [a, b] = decodeListedTargets(data, BRTY_106A);
    expect(a).toEqual({ type: 'A', tg: 1, atqa: fromHex('4400'), sak: 0x20, uid: fromHex('04A1B2C3D4E5F6'), ats: fromHex('0578807002') });
    expect(b).toEqual({ type: 'A', tg: 2, atqa: fromHex('0400'), sak: 0x08, uid: fromHex('DEADBEEF') });
  });

  it('a type B target', () => {
    const [t] = decodeListedTargets(fromHex('01 01 5012345678AABBCCDD008171 01 00'), BRTY_106B);
    expect(t).toEqual({ type: 'B', tg: 1, atqb: fromHex('5012345678AABBCCDD008171'), uid: fromHex('12345678'), attribRes: fromHex('00') });
  });

  it('InAutoPoll results carry a type and a length before each target', () => {
    const [t] = decodeAutoPoll(fromHex('01 20 0E 01 0044 20 04 11223344 0578807002'));
    expect(t?.type).toBe('A');
    expect(toHex(t!.uid)).toBe('11223344');
    expect(decodeAutoPoll(fromHex('00'))).toEqual([]);
  });

  it('names what is wrong in a malformed answer', () => {
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeProblem);
        return (e as Error).message;
      }
      throw new Error('no problem found');
    };
    expect(problem(() => decodeListedTargets(fromHex('03'), BRTY_106A))).toMatch(/NbTg 3/);
    expect(problem(() => decodeListedTargets(fromHex('01 01 4400 00 05 1122334455'), BRTY_106A))).toMatch(/length 5 is not 4, 7 or 10/);
    expect(problem(() => decodeListedTargets(fromHex('01 01 4400 20 04 11223344 05 78'), BRTY_106A))).toMatch(/ATS: 4 bytes expected, 1 left/);
    expect(problem(() => decodeListedTargets(fromHex('01 01 4400 00 04 11223344 99'), BRTY_106A))).toMatch(/1 bytes after the last target/);
    expect(problem(() => decodeListedTargets(fromHex('01 01 4400'), BRTY_106A))).toMatch(/SEL_RES missing/);
    expect(problem(() => decodeListedTargets(fromHex('01 01 6012345678AABBCCDD008171 01 00'), BRTY_106B))).toMatch(/not 0x50/);
    expect(problem(() => decodeAutoPoll(fromHex('01 42 01 01')))).toMatch(/type 0x42/);
  });

  it('RF timeouts: code n waits 100 µs * 2^(n-1) (7.3.1)', () => {
    expect(timeoutMs(0)).toBe(0);
    expect(timeoutMs(1)).toBeCloseTo(0.1);
    expect(timeoutMs(0x0b)).toBeCloseTo(102.4);
    expect(timeoutMs(0x10)).toBeCloseTo(3276.8);
    expect(timeoutCode(50)).toBe(0x0a);
    expect(timeoutCode(51.3)).toBe(0x0b);
    expect(timeoutCode(10_000)).toBe(0x10);
  });

  it('status texts and names', () => {
    expect(statusText(0x01)).toBe('the card did not answer in time');
    expect(statusText(0x41)).toBe('the card did not answer in time');
    expect(isRfFailure(0x01)).toBe(true);
    expect(isRfFailure(0x27)).toBe(false);
    expect(commandName(0x4a)).toBe('InListPassiveTarget');
    expect(commandName(0x99)).toBe('command 0x99');
  });
});

/**
 * A rogue device on the far end of the serial link: it ACKs every command and answers
 * with what the test scripts, so the driver meets answers no good chip sends.
 */
function rogue(answers: Record<number, string>) {
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock, { paths: ['sim:rogue', 'rogue'] });
  let buf = '';
  device.onData((d) => {
    buf += toHex(d);
    const m = /0000FF..(?:..)D4(..)/.exec(buf);
    if (!m) return;
    buf = '';
    const code = parseInt(m[1]!, 16);
    const answer = answers[code] ?? '';
    void device.write(fromHex('0000FF00FF00')).then(() =>
      device.write(encodeFrame(TFI_PN532, fromHex((code + 1).toString(16).padStart(2, '0') + answer))),
    );
  });
  return { clock, link: new Pn532HsuLink(host, { wakeup: new Uint8Array(0) }) };
}

describe('answers no good PN532 sends', () => {
  it('another IC in GetFirmwareVersion is a Pn532WrongChipError', async () => {
    const r = rogue({ 0x02: '33010607' });
    const e = await failure(r.clock, Pn532.open({ link: r.link, clock: r.clock }));
    expect(e).toBeInstanceOf(Pn532WrongChipError);
    expect((e as Error).message).toBe('sim:rogue: the chip answered as IC 0x33, not a PN532 (0x32)');
  });

  it('a truncated target or a missing status byte is a Pn532ResponseError, never a crash', async () => {
    const r = rogue({ 0x02: '32010607', 0x4a: '010144002004112233440578', 0x40: '' });
    const pn = await drive(r.clock, Pn532.open({ link: r.link, clock: r.clock }));
    const e = await failure(r.clock, pn.inListPassiveTarget({ type: 'A' }));
    expect(e).toBeInstanceOf(Pn532ResponseError);
    expect((e as Error).message).toBe('InListPassiveTarget: malformed answer: ATS: 4 bytes expected, 1 left');
    const e2 = await failure(r.clock, pn.inDataExchange(1, fromHex('00')));
    expect((e2 as Error).message).toBe('InDataExchange: malformed answer: the status byte is missing');
  });
});
