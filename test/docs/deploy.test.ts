/**
 * deploy/pos.service, the systemd unit the README gives for the Pi: its ExecStart must be a
 * `pos start` the terminal accepts, on a board that exists, with an acquirer URL it can
 * parse, and it must set the allocator's threshold that keeps scrypt's memory from
 * staying in the RSS (src/store/password-hash.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import rpi from '../../board/rpi-pn532-hsu.js';
import { BOARD_NAMES } from '../../src/cli/board-loader.js';
import { validateBoard } from '../../src/hal/board.js';
import { parseHostUrl, START_FLAGS } from '../../src/cli/start.js';

const unit = readFileSync(fileURLToPath(new URL('../../deploy/pos.service', import.meta.url)), 'utf8');
const setting = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

describe('deploy/pos.service', () => {
  it('runs `node bin/pos.js start` with options pos start accepts, a real board and a parsable acquirer URL', () => {
    const [exec] = setting('ExecStart');
    const words = exec!.split(/\s+/);
    expect(words[0]).toMatch(/\/node$/);
    expect(words[1]).toMatch(/\/bin\/pos\.js$/);
    expect(words[2]).toBe('start');
    const a = parseArgs(words.slice(3), { flags: [...START_FLAGS] });
    const name = a.flags.get('board')!;
    expect(BOARD_NAMES).toContain(name);
    expect(name).toBe(rpi.name);
    expect(validateBoard(rpi).kind).not.toBe('sim');
    const host = parseHostUrl(a.flags.get('host')!);
    expect(host.tls).toBe(true);
    expect(a.flags.get('host-ca')).toBeTruthy();
  });

  it('sets a fixed mmap threshold, the groups the devices need, and a restart', () => {
    expect(setting('Environment')).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    expect(Number(setting('Environment').find((e) => e.startsWith('UV_THREADPOOL_SIZE='))?.split('=')[1])).toBeGreaterThan(4);
    expect(setting('SupplementaryGroups')[0]!.split(' ').sort()).toEqual(['dialout', 'gpio', 'i2c', 'input']);
    expect(setting('Restart')).toEqual(['always']);
    expect(setting('KillSignal')).toEqual(['SIGTERM']);
  });
});
