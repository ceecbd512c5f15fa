import { prng } from '../../helpers/prng.js';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { Pn532FrameError } from '../../../src/hal/pn532/errors.js';
import {
  ACK_FRAME,
  encodeFrame,
  ERROR_FRAME,
  FrameParser,
  NACK_FRAME,
  TFI_HOST,
  TFI_PN532,
  type Frame,
} from '../../../src/hal/pn532/frame.js';
import { fromHex, toHex } from '../../../src/hex.js';

function parseAll(parser: FrameParser): Frame[] {
  const out: Frame[] = [];
  for (let f = parser.next(); f; f = parser.next()) out.push(f);
  return out;
}

function parseOne(bytes: Uint8Array, options = {}): Frame | undefined {
  const p = new FrameParser(options);
  p.push(bytes);
  return p.next();
}

/** The error next() throws for `bytes`, which must be a Pn532FrameError. */
function frameError(bytes: Uint8Array, options = {}): Pn532FrameError {
  const p = new FrameParser(options);
  p.push(bytes);
  try {
    p.next();
  } catch (e) {
    expect(e).toBeInstanceOf(Pn532FrameError);
    return e as Pn532FrameError;
  }
  throw new Error(`no error for ${toHex(bytes)}`);
}

describe('encoding (UM0701-02 6.2.1)', () => {
  it('builds the GetFirmwareVersion command exactly as the manual shows it', () => {
    expect(toHex(encodeFrame(TFI_HOST, Uint8Array.of(0x02)))).toBe('0000FF02FED4022A00');
  });

  it('builds SAMConfiguration normal mode with its checksums', () => {
    expect(toHex(encodeFrame(TFI_HOST, fromHex('140100')))).toBe('0000FF04FCD41401001700');
  });

  it('switches to the extended form when LEN does not fit a byte (6.2.1.2)', () => {
    const data = new Uint8Array(300).fill(0xab);
    const f = encodeFrame(TFI_HOST, data);
    expect(toHex(f.subarray(0, 8))).toBe('0000FFFFFF012DD2'); // LEN 0x012D = 301, LCS: 01 + 2D + D2 = 0x100
    expect(f.length).toBe(8 + 301 + 2);
    expect(f[f.length - 1]).toBe(0x00);
  });

  it('can be asked for the extended form of a short frame', () => {
    const f = encodeFrame(TFI_PN532, Uint8Array.of(0x03, 0x32), { extended: true });
    expect(toHex(f)).toBe('0000FFFFFF0003FDD50332F600');
  });

  it('refuses data that no frame can carry', () => {
    expect(() => encodeFrame(TFI_HOST, new Uint8Array(65535))).toThrow(ValidationError);
  });
});

describe('parsing', () => {
  it('round-trips normal and extended frames of every size', () => {
    for (const n of [0, 1, 2, 100, 253, 254, 255, 262, 264]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
      const f = parseOne(encodeFrame(TFI_PN532, data), { expectTfi: TFI_PN532 });
      expect(f).toEqual({ kind: 'information', tfi: TFI_PN532, data, extended: n + 1 > 255 });
    }
  });

  it('recognises ACK, NACK and the application error frame', () => {
    expect(parseOne(ACK_FRAME)).toEqual({ kind: 'ack' });
    expect(parseOne(NACK_FRAME)).toEqual({ kind: 'nack' });
    expect(parseOne(ERROR_FRAME, { expectTfi: TFI_PN532 })).toEqual({ kind: 'error' });
  });

  it('skips preamble and garbage before the start code', () => {
    const p = new FrameParser();
    p.push(fromHex('55 55 13 37 00 00 00'));
    expect(p.next()).toBeUndefined();
    p.push(ACK_FRAME);
    expect(p.next()).toEqual({ kind: 'ack' });
    expect(p.buffered).toBe(0);
  });

  it('assembles a frame that arrives one byte at a time', () => {
    const bytes = fromHex('0000FF00FF00 0000FF06FAD50332010607E800');
    const p = new FrameParser({ expectTfi: TFI_PN532 });
    const got: Frame[] = [];
    for (const b of bytes) {
      p.push(Uint8Array.of(b));
      got.push(...parseAll(p));
    }
    expect(got).toEqual([{ kind: 'ack' }, { kind: 'information', tfi: 0xd5, data: fromHex('0332010607'), extended: false }]);
  });

  it('finds frames without pre- and postamble when told they are left out (7.2.9)', () => {
    const p = new FrameParser({ postamble: false });
    p.push(fromHex('00FF00FF 00FF02FED51516'));
    expect(parseAll(p)).toEqual([{ kind: 'ack' }, { kind: 'information', tfi: 0xd5, data: fromHex('15'), extended: false }]);
  });

  it('keeps a trailing 00 that may begin a start code, and no other garbage', () => {
    const p = new FrameParser();
    p.push(fromHex('01 02 03 00'));
    expect(p.next()).toBeUndefined();
    expect(p.buffered).toBe(1);
    p.push(fromHex('FF 00 FF 00'));
    expect(p.next()).toEqual({ kind: 'ack' });
  });
});

describe('malformed frames: each field has its own error', () => {
  it('LCS of a normal frame', () => {
    const e = frameError(fromHex('0000FF02FDD5032800'));
    expect(e.field).toBe('LCS');
    expect(e.code).toBe('PN532_FRAME');
    expect(e.message).toMatch(/length checksum 0xFD does not match LEN 0x02/);
  });

  it('LCS of an extended frame', () => {
    const e = frameError(fromHex('0000FFFFFF0003FCD50332F600'));
    expect(e.field).toBe('LCS');
    expect(e.message).toMatch(/extended length checksum/);
  });

  it('DCS', () => {
    const e = frameError(fromHex('0000FF02FED5032900'));
    expect(e.field).toBe('DCS');
    expect(e.message).toMatch(/data checksum 0x29/);
  });

  it('TFI of the wrong direction', () => {
    const e = frameError(encodeFrame(TFI_HOST, Uint8Array.of(0x02)), { expectTfi: TFI_PN532 });
    expect(e.field).toBe('TFI');
    expect(e.message).toMatch(/TFI 0xD4 where 0xD5 was expected/);
  });

  it('postamble', () => {
    const f = encodeFrame(TFI_PN532, Uint8Array.of(0x15));
    f[f.length - 1] = 0x42;
    expect(frameError(f).field).toBe('postamble');
    expect(frameError(fromHex('0000FF00FF17')).field).toBe('postamble');
  });

  it('LEN: zero in an extended frame, and beyond what a PN532 frame holds', () => {
    expect(frameError(fromHex('0000FFFFFF000000D500')).field).toBe('LEN');
    const e = frameError(fromHex('0000FFFFFF0300FDD5'));
    expect(e.field).toBe('LEN');
    expect(e.message).toMatch(/768/);
    expect(frameError(fromHex('0000FF0000D500')).field).toBe('LEN');
  });

  it('resynchronises after a bad frame: a good one right behind is still found', () => {
    const p = new FrameParser({ expectTfi: TFI_PN532 });
    p.push(fromHex('0000FF02FED50329 00'));
    p.push(encodeFrame(TFI_PN532, Uint8Array.of(0x15)));
    expect(() => p.next()).toThrow(Pn532FrameError);
    expect(p.next()).toEqual({ kind: 'information', tfi: 0xd5, data: fromHex('15'), extended: false });
  });

  it('resynchronises when a real frame began inside a fake header', () => {
    // 00 FF 05 FB looks like a header promising 5 bytes; the real ACK starts right after it.
    const p = new FrameParser();
    p.push(fromHex('00FF05FB'));
    p.push(ACK_FRAME);
    p.push(new Uint8Array(2));
    expect(() => p.next()).toThrow(Pn532FrameError);
    expect(p.next()).toEqual({ kind: 'ack' });
  });
});


describe('fuzz', () => {
  it('random chunks of frames with garbage between them: only typed errors, every frame found', () => {
    const rand = prng(0x532).next;
    const byte = () => Math.floor(rand() * 256);
    for (let iteration = 0; iteration < 2000; iteration++) {
      const sent: Frame[] = [];
      const stream: number[] = [];
      const frames = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < frames; i++) {
        // Garbage without 00 or FF cannot form a start code with its neighbours.
        const garbage = Math.floor(rand() * 20);
        for (let g = 0; g < garbage; g++) stream.push(1 + Math.floor(rand() * 254));
        const r = rand();
        if (r < 0.15) {
          stream.push(...ACK_FRAME);
          sent.push({ kind: 'ack' });
        } else if (r < 0.2) {
          stream.push(...NACK_FRAME);
          sent.push({ kind: 'nack' });
        } else {
          const n = rand() < 0.1 ? 255 + Math.floor(rand() * 9) : Math.floor(rand() * 40);
          const data = Uint8Array.from({ length: n }, byte);
          stream.push(...encodeFrame(TFI_PN532, data, { extended: rand() < 0.1 }));
          sent.push({ kind: 'information', tfi: TFI_PN532, data, extended: n + 1 > 255 || false });
        }
      }
      const p = new FrameParser({ expectTfi: TFI_PN532 });
      const got: Frame[] = [];
      let at = 0;
      while (at < stream.length) {
        const size = 1 + Math.floor(rand() * 40);
        p.push(Uint8Array.from(stream.slice(at, at + size)));
        at += size;
        got.push(...parseAll(p));
      }
      expect(got.map((f) => (f.kind === 'information' ? { ...f, extended: false } : f))).toEqual(
        sent.map((f) => (f.kind === 'information' ? { ...f, extended: false } : f)),
      );
    }
  });

  it('arbitrary bytes in arbitrary chunks: never anything but a Pn532FrameError, and the buffer stays bounded', () => {
    const rand = prng(0xd5).next;
    let errors = 0;
    for (let iteration = 0; iteration < 3000; iteration++) {
      const p = new FrameParser({ expectTfi: TFI_PN532 });
      const length = Math.floor(rand() * 400);
      const stream = Uint8Array.from({ length }, () => {
        // Bias towards the bytes that make frame structure so headers actually occur.
        const r = rand();
        if (r < 0.2) return 0x00;
        if (r < 0.35) return 0xff;
        if (r < 0.4) return 0xd5;
        return Math.floor(rand() * 256);
      });
      if (rand() < 0.3) stream.set(encodeFrame(TFI_PN532, Uint8Array.of(0x03, 1, 2, 3)).subarray(0, Math.min(length, 11)), 0);
      let at = 0;
      while (at < stream.length) {
        const size = 1 + Math.floor(rand() * 64);
        p.push(stream.subarray(at, at + size));
        at += size;
        for (let guard = 0; guard < 1000; guard++) {
          try {
            if (!p.next()) break;
          } catch (e) {
            expect(e).toBeInstanceOf(Pn532FrameError);
            expect((e as Pn532FrameError).field).toMatch(/^(LEN|LCS|TFI|DCS|postamble)$/);
            errors++;
          }
        }
        // Never more than the largest possible frame is held back waiting.
        expect(p.buffered).toBeLessThanOrEqual(8 + 265 + 2);
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
