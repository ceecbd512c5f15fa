import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';

describe('Scheduler', () => {
  it('runs one-shot tasks in due order, same instant in the order scheduled', async () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock);
    const order: string[] = [];
    s.once('late', 30, () => void order.push('late'));
    s.once('first', 10, () => void order.push('first'));
    s.once('second', 10, () => void order.push('second'));
    await clock.advance(30);
    expect(order).toEqual(['first', 'second', 'late']);
    expect(s.runs.get('first')).toBe(1);
  });

  it('runs tasks one at a time: an async task finishes before the next starts', async () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock);
    const log: string[] = [];
    s.once('slow', 10, async () => {
      log.push('slow start');
      await clock.sleep(50);
      log.push('slow end');
    });
    s.once('quick', 20, () => void log.push('quick'));
    await clock.advance(100);
    expect(log).toEqual(['slow start', 'slow end', 'quick']);
  });

  it('repeats a periodic task, rescheduled after each run, until cancelled', async () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock);
    let n = 0;
    const task = s.every('tick', 100, () => void n++);
    await clock.advance(350);
    expect(n).toBe(3);
    task.cancel();
    await clock.advance(1000);
    expect(n).toBe(3);
    expect(s.pending).toBe(0);
  });

  it('aligns a periodic task to wall-clock multiples of its period', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 0, 0, 42)); // 42 s past the minute
    const s = new Scheduler(clock);
    const at: number[] = [];
    s.every('minute', 60_000, () => void at.push(clock.now() % 60_000), { aligned: true });
    await clock.advance(18_000);
    expect(at).toEqual([0]);
    await clock.advance(60_000);
    expect(at).toEqual([0, 0]);
  });

  it('reports a failing task and keeps going', async () => {
    const clock = new VirtualClock();
    const errors: string[] = [];
    const s = new Scheduler(clock, (task, e) => errors.push(`${task}: ${(e as Error).message}`));
    let after = false;
    s.once('bad', 1, () => {
      throw new Error('boom');
    });
    s.once('good', 2, () => void (after = true));
    await clock.advance(5);
    expect(errors).toEqual(['bad: boom']);
    expect(after).toBe(true);
  });

  it('with nothing scheduled, nothing runs', async () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock);
    s.once('x', 10, () => {}).cancel();
    await clock.advance(3_600_000);
    expect(clock.fired).toBe(0);
    expect(s.runs.size).toBe(0);
  });

  it('close() drops every pending task', async () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock);
    let n = 0;
    s.every('tick', 10, () => void n++);
    s.close();
    await clock.advance(100);
    expect(n).toBe(0);
  });
});
