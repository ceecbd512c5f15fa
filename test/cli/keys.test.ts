import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { pinDigits } from '../../src/security/pin-block.js';
import { KeyStore, SIM_BOARD_SERIAL } from '../../src/security/key-store.js';
import { runPos } from '../helpers/spawn-pos.js';

const IPEK = '6AC292FAA1315B4D858AB3A3D7D5933A';
const BDK = '0123456789ABCDEFFEDCBA9876543210';
const KSN = 'FFFF9876543210E00000';

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pos-keys-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function oneLine(stderr: string): string {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  return stderr.trim();
}

describe('pos keys', () => {
  it('inject --ipek, then status: JSON with the KSN and check value only; the sim terminal uses the keys', async () => {
    const d = dataDir();
    const inj = await runPos(['keys', 'inject', '--ipek', IPEK.toLowerCase(), '--ksn', KSN, '--data', d]);
    expect(inj.stderr).toBe('');
    expect(inj.code).toBe(0);
    const out = JSON.parse(inj.stdout);
    expect(out).toEqual({
      injected: true,
      scheme: 'tdes-dukpt',
      ksn: 'FFFF9876543210E00001',
      initialKsn: KSN,
      counter: 1,
      exhausted: false,
      initialKeyKcv: 'AF8C07',
      kcvMethod: 'tdes-zero-block',
    });
    expect(inj.stdout.toUpperCase()).not.toContain(IPEK);

    // The terminal on the sim board opens what the command stored: ANSI X9.24-1 A.4.2, counter 1.
    const pin = await new KeyStore({ dataDir: d, serial: SIM_BOARD_SERIAL }).encryptPin(pinDigits('1234'), '4012345678909', 0);
    expect(toHex(pin.pinBlock)).toBe('1B9C1845EB993A7A');

    const st = await runPos(['keys', 'status', '--data', d]);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ ksn: 'FFFF9876543210E00002', initialKeyKcv: 'AF8C07', counter: 2 });
    for (const f of readdirSync(join(d, 'keys'))) expect(readFileSync(join(d, 'keys', f)).toString('latin1').toUpperCase()).not.toContain(IPEK);
    expect(statSync(join(d, 'keys', 'device.secret')).mode & 0o777).toBe(0o600);
  });

  it('inject --bdk derives the same IPEK (same check value) for TDES, and the AES initial key for a 12-byte KSN', async () => {
    const [tdes, aes] = [dataDir(), dataDir()];
    const [a, b] = await Promise.all([
      runPos(['keys', 'inject', '--bdk', BDK, '--ksn', KSN, '--data', tdes]),
      runPos(['keys', 'inject', '--bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1', '--ksn', '123456789012345600000000', '--data', aes]),
    ]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ bdkKcv: '08D7B4', initialKeyKcv: 'AF8C07', ksn: 'FFFF9876543210E00001' });
    expect(b.code).toBe(0);
    // X9.24-3 initial key 1273671EA26AC29AFA4D1084127652A1: CMAC check value 05EF45.
    expect(JSON.parse(b.stdout)).toMatchObject({ scheme: 'aes-dukpt', bdkKcv: 'FF0BD7', initialKeyKcv: '05EF45', kcvMethod: 'aes-cmac-zero-block', ksn: '123456789012345600000001' });
    expect(a.stdout + b.stdout).not.toMatch(/6AC292FA|1273671E/i);
  });

  it('bad input: one line on stderr, exit 2, and nothing written', async () => {
    const d = dataDir();
    const cases = await Promise.all([
      runPos(['keys', 'inject', '--ipek', IPEK, '--ksn', 'FFFF9876543210E0', '--data', d]),
      runPos(['keys', 'inject', '--ipek', 'XYZ', '--ksn', KSN, '--data', d]),
      runPos(['keys', 'inject', '--ipek', IPEK, '--bdk', BDK, '--ksn', KSN, '--data', d]),
      runPos(['keys', 'inject', '--ipek', IPEK, '--ksn', 'FFFF9876543210E00001', '--data', d]),
      runPos(['keys', 'status', '--data', d]),
      runPos(['keys', 'rotate']),
    ]);
    const msgs = cases.map((c) => {
      expect(c.code).toBe(2);
      expect(c.stdout).toBe('');
      return oneLine(c.stderr);
    });
    expect(msgs[0]).toContain('--ksn: 8 bytes');
    expect(msgs[1]).toContain('--ipek');
    expect(msgs[2]).toContain('exactly one of --ipek and --bdk');
    expect(msgs[3]).toContain('zero counter');
    expect(msgs[4]).toContain("pos keys inject");
    expect(msgs[5]).toContain("unknown subcommand 'rotate'");
    for (const m of msgs) expect(m.toUpperCase()).not.toContain(IPEK);
    expect(readdirSync(d)).toEqual([]);
  });

  it('a tampered store or a secret open to others: exit 2 with the reason', async () => {
    const d = dataDir();
    await new KeyStore({ dataDir: d, serial: SIM_BOARD_SERIAL }).injectTdes(fromHex(IPEK), fromHex(KSN));
    const secret = join(d, 'keys', 'device.secret');
    chmodSync(secret, 0o644);
    const loose = await runPos(['keys', 'status', '--data', d]);
    expect(loose.code).toBe(2);
    expect(oneLine(loose.stderr)).toContain('has mode 0644');
    chmodSync(secret, 0o600);
    const file = join(d, 'keys', 'dukpt.json');
    const env = JSON.parse(readFileSync(file, 'utf8'));
    env.iv = `${env.iv.slice(0, -1)}${env.iv.endsWith('0') ? '1' : '0'}`;
    writeFileSync(file, JSON.stringify(env));
    const tampered = await runPos(['keys', 'status', '--data', d]);
    expect(tampered.code).toBe(2);
    expect(oneLine(tampered.stderr)).toContain('failed its integrity check');
  });
});
