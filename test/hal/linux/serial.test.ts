import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError, PortBusyError, PortClosedError, ReadTimeoutError } from '../../../src/errors.js';
import { RealClock } from '../../../src/hal/clock.js';
import { LinuxI2cBus } from '../../../src/hal/linux/i2c.js';
import { LinuxSerialLink } from '../../../src/hal/linux/serial.js';

/**
 * A real pseudo-terminal, so node-serialport's native binding opens a real tty. The far end
 * (Python's pty module) answers each chunk with its bytes plus one, in raw mode.
 */
const FAR_END = `
import os, pty, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
while True:
    data = os.read(master, 1024)
    if not data:
        break
    os.write(master, bytes((b + 1) & 0xff for b in data))
`;

let far: ChildProcess | null = null;
afterEach(() => {
  far?.kill('SIGKILL');
  far = null;
});

function openPty(): Promise<string> {
  return new Promise((resolve, reject) => {
    far = spawn('python3', ['-c', FAR_END], { stdio: ['ignore', 'pipe', 'inherit'] });
    far.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    far.once('error', reject);
  });
}

async function readAll(link: LinuxSerialLink, n: number): Promise<number[]> {
  const got: number[] = [];
  while (got.length < n) got.push(...(await link.read({ timeoutMs: 2000 })));
  return got;
}

describe('LinuxSerialLink on a real pty (serialport native binding)', () => {
  it('writes, reads the answer, times out, refuses overlap, and cancels a read on close', async () => {
    const path = await openPty();
    const link = await LinuxSerialLink.open(path, 115200, new RealClock());
    expect(link.isOpen).toBe(true);
    await link.write(Uint8Array.of(0x00, 0x10, 0xfe));
    expect(await readAll(link, 3)).toEqual([0x01, 0x11, 0xff]);

    await expect(link.read({ timeoutMs: 50 })).rejects.toBeInstanceOf(ReadTimeoutError);

    const first = link.read({ timeoutMs: 5000 });
    await expect(link.read({ timeoutMs: 10 })).rejects.toBeInstanceOf(PortBusyError);
    await link.close();
    const e = await first.catch((x) => x);
    expect(e).toBeInstanceOf(PortClosedError);
    await expect(link.write(Uint8Array.of(1))).rejects.toBeInstanceOf(PortClosedError);
  });

  it('names the port when it cannot be opened', async () => {
    const e = await LinuxSerialLink.open('/dev/nonexistent-tty', 115200, new RealClock()).catch((x) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.message).toMatch(/^\/dev\/nonexistent-tty: cannot open/);
  });
});

describe('LinuxI2cBus', () => {
  it('says how to enable I2C when the bus device is missing', async () => {
    const e = await LinuxI2cBus.open(97).catch((x) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.message).toMatch(/^\/dev\/i2c-97: cannot open .*dtparam=i2c_arm=on/);
  });
});
