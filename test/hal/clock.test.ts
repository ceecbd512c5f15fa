import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/hal/clock.js';

describe('ScaledClock (the sim board run faster than real time)', () => {
  it('refuses a factor below 1 or not a number', () => {
    for (const f of [0, 0.5, -3, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new ScaledClock(f)).toThrow(RangeError);
  });

  it('fires timers in the order they are due, never before their time on the scaled clock', async () => {
    const clock = new ScaledClock(200);
    const start = clock.monotonic();
    const fired: { name: string; at: number }[] = [];
    const all = [3000, 1000, 2000, 1].map(
      (ms) =>
        new Promise<void>((done) =>
          clock.setTimer(ms, () => {
            fired.push({ name: String(ms), at: clock.monotonic() - start });
            done();
          }),
        ),
    );
    await Promise.all(all);
    expect(fired.map((f) => f.name)).toEqual(['1', '1000', '2000', '3000']);
    for (const f of fired) expect(f.at).toBeGreaterThanOrEqual(Number(f.name));
  });

  it('moves the wall clock and the monotonic clock by the same scaled amount', async () => {
    const clock = new ScaledClock(100);
    // The two clocks are read one after the other: the real time between the two readings,
    // scaled, is how far apart they may be (and now() drops the fraction of a ms).
    const read = () => {
      const t0 = performance.now();
      const wall = clock.now();
      const mono = clock.monotonic();
      return { wall, mono, slack: (performance.now() - t0) * clock.factor };
    };
    const a = read();
    await clock.sleep(2000);
    const b = read();
    expect(b.mono - a.mono).toBeGreaterThanOrEqual(2000);
    expect(Math.abs(b.wall - a.wall - (b.mono - a.mono))).toBeLessThanOrEqual(1 + a.slack + b.slack);
  });

  it('cancels a timer and rejects a sleep whose signal aborts', async () => {
    const clock = new ScaledClock(100);
    let fired = false;
    clock.setTimer(500, () => (fired = true)).cancel();
    const ac = new AbortController();
    const slept = clock.sleep(60_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    await clock.sleep(1000);
    expect(fired).toBe(false);
  });
});
