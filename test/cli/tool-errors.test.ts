import { describe, expect, it } from 'vitest';
import { runPos } from '../helpers/spawn-pos.js';

/** Issue 5: bad input to every `pos tool` subcommand is one line on stderr and exit 2 (CONTRACT.md). */
describe('pos tool: bad input is one line on stderr and exit 2', () => {
  it.each([
    ['pinblock', '--format', '0', '--pin', '12a4', '--pan', '4012345678909'],
    ['pinblock', '--format', '0', '--pin', '1234', '--pan', '4012345678909', '--key', 'ABC'],
    ['pinblock', '--format', '4', '--pin', '1234', '--pan', '4012345678909'],
    ['dukpt', '--bdk', '0123456789ABCDEFFEDCBA98765432', '--ksn', 'FFFF9876543210E00001'],
    ['dukpt', '--bdk', '0123456789ABCDEFFEDCBA9876543210', '--ksn', 'FFFF9876543210FFFFFF'],
    ['dukpt', '--aes', '--bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1', '--ksn', '123'],
    ['mac', '--alg', 'retail', '--key', '0123', '--data', '00'],
    ['mac', '--alg', 'nope', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', '00'],
    ['arqc', '--imk', '00', '--pan', '4012345678909', '--psn', '00', '--atc', '0001', '--data', '00'],
    ['tlv', '6F1A84'],
    ['tlv', 'XYZ'],
    ['track', ';1234=?'],
    ['iso8583', 'decode', '0200'],
    ['iso8583', 'encode', '{"mti":'],
    ['emv', 'read', '--trace', '/nonexistent/trace.json'],
  ])('pos tool %s %s', async (...args) => {
    const r = await runPos(['tool', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^pos tool ${args[0]}: `));
  });
});
