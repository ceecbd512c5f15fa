/**
 * Fuzz of every parser in src/emv and of the contactless kernel: random and mutated inputs
 * must give a result or a typed CardError, never anything else (no RangeError, no
 * TypeError, no hang). Seeded, so a failure names the seed and the input that caused it.
 *
 * EMV_FUZZ_ITERATIONS sets how many inputs the BER-TLV decoder gets (default 20,000);
 * EMV_KERNEL_FUZZ_ITERATIONS how many mutated card sessions the kernel gets (default 600);
 * EMV_FUZZ_REPORT=1 prints how the kernel's sessions ended.
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
import { runContactlessTransaction } from '../../src/emv/contactless-kernel.js';
import { defaultContactlessConfig } from '../../src/emv/kernel-config.js';
import type { Outcome } from '../../src/emv/kernel-result.js';
import { createVirtualCard } from '../../simulator/cards/catalog.js';
import { offlineConfig, transaction } from './helpers/kernel-harness.js';

function iterations(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}=${v}: a whole number of iterations`);
  return n;
}

const TLV_ITERATIONS = iterations('EMV_FUZZ_ITERATIONS', 20_000);
const KERNEL_ITERATIONS = iterations('EMV_KERNEL_FUZZ_ITERATIONS', 600);

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
    for (let i = 0; i < TLV_ITERATIONS; i++) {
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
    expect(decoded).toBeGreaterThan(TLV_ITERATIONS / 12);
    expect(refused).toBeGreaterThan(TLV_ITERATIONS / 12);
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

function flipBit(bytes: Uint8Array, r: ReturnType<typeof prng>): Uint8Array {
  const out = bytes.slice();
  if (out.length) out[r.int(out.length)] ^= 1 << r.int(8);
  return out;
}

describe('fuzz: the contactless kernel against mutated card answers', () => {
  const OUTCOMES: readonly Outcome[] = ['online-request', 'approved', 'declined', 'try-another-interface', 'end-application'];

  it('every session ends in an outcome or a CardError, whatever the card answers', async () => {
    const r = prng(0xc0ffee);
    const cards = ['visa-ok', 'mc-ok', 'unionpay-ok', 'two-apps', 'amex-test', 'visa-expired'].map((id) => createVirtualCard(id));
    const configs = [defaultContactlessConfig(), offlineConfig()];
    const seen = new Map<string, number>();
    for (let i = 0; i < KERNEL_ITERATIONS; i++) {
      const card = cards[i % cards.length]!;
      const config = configs[r.int(2)]!;
      // Mutate one or two of the card's answers (status words included), others pass as they are.
      const targets = new Set([r.int(8), r.int(10)]);
      let n = 0;
      const log: string[] = [];
      const transmit = async (apdu: Uint8Array): Promise<Uint8Array> => {
        const answer = card.transceive(apdu);
        // Half the time one flipped bit, which keeps the TLV whole and reaches the semantic checks.
        const out = !targets.has(n++) ? answer : r.int(2) ? mutate(answer, r) : flipBit(answer, r);
        log.push(`${toHex(apdu)} -> ${toHex(out)}`);
        return out;
      };
      const label = `iteration ${i} (${card.description.id}):\n${log.join('\n')}`;
      try {
        const result = await runContactlessTransaction({ transmit, config, transaction: transaction(r.int(2) ? 100 : 200_000), signal: new AbortController().signal });
        expect(OUTCOMES, label).toContain(result.outcome);
        expect(result.tvr.length, label).toBe(5);
        seen.set(result.outcome, (seen.get(result.outcome) ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof CardError)) throw new Error(`${label}\nthrew ${String(e)}`, { cause: e });
        seen.set(`error:${e.code}`, (seen.get(`error:${e.code}`) ?? 0) + 1);
      }
    }
    if (process.env.EMV_FUZZ_REPORT) console.log([...seen].sort());
    // Outcomes and refusals both happened: the mutations reached the kernel's decisions.
    expect([...seen.keys()].filter((k) => k.startsWith('error:')).length).toBeGreaterThan(3);
    expect(seen.get('online-request')).toBeGreaterThan(KERNEL_ITERATIONS / 10);
  });
});
