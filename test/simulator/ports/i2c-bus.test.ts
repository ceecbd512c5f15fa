import { describe, expect, it } from 'vitest';
import { I2cNackError, PortClosedError, ValidationError } from '../../../src/errors.js';
import { SimI2cBus } from '../../../simulator/ports/i2c-bus.js';

describe('simulated I2C bus: the I2cBus contract', () => {
  it('delivers writes to the addressed target and returns its reads', async () => {
    const bus = new SimI2cBus();
    const seen: number[][] = [];
    bus.attach(0x3c, { onWrite: (d) => seen.push([...d]), onRead: (n) => Uint8Array.from({ length: n }, (_, i) => i + 1) });
    await bus.write(0x3c, Uint8Array.of(0x00, 0xaf));
    expect(seen).toEqual([[0x00, 0xaf]]);
    expect([...(await bus.read(0x3c, 3))]).toEqual([1, 2, 3]);
    expect(bus.transfers.map((t) => t.kind)).toEqual(['write', 'read']);
  });

  it('NACKs an address nobody answers, naming bus and address', async () => {
    const bus = new SimI2cBus('sim:i2c1');
    const e = await bus.write(0x3d, Uint8Array.of(0)).catch((x) => x);
    expect(e).toBeInstanceOf(I2cNackError);
    expect(e.message).toBe('sim:i2c1: no device acknowledged address 0x3D');
    await expect(bus.read(0x24, 1)).rejects.toBeInstanceOf(I2cNackError);
  });

  it('refuses addresses outside 0x08-0x77 and two devices on one address', async () => {
    const bus = new SimI2cBus();
    await expect(bus.write(0x03, Uint8Array.of(0))).rejects.toBeInstanceOf(ValidationError);
    await expect(bus.write(0x78, Uint8Array.of(0))).rejects.toBeInstanceOf(ValidationError);
    const t = { onWrite: () => {}, onRead: (n: number) => new Uint8Array(n) };
    bus.attach(0x24, t);
    expect(() => bus.attach(0x24, t)).toThrow(ValidationError);
  });

  it('a target that answers the wrong number of bytes is a protocol error', async () => {
    const bus = new SimI2cBus();
    bus.attach(0x24, { onWrite: () => {}, onRead: () => new Uint8Array(1) });
    await expect(bus.read(0x24, 4)).rejects.toThrow('returned 1 bytes for a 4-byte read');
  });

  it('refuses every transfer once closed', async () => {
    const bus = new SimI2cBus();
    bus.attach(0x3c, { onWrite: () => {}, onRead: (n) => new Uint8Array(n) });
    await bus.close();
    await expect(bus.write(0x3c, Uint8Array.of(0))).rejects.toBeInstanceOf(PortClosedError);
  });
});
