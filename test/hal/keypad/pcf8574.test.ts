import { describe, expect, it } from 'vitest';
import boardSim from '../../../board/sim.js';
import { DeviceError } from '../../../src/errors.js';
import { KEY_NAMES, type KeyName } from '../../../src/hal/keypad/keys.js';
import { MatrixKeypad } from '../../../src/hal/keypad/matrix.js';
import { Pcf8574MatrixLines } from '../../../src/hal/keypad/pcf8574.js';
import { Pcf8574KeypadEmulator } from '../../../simulator/devices/keypad/pcf8574-keypad.js';
import { SimGpioLine } from '../../../simulator/ports/gpio.js';
import { SimI2cBus } from '../../../simulator/ports/i2c-bus.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { runUntil } from '../../helpers/sim-terminal.js';

const { keymap } = boardSim.devices.keypad;

async function rig() {
  const clock = new VirtualClock();
  const bus = new SimI2cBus('sim:i2c1');
  const int = new SimGpioLine('GPIO4', { pull: 'up' });
  const emu = new Pcf8574KeypadEmulator(keymap, int);
  bus.attach(0x20, emu);
  const lines = await Pcf8574MatrixLines.open({ bus, address: 0x20, int });
  const keypad = new MatrixKeypad({ lines, keymap, clock, debounceMs: 15 });
  const got: KeyName[] = [];
  keypad.onKey((k) => got.push(k));
  await keypad.start();
  return { clock, bus, int, emu, keypad, got };
}

describe('4x4 keypad behind a PCF8574 expander, against its emulator', () => {
  it('reads every key of the map as itself', async () => {
    const { clock, emu, got } = await rig();
    for (const k of KEY_NAMES) await runUntil(clock, emu.press(k, clock, { bounces: 2 }));
    expect(got).toEqual([...KEY_NAMES]);
  });

  it('waits on INT at idle: no transfer on the bus and no timer until a key moves', async () => {
    const { clock, bus, emu, int } = await rig();
    await runUntil(clock, emu.press('5', clock));
    const transfers = emu.reads + emu.writes;
    await clock.advance(60_000);
    expect(emu.reads + emu.writes).toBe(transfers);
    expect(clock.pending).toBe(0);
    expect(int.level()).toBe(1); // released by the last read
    expect(bus.transfers.filter((t) => t.kind === 'write').at(-1)?.data).toEqual(Uint8Array.of(0xf0)); // rows low, columns weak high
  });

  it('says which expander did not answer', async () => {
    const bus = new SimI2cBus('/dev/i2c-1');
    const e = await Pcf8574MatrixLines.open({ bus, address: 0x27, int: new SimGpioLine('GPIO4', { pull: 'up' }) }).catch((x) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.message).toBe('no keypad expander answered at 0x27 on /dev/i2c-1');
  });

  it('the emulator models quasi-bidirectional pins: a pressed key pulls a weak-high column to a low row', () => {
    const int = new SimGpioLine('INT', { pull: 'up' });
    const emu = new Pcf8574KeypadEmulator(keymap, int);
    emu.onWrite(Uint8Array.of(0b1111_1110)); // row 0 low
    expect(emu.port()).toBe(0b1111_1110);
    emu.down('3'); // row 0, column 2 (P6)
    expect(emu.port()).toBe(0b1011_1110);
    expect(int.level()).toBe(0);
    emu.onRead(1);
    expect(int.level()).toBe(1);
    emu.up('3');
    expect(int.level()).toBe(0);
  });
});
