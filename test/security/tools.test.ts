import { describe, it, expect } from 'vitest';
import pinblock from '../../src/cli/tools/pinblock.js';
import dukpt from '../../src/cli/tools/dukpt.js';
import mac from '../../src/cli/tools/mac.js';
import arqc from '../../src/cli/tools/arqc.js';
import type { ToolCommand } from '../../src/cli/tools/tool-command.js';
import { ValidationError } from '../../src/errors.js';
import { decipherPinBlock4, decodePinBlock } from '../../src/security/pin-block.js';
import { fromHex } from '../../src/hex.js';
import { onlyTypedErrors, randomInt, seeded } from './fuzz-helpers.js';

async function run(tool: ToolCommand, args: string[]): Promise<Record<string, string>> {
  const out = await tool.run(args);
  // The dispatcher prints JSON: the result must survive it unchanged.
  expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  return out as Record<string, string>;
}

async function refusal(tool: ToolCommand, args: string[]): Promise<string> {
  try {
    await tool.run(args);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
}

describe('pos tool pinblock', () => {
  it('prints clear format 0 blocks (Wikipedia ISO 9564 example) and accepts lower-case hex keys', async () => {
    expect(await run(pinblock, ['--format', '0', '--pin', '1234', '--pan', '43219876543210987'])).toEqual({ pinBlock: '0412AC89ABCDEF67' });
    // ANSI X9.24-1:2009 A.4.2, KSN ...E00001: PIN key and encrypted block.
    expect(await run(pinblock, ['--format=0', '--pin=1234', '--pan=4012345678909', '--key=042666b49184cf5c68de9628d0397b36'])).toEqual({
      pinBlock: '1B9C1845EB993A7A',
    });
  });

  it('prints formats 1 and 3 that decode back, and format 4 under an AES key', async () => {
    const f1 = await run(pinblock, ['--format', '1', '--pin', '98765']);
    expect(Array.from(decodePinBlock(1, fromHex(f1['pinBlock']!))).join('')).toBe('98765');
    const f3 = await run(pinblock, ['--format', '3', '--pin', '1234', '--pan', '4111111111111111']);
    expect(Array.from(decodePinBlock(3, fromHex(f3['pinBlock']!), '4111111111111111')).join('')).toBe('1234');
    const key = 'AF8CB133A78F8DC2D1359F18527593FB';
    const f4 = await run(pinblock, ['--format', '4', '--pin', '1234', '--pan', '4111111111111111', '--key', key]);
    expect(f4['pinBlock']).toMatch(/^[0-9A-F]{32}$/);
    expect(Array.from(decipherPinBlock4(fromHex(f4['pinBlock']!), '4111111111111111', fromHex(key))).join('')).toBe('1234');
  });

  it('refuses bad input with one line', async () => {
    expect(await refusal(pinblock, ['--format', '2', '--pin', '1234', '--pan', '4111111111111111'])).toMatch(/--format/);
    expect(await refusal(pinblock, ['--format', '0', '--pin', '12a4', '--pan', '4111111111111111'])).toMatch(/PIN/);
    expect(await refusal(pinblock, ['--format', '0', '--pin', '123', '--pan', '4111111111111111'])).toMatch(/4 to 12/);
    expect(await refusal(pinblock, ['--format', '0', '--pin', '1234'])).toMatch(/--pan/);
    expect(await refusal(pinblock, ['--format', '0', '--pin', '1234', '--pan', '41111111x1111111'])).toMatch(/--pan/);
    expect(await refusal(pinblock, ['--format', '4', '--pin', '1234', '--pan', '4111111111111111'])).toMatch(/--key/);
    expect(await refusal(pinblock, ['--format', '4', '--pin', '1234', '--pan', '4111111111111111', '--key', '0123456789ABCDEF'])).toMatch(/16, 24 or 32/);
    expect(await refusal(pinblock, ['--format', '0', '--pin', '1234', '--pan', '4111111111111111', '--key', '0123456789ABCDE'])).toMatch(/odd/);
    expect(await refusal(pinblock, ['--format', '0', '--pin', '1234', '--pan', '4111111111111111', '--key', '0123456789ABCDEF'])).toMatch(/16 or 24/);
    expect(await refusal(pinblock, ['--format', '0', '--pin', '1234', '--pan', '4111111111111111', '--pni', '1'])).toMatch(/--pni/);
  });
});

describe('pos tool dukpt', () => {
  it('prints the TDES keys of ANSI X9.24-1:2009 A.4.2 for KSN FFFF9876543210E00001', async () => {
    const out = await run(dukpt, ['--bdk', '0123456789ABCDEFFEDCBA9876543210', '--ksn', 'FFFF9876543210E00001']);
    expect(Object.keys(out).sort()).toEqual(['dataRequestKey', 'dataResponseKey', 'ipek', 'macRequestKey', 'macResponseKey', 'pinKey', 'transactionKey']);
    expect(out['ipek']).toBe('6AC292FAA1315B4D858AB3A3D7D5933A');
    expect(out['transactionKey']).toBe('042666B49184CFA368DE9628D0397BC9');
    expect(out['pinKey']).toBe('042666B49184CF5C68DE9628D0397B36');
  });

  it('prints the AES keys of the X9.24-3-2017 vectors, per key type', async () => {
    const args = ['--aes', '--bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1', '--ksn', '123456789012345600000001'];
    const out = await run(dukpt, args);
    expect(out).toEqual({
      initialKey: '1273671EA26AC29AFA4D1084127652A1',
      pinKey: 'AF8CB133A78F8DC2D1359F18527593FB',
      macGenerationKey: 'A2DC23DE6FDE0824A2BC321E08E4B8B7',
      macVerificationKey: 'DBB463945B286C07CD3AD82EE96FD9C9',
      dataEncryptionKey: 'A35C412EFD41FDB98B69797C02DCD08F',
      dataDecryptionKey: '16292C6EA8F64C5420A0584BFBC577BE',
    });
    expect((await run(dukpt, [...args, '--key-type', 'TDES2']))['pinKey']).toBe('630C706D9546E47D4449313F61C4D4AB');
    expect((await run(dukpt, [...args, '--key-type', 'tdes3']))['pinKey']).toBe('EA8B3F37EB9B15831167EF2977FD8762D9B5913F35766F6A');
  });

  it('refuses bad input, exhausted counters included', async () => {
    const bdk = '0123456789ABCDEFFEDCBA9876543210';
    expect(await refusal(dukpt, ['--bdk', bdk, '--ksn', 'FFFF9876543210FFFFFF'])).toMatch(/one bits/);
    expect(await refusal(dukpt, ['--aes', '--bdk', bdk, '--ksn', '1234567890123456FFFFFFFF'])).toMatch(/one bits/);
    expect(await refusal(dukpt, ['--bdk', bdk, '--ksn', 'FFFF9876543210E0000'])).toMatch(/odd/);
    expect(await refusal(dukpt, ['--bdk', bdk.slice(0, 16), '--ksn', 'FFFF9876543210E00001'])).toMatch(/16 bytes/);
    expect(await refusal(dukpt, ['--bdk', bdk, '--ksn', '123456789012345600000001'])).toMatch(/--aes/);
    expect(await refusal(dukpt, ['--bdk', bdk, '--ksn', 'FFFF9876543210E00001', '--key-type', 'AES128'])).toMatch(/--aes/);
    expect(await refusal(dukpt, ['--aes', '--bdk', bdk, '--ksn', '123456789012345600000001', '--key-type', 'AES512'])).toMatch(/--key-type/);
    expect(await refusal(dukpt, ['--aes', '--bdk', bdk, '--ksn', '123456789012345600000001', '--key-type', 'AES256'])).toMatch(/stronger/);
    expect(await refusal(dukpt, ['--ksn', 'FFFF9876543210E00001'])).toMatch(/--bdk/);
  });
});

describe('pos tool mac', () => {
  it('computes the retail MAC and CMAC vectors', async () => {
    const data = Buffer.from('Now is the time for all ').toString('hex');
    expect((await run(mac, ['--alg', 'retail', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', data]))['mac']?.slice(0, 8)).toBe('A1C72E74');
    expect(await run(mac, ['--alg', 'cmac', '--key', '2B7E151628AED2A6ABF7158809CF4F3C', '--data', '6BC1BEE22E409F96E93D7E117393172A'])).toEqual({
      mac: '070A16B46B4D4144F79BDD9DD04A287C',
    });
    expect(await run(mac, ['--alg', 'cmac', '--key', '0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123', '--data', ''])).toEqual({ mac: '7DB0D37DF936C550' });
    expect(await run(mac, ['--alg', 'cmac', '--cipher', 'tdes', '--key', '0123456789ABCDEF23456789ABCDEF01', '--data', ''])).toEqual({ mac: '79CE52A7F786A960' });
    const p2 = await run(mac, ['--alg', 'retail', '--padding', '2', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', data]);
    expect(p2['mac']).not.toBe((await run(mac, ['--alg', 'retail', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', data]))['mac']);
  });

  it('refuses bad input', async () => {
    expect(await refusal(mac, ['--alg', 'hmac', '--key', '00', '--data', '00'])).toMatch(/--alg/);
    expect(await refusal(mac, ['--alg', 'retail', '--key', '0123456789ABCDEF', '--data', '00'])).toMatch(/16-byte/);
    expect(await refusal(mac, ['--alg', 'cmac', '--key', '0123456789ABCDEF', '--data', '00'])).toMatch(/bytes/);
    expect(await refusal(mac, ['--alg', 'cmac', '--key', '00'.repeat(16), '--data', '0'])).toMatch(/odd/);
    expect(await refusal(mac, ['--alg', 'cmac', '--key', '00'.repeat(16), '--data', 'zz'])).toMatch(/hex digit/);
    expect(await refusal(mac, ['--alg', 'retail', '--padding', '3', '--key', '00'.repeat(16), '--data', '00'])).toMatch(/--padding/);
  });
});

describe('pos tool arqc', () => {
  it('prints ICC master key, session key and ARQC that match the library and pyemv examples', async () => {
    const out = await run(arqc, ['--imk', '0123456789ABCDEFFEDCBA9876543210', '--pan', '12345678901234567', '--psn', '01', '--atc', '001C', '--data', '0123456789ABCDEF']);
    expect(out['iccMasterKey']).toBe('73AD54688CEF2934B0979857E3C719F1');
    expect(Object.keys(out).sort()).toEqual(['arqc', 'iccMasterKey', 'sessionKey']);
    expect(out['arqc']).toMatch(/^[0-9A-F]{16}$/);
  });

  it('refuses bad input', async () => {
    const ok = ['--imk', '0123456789ABCDEFFEDCBA9876543210', '--pan', '12345678901234567', '--psn', '01', '--atc', '001C', '--data', '00'];
    const withFlag = (name: string, value: string): string[] => {
      const a = ok.slice();
      a[a.indexOf(name) + 1] = value;
      return a;
    };
    expect(await refusal(arqc, withFlag('--imk', '0123456789ABCDEF'))).toMatch(/--imk/);
    expect(await refusal(arqc, withFlag('--pan', '1234567890123456x'))).toMatch(/--pan/);
    expect(await refusal(arqc, withFlag('--psn', '1'))).toMatch(/--psn/);
    expect(await refusal(arqc, withFlag('--atc', '001C00'))).toMatch(/--atc/);
    expect(await refusal(arqc, withFlag('--data', 'ABC'))).toMatch(/odd/);
  });
});

describe('fuzz: the tools throw only typed errors on arbitrary arguments', () => {
  it('random argument lists', async () => {
    const next = seeded(4493);
    const words = [
      '--format', '--pin', '--pan', '--key', '--bdk', '--ksn', '--aes', '--key-type', '--alg', '--data', '--imk', '--psn', '--atc',
      '--padding', '--cipher', '0', '1', '3', '4', '1234', 'retail', 'cmac', 'AES128', 'TDES2', '4111111111111111', '00', '001C',
      '0123456789ABCDEFFEDCBA9876543210', 'FFFF9876543210E00001', '123456789012345600000001', '', 'zz', '--', '-x',
    ];
    for (let i = 0; i < 2000; i++) {
      const tool = [pinblock, dukpt, mac, arqc][i % 4]!;
      const args = Array.from({ length: randomInt(next, 11) }, () => words[randomInt(next, words.length)]!);
      onlyTypedErrors(() => {
        const r = tool.run(args);
        if (r instanceof Promise) throw new Error('tools are synchronous');
      });
    }
  });
});
