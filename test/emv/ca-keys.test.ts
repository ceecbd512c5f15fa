/** CA public keys: the shipped files, their checks (EMV 4.4 Book 2 11.2), and look-up. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { caKeyChecksum, CaKeyStore, loadCaKeyFiles, parseCaKeyFile, shippedCaKeys } from '../../src/emv/ca-keys.js';
import emvTestKeys from '../../src/emv/ca-keys/emv-test-keys.json' with { type: 'json' };

const MC_F1 = emvTestKeys.keys.find((k) => k.rid === 'A000000004' && k.index === 'F1')!;

describe('CA public keys', () => {
  it('the shipped files load: the simulator test CA under four RIDs and four published test keys', () => {
    const store = shippedCaKeys();
    expect(store.size).toBe(8);
    for (const rid of ['A000000003', 'A000000004', 'A000000025', 'A000000333']) expect(store.find(fromHex(rid), 0xe7)).toBeDefined();
    expect(store.find(fromHex('A000000004'), 0xf1)?.modulus.length).toBe(176);
    expect(store.find(fromHex('A000000003'), 0x92)?.modulus.length).toBe(176);
    expect(store.find(fromHex('A000000003'), 0x01)).toBeUndefined();
  });

  it('the check sum is SHA-1 over RID, index, modulus, exponent: the published one of Mastercard test key F1', () => {
    const sum = caKeyChecksum(fromHex('A000000004'), 0xf1, fromHex(MC_F1.modulus), fromHex('03'));
    expect(toHex(sum)).toBe('D8E68DA167AB5A85D8C3D55ECB9B0517A1A5B4BB');
  });

  const good = { ...MC_F1 };
  it.each([
    ['a mistyped modulus', { modulus: MC_F1.modulus.replace(/^A0/, 'A1') }, /check sum does not match/],
    ['a RID of 4 bytes', { rid: 'A0000000' }, /RID is 5 bytes/],
    ['exponent 5', { exponent: '05' }, /exponent 05/],
    ['no expiry', { expiry: undefined }, /"expiry"/],
    ['hash algorithm 02', { hashAlgorithm: '02' }, /only 01 \(SHA-1\)/],
    ['a short modulus', { modulus: '00' }, /modulus of 1 bytes/],
  ])('refuses %s, naming the file and key', (_, patch, message) => {
    const e = (() => {
      try {
        parseCaKeyFile({ keys: [{ ...good, ...patch }] }, 'keys.json');
      } catch (x) {
        return x as Error;
      }
      throw new Error('accepted');
    })();
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toMatch(/^keys\.json key 1: /);
    expect(e.message).toMatch(message);
  });

  it('a bare list of keys is accepted (the production list form); a key listed twice is not', () => {
    expect(parseCaKeyFile([good], 'list.json')).toHaveLength(1);
    expect(() => new CaKeyStore([...parseCaKeyFile([good], 'a'), ...parseCaKeyFile([good], 'b')])).toThrow(/listed twice/);
  });

  it('loads extra files and names the one it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-keys-'));
    const file = join(dir, 'production.json');
    writeFileSync(file, JSON.stringify({ keys: [good] }));
    expect(loadCaKeyFiles([file]).size).toBe(1);
    writeFileSync(file, '{');
    expect(() => loadCaKeyFiles([file])).toThrow(/production\.json: cannot read the CA key file/);
  });
});
