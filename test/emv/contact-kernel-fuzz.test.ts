/**
 * Fuzz of the contact kernel: chip cards whose answers are mutated, and issuers whose field
 * 55 is random; every session ends in an outcome or a typed CardError, never anything else.
 * The offline PIN card too, with its PIN Try Counter, challenge and VERIFY answers mutated.
 * CONTACT_FUZZ_ITERATIONS sets how many sessions (default 400).
 */
import { describe, expect, it } from 'vitest';
import { ContactChipCard } from '../../simulator/cards/contact-card.js';
import { contactCardDescription } from '../../simulator/cards/contact-catalog.js';
import { defaultContactConfig } from '../../src/emv/contact-config.js';
import { runContactTransaction } from '../../src/emv/contact-kernel.js';
import { CardError } from '../../src/emv/errors.js';
import { toHex } from '../../src/hex.js';
import { mutate, prng } from '../helpers/prng.js';
import { transaction } from './helpers/kernel-harness.js';

const n = Number(process.env.CONTACT_FUZZ_ITERATIONS ?? '') || 400;

describe('fuzz: the contact kernel against mutated card answers and issuer data', () => {
  it(`${n} sessions end in an outcome or a CardError`, async () => {
    const r = prng(0xc0c0a);
    const seen = new Map<string, number>();
    const odas = ['DDA', 'SDA', 'CDA', 'none'] as const;
    for (let i = 0; i < n; i++) {
      const d = contactCardDescription('chip-ok');
      d.applications[0]!.oda = odas[i % odas.length]!;
      d.applications[0]!.issuerAuthentication = r.int(2) ? 'in-cdol2' : 'external-authenticate';
      const card = new ContactChipCard(d);
      const targets = new Set([r.int(14), r.int(18)]);
      let k = 0;
      const log: string[] = [];
      const transmit = async (apdu: Uint8Array): Promise<Uint8Array> => {
        const answer = card.transceive(apdu);
        let out = answer;
        if (targets.has(k++)) {
          // Half the time one flipped bit, which keeps the TLV whole and reaches the kernel's checks.
          out = r.int(2) ? mutate(answer, r) : answer.slice();
          if (out !== answer && out.length === answer.length && out.length > 0) out[r.int(out.length)] ^= 1 << r.int(8);
        }
        log.push(`${toHex(apdu)} -> ${toHex(out)}`);
        return out;
      };
      const label = () => `session ${i}:\n${log.join('\n')}`;
      try {
        const first = await runContactTransaction({ transmit, config: defaultContactConfig(), transaction: transaction(100), signal: new AbortController().signal, random: () => 0.999 });
        let outcome: string = first.outcome;
        if (first.complete) {
          const iccData = r.int(3) ? mutate(Uint8Array.from([0x91, 0x0a, ...r.bytes(10), 0x71, 0x07, 0x86, 0x05, 0x84, 0x1e, 0x00, 0x00, 0x00]), r) : r.bytes(r.int(40));
          const final = await first.complete(r.int(4) ? { kind: 'online', approved: r.int(2) === 1, responseCode: '00', iccData } : { kind: 'unable-to-go-online' });
          outcome = `final:${final.outcome}`;
          if (final.tvr.length !== 5) throw new Error(`${label()}\nTVR of ${final.tvr.length} bytes`);
        }
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof CardError)) throw new Error(`${label()}\nthrew ${String(e)}`, { cause: e });
        seen.set(`error:${e.code}`, (seen.get(`error:${e.code}`) ?? 0) + 1);
      }
    }
    if (process.env.EMV_FUZZ_REPORT) console.log([...seen].sort());
    expect([...seen.keys()].filter((x) => x.startsWith('error:')).length).toBeGreaterThan(3);
    expect((seen.get('final:approved') ?? 0) + (seen.get('final:declined') ?? 0)).toBeGreaterThan(n / 4);
  });

  it(`${Math.ceil(n / 2)} offline PIN sessions (chip-offlinepin) end in an outcome or a CardError`, async () => {
    const r = prng(0x0ff11e);
    const seen = new Map<string, number>();
    for (let i = 0; i < Math.ceil(n / 2); i++) {
      const d = contactCardDescription('chip-offlinepin');
      if (r.int(3) === 0) d.applications[0]!.cvmList = `0000000000000000${['01031F03', '44031E03', '05031F03'][r.int(3)]}`;
      const card = new ContactChipCard(d);
      // The offline PIN's exchanges come after the 8 of selection and records (T=1 view).
      const targets = new Set([8 + r.int(8), 8 + r.int(8)]);
      let k = 0;
      const log: string[] = [];
      const transmit = async (apdu: Uint8Array): Promise<Uint8Array> => {
        const answer = card.transceive(apdu);
        const out = targets.has(k++) ? mutate(answer, r) : answer;
        log.push(`${toHex(apdu)} -> ${toHex(out)}`);
        return out;
      };
      const offlinePin = async (_s: AbortSignal, p: { submit(d: Uint8Array): Promise<void> }) => {
        if (r.int(8) === 0) return 'bypassed' as const;
        await p.submit(r.int(2) ? Uint8Array.of(1, 2, 3, 4) : Uint8Array.of(r.int(10), r.int(10), r.int(10), r.int(10)));
        return 'entered' as const;
      };
      try {
        const result = await runContactTransaction({ transmit, config: defaultContactConfig(), transaction: transaction(100), signal: new AbortController().signal, random: () => 0.999, offlinePin });
        seen.set(`${result.outcome}:${result.cvm}`, (seen.get(`${result.outcome}:${result.cvm}`) ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof CardError)) throw new Error(`session ${i}:\n${log.join('\n')}\nthrew ${String(e)}`, { cause: e });
        seen.set(`error:${e.code}`, (seen.get(`error:${e.code}`) ?? 0) + 1);
      }
    }
    if (process.env.EMV_FUZZ_REPORT) console.log([...seen].sort());
    expect(seen.get('online-request:offline-pin') ?? 0).toBeGreaterThan(n / 40);
    expect([...seen.keys()].some((x) => x.endsWith(':none'))).toBe(true);
  });
});
