import { describe, expect, it } from 'vitest';
import { T0_ATR, T1_ATR } from '../../../simulator/cards/contact-catalog.js';
import { AtrError, firstProtocol, parseAtr } from '../../../src/hal/contact/atr.js';
import { fromHex, toHex } from '../../../src/hex.js';

const atr = (hex: string) => parseAtr(fromHex(hex.replace(/\s+/g, '')));

describe('the Answer to Reset (ISO/IEC 7816-3 8.2)', () => {
  it('the EMV basic ATR for T=0: TB1 and TC1, no TCK', () => {
    const a = atr(T0_ATR);
    expect(a.convention).toBe('direct');
    expect(a.interfaceBytes).toEqual([{ tb: 0x00, tc: 0x00 }]);
    expect(a.protocols).toEqual([0]);
    expect(toHex(a.historical)).toBe('80318065B0');
    expect(firstProtocol(a)).toBe('T=0');
  });

  it('the EMV basic ATR for T=1: TD1, TD2, TA3 (IFSC), TB3 (BWI, CWI) and a TCK that checks', () => {
    const a = atr(T1_ATR);
    expect(a.interfaceBytes).toEqual([{ tb: 0x00, tc: 0x00, td: 0x81 }, { td: 0x31 }, { ta: 0xfe, tb: 0x45 }]);
    expect(a.protocols).toEqual([1]);
    expect(firstProtocol(a)).toBe('T=1');
  });

  it('a card offering T=0 and T=1 (T=15 global bytes are no protocol) needs its TCK', () => {
    // TD1 80: T=0, TD2 follows; TD2 11: T=1, TA3 follows; TA3 then TD3 1F... kept simple: TD2 1F (T=15), TA3.
    const body = '3B 80 80 1F 03';
    let x = 0;
    for (const b of fromHex(body.replace(/\s/g, '')).subarray(1)) x ^= b;
    const a = atr(body + toHex(Uint8Array.of(x)));
    expect(a.protocols).toEqual([0]);
    expect(() => atr(body)).toThrow(/TCK is missing/);
    expect(atr('3F 00').convention).toBe('inverse');
  });

  it.each([
    ['', /no answer to reset/],
    ['3A 65 00 00', /TS is neither/],
    ['3B', /where T0 was announced/],
    ['3B 65 00', /where TC1 was announced/],
    ['3B 65 00 00 80 31', /announces 5 historical bytes, 2 follow/],
    [T1_ATR.slice(0, -2) + '00', /TCK does not check/],
    [T0_ATR + '00', /1 bytes after the end/],
    ['3B 0F' + '00'.repeat(32), /at most 33/],
  ])('refuses %s', (hex, message) => {
    expect(() => atr(hex)).toThrow(AtrError);
    expect(() => atr(hex)).toThrow(message);
  });
});
