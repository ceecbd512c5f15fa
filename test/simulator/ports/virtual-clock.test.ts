import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';

describe('VirtualClock', () => {
  it('fires timers in time order, same instant in the order set, never early', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimer(20, () => order.push('b'));
    clock.setTimer(10, () => order.push('a'));
    clock.setTimer(20, () => order.push('c'));
    await clock.advance(19);
    expect(order).toEqual(['a']);
    await clock.advance(1);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('lets an awaiting chain continue before the next timer fires', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    void (async () => {
      await clock.sleep(10);
      order.push('slept');
      clock.setTimer(0, () => order.push('set after sleep'));
    })();
    clock.setTimer(10, () => order.push('timer at 10'));
    await clock.advance(10);
    expect(order).toEqual(['slept', 'timer at 10', 'set after sleep']);
  });

  it('a cancelled timer never fires and an aborted sleep rejects', async () => {
    const clock = new VirtualClock();
    let fired = false;
    clock.setTimer(5, () => (fired = true)).cancel();
    const c = new AbortController();
    const s = clock.sleep(100, c.signal);
    c.abort(new Error('stop'));
    await expect(s).rejects.toThrow('stop');
    await clock.advance(200);
    expect(fired).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('now() moves with monotonic()', async () => {
    const clock = new VirtualClock(1_000_000);
    await clock.advance(1234);
    expect(clock.now()).toBe(1_001_234);
    expect(clock.monotonic()).toBe(1234);
  });
});
