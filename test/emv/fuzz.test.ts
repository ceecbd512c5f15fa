/**
 * Fuzz of every parser in src/emv: random and mutated inputs must give a result or a typed
 * CardError, never anything else (no RangeError, no TypeError, no hang). Seeded, so a
 * failure names the seed and the input that caused it.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { parseResponse, readRecord, transceive } from '../../src/emv/apdu.js';
import { buildDolData, parseDol } from '../../src/emv/dol.js';
import { CardError, DolError, TlvError, TrackError } from '../../src/emv/errors.js';
import { decodeTlv, encodeTlv, type Tlv } from '../../src/emv/tlv.js';
import { parseTrack, parseTrack1, parseTrack2, parseTrack2Equivalent } from '../../src/emv/track.js';
import { mutate, prng } from './helpers/prng.js';
import * as S from './helpers/samples.js';

const SAMPLES = [
  S.VISA_PPSE_FCI,
  S.VISA_SELECT_FCI,
  S.VISA_GPO_FORMAT2,
  S.MC_PPSE_FCI,
  S.MC_SELECT_FCI,
  S.MC_GPO_FORMAT2,
  S.MAESTRO_PPSE_FCI,
  S.VISA_ELECTRON_GPO_FORMAT1,
  S.PSE_FCI_ANNEX_A,
].map((h) => fromHex(h));

function shape(list: Tlv[]): unknown[] {
  return list.map((o) => (o.children ? [o.tag, shape(o.children)] : [o.tag, toHex(o.value)]));
}

/** Runs `parse`; a thrown error must be of `type`, anything else fails with the input. */
function only<T>(type: new (...a: never[]) => Error, input: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof type)) throw new Error(`input ${input} threw ${String(e)}`, { cause: e });
    return undefined;
  }
}

describe('fuzz: BER-TLV decoder', () => {
  it('random bytes and mutated samples give a tree or a TlvError with an offset inside the input', () => {
    const r = prng(0x7e57);
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 6000; i++) {
      const input = i % 2 === 0 ? r.bytes(r.int(48)) : mutate(SAMPLES[r.int(SAMPLES.length)]!, r);
      const label = toHex(input);
      try {
        const tree = decodeTlv(input);
        decoded++;
        // What decoded must survive encoding and decoding again unchanged.
        expect(shape(decodeTlv(encodeTlv(tree))), label).toEqual(shape(tree));
      } catch (e) {
        if (!(e instanceof TlvError)) throw new Error(`input ${label} threw ${String(e)}`, { cause: e });
        expect(e.code, label).toMatch(/^TLV_/);
        expect(e.offset, label).toBeGreaterThanOrEqual(0);
        expect(e.offset, label).toBeLessThan(input.length);
        refused++;
      }
    }
    // Both paths were exercised, or the fuzz proves little.
    expect(decoded).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });
});

describe('fuzz: track parsers', () => {
  const VALID = [
    '%B4761739001010119^TEST/CARD 01^22122011758928889000000?',
    ';4761739001010119=22122011758928889?',
    'B5555555555554444^ /^30121010000000000?',
    '4111111111111111=3012101000',
  ];
  const T1 = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_';
  const T2 = '0123456789:;<=>?';

  it('random and mutated text gives track data or a TrackError, and what parses is sound', () => {
    const r = prng(0x7a2c);
    let parsed = 0;
    for (let i = 0; i < 6000; i++) {
      let text: string;
      if (i % 3 === 0) {
        const set = r.int(2) ? T1 : T2;
        text = Array.from({ length: r.int(45) }, () => set[r.int(set.length)]).join('');
      } else {
        const base = Buffer.from(VALID[r.int(VALID.length)]!, 'latin1');
        text = Buffer.from(mutate(base, r)).toString('latin1');
      }
      for (const parse of [parseTrack, parseTrack1, parseTrack2]) {
        const t = only(TrackError, JSON.stringify(text), () => parse(text));
        if (t) {
          parsed++;
          expect(t.pan, text).toMatch(/^[0-9]{12,19}$/);
          expect(Number(t.expiry.slice(2)), text).toBeGreaterThanOrEqual(1);
          expect(Number(t.expiry.slice(2)), text).toBeLessThanOrEqual(12);
          expect(t.serviceCode, text).toMatch(/^[0-9]{3}$/);
        }
      }
    }
    expect(parsed).toBeGreaterThan(100);
  });

  it('random and mutated tag 57 values give track data or a TrackError', () => {
    const r = prng(0x57);
    const base = fromHex('4761739001010119D22122011758928889');
    for (let i = 0; i < 5000; i++) {
      const input = i % 2 ? r.bytes(r.int(24)) : mutate(base, r);
      only(TrackError, toHex(input), () => parseTrack2Equivalent(input));
    }
  });
});

describe('fuzz: data object lists', () => {
  it('random and mutated DOLs parse into entries or give a DolError; building never throws otherwise', () => {
    const r = prng(0xd01);
    const base = fromHex(S.MC_CDOL1);
    const source = (tag: number): Uint8Array | undefined => (tag % 3 === 0 ? r.bytes(r.int(10)) : undefined);
    for (let i = 0; i < 5000; i++) {
      const input = i % 2 ? r.bytes(r.int(30)) : mutate(base, r);
      const entries = only(DolError, toHex(input), () => parseDol(input));
      if (!entries) continue;
      const data = only(DolError, toHex(input), () => buildDolData(entries, source, { maxLength: 65535 }));
      if (data) expect(data.length).toBe(entries.reduce((n, e) => n + e.length, 0));
    }
  });
});

describe('fuzz: responses and the transport', () => {
  it('random answers of a card end in a response or a CardError, within the exchange bound', async () => {
    const r = prng(0xa9d0);
    for (let i = 0; i < 2000; i++) {
      let calls = 0;
      const send = async (): Promise<Uint8Array> => {
        calls++;
        // Lean towards procedure bytes so that chains of 61xx and 6Cxx happen.
        const sw1 = [0x61, 0x6c, 0x90, 0x6a, r.int(256)][r.int(5)]!;
        return Uint8Array.from([...r.bytes(r.int(4)), ...(r.int(10) ? [sw1, r.int(256)] : [])].slice(0, 2 + r.int(5)));
      };
      try {
        const resp = await transceive(send, readRecord(1, 1), { maxExchanges: 8 });
        expect(resp.sw1 === 0x61 || resp.sw1 === 0x6c).toBe(false);
      } catch (e) {
        if (!(e instanceof CardError)) throw e;
      }
      expect(calls).toBeLessThanOrEqual(9);
    }
    for (let i = 0; i < 2000; i++) {
      const bytes = r.bytes(r.int(5));
      only(CardError, toHex(bytes), () => parseResponse(bytes));
    }
  });
});
