import { describe, it, expect } from 'vitest';
import {
  TdesDukptTerminal,
  deriveIpek,
  deriveTransactionKey,
  tdesDukptHostKeys,
  tdesKsnWithCounter,
  type TdesDukptState,
} from '../../src/security/dukpt-tdes.js';
import { encryptPinBlock } from '../../src/security/pin-block.js';
import { countOneBits } from '../../src/security/bytes.js';
import { DukptStateError, KsnError, KsnExhaustedError } from '../../src/security/errors.js';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { onlyTypedErrors, randomBytes, randomInt, seeded } from './fuzz-helpers.js';

// ANSI X9.24-1:2009 A.4 DUKPT test data: BDK, initial KSN, IPEK, and the format 0 PIN block
// of PIN 1234 with PAN 4012345678909.
const BDK = fromHex('0123456789ABCDEFFEDCBA9876543210');
const IKSN = fromHex('FFFF9876543210E00000');
const IPEK = '6AC292FAA1315B4D858AB3A3D7D5933A';
const CLEAR_PIN_BLOCK = fromHex('041274EDCBA9876F');

// A.4.2 initial sequence: KSN counters 1..21 (0x15), their transaction keys and encrypted PIN blocks.
const INITIAL: [string, string, string][] = [
  ['FFFF9876543210E00001', '042666B49184CFA368DE9628D0397BC9', '1B9C1845EB993A7A'],
  ['FFFF9876543210E00002', 'C46551CEF9FD24B0AA9AD834130D3BC7', '10A01C8D02C69107'],
  ['FFFF9876543210E00003', '0DF3D9422ACA56E547676D07AD6BADFA', '18DC07B94797B466'],
  ['FFFF9876543210E00004', '279C0F6AEED0BE652B2C733E1383AE91', '0BC79509D5645DF7'],
  ['FFFF9876543210E00005', '5F8DC6D2C845C125508DDC048093B83F', '5BC0AF22AD87B327'],
  ['FFFF9876543210E00006', '5E415CB0BAF9F03CD0C14B63FB62FF43', 'A16DF70AE36158D8'],
  ['FFFF9876543210E00007', '0C8F780B7C8B49D0AE84A9EB2A6CE660', '27711C16CB257F8E'],
  ['FFFF9876543210E00008', '27F66D5244FF62E1AA6F6120EDEB4280', '50E55547A5027551'],
  ['FFFF9876543210E00009', '27E31064FDC565698900E2057F658E7E', '536CF7F678ACFC8D'],
  ['FFFF9876543210E0000A', '6CF2500A22507C7CC776CEADC1E33014', 'EDABBA23221833FE'],
  ['FFFF9876543210E0000B', '3E8260BA04B2D620C01482B3819A18B7', '2328981C57B4BDBA'],
  ['FFFF9876543210E0000C', 'B716E1E11CF53D80726CAEE75C3A624F', '038D03CC926CF286'],
  ['FFFF9876543210E0000D', 'E072EDF95340535FB6C581C58FBF2533', '6C8AA97088B62C68'],
  ['FFFF9876543210E0000E', 'A80046087F5B8F245AAD95E18429084F', 'F17C9E1D72CD4950'],
  ['FFFF9876543210E0000F', '93DD5B956C4878472E453AAEFD32A5AA', 'B170F6E7F7F2F64A'],
  ['FFFF9876543210E00010', '59598DCBD9BD94C094165CE453585F57', 'D5D9638559EF53D6'],
  ['FFFF9876543210E00011', '2B5F01F4F0CC05EA639D523231BF1BA2', 'D544F8CDD292C863'],
  ['FFFF9876543210E00012', '9CF640F279C2AEE615F725EEEAC2CBAF', '7A21BD10F36DC41D'],
  ['FFFF9876543210E00013', 'C3DF489FDF1153B4F03DE97C27DC4C2F', '78649BD17D0DFA60'],
  ['FFFF9876543210E00014', '658488507721B3F14737FA93F923CBD2', '7E7E16EA0C31AD56'],
  ['FFFF9876543210E00015', 'E161D1956A61F6D2F37AFD7F9CC3699A', '72105C22EBC791E6'],
];

// A.4.3 rollover sequence: counters around the ten-one-bits rule and the step to F00000.
const ROLLOVER: [string, string, string][] = [
  ['FFFF9876543210EFF800', 'F9CDFEBF4F5B1D9EB3EC12454527E176', '33365F5CC6F23C35'],
  ['FFFF9876543210EFF801', '5BEE92627E97825C911BF619DF72CA3B', '3A86BF003F835C9D'],
  ['FFFF9876543210EFF802', '64CA2F8AB93F61B01620B00BF77C7301', '3DB977D05C36DF3F'],
  ['FFFF9876543210EFF804', '35A168695B3BA83307E871C42021DD37', 'BA83243305712099'],
  ['FFFF9876543210EFF808', '12C380FCB72ED3C26FC6079AF63F4787', 'B0DA04AC90A36D85'],
  ['FFFF9876543210EFF810', 'D8007C833A1E3C49C6889B97A68C54FF', '2CF02BD9C309EEDA'],
  ['FFFF9876543210EFF820', 'A9C9FF9B735FDD49591F296B0BF0FD70', '9D1E2F77AEEE81C6'],
  ['FFFF9876543210EFF840', '0E3E221062CB5E03A384602783A004FA', '40870B0F8BA2011C'],
  ['FFFF9876543210EFF880', 'CA8225C587124DFBB87F279C0BE29727', '22E340D6ABB40981'],
  ['FFFF9876543210EFF900', '906AAC1751D4971A144D52C76C6E1F97', '1A4C10AFBA03A430'],
  ['FFFF9876543210EFFA00', '2B9E2CE7C2750337E10B54D2989EA6AF', '849763B43E5F9CFF'],
  ['FFFF9876543210EFFC00', 'F9430DF975082491C77BE4EF4FDB91EE', 'DEFC6F09F8927B71'],
  ['FFFF9876543210F00000', 'AA4D58DB653EC74A48C75F2F047DD2B5', '73EC88AD0AC5830E'],
];

const PIN_VARIANT = fromHex('00000000000000FF00000000000000FF');
const pinKeyOf = (txn: Uint8Array): Uint8Array => txn.map((b, i) => b ^ PIN_VARIANT[i]!);

/**
 * The register contents a terminal has just before counter c, built with the host-side
 * derivation, so a test can start a terminal near the end of its life without running a
 * million transactions: register p (lowest set bit of c) holds the key of c, a register
 * q > p whose bit is clear holds the key of (c's bits above q) + 2^q, the rest are erased.
 */
function stateAt(counter: number): TdesDukptState {
  const ipek = fromHex(IPEK);
  const key = (c: number): string => toHex(deriveTransactionKey(ipek, tdesKsnWithCounter(IKSN, c)));
  let p = 0;
  while (((counter >> p) & 1) === 0) p++;
  const registers: (string | null)[] = [];
  for (let q = 0; q < 21; q++) {
    if (q === p) registers.push(key(counter));
    else if (q > p && ((counter >> q) & 1) === 0) registers.push(key(((counter >> (q + 1)) << (q + 1)) | (1 << q)));
    else registers.push(null);
  }
  return { scheme: 'tdes-dukpt', version: 1, initialKsn: toHex(IKSN), counter, registers };
}

describe('TDES DUKPT host side (ANSI X9.24-1:2009 A.4)', () => {
  it('derives the IPEK 6AC292FAA1315B4D858AB3A3D7D5933A', () => {
    expect(toHex(deriveIpek(BDK, IKSN))).toBe(IPEK);
    // The counter bits of the KSN do not change the IPEK.
    expect(toHex(deriveIpek(BDK, fromHex('FFFF9876543210E00015')))).toBe(IPEK);
  });

  it('derives the transaction keys and PIN blocks of the initial and rollover sequences', () => {
    for (const [ksn, txn, block] of [...INITIAL, ...ROLLOVER]) {
      const k = tdesDukptHostKeys(BDK, fromHex(ksn));
      expect(toHex(k.transactionKey), ksn).toBe(txn);
      expect(toHex(encryptPinBlock(CLEAR_PIN_BLOCK, k.pinKey)), ksn).toBe(block);
    }
  });

  it('derives the variants of Annex A, and the one-way data key', () => {
    const k = tdesDukptHostKeys(BDK, fromHex('FFFF9876543210E00001'));
    expect(toHex(k.pinKey)).toBe('042666B49184CF5C68DE9628D0397B36');
    expect(toHex(k.macRequestKey)).toBe('042666B4918430A368DE9628D03984C9');
    expect(toHex(k.macResponseKey)).toBe('042666B46E84CFA368DE96282F397BC9');
    // Data key of FFFF9876543210E00008: the request data variant enciphered under itself,
    // C39B2778B058AC376FB18DC906F75CBA as published in the SoftwareVerde java-dukpt tests.
    expect(toHex(tdesDukptHostKeys(BDK, fromHex('FFFF9876543210E00008')).dataRequestKey)).toBe('C39B2778B058AC376FB18DC906F75CBA');
  });

  it('refuses a counter with more than ten one bits, and KSNs and BDKs of the wrong size', () => {
    try {
      tdesDukptHostKeys(BDK, fromHex('FFFF9876543210E007FF'));
      expect.fail('accepted 11 one bits');
    } catch (e) {
      expect(e).toBeInstanceOf(KsnError);
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as KsnError).code).toBe('KSN_COUNTER');
    }
    expect(() => tdesDukptHostKeys(BDK, fromHex('FFFF9876543210E000'))).toThrow(KsnError);
    expect(() => tdesDukptHostKeys(BDK.subarray(0, 8), IKSN)).toThrow(ValidationError);
  });
});

describe('TDES DUKPT terminal', () => {
  it('produces the A.4.2 KSNs and encrypted PIN blocks in order from a loaded IPEK', () => {
    const t = TdesDukptTerminal.load(fromHex(IPEK), IKSN);
    for (const [ksn, txn, block] of INITIAL) {
      expect(toHex(t.ksn!)).toBe(ksn);
      const tx = t.nextTransaction();
      expect(toHex(tx.ksn)).toBe(ksn);
      expect(toHex(tx.transactionKey)).toBe(txn);
      expect(toHex(encryptPinBlock(CLEAR_PIN_BLOCK, tx.pinKey))).toBe(block);
    }
  });

  it('follows the A.4.3 rollover sequence, skipping counters with more than ten one bits', () => {
    const t = TdesDukptTerminal.fromState(stateAt(0x0ff800));
    for (const [ksn, txn, block] of ROLLOVER) {
      const tx = t.nextTransaction();
      expect(toHex(tx.ksn)).toBe(ksn);
      expect(toHex(tx.transactionKey)).toBe(txn);
      expect(toHex(encryptPinBlock(CLEAR_PIN_BLOCK, pinKeyOf(tx.transactionKey)))).toBe(block);
    }
  });

  it('uses exactly the counters with at most ten one bits, and agrees with the host on each', () => {
    const t = TdesDukptTerminal.load(fromHex(IPEK), IKSN);
    const expected: number[] = [];
    for (let c = 1; c <= 0x800; c++) if (countOneBits(c) <= 10) expected.push(c);
    const ipek = fromHex(IPEK);
    for (const c of expected) {
      const tx = t.nextTransaction();
      expect(toHex(tx.ksn)).toBe(toHex(tdesKsnWithCounter(IKSN, c)));
      if (c % 7 === 0 || c > 0x7f0) expect(tx.transactionKey).toEqual(deriveTransactionKey(ipek, tx.ksn));
    }
  });

  it('reports exhaustion after the last counter 1FF800, as a typed error', () => {
    const t = TdesDukptTerminal.fromState(stateAt(0x1ff400));
    expect(toHex(t.nextTransaction().ksn)).toBe('FFFF9876543210FFF400');
    const last = t.nextTransaction();
    expect(toHex(last.ksn)).toBe('FFFF9876543210FFF800');
    expect(last.transactionKey).toEqual(deriveTransactionKey(fromHex(IPEK), last.ksn));
    expect(t.exhausted).toBe(true);
    expect(t.ksn).toBeNull();
    expect(() => t.nextTransaction()).toThrow(KsnExhaustedError);
    try {
      t.nextTransaction();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as KsnExhaustedError).code).toBe('KSN_EXHAUSTED');
    }
    // The exhausted state stores and reloads as exhausted, with every register erased.
    const s = JSON.parse(JSON.stringify(t.toState())) as TdesDukptState;
    expect(s.registers.every((r) => r === null)).toBe(true);
    expect(TdesDukptTerminal.fromState(s).exhausted).toBe(true);
  });

  it('keeps going identically after its state is stored as JSON and reloaded', () => {
    const a = TdesDukptTerminal.load(fromHex(IPEK), IKSN);
    for (let i = 0; i < 37; i++) a.nextTransaction();
    const b = TdesDukptTerminal.fromState(JSON.parse(JSON.stringify(a.toState())));
    for (let i = 0; i < 40; i++) {
      const x = a.nextTransaction();
      const y = b.nextTransaction();
      expect(toHex(y.ksn)).toBe(toHex(x.ksn));
      expect(y.transactionKey).toEqual(x.transactionKey);
    }
  });

  it('holds no key of a past counter in its state (used keys are erased)', () => {
    const t = TdesDukptTerminal.load(fromHex(IPEK), IKSN);
    const used = new Set<string>();
    for (let i = 0; i < 50; i++) used.add(toHex(t.nextTransaction().transactionKey));
    for (const r of t.toState().registers) if (r) expect(used.has(r)).toBe(false);
  });

  it('refuses a state that keeps a key it must have erased, or lacks one it needs', () => {
    const good = stateAt(0x000010);
    const kept = { ...good, registers: good.registers.map((r, q) => (q === 0 ? 'AA'.repeat(16) : r)) };
    expect(() => TdesDukptTerminal.fromState(kept)).toThrow(DukptStateError);
    const lost = { ...good, registers: good.registers.map((r, q) => (q === 4 ? null : r)) };
    expect(() => TdesDukptTerminal.fromState(lost)).toThrow(DukptStateError);
    expect(() => TdesDukptTerminal.fromState({ ...good, counter: 0x7ff })).toThrow(DukptStateError);
    expect(() => TdesDukptTerminal.load(fromHex(IPEK), fromHex('FFFF9876543210E00001'))).toThrow(KsnError);
  });

  it('fuzz: fromState on mutated states throws only typed errors', () => {
    const next = seeded(2409);
    const base = stateAt(0x000123);
    const junk = (): unknown =>
      [null, 0, -1, 1.5, 2 ** 21 + 1, '', 'ZZ', 'AB'.repeat(16), [], {}, true, toHex(randomBytes(next, randomInt(next, 20)))][randomInt(next, 12)];
    for (let i = 0; i < 2000; i++) {
      const s: Record<string, unknown> = JSON.parse(JSON.stringify(base));
      const regs = s['registers'] as unknown[];
      const field = ['scheme', 'version', 'initialKsn', 'counter', 'registers', 'reg', 'reg', 'counter+'][randomInt(next, 8)]!;
      if (field === 'reg') regs[randomInt(next, 23)] = junk();
      else if (field === 'counter+') s['counter'] = (s['counter'] as number) + randomInt(next, 40) - 20;
      else if (next() < 0.2) delete s[field];
      else s[field] = junk();
      onlyTypedErrors(() => TdesDukptTerminal.fromState(s).nextTransaction());
    }
    onlyTypedErrors(() => TdesDukptTerminal.fromState(null));
    onlyTypedErrors(() => TdesDukptTerminal.fromState('state'));
  });

  it('fuzz: host derivation on random KSNs throws only typed errors', () => {
    const next = seeded(924);
    for (let i = 0; i < 1500; i++) {
      const ksn = randomBytes(next, i % 50 === 0 ? randomInt(next, 14) : 10);
      onlyTypedErrors(() => tdesDukptHostKeys(BDK, ksn));
    }
  });
});
