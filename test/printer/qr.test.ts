import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import type { PrintDocument } from '../../src/printer/document.js';
import { CSN_A2, GENERIC_80MM, type PrinterProfile } from '../../src/printer/profile.js';
import { encodeQr, formatBits, qrByteCapacity, qrDark, versionBits } from '../../src/printer/qr/qr-code.js';
import { reedSolomonRemainder } from '../../src/printer/qr/reed-solomon.js';
import { rig, settleOn } from './harness.js';

describe('QR encoder (ISO/IEC 18004)', () => {
  it('Reed-Solomon: the 1-Q "HELLO WORLD" codewords give the published error correction', () => {
    const data = Uint8Array.of(32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236);
    expect([...reedSolomonRemainder(data, 13)]).toEqual([168, 72, 22, 82, 217, 54, 156, 0, 46, 15, 180, 122, 16]);
  });

  it('format and version information match the standard tables', () => {
    expect(formatBits('L', 0).toString(2).padStart(15, '0')).toBe('111011111000100');
    expect(formatBits('M', 0).toString(2).padStart(15, '0')).toBe('101010000010010');
    expect(formatBits('Q', 0).toString(2).padStart(15, '0')).toBe('011010101011111');
    expect(formatBits('H', 0).toString(2).padStart(15, '0')).toBe('001011010001001');
    expect(versionBits(7)).toBe(0x07c94);
  });

  it('byte capacities of versions 1 and 10 (Table 7) and the smallest version chosen', () => {
    expect([qrByteCapacity(1, 'L'), qrByteCapacity(1, 'M'), qrByteCapacity(1, 'Q'), qrByteCapacity(1, 'H')]).toEqual([17, 14, 11, 7]);
    expect([qrByteCapacity(10, 'L'), qrByteCapacity(10, 'M'), qrByteCapacity(10, 'Q'), qrByteCapacity(10, 'H')]).toEqual([271, 213, 151, 119]);
    expect(encodeQr('x'.repeat(14), 'M').version).toBe(1);
    expect(encodeQr('x'.repeat(15), 'M').version).toBe(2);
    expect(() => encodeQr('x'.repeat(214), 'M')).toThrow(ValidationError);
  });

  it('draws finder, timing and the format bits of its mask where a reader looks for them', () => {
    const m = encodeQr('https://receipts.example/000123', 'M');
    const finder = ['1111111', '1000001', '1011101', '1011101', '1011101', '1000001', '1111111'];
    for (const [ox, oy] of [[0, 0], [m.size - 7, 0], [0, m.size - 7]] as const) {
      for (let y = 0; y < 7; y++) for (let x = 0; x < 7; x++) expect(qrDark(m, ox + x, oy + y) ? '1' : '0').toBe(finder[y]![x]);
    }
    for (let i = 8; i < m.size - 8; i++) expect(qrDark(m, i, 6)).toBe(i % 2 === 0);
    // Format bits 0-5 down column 8 from the top (7.9.1).
    const f = formatBits('M', m.mask);
    for (let i = 0; i <= 5; i++) expect(qrDark(m, 8, i)).toBe(((f >>> i) & 1) === 1);
    expect(qrDark(m, 8, m.size - 8)).toBe(true); // the dark module
  });
});

describe('QR codes on paper: GS ( k, or the GS v 0 raster fallback', () => {
  const data = 'https://receipts.example/r/000123?t=12345678';
  const doc: PrintDocument = { title: 'qr', lang: 'en', columns: 32, charset: 'single-byte', blocks: [{ kind: 'qr', data }, { kind: 'cut' }] };

  async function printed(profile: PrinterProfile) {
    const r = rig({ profile });
    await settleOn(r.clock, r.queue.submit({ ...doc, columns: profile.columns }).done);
    await r.clock.advance(100);
    await r.queue.close();
    const wire = Buffer.concat(r.host.written).toString('hex').toUpperCase();
    return { receipt: r.emu.receipts[0]!, wire, errors: r.emu.errors };
  }

  /** Every module of the symbol where the geometry puts it: 4 dots a module, centred. */
  function expectSymbol(receipt: { dot(x: number, y: number): boolean }, dots: number, top: number) {
    const m = encodeQr(data, 'M');
    const left = Math.floor((dots - m.size * 4) / 2);
    for (let y = 0; y < m.size; y++) {
      for (let x = 0; x < m.size; x++) expect(receipt.dot(left + x * 4 + 1, top + y * 4 + 1), `module ${x},${y}`).toBe(qrDark(m, x, y));
    }
    // The quiet zone around it is white.
    for (let x = 0; x < m.size * 4; x++) expect(receipt.dot(left + x, top - 2)).toBe(false);
  }

  it('CSN-A2 (no GS ( k): sent as raster bands, the picture module for module', async () => {
    const { receipt, wire, errors } = await printed(CSN_A2);
    expect(errors).toEqual([]);
    expect(wire).not.toContain('1D286B');
    expect(wire).toContain('1D763000'); // GS v 0, m = 0
    expect(receipt.text).toMatch(/^\[IMAGE \d+x\d+\]$/);
    expectSymbol(receipt, 384, 16); // below a four-module quiet zone
  });

  it('80 mm printer with GS ( k: model 2, module size 4, level M, the data stored and printed', async () => {
    const { receipt, wire, errors } = await printed(GENERIC_80MM);
    expect(errors).toEqual([]);
    const bytes = Buffer.from(data).toString('hex').toUpperCase();
    const len = (data.length + 3).toString(16).padStart(2, '0').toUpperCase();
    expect(wire).toContain(`1D286B0400314132001D286B03003143041D286B0300314531`);
    expect(wire).toContain(`1D286B${len}00315030${bytes}1D286B0300315130`);
    expect(wire).not.toContain('1D7630');
    expect(receipt.text).toBe(`[QR ${data}]`);
    expectSymbol(receipt, 576, 0);
  });
});
