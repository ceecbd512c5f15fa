import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { AesDukptTerminal, aesDukptHostKeys } from '../../src/security/dukpt-aes.js';
import { DukptTransactionKeys, memoryPinEncryptor } from '../../src/security/dukpt-pin.js';
import { TdesDukptTerminal, tdesDukptHostKeys } from '../../src/security/dukpt-tdes.js';
import { PinBlockError } from '../../src/security/errors.js';
import { aesKcv, tdesKcv } from '../../src/security/key-check-value.js';
import { boardSerial, KeyStore, KeyStoreError, readDeviceTreeSerial, SIM_BOARD_SERIAL } from '../../src/security/key-store.js';
import { decipherPinBlock4, decodePinBlock, decryptPinBlock, pinDigits } from '../../src/security/pin-block.js';

// ANSI X9.24-1:2009 A.4: BDK, initial KSN, IPEK; PIN 1234 with PAN 4012345678909 gives the
// A.4.2 encrypted PIN blocks below for counters 1, 2, 3.
const BDK = fromHex('0123456789ABCDEFFEDCBA9876543210');
const IKSN = fromHex('FFFF9876543210E00000');
const IPEK = fromHex('6AC292FAA1315B4D858AB3A3D7D5933A');
const PAN = '4012345678909';
const A42: [string, string][] = [
  ['FFFF9876543210E00001', '1B9C1845EB993A7A'],
  ['FFFF9876543210E00002', '10A01C8D02C69107'],
  ['FFFF9876543210E00003', '18DC07B94797B466'],
];
// ANSI X9.24-3-2017 test vectors: AES-128 BDK, initial key ID, initial key; PIN key of counter 1.
const AES_BDK = fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1');
const AES_IKSN = fromHex('123456789012345600000000');
const AES_IK = fromHex('1273671EA26AC29AFA4D1084127652A1');

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'keystore-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const store = (dir: string, serial = SIM_BOARD_SERIAL) => new KeyStore({ dataDir: dir, serial });
const pin = (s: string) => pinDigits(s);

async function refusal(p: Promise<unknown>): Promise<KeyStoreError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KeyStoreError);
    expect((e as Error).message).not.toContain('\n');
    return e as KeyStoreError;
  }
  throw new Error('accepted');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('key check values (ANSI X9.24-1:2017: TDES zero block, AES CMAC of zeros)', () => {
  it('gives the values OpenSSL gives for the test BDK, the IPEK and AES keys', () => {
    // Computed independently with `openssl enc -des-ede3` and `openssl mac ... CMAC` over zeros.
    expect(toHex(tdesKcv(BDK))).toBe('08D7B4');
    expect(toHex(tdesKcv(IPEK))).toBe('AF8C07');
    expect(toHex(aesKcv(AES_BDK))).toBe('FF0BD7');
    expect(toHex(aesKcv(AES_IK))).toBe('05EF45');
    expect(toHex(aesKcv(fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1')))).toBe('410EDF');
  });
});

describe('board serial', () => {
  it('is fixed on the sim board and read from the device tree on a Pi', async () => {
    expect(await boardSerial('sim')).toBe(SIM_BOARD_SERIAL);
    const d = dataDir();
    writeFileSync(join(d, 'serial-number'), Buffer.from('10000000abcdef12\0', 'latin1'));
    expect(await readDeviceTreeSerial([join(d, 'missing'), join(d, 'serial-number')])).toBe('10000000abcdef12');
    const e = await refusal(readDeviceTreeSerial([join(d, 'missing')]));
    expect(e.code).toBe('BOARD_SERIAL');
    expect(() => store(d, '')).toThrow(KeyStoreError);
  });
});

describe('the key store: TDES DUKPT at rest', () => {
  it('inject then status: the next KSN and the IPEK check value; secret 0600, folder 0700', async () => {
    const d = dataDir();
    const st = await store(d).injectTdes(IPEK, IKSN);
    expect(st).toEqual({
      scheme: 'tdes-dukpt',
      ksn: 'FFFF9876543210E00001',
      initialKsn: 'FFFF9876543210E00000',
      counter: 1,
      exhausted: false,
      initialKeyKcv: 'AF8C07',
      kcvMethod: 'tdes-zero-block',
    });
    expect(await store(d).status()).toEqual(st);
    expect(statSync(join(d, 'keys', 'device.secret')).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, 'keys', 'device.secret')).size).toBe(32);
    expect(statSync(join(d, 'keys', 'dukpt.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, 'keys')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(d, 'keys')).sort()).toEqual(['device.secret', 'dukpt.json']);
  });

  it('gives the published X9.24-1 A.4.2 PIN blocks, the KSN advancing and surviving each reopening', async () => {
    const d = dataDir();
    await store(d).injectTdes(IPEK, IKSN);
    for (const [ksn, block] of A42) {
      const out = await store(d).encryptPin(pin('1234'), PAN, 0); // a fresh store object each time
      expect(toHex(out.ksn)).toBe(ksn);
      expect(toHex(out.pinBlock)).toBe(block);
      expect(out.format).toBe(0);
    }
    expect((await store(d).status()).ksn).toBe('FFFF9876543210E00004');
    // Host side: the block opens with the key the BDK gives for the KSN that came with it.
    const out = await store(d).encryptPin(pin('98765'), PAN, 3);
    const clear = decryptPinBlock(out.pinBlock, tdesDukptHostKeys(BDK, out.ksn).pinKey);
    expect([...decodePinBlock(3, clear, PAN)]).toEqual([9, 8, 7, 6, 5]);
  });

  it('serialises concurrent transactions: no two get the same KSN', async () => {
    const d = dataDir();
    const s = store(d);
    await s.injectTdes(IPEK, IKSN);
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => s.encryptPin(pin('1234'), PAN, 0)));
    expect(new Set(all.map((o) => toHex(o.ksn))).size).toBe(5);
    expect((await s.status()).counter).toBe(6);
  });

  it('beginTransaction gives the MAC keys of the same KSN the host derives', async () => {
    const d = dataDir();
    await store(d).injectTdes(IPEK, IKSN);
    const tx = await store(d).beginTransaction();
    const host = tdesDukptHostKeys(BDK, tx.ksn);
    expect(toHex((tx.working as { macRequestKey: Uint8Array }).macRequestKey)).toBe(toHex(host.macRequestKey));
    const key = (tx.working as { pinKey: Uint8Array }).pinKey;
    tx.wipe();
    expect(key).toEqual(new Uint8Array(16));
    expect(() => tx.working).toThrow();
  });

  it('a session: the PIN block and the MAC keys share one KSN; the counter moves once', async () => {
    const d = dataDir();
    const s = store(d);
    await s.injectTdes(IPEK, IKSN);
    const session = s.session();
    expect(session.ksn).toBeNull();
    expect((await s.status()).counter).toBe(1); // nothing begun before the first use
    const out = await session.encryptPin(pin('1234'), PAN, 0);
    expect(toHex(out.pinBlock)).toBe(A42[0]![1]);
    const keys = await session.keys();
    expect(toHex(keys.ksn)).toBe(toHex(out.ksn));
    expect(toHex((keys.working as { macRequestKey: Uint8Array }).macRequestKey)).toBe(toHex(tdesDukptHostKeys(BDK, out.ksn).macRequestKey));
    expect((await s.status()).counter).toBe(2);
    session.wipe();
    expect(() => keys.working).toThrow();
    // A fresh session for a transaction without PIN: its keys() begins the next counter.
    const next = s.session();
    expect(toHex((await next.keys()).ksn)).toBe(A42[1]![0]);
    next.wipe();
  });

  it('never holds the IPEK or any DUKPT key in clear on disk, in any encoding', async () => {
    const d = dataDir();
    await store(d).injectTdes(IPEK, IKSN);
    for (let i = 0; i < 4; i++) await store(d).encryptPin(pin('1234'), PAN, 0);
    // Every key the registers held for counters 0..8, and every transaction's working keys.
    const mirror = TdesDukptTerminal.load(IPEK, IKSN);
    const secrets: Uint8Array[] = [IPEK];
    for (let i = 0; i < 8; i++) {
      for (const r of mirror.toState().registers) if (r) secrets.push(fromHex(r));
      const tx = mirror.nextTransaction();
      secrets.push(tx.transactionKey, tx.pinKey, tx.macRequestKey, tx.macResponseKey, tx.dataRequestKey, tx.dataResponseKey);
    }
    const files = filesUnder(d);
    expect(files.length).toBe(2);
    for (const f of files) {
      const bytes = readFileSync(f);
      const text = bytes.toString('latin1');
      for (const k of secrets) {
        const b = Buffer.from(k);
        expect(bytes.includes(b), f).toBe(false);
        expect(bytes.includes(b.subarray(0, 8)), f).toBe(false); // neither half
        expect(bytes.includes(b.subarray(8, 16)), f).toBe(false);
        for (const enc of [b.toString('hex').toUpperCase(), b.toString('hex'), b.toString('base64').slice(0, 20)]) expect(text.includes(enc), f).toBe(false);
      }
    }
  });

  it('refuses a tampered file, and refuses it the same way each time (nothing is advanced)', async () => {
    const d = dataDir();
    await store(d).injectTdes(IPEK, IKSN);
    const file = join(d, 'keys', 'dukpt.json');
    const good = readFileSync(file, 'utf8');
    const env = JSON.parse(good) as Record<string, string>;
    const ct = Buffer.from(env.ciphertext!, 'base64');
    ct[10]! ^= 0x01;
    writeFileSync(file, JSON.stringify({ ...env, ciphertext: ct.toString('base64') }));
    let e = await refusal(store(d).status());
    expect(e.code).toBe('KEYSTORE_TAMPERED');
    expect(e.message).toContain('integrity check');
    e = await refusal(store(d).encryptPin(pin('1234'), PAN, 0));
    expect(e.code).toBe('KEYSTORE_TAMPERED');
    // The authenticated header: a changed salt or tag is refused too.
    const salt = env.salt!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    writeFileSync(file, JSON.stringify({ ...env, salt }));
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_TAMPERED');
    writeFileSync(file, JSON.stringify({ ...env, tag: '00'.repeat(16) }));
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_TAMPERED');
    writeFileSync(file, good.slice(0, 40));
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_CORRUPT');
    writeFileSync(file, good);
    expect((await store(d).status()).ksn).toBe('FFFF9876543210E00001');
  });

  it('opens nothing on another board (serial) or with another device secret', async () => {
    const d = dataDir();
    await store(d).injectTdes(IPEK, IKSN);
    expect((await refusal(store(d, '10000000abcdef12').status())).code).toBe('KEYSTORE_TAMPERED');
    writeFileSync(join(d, 'keys', 'device.secret'), Buffer.alloc(32, 7));
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_TAMPERED');
  });

  it('refuses a device secret whose mode is looser than 0600, a link, or the wrong size', async () => {
    const d = dataDir();
    await store(d).injectTdes(IPEK, IKSN);
    const secret = join(d, 'keys', 'device.secret');
    chmodSync(secret, 0o640);
    const e = await refusal(store(d).status());
    expect(e.code).toBe('KEYSTORE_SECRET_MODE');
    expect(e.message).toContain('mode 0640');
    expect(e.message).toContain(`chmod 600 ${secret}`);
    expect((await refusal(store(d).encryptPin(pin('1234'), PAN, 0))).code).toBe('KEYSTORE_SECRET_MODE');
    expect((await refusal(store(d).injectTdes(IPEK, IKSN))).code).toBe('KEYSTORE_SECRET_MODE');
    chmodSync(secret, 0o600);
    expect((await store(d).status()).counter).toBe(1);
    chmodSync(secret, 0o400); // stricter is fine
    expect((await store(d).status()).counter).toBe(1);
    chmodSync(secret, 0o600);

    chmodSync(join(d, 'keys'), 0o777);
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_SECRET_MODE');
    chmodSync(join(d, 'keys'), 0o700);

    const real = readFileSync(secret);
    rmSync(secret);
    writeFileSync(join(d, 'elsewhere'), real, { mode: 0o600 });
    symlinkSync(join(d, 'elsewhere'), secret);
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_SECRET_INVALID');
    rmSync(secret);
    writeFileSync(secret, real.subarray(0, 16), { mode: 0o600 });
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_SECRET_INVALID');
    rmSync(secret);
    expect((await refusal(store(d).status())).code).toBe('KEYSTORE_SECRET_MISSING');
  });

  it('says when nothing was injected, without creating the secret', async () => {
    const d = dataDir();
    const e = await refusal(store(d).status());
    expect(e.code).toBe('KEYSTORE_EMPTY');
    expect(e.message).toContain('pos keys inject');
    expect((await refusal(store(d).encryptPin(pin('1234'), PAN, 0))).code).toBe('KEYSTORE_EMPTY');
    expect(await store(d).hasKeys()).toBe(false);
    expect(readdirSync(d)).toEqual([]);
  });

  it('refuses bad keys before touching the disk', async () => {
    const d = dataDir();
    await expect(store(d).injectTdes(new Uint8Array(8), IKSN)).rejects.toThrow(/16 bytes/);
    await expect(store(d).injectTdes(IPEK, fromHex('FFFF9876543210E00001'))).rejects.toThrow(/zero counter/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('refuses a PIN block format the key cannot carry without spending a counter', async () => {
    const d = dataDir();
    await store(d).injectTdes(IPEK, IKSN);
    await expect(store(d).encryptPin(pin('1234'), PAN, 4)).rejects.toThrow(PinBlockError);
    expect((await store(d).status()).counter).toBe(1);
  });
});

describe('the key store: AES DUKPT', () => {
  it('AES-128: status with the CMAC check value; format 4 blocks the host opens with the BDK', async () => {
    const d = dataDir();
    const st = await store(d).injectAes(AES_IK, AES_IKSN);
    expect(st).toMatchObject({ scheme: 'aes-dukpt', ksn: '123456789012345600000001', counter: 1, initialKeyKcv: '05EF45', kcvMethod: 'aes-cmac-zero-block', keyType: 'AES128', workingKeyType: 'AES128' });
    const out = await store(d).encryptPin(pin('271828'), PAN, 4);
    expect(toHex(out.ksn)).toBe('123456789012345600000001');
    expect(out.pinBlock.length).toBe(16);
    const host = aesDukptHostKeys(AES_BDK, out.ksn, 'AES128');
    expect(toHex(host.pinKey)).toBe('AF8CB133A78F8DC2D1359F18527593FB'); // X9.24-3 vector, counter 1
    expect([...decipherPinBlock4(out.pinBlock, PAN, host.pinKey)]).toEqual([2, 7, 1, 8, 2, 8]);
    await expect(store(d).encryptPin(pin('1234'), PAN, 0)).rejects.toThrow(PinBlockError);
    expect((await store(d).status()).ksn).toBe('123456789012345600000002');
  });

  it('AES DUKPT with a TDES2 working key carries format 0', async () => {
    const d = dataDir();
    await store(d).injectAes(AES_IK, AES_IKSN, 'TDES2');
    const out = await store(d).encryptPin(pin('4321'), PAN, 0);
    const key = aesDukptHostKeys(AES_BDK, out.ksn, 'TDES2').pinKey;
    expect([...decodePinBlock(0, decryptPinBlock(out.pinBlock, key), PAN)]).toEqual([4, 3, 2, 1]);
  });
});

describe('in-memory DUKPT PIN encipherment', () => {
  it('memoryPinEncryptor gives the same blocks as the store and refuses a wrong format first', async () => {
    const enc = memoryPinEncryptor(TdesDukptTerminal.load(IPEK, IKSN));
    expect(toHex((await enc(pin('1234'), PAN, 0)).pinBlock)).toBe(A42[0]![1]);
    const aes = AesDukptTerminal.load(AES_IK, AES_IKSN);
    await expect(memoryPinEncryptor(aes)(pin('1234'), PAN, 1)).rejects.toThrow(PinBlockError);
    expect(toHex(aes.ksn!)).toBe('123456789012345600000001');
    const tx = DukptTransactionKeys.next(aes);
    expect(tx.pinKeyAlgorithm).toBe('aes');
    tx.wipe();
  });
});

describe('card data keys', () => {
  it('are derived from the device secret and serial: the same at every start, different per device, never on disk', async () => {
    const { mkdtempSync, readdirSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { KeyStore } = await import('../../src/security/key-store.js');
    const dir = mkdtempSync(join(tmpdir(), 'ks-card-'));
    const a = await new KeyStore({ dataDir: dir, serial: 'SERIAL-A' }).cardDataKeys();
    const again = await new KeyStore({ dataDir: dir, serial: 'SERIAL-A' }).cardDataKeys();
    const otherSerial = await new KeyStore({ dataDir: dir, serial: 'SERIAL-B' }).cardDataKeys();
    expect(a.sealKey).toHaveLength(32);
    expect(Buffer.from(again.sealKey).equals(Buffer.from(a.sealKey))).toBe(true);
    expect(Buffer.from(a.sealKey).equals(Buffer.from(a.hashKey))).toBe(false);
    expect(Buffer.from(otherSerial.hashKey).equals(Buffer.from(a.hashKey))).toBe(false);
    for (const f of readdirSync(join(dir, 'keys'))) {
      const bytes = readFileSync(join(dir, 'keys', f));
      for (const k of [a.sealKey, a.hashKey]) expect(bytes.includes(Buffer.from(k))).toBe(false);
    }
  });
});
