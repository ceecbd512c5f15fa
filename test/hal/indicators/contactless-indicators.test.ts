import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  ContactlessIndicators,
  EMV_TIMINGS,
  type IndicatorState,
} from '../../../src/hal/indicators/contactless-indicators.js';
import { LevelRecorder } from '../../../simulator/devices/indicators/level-recorder.js';
import { SimGpioLine } from '../../../simulator/ports/gpio.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';

async function rig(options: { activeHigh?: boolean; onError?: (e: unknown) => void } = {}) {
  const clock = new VirtualClock();
  const idle: 0 | 1 = options.activeHigh === false ? 1 : 0;
  const l = [1, 2, 3, 4].map((n) => new SimGpioLine(`GPIO${n}`, { direction: 'out', initial: idle }));
  const leds = [l[0]!, l[1]!, l[2]!, l[3]!] as const;
  const buzzer = new SimGpioLine('GPIO9', { direction: 'out', initial: idle });
  const rec = new LevelRecorder(clock, { led1: leds[0], led2: leds[1], led3: leds[2], led4: leds[3], buzzer });
  const ind = await ContactlessIndicators.open({ leds, buzzer, clock, ...options });
  return { clock, leds, buzzer, rec, ind };
}

describe('contactless status indicators (EMV Book A)', () => {
  it('idle: LED 1 flashes 200 ms every 5 s, on one timer at a time', async () => {
    const { clock, rec, ind } = await rig();
    await ind.idle();
    expect(clock.pending).toBe(1);
    for (let t = 0; t < 15_000; t += 100) {
      await clock.advance(100);
      expect(clock.pending).toBe(1);
    }
    const pulses = rec.pulses('led1');
    expect(pulses.map((p) => p.start)).toEqual([0, 5000, 10_000, 15_000]); // the last one still lit
    expect(rec.durations('led1')).toEqual([200, 200, 200]);
    for (const other of ['led2', 'led3', 'led4', 'buzzer']) expect(rec.pulses(other)).toEqual([]);
    expect(ind.status).toBe('idle');
  });

  it('ready: LED 1 steady, no timer running', async () => {
    const { clock, rec, ind } = await rig();
    await ind.idle();
    await clock.advance(100); // mid-flash
    await ind.ready();
    expect(clock.pending).toBe(0);
    await clock.advance(60_000);
    expect(rec.pulses('led1')).toEqual([{ start: 0, end: null }]);
    expect(ind.leds).toEqual([true, false, false, false]);
  });

  it('processing: LEDs 1 and 2', async () => {
    const { clock, leds, ind } = await rig();
    await ind.ready();
    await ind.processing();
    expect(leds.map((l) => l.level())).toEqual([1, 1, 0, 0]);
    expect(ind.leds).toEqual([true, true, false, false]);
    expect(clock.pending).toBe(0);
  });

  it('success: all four LEDs and one 500 ms success tone; the LEDs stay lit', async () => {
    const { clock, leds, rec, ind } = await rig();
    await ind.processing();
    await clock.advance(1000);
    await ind.success();
    expect(leds.map((l) => l.level())).toEqual([1, 1, 1, 1]);
    await clock.advance(5000);
    expect(rec.pulses('buzzer')).toEqual([{ start: 1000, end: 1000 + EMV_TIMINGS.successToneMs }]);
    expect(leds.map((l) => l.level())).toEqual([1, 1, 1, 1]);
    expect(clock.pending).toBe(0);
    expect(ind.state).toEqual({ status: 'success', leds: [true, true, true, true], buzzer: false });
  });

  it('error: LEDs off and the alert tone, 200 ms on, 200 ms off, 200 ms on', async () => {
    const { clock, leds, rec, ind } = await rig();
    await ind.processing();
    await ind.error();
    expect(leds.map((l) => l.level())).toEqual([0, 0, 0, 0]);
    await clock.advance(2000);
    expect(rec.pulses('buzzer')).toEqual([
      { start: 0, end: 200 },
      { start: 400, end: 600 },
    ]);
    expect(clock.pending).toBe(0);
  });

  it('a new status cancels the previous pattern at once', async () => {
    const { clock, buzzer, rec, ind } = await rig();
    await ind.error();
    await clock.advance(100); // first beep sounding
    expect(buzzer.level()).toBe(1);
    await ind.ready();
    expect(buzzer.level()).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.advance(2000);
    expect(rec.pulses('buzzer')).toEqual([{ start: 0, end: 100 }]);
    await ind.idle();
    await ind.off();
    expect(clock.pending).toBe(0);
    expect(ind.leds).toEqual([false, false, false, false]);
  });

  it('drives active-low LEDs and buzzer with inverted levels, reporting lit states', async () => {
    const { clock, leds, buzzer, rec, ind } = await rig({ activeHigh: false });
    expect(leds.map((l) => l.level())).toEqual([1, 1, 1, 1]); // all dark
    await ind.success();
    expect(leds.map((l) => l.level())).toEqual([0, 0, 0, 0]);
    expect(buzzer.level()).toBe(0);
    expect(ind.leds).toEqual([true, true, true, true]);
    await clock.advance(1000);
    expect(rec.durations('buzzer', 0)).toEqual([500]);
  });

  it('tells subscribers each change, for /api/events', async () => {
    const { clock, ind } = await rig();
    const seen: IndicatorState[] = [];
    const stop = ind.subscribe((s) => seen.push(s));
    await ind.ready();
    await ind.success();
    await clock.advance(600);
    stop();
    await ind.off();
    expect(seen.map((s) => [s.status, s.leds.filter(Boolean).length, s.buzzer])).toEqual([
      ['ready', 1, false],
      ['success', 4, true],
      ['success', 4, false],
    ]);
  });

  it('reports a write that fails inside a timer to onError instead of crashing', async () => {
    const errors: unknown[] = [];
    const { clock, leds, ind } = await rig({ onError: (e) => errors.push(e) });
    await ind.idle();
    await leds[0].close();
    await clock.advance(300);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toMatch(/closed/);
    // The caller of a status method sees the failure itself.
    await expect(ind.ready()).rejects.toThrow(/closed/);
  });

  it('refuses timings that make no pattern', async () => {
    const clock = new VirtualClock();
    const leds = [1, 2, 3, 4].map((n) => new SimGpioLine(`L${n}`, { direction: 'out' }));
    const four = [leds[0]!, leds[1]!, leds[2]!, leds[3]!] as const;
    await expect(ContactlessIndicators.open({ leds: four, clock, timings: { idleOnMs: 0 } })).rejects.toBeInstanceOf(ValidationError);
    await expect(ContactlessIndicators.open({ leds: four, clock, timings: { idleOnMs: 6000 } })).rejects.toThrow(/shorter/);
    await expect(
      ContactlessIndicators.open({ leds: [leds[0]!] as unknown as typeof four, clock }),
    ).rejects.toThrow(/four GPIO lines/);
  });

  it('works without a buzzer', async () => {
    const clock = new VirtualClock();
    const l = [1, 2, 3, 4].map((n) => new SimGpioLine(`L${n}`, { direction: 'in' }));
    const ind = await ContactlessIndicators.open({ leds: [l[0]!, l[1]!, l[2]!, l[3]!], clock });
    expect(l.every((x) => x.direction === 'out')).toBe(true);
    await ind.success();
    await clock.advance(1000);
    expect(ind.state).toEqual({ status: 'success', leds: [true, true, true, true], buzzer: false });
  });
});
