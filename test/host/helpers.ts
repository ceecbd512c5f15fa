/**
 * Test-only helpers: a retail MAC built from node:crypto (standing in for the security
 * layer's DUKPT MAC), and typed inputs for the builders. All card values here are
 * synthetic: the PAN is a made-up number with a valid Luhn digit, not a real card.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { fromHex } from '../../src/hex.js';
import type { MacFn, SaleInput } from '../../src/host/messages.js';

function des(key8: Uint8Array, block: Uint8Array, decrypt = false): Uint8Array {
  // Three copies of one key make TDES behave as single DES, which OpenSSL 3 no longer offers.
  const k = Buffer.concat([key8, key8, key8]);
  const c = decrypt ? createDecipheriv('des-ede3-ecb', k, null) : createCipheriv('des-ede3-ecb', k, null);
  c.setAutoPadding(false);
  return Uint8Array.from(Buffer.concat([c.update(block), c.final()]));
}

/** ISO/IEC 9797-1 MAC algorithm 3, padding method 1 (ANSI X9.19 retail MAC). */
export function retailMac(key16: Uint8Array, data: Uint8Array): Uint8Array {
  const k1 = key16.subarray(0, 8);
  const k2 = key16.subarray(8, 16);
  const padded = new Uint8Array(Math.max(8, Math.ceil(data.length / 8) * 8));
  padded.set(data);
  let h: Uint8Array = new Uint8Array(8);
  for (let i = 0; i < padded.length; i += 8) {
    const x = h.map((b, j) => b ^ padded[i + j]!);
    h = des(k1, x);
  }
  return des(k1, des(k2, h, true));
}

export const REQUEST_KEY = fromHex('0123456789ABCDEFFEDCBA9876543210');
export const RESPONSE_KEY = fromHex('FEDCBA98765432100123456789ABCDEF');
export const requestMac: MacFn = (input) => retailMac(REQUEST_KEY, input);
export const responseMac: MacFn = (input) => retailMac(RESPONSE_KEY, input);

export const KSN = fromHex('FFFF9876543210E00001');
export const AES_KSN = fromHex('123456789012345600000001');

export const TERMINAL = { terminalId: 'TERM0001', merchantId: '898310048160001' } as const;
export const AT = { month: 5, day: 31, hour: 14, minute: 41, second: 3 } as const;

/** A synthetic PAN (Luhn-valid) and its track 2. */
export const PAN = '6212345678901232';
export const TRACK2 = `${PAN}=30122011234567890`;
/** A short ICC data field: 9F26 cryptogram, 9F27 CID, 9F36 ATC, 95 TVR (synthetic values). */
export const ICC = fromHex('9F2608A1B2C3D4E5F607089F2701809F3602001595050000008000');

export function saleInput(over: Partial<SaleInput> = {}): SaleInput {
  return {
    ...TERMINAL,
    stan: 42,
    at: { ...AT },
    amount: 1234,
    currency: '156',
    batch: 7,
    ksn: KSN,
    card: { pan: PAN, entryMode: 'contactless-chip', expiry: '3012', panSequence: 1, track2: TRACK2, icc: ICC },
    pinBlock: fromHex('1A2B3C4D5E6F7081'),
    ...over,
  };
}
