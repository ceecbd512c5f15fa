/**
 * Unpacker fuzz: thousands of mutated and random messages. Whatever the bytes, unpack
 * either returns a message that packs back to exactly those bytes (and survives the JSON
 * form), or throws a MessageFormatError with a field and an offset inside the input.
 * Nothing else: no TypeError, no RangeError, no hang. The generator is seeded, so a
 * failure names the case that reproduces it.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { MessageFormatError } from '../../src/host/errors.js';
import { fromJson, pack, toJson, unpack } from '../../src/host/iso8583.js';
import {
  buildBatchUpload,
  buildEcho,
  buildRefund,
  buildReversal,
  buildSale,
  buildSettlement,
  buildSignOn,
  buildVoid,
  packWithMac,
} from '../../src/host/messages.js';
import { KSN, PAN, TERMINAL, AT, ICC, requestMac, saleInput } from './helpers.js';

/** xorshift32: small, seeded, good enough to spread mutations. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { next, below: (n: number) => next() % n, byte: () => next() & 0xff };
}

function seeds(): Uint8Array[] {
  const sale = buildSale(saleInput());
  const original = { rrn: '000123456789', authCode: 'A1B2C3', batch: 7, stan: 42, date: { month: 5, day: 31 } };
  return [
    packWithMac(sale, requestMac),
    packWithMac(buildSale(saleInput({ card: { pan: '4000123456789', entryMode: 'magstripe', track2: '4000123456789=301210' }, pinBlock: undefined })), requestMac),
    packWithMac(buildVoid({ ...TERMINAL, stan: 43, at: AT, amount: 1234, currency: '156', batch: 7, ksn: KSN, original }), requestMac),
    packWithMac(buildRefund({ ...TERMINAL, stan: 44, at: AT, amount: 5, currency: '156', batch: 7, ksn: KSN, card: { pan: PAN, entryMode: 'contact-chip', icc: ICC }, original }), requestMac),
    packWithMac(buildReversal(sale, { reason: 'no-response', ksn: KSN }), requestMac),
    packWithMac(buildBatchUpload({ ...TERMINAL, stan: 45, currency: '156', batch: 7, ksn: KSN, record: { kind: 'sale', amount: 1, stan: 42, at: AT, entryMode: 'magstripe', rrn: '000123456789' } }), requestMac),
    packWithMac(buildSettlement({ ...TERMINAL, stan: 46, at: AT, currency: '156', batch: 7, ksn: KSN, totals: { debitCount: 1, debitAmount: 1, creditCount: 0, creditAmount: 0 } }), requestMac),
    pack(buildSignOn({ ...TERMINAL, stan: 47, at: AT })),
    pack(buildEcho({ ...TERMINAL, stan: 48, at: AT })),
    pack({ mti: '0810', fields: { 11: '000047', 39: '00', 41: 'TERM0001', 62: '20250531144103', 70: '001' } }),
    pack({ mti: '0210', fields: { 3: '000000', 4: '000000001234', 11: '000042', 32: '12345', 39: '51', 41: 'TERM0001', 44: 'NSF, call bank' } }),
  ];
}

function mutate(r: ReturnType<typeof rng>, input: Uint8Array): Uint8Array {
  const b = Array.from(input);
  const times = 1 + r.below(4);
  for (let t = 0; t < times; t++) {
    const at = b.length === 0 ? 0 : r.below(b.length);
    switch (r.below(7)) {
      case 0: // flip one bit
        if (b.length) b[at] = b[at]! ^ (1 << r.below(8));
        break;
      case 1: // replace a byte
        if (b.length) b[at] = r.byte();
        break;
      case 2: // cut the tail
        b.length = at;
        break;
      case 3: // insert bytes
        b.splice(at, 0, ...Array.from({ length: 1 + r.below(4) }, r.byte));
        break;
      case 4: // delete bytes
        b.splice(at, 1 + r.below(4));
        break;
      case 5: // poke a nibble A-F into a likely BCD byte
        if (b.length) b[at] = (b[at]! & 0xf0) | (0xa + r.below(6));
        break;
      default: // set or clear a bitmap bit
        b[2 + r.below(8)] = (b[2 + r.below(8)] ?? 0) ^ (0x80 >> r.below(8));
    }
  }
  return Uint8Array.from(b);
}

function check(bytes: Uint8Array, label: string): 'ok' | 'refused' {
  try {
    const message = unpack(bytes);
    expect(toHex(pack(message)), `${label} repacks to its bytes`).toBe(toHex(bytes));
    expect(toHex(pack(fromJson(JSON.parse(JSON.stringify(toJson(message)))))), `${label} via JSON`).toBe(toHex(bytes));
    return 'ok';
  } catch (e) {
    if (!(e instanceof MessageFormatError)) throw new Error(`${label}: ${String(e)} for ${toHex(bytes)}`);
    expect(e.offset, label).not.toBeNull();
    expect(e.offset!, label).toBeGreaterThanOrEqual(0);
    expect(e.offset!, label).toBeLessThanOrEqual(bytes.length);
    expect(e.message, label).toMatch(/at offset \d+: /);
    return 'refused';
  }
}

describe('unpacker fuzz', () => {
  it('the seeds themselves decode', () => {
    for (const s of seeds()) expect(check(s, 'seed')).toBe('ok');
  });

  it('5000 mutated messages: a faithful message or a MessageFormatError', () => {
    const r = rng(0x8583);
    const all = seeds();
    const tally = { ok: 0, refused: 0 };
    for (let i = 0; i < 5000; i++) {
      const seed = all[r.below(all.length)]!;
      tally[check(mutate(r, seed), `mutation ${i}`)]++;
    }
    // Both outcomes must occur, or the mutations are not reaching the interesting cases.
    expect(tally.ok).toBeGreaterThan(50);
    expect(tally.refused).toBeGreaterThan(2500);
  });

  it('3000 random byte strings, some with a plausible MTI and bitmap', () => {
    const r = rng(20250531);
    for (let i = 0; i < 3000; i++) {
      const len = r.below(120);
      const bytes = Uint8Array.from({ length: len }, r.byte);
      if (i % 2 === 0 && len >= 10) bytes.set(fromHex('0200'), 0);
      check(bytes, `random ${i}`);
    }
  });

  it('every prefix of every seed is refused as truncated, at or before its end', () => {
    for (const s of seeds()) {
      for (let n = 0; n < s.length; n++) {
        try {
          unpack(s.subarray(0, n));
          throw new Error(`prefix ${n} decoded`);
        } catch (e) {
          expect(e).toBeInstanceOf(MessageFormatError);
          expect((e as MessageFormatError).code).toBe('ISO_TRUNCATED');
        }
      }
    }
  });
});
