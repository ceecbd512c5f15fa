/**
 * The card's side of T=0 as a PC/SC reader hands it up (ISO/IEC 7816-3 12.2; the EMV
 * Contact Interface Specification's cases): data of a case 4 command only by GET RESPONSE
 * after 61xx, in parts when Le is shorter; a case 2 command with the wrong Le answered
 * 6Cxx and served again without running twice; errors and warnings without data.
 */
import { describe, expect, it } from 'vitest';
import { T0Transport } from '../../../simulator/devices/contact-slot/t0-transport.js';
import { fromHex, toHex } from '../../../src/hex.js';

function card() {
  const seen: string[] = [];
  return {
    seen,
    atr: fromHex('3B6500000000000000'),
    transceive(apdu: Uint8Array): Uint8Array {
      seen.push(toHex(apdu));
      const ins = apdu[1];
      if (ins === 0xa4) return fromHex('6F0A840800112233445566779000'); // case 4, 12 bytes of data
      if (ins === 0xb2) return fromHex('7003010203' + '9000'); // case 2, 5 bytes
      if (ins === 0x84) return fromHex('0102030405060708' + '9000'); // GET CHALLENGE: 8 bytes
      if (ins === 0x20) return fromHex('63C2'); // VERIFY: a warning, no data
      if (ins === 0xae) return fromHex('6985');
      return fromHex('6D00');
    },
  };
}

const x = (t: T0Transport, hex: string) => toHex(t.exchange(fromHex(hex)));

describe('T=0 from above the reader', () => {
  it('case 4: 61xx, then GET RESPONSE; a shorter Le takes the data in parts; a longer one gets 6Cxx', () => {
    const c = card();
    const t = new T0Transport(c);
    expect(x(t, '00A4040002A00000')).toBe('610C');
    expect(x(t, '00C0000010')).toBe('6C0C');
    expect(x(t, '00C0000005')).toBe('6F0A840800' + '6107');
    expect(x(t, '00C0000007')).toBe('11223344556677' + '9000');
    expect(c.seen).toEqual(['00A4040002A00000']);
    // Nothing is pending any more: GET RESPONSE reaches the card, which does not know it.
    expect(x(t, '00C0000007')).toBe('6D00');
  });

  it('case 2: Le 00 gets 6Cxx, the command with that Le gets the data, and the card ran it once', () => {
    const c = card();
    const t = new T0Transport(c);
    expect(x(t, '00840000' + '00')).toBe('6C08');
    expect(x(t, '0084000008')).toBe('0102030405060708' + '9000');
    expect(c.seen).toEqual(['0084000000']);
    expect(x(t, '00B2010C05')).toBe('7003010203' + '9000');
  });

  it('errors and warnings carry no data; a command the card refuses is its status word', () => {
    const t = new T0Transport(card());
    expect(x(t, '0020008008241234FFFFFFFFFF')).toBe('63C2');
    expect(x(t, '80AE80000100')).toBe('6985');
    expect(x(t, '00')).toBe('6700');
  });
});
