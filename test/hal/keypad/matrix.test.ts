import { describe, expect, it } from 'vitest';
import boardSim from '../../../board/sim.js';
import { KEY_NAMES, type KeyName } from '../../../src/hal/keypad/keys.js';
import { MatrixKeypad } from '../../../src/hal/keypad/matrix.js';
import { MatrixKeypadEmulator } from '../../../simulator/devices/keypad/matrix-keypad.js';
import { SimGpioChip } from '../../../simulator/ports/gpio.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { runUntil } from '../../helpers/sim-terminal.js';

const { keymap } = boardSim.devices.keypad;

async function rig(debounceMs = 15) {
  const clock = new VirtualClock();
  const chip = new SimGpioChip();
  const rows = [0, 1, 2, 3].map((i) => chip.line(`row${i}`, { direction: 'out' }));
  const cols = [0, 1, 2, 3].map((i) => chip.line(`col${i}`, { pull: 'up' }));
  const emu = new MatrixKeypadEmulator(rows, cols, keymap);
  const keypad = new MatrixKeypad({ rows, columns: cols, keymap, clock, debounceMs });
  const got: KeyName[] = [];
  keypad.onKey((k) => got.push(k));
  await keypad.start();
  return { clock, emu, keypad, got, rows, cols };
}

describe('GPIO matrix keypad against the matrix emulator', () => {
  it('reads every key of the 4x4 map as itself', async () => {
    const { clock, emu, got } = await rig();
    for (const k of KEY_NAMES) await runUntil(clock, emu.press(k, clock));
    expect(got).toEqual([...KEY_NAMES]);
  });

  it('gives one press for a bouncing contact, on press and on release', async () => {
    const { clock, emu, got } = await rig();
    await runUntil(clock, emu.press('5', clock, { bounces: 4 }));
    await runUntil(clock, emu.press('ENTER', clock, { bounces: 3 }));
    expect(got).toEqual(['5', 'ENTER']);
  });

  it('ignores a glitch shorter than the debounce time', async () => {
    const { clock, emu, got } = await rig(15);
    emu.down('7');
    await clock.advance(3);
    emu.up('7');
    await clock.advance(50);
    expect(got).toEqual([]);
  });

  it('while a key is held, a second key in the same column is not read, and the held key is reported once', async () => {
    const { clock, emu, got } = await rig();
    emu.down('2');
    await clock.advance(30);
    emu.down('5'); // row 1, same column as 2
    await clock.advance(100);
    emu.up('5');
    emu.up('2');
    await clock.advance(50);
    expect(got).toEqual(['2']);
  });

  it('idles on interrupts: no timer, every column watched, rows driven low', async () => {
    const { clock, emu, keypad, cols, rows } = await rig();
    await runUntil(clock, emu.press('9', clock));
    await clock.advance(1000);
    expect(clock.pending).toBe(0);
    expect(keypad.busy).toBe(false);
    expect(cols.every((c) => c.watcherCount === 1)).toBe(true);
    expect(rows.every((r) => r.direction === 'out' && r.level() === 0)).toBe(true);
    const fired = clock.fired;
    await clock.advance(60_000);
    expect(clock.fired).toBe(fired);
  });

  it('refuses a key map that does not match its lines', () => {
    const clock = new VirtualClock();
    const chip = new SimGpioChip();
    const rows = [chip.line('r0', { direction: 'out' })];
    const cols = [chip.line('c0', { pull: 'up' })];
    expect(() => new MatrixKeypad({ rows, columns: cols, keymap, clock })).toThrow('the key map must be 1 rows of 1 keys');
  });

  it('stops reading keys once closed', async () => {
    const { clock, emu, keypad, got } = await rig();
    await keypad.close();
    await runUntil(clock, emu.press('1', clock));
    expect(got).toEqual([]);
  });
});
