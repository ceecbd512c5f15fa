import { describe, expect, it } from 'vitest';
import { DeviceError, PortClosedError } from '../../../src/errors.js';
import { SimGpioLine } from '../../../simulator/ports/gpio.js';
import { settle } from '../../../simulator/ports/virtual-clock.js';

describe('simulated GPIO lines: the GpioLine contract and the electrical model', () => {
  it('an input reads its pull resistor until the far end drives it', async () => {
    const up = new SimGpioLine('GPIO16', { pull: 'up' });
    const down = new SimGpioLine('GPIO17', { pull: 'down' });
    expect(await up.read()).toBe(1);
    expect(await down.read()).toBe(0);
    up.drive(0);
    expect(await up.read()).toBe(0);
    up.drive(null);
    expect(await up.read()).toBe(1);
  });

  it('reports edges to watchers by kind, asynchronously, and stops when unwatched', async () => {
    const l = new SimGpioLine('GPIO26', { pull: 'up' });
    const falling: number[] = [];
    const both: number[] = [];
    const stopFalling = l.watch('falling', (v) => falling.push(v));
    l.watch('both', (v) => both.push(v));
    l.drive(0);
    expect(both).toEqual([]); // delivered like an interrupt, not inside drive()
    await settle();
    l.drive(null);
    await settle();
    expect(falling).toEqual([0]);
    expect(both).toEqual([0, 1]);
    stopFalling();
    l.drive(0);
    await settle();
    expect(falling).toEqual([0]);
    expect(both).toEqual([0, 1, 0]);
  });

  it('an output drives its level; writing an input is refused', async () => {
    const l = new SimGpioLine('GPIO22', { direction: 'out' });
    await l.write(1);
    expect(l.level()).toBe(1);
    await l.setDirection('in');
    await expect(l.write(1)).rejects.toBeInstanceOf(DeviceError);
  });

  it('tells the far end when a line is released to high impedance even at the same level', async () => {
    const l = new SimGpioLine('GPIO5', { direction: 'out', initial: 0 });
    let calls = 0;
    l.observe(() => calls++);
    await l.setDirection('in'); // floating reads 0: same level, but it no longer sinks current
    expect(calls).toBe(1);
  });

  it('refuses use after close', async () => {
    const l = new SimGpioLine('GPIO6');
    await l.close();
    await expect(l.read()).rejects.toBeInstanceOf(PortClosedError);
    expect(() => l.watch('both', () => {})).toThrow(PortClosedError);
  });
});
