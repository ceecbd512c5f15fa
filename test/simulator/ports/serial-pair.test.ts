import { describe, expect, it } from 'vitest';
import { PortBusyError, PortClosedError, ReadTimeoutError } from '../../../src/errors.js';
import { createSerialPair } from '../../../simulator/ports/serial-pair.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('simulated serial pair: the SerialLink contract', () => {
  it('delivers bytes in order, at least one byte a read, never more than maxBytes', async () => {
    const clock = new VirtualClock();
    const [a, b] = createSerialPair(clock);
    await a.write(bytes(1, 2, 3));
    await a.write(bytes(4, 5));
    expect([...(await b.read({ timeoutMs: 10, maxBytes: 2 }))]).toEqual([1, 2]);
    expect([...(await b.read({ timeoutMs: 10 }))]).toEqual([3, 4, 5]);
  });

  it('a read waiting for data resolves when it arrives', async () => {
    const clock = new VirtualClock();
    const [a, b] = createSerialPair(clock);
    const pending = b.read({ timeoutMs: 100 });
    await clock.advance(50);
    await a.write(bytes(0x55));
    expect([...(await pending)]).toEqual([0x55]);
  });

  it('rejects an overlapping write while the first is still on the wire', async () => {
    const clock = new VirtualClock();
    const [a] = createSerialPair(clock, { timing: true, baudRate: 9600 });
    const first = a.write(new Uint8Array(96)); // 100 ms of wire time at 9600 8N1
    await expect(a.write(bytes(1))).rejects.toBeInstanceOf(PortBusyError);
    await clock.advance(100);
    await first;
    const next = a.write(bytes(1));
    await clock.advance(2);
    await expect(next).resolves.toBeUndefined();
  });

  it('models wire time: 10 bit times per byte at the baud rate', async () => {
    const clock = new VirtualClock();
    const [a, b] = createSerialPair(clock, { timing: true, baudRate: 115200 });
    const w = a.write(new Uint8Array(1152)); // 100 ms
    const r = b.read({ timeoutMs: 1000 });
    let got: Uint8Array | null = null;
    void r.then((x) => (got = x));
    await clock.advance(99);
    expect(got).toBeNull();
    await clock.advance(1);
    await w;
    expect((await r).length).toBe(1152);
  });

  it('times a read out with ReadTimeoutError after timeoutMs, not before', async () => {
    const clock = new VirtualClock();
    const [, b] = createSerialPair(clock);
    const r = b.read({ timeoutMs: 250 });
    let err: unknown = null;
    r.catch((e) => (err = e));
    await clock.advance(249);
    expect(err).toBeNull();
    await clock.advance(1);
    expect(err).toBeInstanceOf(ReadTimeoutError);
    expect((err as ReadTimeoutError).timeoutMs).toBe(250);
  });

  it('cancels a pending read when the link closes, and refuses use after close', async () => {
    const clock = new VirtualClock();
    const [a, b] = createSerialPair(clock);
    const r = b.read({ timeoutMs: 10_000 });
    await b.close();
    const e = await r.catch((x) => x);
    expect(e).toBeInstanceOf(PortClosedError);
    expect(e.canceled).toBe(true);
    await expect(b.read({ timeoutMs: 1 })).rejects.toBeInstanceOf(PortClosedError);
    await expect(b.write(bytes(1))).rejects.toBeInstanceOf(PortClosedError);
    await a.write(bytes(1)); // the other end may still write into the void
    await b.close(); // twice is harmless
  });

  it('refuses a second concurrent read', async () => {
    const clock = new VirtualClock();
    const [, b] = createSerialPair(clock);
    const r = b.read({ timeoutMs: 100 }).catch((e) => e);
    await expect(b.read({ timeoutMs: 100 })).rejects.toBeInstanceOf(PortBusyError);
    await clock.advance(100);
    expect(await r).toBeInstanceOf(ReadTimeoutError);
  });

  it('ends a read when its signal aborts, with the signal reason', async () => {
    const clock = new VirtualClock();
    const [, b] = createSerialPair(clock);
    const c = new AbortController();
    const r = b.read({ timeoutMs: 1000, signal: c.signal });
    c.abort(new Error('card removed'));
    await expect(r).rejects.toThrow('card removed');
    expect(clock.pending).toBe(0); // the timeout timer went with it
  });

  it('flush() discards what was received and not read', async () => {
    const clock = new VirtualClock();
    const [a, b] = createSerialPair(clock);
    await a.write(bytes(9, 9, 9));
    await b.flush();
    await a.write(bytes(7));
    expect([...(await b.read({ timeoutMs: 10 }))]).toEqual([7]);
  });

  it('garbles bytes when the two ends disagree on the baud rate', async () => {
    const clock = new VirtualClock();
    const [a, b] = createSerialPair(clock, { baudRate: 115200 });
    await b.setBaudRate(9600);
    await a.write(bytes(0x00, 0xff, 0x55));
    expect([...(await b.read({ timeoutMs: 10 }))]).not.toEqual([0x00, 0xff, 0x55]);
    await a.setBaudRate(9600);
    await a.write(bytes(0x00, 0xff, 0x55));
    expect([...(await b.read({ timeoutMs: 10 }))]).toEqual([0x00, 0xff, 0x55]);
  });
});
