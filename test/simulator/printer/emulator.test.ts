import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/hex.js';
import { encodeQr, qrDark } from '../../../src/printer/qr/qr-code.js';
import { PrinterEmulator, type PrinterEmulatorOptions } from '../../../simulator/devices/printer/emulator.js';
import { createSerialPair } from '../../../simulator/ports/serial-pair.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';

/**
 * The printer emulator driven byte for byte, with no driver in between: what is tested is
 * its own reading of ESC/POS (Epson ESC/POS Command Reference) and its model of the
 * mechanism, paper and cover.
 */
function bench(options: Partial<PrinterEmulatorOptions> = {}) {
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock, { baudRate: 19200 });
  const emu = new PrinterEmulator({ clock, ...options });
  emu.connect(device);
  let heard: number[] = [];
  host.onData((d) => heard.push(...d));
  return {
    clock,
    emu,
    async send(bytes: Uint8Array | string) {
      await host.write(typeof bytes === 'string' ? fromHex(bytes.replace(/\s+/g, '')) : bytes);
    },
    async text(s: string) {
      await host.write(new TextEncoder().encode(s));
    },
    /** Runs the mechanism until it has nothing left. */
    async print(ms = 10_000) {
      await clock.advance(ms);
    },
    take(): string {
      const h = toHex(Uint8Array.from(heard));
      heard = [];
      return h;
    },
  };
}

const ascii = (s: string) => toHex(new TextEncoder().encode(s));

describe('printer emulator: text', () => {
  it('prints lines, aligns them, cuts receipts apart', async () => {
    const b = bench();
    await b.send(`1B40 ${ascii('LEFT')} 0A 1B6101 ${ascii('MID')} 0A 1B6102 ${ascii('RIGHT')} 0A 1D5601`);
    await b.send(`${ascii('second')} 0A 1D564200`);
    await b.print();
    expect(b.emu.receipts.map((r) => r.id)).toEqual(['R0001', 'R0002']);
    expect(b.emu.receipts[0]!.text).toBe(`LEFT\n${' '.repeat(15)}MID\n${' '.repeat(27)}RIGHT`);
    expect(b.emu.receipts[1]!.text).toBe(`${' '.repeat(26)}second`); // ESC a stays until changed or ESC @
    expect(b.emu.errors).toEqual([]);
  });

  it('sizes: a normal line is 24 dots plus 6 fed, GS ! 0x11 doubles both; ESC a counts only at a line start', async () => {
    const b = bench();
    await b.send(`${ascii('a')} 0A 1D2111 ${ascii('BIG')} 0A 1D2100 ${ascii('x')} 1B6101 ${ascii('y')} 0A 1D5600`);
    await b.print();
    const r = b.emu.receipts[0]!;
    expect(r.rows).toBe(30 + 48 + 30);
    expect(r.text).toBe('a\nBIG\nxy'); // ESC a in mid-line ignored
  });

  it('wraps a line longer than the head (32 Font A characters on 384 dots)', async () => {
    const b = bench();
    await b.text(`${'0123456789'.repeat(4)}\n`);
    await b.send('1D5600');
    await b.print();
    expect(b.emu.receipts[0]!.text).toBe(`${'0123456789'.repeat(3)}01\n23456789`);
  });

  it('Chinese mode: GB18030 two- and four-byte characters, two columns each; bad bytes recorded and resynchronised', async () => {
    const b = bench();
    // FS & 商户 (C9CC BBA7), ¥ as the four bytes 81 30 84 36, then a broken sequence before LF.
    await b.send(`1C26 C9CCBBA7 81308436 41 0A C9 0A 1C2E 1D5600`);
    await b.print();
    expect(b.emu.receipts[0]!.text).toBe('商户¥A\n?');
    expect(b.emu.errors).toEqual([expect.objectContaining({ kind: 'bad-text' })]);
    // 16 Chinese characters fill a 32-column line.
    const c = bench();
    await c.send(`1C26 ${'D6D0'.repeat(17)} 0A 1D5600`);
    await c.print();
    expect(c.emu.receipts[0]!.text).toBe(`${'中'.repeat(16)}\n中`);
  });

  it('single-byte mode: the ESC t code table (PC437 by default)', async () => {
    const b = bench();
    await b.send(`1C2E 1B7400 82 C9CC 0A 1B7413 D5 0A 1B74FE 0A 1D5600`);
    await b.print();
    expect(b.emu.receipts[0]!.text).toBe('é╔╠\n€'); // PC858 has € at D5
    expect(b.emu.errors).toEqual([expect.objectContaining({ kind: 'bad-parameter', detail: expect.stringContaining('ESC t 254') })]);
  });
});

describe('printer emulator: status', () => {
  it('answers DLE EOT 1-4 at once with the fixed bits set, whatever is queued', async () => {
    const b = bench({ nearEndRows: 100 });
    await b.text('line\n'.repeat(40)); // 3 s of printing queued
    await b.send('100401 100402 100403 100404');
    await b.clock.advance(0);
    expect(b.take()).toBe('12121212');
    b.emu.openCover();
    b.emu.runOutAfter(50);
    await b.send('100401 100402 100404');
    await b.clock.advance(0);
    expect(b.take()).toBe('1A161E'); // offline; cover open; near end
    b.emu.runOutAfter(0);
    await b.send('100402 100404');
    await b.clock.advance(0);
    expect(b.take()).toBe('367E'); // cover open + paper end stop; near end + paper end
  });

  it('answers GS r 1 in sequence: only after what came before it is printed, and not while out of paper', async () => {
    const b = bench();
    await b.text('line\n'.repeat(10)); // 10 x 30 rows at 400 rows/s = 750 ms
    await b.send('1D7201');
    await b.clock.advance(700);
    expect(b.take()).toBe('');
    await b.clock.advance(100);
    expect(b.take()).toBe('00');
    b.emu.runOutAfter(0);
    await b.text('more\n');
    await b.send('1D7201');
    await b.clock.advance(5000);
    expect(b.take()).toBe('');
    b.emu.loadPaper();
    await b.clock.advance(200);
    expect(b.take()).toBe('00');
  });
});

describe('printer emulator: paper and buffer', () => {
  it('stops when the paper runs out; the strip so far leaves with the old roll; the buffer prints on the new one', async () => {
    const b = bench();
    b.emu.runOutAfter(90); // three lines
    await b.text('one\ntwo\nthree\nfour\nfive\n');
    await b.send('1D5600');
    await b.print();
    expect(b.emu.paperOut).toBe(true);
    expect(b.emu.receipts).toEqual([]);
    expect(b.emu.currentText()).toBe('one\ntwo\nthree');
    b.emu.loadPaper();
    await b.print();
    expect(b.emu.torn.map((r) => [r.text, r.complete])).toEqual([['one\ntwo\nthree', false]]);
    expect(b.emu.receipts.map((r) => r.text)).toEqual(['four\nfive']);
  });

  it('a cover opened stops the mechanism; closed, it goes on where it was', async () => {
    const b = bench();
    await b.text('one\ntwo\nthree\n');
    await b.send('1D5600');
    await b.clock.advance(80);
    b.emu.openCover();
    await b.print();
    expect(b.emu.currentText()).toBe('one\ntwo');
    b.emu.closeCover();
    await b.print();
    expect(b.emu.receipts.map((r) => r.text)).toEqual(['one\ntwo\nthree']);
  });

  it('without flow control, bytes beyond a full buffer are lost and the loss is recorded', async () => {
    const b = bench({ bufferBytes: 64 });
    await b.text('0123456789\n'.repeat(20));
    expect(b.emu.bytesLost).toBeGreaterThan(100);
    expect(b.emu.errors.filter((e) => e.kind === 'overflow')).toHaveLength(1);
    expect(b.emu.buffered).toBeLessThanOrEqual(64);
  });
});

describe('printer emulator: graphics and protocol errors', () => {
  it('GS v 0 raster: dots where the bytes put them, shown as [IMAGE WxH]', async () => {
    const b = bench();
    // 2 bytes wide (16 dots), 3 rows: a diagonal-ish pattern.
    await b.send('1D7630 00 0200 0300 8001 4002 2004 1D5600');
    await b.print();
    const r = b.emu.receipts[0]!;
    expect(r.text).toBe('[IMAGE 16x3]');
    expect(r.rows).toBe(3);
    const png = r.png();
    expect(toHex(png.subarray(12, 24))).toBe(`49484452${(384).toString(16).padStart(8, '0')}00000003`.toUpperCase()); // IHDR 384 x 3
  });

  it('GS ( k QR on a printer that has it: [QR data] and the symbol drawn module for module', async () => {
    const b = bench({ qr: true });
    const data = new TextEncoder().encode('hello');
    const store = Uint8Array.of(0x1d, 0x28, 0x6b, data.length + 3, 0, 49, 80, 48, ...data);
    await b.send('1D286B0400314132 00 1D286B03003143 04 1D286B03003145 31'.replace(/\s/g, ''));
    await b.send(store);
    await b.send('1B6100 1D286B0300315130 1D5600');
    await b.print();
    const r = b.emu.receipts[0]!;
    expect(r.text).toBe('[QR hello]');
    const m = encodeQr('hello', 'M');
    expect(r.rows).toBe(m.size * 4);
    expect(b.emu.errors).toEqual([]);
    for (let y = 0; y < m.size; y++) {
      for (let x = 0; x < m.size; x++) expect(r.dot(x * 4 + 2, y * 4 + 2)).toBe(qrDark(m, x, y));
    }
    // Without GS ( k (the CSN-A2), the same bytes print nothing and are recorded.
    const c = bench({ qr: false });
    await c.send(store);
    expect(c.emu.errors[0]).toMatchObject({ kind: 'unsupported' });
  });

  it('records unknown commands and bad parameters, and prints on', async () => {
    const b = bench();
    await b.send(`1B01 1B6107 1D2199 100409 1D5605 07 ${ascii('ok')} 0A 1D5600`);
    await b.print();
    expect(b.emu.errors.map((e) => `${e.kind}: ${e.detail}`)).toEqual([
      'unknown-command: ESC 0x01',
      'bad-parameter: ESC a 7',
      'bad-parameter: GS ! 0x99',
      'bad-parameter: DLE EOT 9',
      'bad-parameter: GS V 5',
      'unknown-command: control byte 0x07',
    ]);
    expect(b.emu.receipts[0]!.text).toBe('ok');
  });

  it('GS v 0 sent while characters wait on the line is refused (standard mode)', async () => {
    const b = bench();
    await b.send(`${ascii('x')} 1D7630 00 0100 0100 FF 0A 1D5600`);
    await b.print();
    expect(b.emu.errors[0]).toMatchObject({ kind: 'bad-state' });
    expect(b.emu.receipts[0]!.text).toBe('x');
  });
});

describe('printer emulator: fuzz', () => {
  /** xorshift32: the same bytes on every run. */
  function rng(seed: number) {
    let s = seed >>> 0 || 1;
    return () => {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s;
    };
  }

  it('random bytes and random command-shaped bytes never make it throw', async () => {
    const prefixes = ['1B', '1D', '1C', '10', '12', '1D28', '1D76', '1D7630', '1B2A', '1C26', '1D286B', '0A', '1D56'];
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed * 7919);
      const b = bench({ bufferBytes: 2048, qr: seed % 2 === 0 });
      for (let chunk = 0; chunk < 30; chunk++) {
        const parts: number[] = [];
        const n = next() % 64;
        for (let i = 0; i < n; i++) {
          if (next() % 4 === 0) parts.push(...fromHex(prefixes[next() % prefixes.length]!));
          // Small lengths mostly, so commands end and the stream goes on to the next one.
          parts.push(next() % 3 === 0 ? next() % 8 : next() & 0xff);
        }
        await b.send(Uint8Array.from(parts));
        if (chunk % 5 === 0) b.emu.runOutAfter(next() % 2000);
        if (chunk % 7 === 0) b.emu.loadPaper();
        if (chunk % 11 === 0) (chunk % 2 ? b.emu.openCover() : b.emu.closeCover());
        await b.clock.advance(next() % 500);
      }
      b.emu.loadPaper();
      b.emu.closeCover();
      await b.clock.advance(60_000);
      expect(b.emu.buffered).toBeLessThanOrEqual(2048);
      expect(b.emu.errors.length).toBeLessThanOrEqual(1000);
      for (const r of [...b.emu.receipts, ...b.emu.torn]) expect(r.png().length).toBeGreaterThan(50);
    }
  });
});

describe('printer emulator font', () => {
  it('has every character the receipts print (gen-font --check)', () => {
    expect(() => execFileSync(process.execPath, ['simulator/devices/printer/gen-font.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
