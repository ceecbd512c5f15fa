import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, loadSettings } from '../../src/store/config.js';

describe('terminal settings (lowdb)', () => {
  it('creates config.json with the defaults the first time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const s = await loadSettings(dir);
    expect(s).toEqual(DEFAULT_SETTINGS);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).currency).toBe('CNY');
  });

  it('keeps what the merchant set and fills settings an older file lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ merchantName: 'Noodle Bar', currency: 'HKD', timeouts: { menuMs: 5000 } }));
    const s = await loadSettings(dir);
    expect(s.merchantName).toBe('Noodle Bar');
    expect(s.currency).toBe('HKD');
    expect(s.timeouts.menuMs).toBe(5000);
    expect(s.timeouts.amountEntryMs).toBe(DEFAULT_SETTINGS.timeouts.amountEntryMs);
  });

  it('the exception file holds keyed PAN hashes only: a PAN is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const hash = 'AB'.repeat(32);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ exceptionFile: [hash, `${hash}/01`] }));
    expect((await loadSettings(dir)).exceptionFile).toEqual([hash, `${hash}/01`]);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ exceptionFile: [hash, '4761730000000052'] }));
    await expect(loadSettings(dir)).rejects.toThrow(/exceptionFile must list keyed PAN hashes/);
  });

  it('onlinePinRetries: 2 by default and for an older file; a whole number from 0 to 5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(DEFAULT_SETTINGS.onlinePinRetries).toBe(2);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ merchantName: 'Noodle Bar' }));
    expect((await loadSettings(dir)).onlinePinRetries).toBe(2);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ onlinePinRetries: 0 }));
    expect((await loadSettings(dir)).onlinePinRetries).toBe(0);
    for (const bad of [-1, 1.5, 6, '2']) {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ onlinePinRetries: bad }));
      await expect(loadSettings(dir)).rejects.toThrow('config.json: onlinePinRetries must be a whole number from 0 to 5');
    }
  });

  it('refuses a wrong value, naming each field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currency: 'XYZ', maxAmount: 12.5, terminalId: 'T1', timeZone: 'Mars/Olympus' }));
    await expect(loadSettings(dir)).rejects.toThrow(
      "config.json: terminalId must be 8 printable characters; currency must be an ISO 4217 code the terminal knows (CNY, USD, ...); maxAmount must be a whole number of minor units from 1 to 999999999999; timeZone 'Mars/Olympus' is not an IANA time zone",
    );
  });
});
