import { describe, it, expect } from 'vitest';
import {
  AesDukptTerminal,
  aesDukptDerivationKey,
  aesDukptHostKeys,
  aesDukptInitialKey,
  aesKsnWithCounter,
  derivationData,
  AES_DUKPT_USAGE,
  type AesDukptState,
} from '../../src/security/dukpt-aes.js';
import { CryptoArgumentError, DukptStateError, KsnError, KsnExhaustedError } from '../../src/security/errors.js';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { onlyTypedErrors, randomBytes, randomInt, seeded } from './fuzz-helpers.js';

// ANSI X9.24-3-2017 supplement test vectors (X9 "X9.24 Part 3 Test Vectors", 2018-01-29):
// BDK-128 and BDK-256 below, initial key ID 1234567890123456.
const BDK128 = fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1');
const BDK256 = fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1');
const IKID = fromHex('1234567890123456');
const IK128 = '1273671EA26AC29AFA4D1084127652A1';
const IK256 = 'CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F';
const ksn = (counter: number): Uint8Array => aesKsnWithCounter(fromHex('123456789012345600000000'), counter);

// Intermediate derivation ("transaction") keys for counters 1..8, then 1FFFE, 20000, 20001
// (1FFFF has 17 one bits and is never used), then the last four FFFE2000..FFFF0000.
const TXN128: [number, string][] = [
  [1, '4F21B565BAD9835E112B6465635EAE44'],
  [2, '2F34D68DE10F68D38091A73B9E7C437C'],
  [3, '031504E530365CF81264238540518318'],
  [4, '0EEFC7ADA628BA68878DA9165A8A1887'],
  [5, 'C2A7AC328A5DA2D6002D62465BFC028B'],
  [6, 'D30F7D9351DA58448A2F5E92B4EE3B7D'],
  [7, 'A8253CEED9AC042C54F75D35C8352278'],
  [8, '718EE6CF0B27E53D5F7AF99C4D8146A2'],
  [0x1fffe, 'E21E8C8D347F8561A2BE752DAA85A111'],
  [0x20000, 'F7AE9025468A25D37B7249CFFED224C8'],
  [0x20001, '692C8EA4013645135B36497131DF9D2C'],
  [0xfffe2000, '48E585B694EB0B18D5C35443E163C0BA'],
  [0xfffe4000, '396C2C7CA1EA701C03B86B7D41F0C562'],
  [0xfffe8000, '0387625F189B58AE03EF0E8CCA41105E'],
  [0xffff0000, 'F6BA59389BD14A9855BE9727E7C52E3C'],
];
const TXN256: [number, string][] = [
  [1, '54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3'],
  [2, '5DD5A0253842BBBE1D7C0DA27021412C6F1FAB53FB928DEAE56DA06090A9DE97'],
  [8, '20A796D5077D51B8E7613893A4F095B134E02917DC84BD391F3661D0873FF308'],
  [0x1fffe, 'A289508CBF1228452CD86AB77B15CB35577AC828C18BB66681E5A16D6C9CCED3'],
  [0x20000, 'D62DDA94A47D7DA5D763443B4ECB15EA8DD62E0E4F915958BA459591F8312E37'],
  [0xffff0000, '6D6DB7AAAE8B3EA90E57A39E4BBA71E173B21B446B30A78D64BFC6A8806C55EE'],
];

describe('AES DUKPT host side (ANSI X9.24-3-2017)', () => {
  it('builds derivation data as Create_Derivation_Data does', () => {
    expect(toHex(derivationData(AES_DUKPT_USAGE.initialKey, 'AES128', IKID))).toBe('01018001000200801234567890123456');
    expect(toHex(derivationData(AES_DUKPT_USAGE.pinEncryption, 'TDES3', ksn(1).subarray(4)))).toBe('01011000000100C09012345600000001');
  });

  it('derives the initial keys of the AES-128 and AES-256 BDKs', () => {
    expect(toHex(aesDukptInitialKey(BDK128, IKID))).toBe(IK128);
    expect(toHex(aesDukptInitialKey(BDK256, IKID))).toBe(IK256);
  });

  it('derives the intermediate derivation keys of the published counters', () => {
    for (const [c, want] of TXN128) expect(toHex(aesDukptDerivationKey(fromHex(IK128), ksn(c))), c.toString(16)).toBe(want);
    for (const [c, want] of TXN256) expect(toHex(aesDukptDerivationKey(fromHex(IK256), ksn(c))), c.toString(16)).toBe(want);
  });

  it('derives the AES-128 working keys of counter 1 (and 2, 8)', () => {
    const k = aesDukptHostKeys(BDK128, ksn(1), 'AES128');
    expect(toHex(k.initialKey)).toBe(IK128);
    expect(toHex(k.derivationKey)).toBe('4F21B565BAD9835E112B6465635EAE44');
    expect(toHex(k.pinKey)).toBe('AF8CB133A78F8DC2D1359F18527593FB');
    expect(toHex(k.macGenerationKey)).toBe('A2DC23DE6FDE0824A2BC321E08E4B8B7');
    expect(toHex(k.macVerificationKey)).toBe('DBB463945B286C07CD3AD82EE96FD9C9');
    expect(toHex(k.dataEncryptionKey)).toBe('A35C412EFD41FDB98B69797C02DCD08F');
    expect(toHex(k.dataDecryptionKey)).toBe('16292C6EA8F64C5420A0584BFBC577BE');
    expect(toHex(aesDukptHostKeys(BDK128, ksn(2)).pinKey)).toBe('D30BDC73EC9714B000BEC66BDB7B6D09');
    const k8 = aesDukptHostKeys(BDK128, ksn(8));
    expect(toHex(k8.pinKey)).toBe('4D9DF3FBEE3448FC3E676D04320A90F5');
    expect(toHex(k8.macGenerationKey)).toBe('6FD572E5D59E618875F193484F9178FB');
    expect(toHex(k8.dataEncryptionKey)).toBe('650F34204ABD4E57764D61AC3D266FB1');
  });

  it('derives 2TDEA and 3TDEA working keys from the AES-128 BDK, and AES-256 ones from the AES-256 BDK', () => {
    const t2 = aesDukptHostKeys(BDK128, ksn(1), 'TDES2');
    expect(toHex(t2.pinKey)).toBe('630C706D9546E47D4449313F61C4D4AB');
    expect(toHex(t2.macGenerationKey)).toBe('5D8FD787E8A796D07035FFCA9B5800BB');
    expect(toHex(t2.dataEncryptionKey)).toBe('BD44121C223F831446A01EE3A4CB58D2');
    const t3 = aesDukptHostKeys(BDK128, ksn(1), 'TDES3');
    expect(toHex(t3.pinKey)).toBe('EA8B3F37EB9B15831167EF2977FD8762D9B5913F35766F6A');
    expect(toHex(t3.macGenerationKey)).toBe('2A1061A6EAC2C14FAC3758EA07B3648A624B24E942785BF1');
    expect(toHex(t3.dataEncryptionKey)).toBe('F716DFBC6B2D2D5825B694EEEE181A013F2F1C09380BBE0C');
    const a256 = aesDukptHostKeys(BDK256, ksn(1));
    expect(toHex(a256.pinKey)).toBe('8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502');
    expect(toHex(a256.macGenerationKey)).toBe('61DABDF4B340CF461EE860B1D1AB55357142BD2D6977306859CF49AEFE8F1549');
    expect(toHex(a256.dataEncryptionKey)).toBe('71EB36C9A6B7F801D1D1700C29741FC5A5C4E9B45D742DA7AF6992B8AA29AF58');
  });

  it('refuses a working key stronger than the BDK, a counter with 17 one bits, and bad sizes', () => {
    expect(() => aesDukptHostKeys(BDK128, ksn(1), 'AES256')).toThrow(CryptoArgumentError);
    try {
      aesDukptHostKeys(BDK128, ksn(0x1ffff));
      expect.fail('accepted 17 one bits');
    } catch (e) {
      expect(e).toBeInstanceOf(KsnError);
      expect((e as KsnError).code).toBe('KSN_COUNTER');
    }
    expect(() => aesDukptHostKeys(BDK128, fromHex('FFFF9876543210E00001'))).toThrow(KsnError);
    expect(() => aesDukptHostKeys(fromHex('0123456789ABCDEF'), ksn(1))).toThrow(ValidationError);
  });
});

/** Register contents just before counter c, from the host-side derivation (see dukpt-tdes.test.ts). */
function stateAt(ik: Uint8Array, counter: number, keyType: 'AES128' | 'AES256'): AesDukptState {
  const key = (c: number): string => toHex(aesDukptDerivationKey(ik, ksn(c)));
  let p = 0;
  while (Math.floor(counter / 2 ** p) % 2 === 0) p++;
  const registers: (string | null)[] = [];
  for (let q = 0; q < 32; q++) {
    const bit = Math.floor(counter / 2 ** q) % 2 === 1;
    if (q === p) registers.push(key(counter));
    else if (q > p && !bit) registers.push(key(Math.floor(counter / 2 ** (q + 1)) * 2 ** (q + 1) + 2 ** q));
    else registers.push(null);
  }
  return { scheme: 'aes-dukpt', version: 1, initialKsn: '123456789012345600000000', keyType, workingKeyType: keyType, counter, registers };
}

describe('AES DUKPT terminal', () => {
  it('produces the KSNs and keys of counters 1..8 after Load_Initial_Key', () => {
    for (const [ik, table] of [[IK128, TXN128], [IK256, TXN256]] as const) {
      const t = AesDukptTerminal.load(fromHex(ik), IKID);
      const byCounter = new Map(table);
      for (let c = 1; c <= 8; c++) {
        const tx = t.nextTransaction();
        expect(toHex(tx.ksn)).toBe(toHex(ksn(c)));
        if (byCounter.has(c)) expect(toHex(tx.derivationKey)).toBe(byCounter.get(c));
      }
    }
    const first = AesDukptTerminal.load(fromHex(IK128), IKID).nextTransaction();
    expect(toHex(first.pinKey)).toBe('AF8CB133A78F8DC2D1359F18527593FB');
    expect(toHex(first.macVerificationKey)).toBe('DBB463945B286C07CD3AD82EE96FD9C9');
  });

  it('skips 1FFFF (17 one bits): 1FFFE is followed by 20000, then 20001', () => {
    const t = AesDukptTerminal.fromState(stateAt(fromHex(IK128), 0x1fffe, 'AES128'));
    const seen = [t.nextTransaction(), t.nextTransaction(), t.nextTransaction()];
    expect(seen.map((x) => toHex(x.ksn).slice(16))).toEqual(['0001FFFE', '00020000', '00020001']);
    expect(seen.map((x) => toHex(x.derivationKey))).toEqual([
      'E21E8C8D347F8561A2BE752DAA85A111',
      'F7AE9025468A25D37B7249CFFED224C8',
      '692C8EA4013645135B36497131DF9D2C',
    ]);
  });

  it('runs the last four counters FFFE2000..FFFF0000, then reports exhaustion', () => {
    const t = AesDukptTerminal.fromState(stateAt(fromHex(IK256), 0xfffe2000, 'AES256'));
    const last = TXN256[TXN256.length - 1]![1];
    const ksns: string[] = [];
    let key = '';
    for (let i = 0; i < 4; i++) {
      const tx = t.nextTransaction();
      ksns.push(toHex(tx.ksn).slice(16));
      key = toHex(tx.derivationKey);
    }
    expect(ksns).toEqual(['FFFE2000', 'FFFE4000', 'FFFE8000', 'FFFF0000']);
    expect(key).toBe(last);
    expect(t.exhausted).toBe(true);
    expect(t.ksn).toBeNull();
    expect(() => t.nextTransaction()).toThrow(KsnExhaustedError);
    expect(AesDukptTerminal.fromState(JSON.parse(JSON.stringify(t.toState()))).exhausted).toBe(true);
  });

  it('agrees with the host for its first 600 counters, and after a JSON round trip', () => {
    const t = AesDukptTerminal.load(fromHex(IK128), IKID, 'TDES2');
    for (let i = 0; i < 300; i++) {
      const tx = t.nextTransaction();
      if (i % 13 === 0) expect(tx.pinKey).toEqual(aesDukptHostKeys(BDK128, tx.ksn, 'TDES2').pinKey);
    }
    const u = AesDukptTerminal.fromState(JSON.parse(JSON.stringify(t.toState())));
    for (let i = 0; i < 300; i++) {
      const tx = u.nextTransaction();
      if (i % 13 === 0) expect(tx.macGenerationKey).toEqual(aesDukptHostKeys(BDK128, tx.ksn, 'TDES2').macGenerationKey);
    }
  });

  it('does not burn a counter on a refused working key type', () => {
    const t = AesDukptTerminal.load(fromHex(IK128), IKID);
    expect(() => t.nextTransaction('AES256')).toThrow(CryptoArgumentError);
    expect(toHex(t.nextTransaction().ksn)).toBe(toHex(ksn(1)));
  });

  it('refuses states that break the register rules', () => {
    const good = stateAt(fromHex(IK128), 0x40, 'AES128');
    expect(() => AesDukptTerminal.fromState({ ...good, registers: good.registers.map((r, q) => (q === 2 ? '00'.repeat(16) : r)) })).toThrow(DukptStateError);
    expect(() => AesDukptTerminal.fromState({ ...good, workingKeyType: 'AES256' })).toThrow(DukptStateError);
    expect(() => AesDukptTerminal.fromState({ ...good, keyType: 'AES256' })).toThrow(DukptStateError);
    expect(() => AesDukptTerminal.fromState({ ...good, counter: 2 ** 32 + 1 })).toThrow(DukptStateError);
  });

  it('fuzz: fromState on mutated states throws only typed errors', () => {
    const next = seeded(3017);
    const base = stateAt(fromHex(IK128), 0x1234, 'AES128');
    const junk = (): unknown =>
      [null, 0, -5, 0.5, 2 ** 32, 2 ** 33, '', 'AES512', 'TDES2', '00'.repeat(16), [], {}, false, toHex(randomBytes(next, randomInt(next, 40)))][randomInt(next, 14)];
    for (let i = 0; i < 2000; i++) {
      const s: Record<string, unknown> = JSON.parse(JSON.stringify(base));
      const regs = s['registers'] as unknown[];
      const field = ['scheme', 'version', 'initialKsn', 'keyType', 'workingKeyType', 'counter', 'registers', 'reg', 'reg'][randomInt(next, 9)]!;
      if (field === 'reg') regs[randomInt(next, 34)] = junk();
      else if (next() < 0.2) delete s[field];
      else s[field] = junk();
      onlyTypedErrors(() => AesDukptTerminal.fromState(s).nextTransaction());
    }
  });

  it('fuzz: host derivation on random KSNs and key types throws only typed errors', () => {
    const next = seeded(117);
    for (let i = 0; i < 600; i++) {
      const k = randomBytes(next, i % 40 === 0 ? randomInt(next, 40) : 12);
      const type = (['AES128', 'AES192', 'AES256', 'TDES2', 'TDES3', 'DES'] as const)[randomInt(next, 6)]!;
      onlyTypedErrors(() => aesDukptHostKeys(BDK256, k, type as never));
    }
  });
});
