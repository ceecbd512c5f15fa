/**
 * The four contactless status LEDs and the buzzer, driven the way EMV contactless
 * terminals show a card's progress: EMV Contactless Specifications for Payment Systems,
 * Book A (Architecture and General Requirements), the user interface requirements for
 * the four status indicators and the audio indications (success tone, alert tone).
 *
 *   not ready   all off                        off()
 *   idle        LED 1 flashing                 idle()
 *   ready       LED 1 steady                   ready()
 *   processing  LEDs 1 and 2                   processing()
 *   card read   all four, success tone         success()
 *   error       all off, alert tone            error()
 *
 * Book A gives the tones as frequencies (success about 1500 Hz, alert about 750 Hz); an
 * active buzzer sounds at its own pitch, so here they are their on/off timings. Every
 * pattern is a chain of single timers on the Clock: at most one timer is pending at any
 * time, none while a steady state holds, and a new status cancels it.
 */
import { ValidationError } from '../../errors.js';
import type { Clock, GpioLine, Level, TimerHandle } from '../ports.js';

export interface IndicatorTimings {
  /** Idle: LED 1 lit this long... */
  idleOnMs: number;
  /** ...once in every period (Book A: a short flash about every 5 s). */
  idlePeriodMs: number;
  /** Success tone: one beep (Book A: about 500 ms). */
  successToneMs: number;
  /** Alert tone: two beeps of this length... */
  alertBeepMs: number;
  /** ...this far apart (Book A: 200 ms on, 200 ms off, 200 ms on). */
  alertGapMs: number;
}

export const EMV_TIMINGS: Readonly<IndicatorTimings> = Object.freeze({
  idleOnMs: 200,
  idlePeriodMs: 5000,
  successToneMs: 500,
  alertBeepMs: 200,
  alertGapMs: 200,
});

/**
 * How long the four lit LEDs of success() should stay before the next status (Book A:
 * the card-read indication lasts at least about 750 ms). The flow decides when to move on.
 */
export const SUCCESS_HOLD_MS = 750;

export type IndicatorStatus = 'off' | 'idle' | 'ready' | 'processing' | 'success' | 'error';

export type LedStates = readonly [boolean, boolean, boolean, boolean];

/** What the indicators show now, for /api/state and the page's events. */
export interface IndicatorState {
  status: IndicatorStatus;
  leds: LedStates;
  buzzer: boolean;
}

export interface ContactlessIndicatorsOptions {
  /** The four status LEDs, left (LED 1) to right. */
  leds: readonly [GpioLine, GpioLine, GpioLine, GpioLine];
  /** An active buzzer (sounds while its line is active); optional. */
  buzzer?: GpioLine;
  clock: Clock;
  /** True (default) when a line at 1 lights the LED; false for LEDs wired to sink current. */
  activeHigh?: boolean;
  /** The buzzer's polarity; default: as the LEDs. */
  buzzerActiveHigh?: boolean;
  timings?: Partial<IndicatorTimings>;
  /** Told of a write that failed inside a timer (no caller is there to reject to). */
  onError?: (error: unknown) => void;
}

type Outputs = [boolean, boolean, boolean, boolean, boolean];

const OFF: LedStates = [false, false, false, false];
const LED1: LedStates = [true, false, false, false];
const LED12: LedStates = [true, true, false, false];
const ALL: LedStates = [true, true, true, true];

export class ContactlessIndicators {
  private readonly lines: GpioLine[];
  private readonly hasBuzzer: boolean;
  private readonly clock: Clock;
  private readonly onLevel: Level[];
  private readonly timings: IndicatorTimings;
  private readonly onError: (error: unknown) => void;
  /** Logical state of LED 1-4 and the buzzer; null until first written. */
  private known: (boolean | null)[] = [null, null, null, null, null];
  private current: Outputs = [false, false, false, false, false];
  private statusNow: IndicatorStatus = 'off';
  private timer: TimerHandle | null = null;
  /** Bumped by each new status so a stale timer callback does nothing. */
  private generation = 0;
  private listeners: ((s: IndicatorState) => void)[] = [];
  private lastNotified: IndicatorStatus | null = null;

  private constructor(options: ContactlessIndicatorsOptions) {
    if (!Array.isArray(options.leds) || options.leds.length !== 4) {
      throw new ValidationError('indicators: leds must be four GPIO lines, LED 1 first');
    }
    const timings = { ...EMV_TIMINGS, ...options.timings };
    for (const [k, v] of Object.entries(timings)) {
      if (!Number.isFinite(v) || v <= 0) throw new ValidationError(`indicators: timings.${k} must be a positive number of ms`);
    }
    if (timings.idleOnMs >= timings.idlePeriodMs) throw new ValidationError('indicators: idleOnMs must be shorter than idlePeriodMs');
    this.timings = timings;
    this.clock = options.clock;
    this.hasBuzzer = options.buzzer !== undefined;
    this.lines = [...options.leds, ...(options.buzzer ? [options.buzzer] : [])];
    const led: Level = options.activeHigh === false ? 0 : 1;
    const buzz: Level = (options.buzzerActiveHigh ?? options.activeHigh) === false ? 0 : 1;
    this.onLevel = [led, led, led, led, buzz];
    this.onError = options.onError ?? (() => undefined);
  }

  /** Makes every line an output, everything off. */
  static async open(options: ContactlessIndicatorsOptions): Promise<ContactlessIndicators> {
    const ind = new ContactlessIndicators(options);
    await Promise.all(ind.lines.map((l, i) => l.setDirection('out', ind.level(i, false))));
    ind.known = ind.known.map((_, i) => (i < ind.lines.length ? false : null));
    return ind;
  }

  get status(): IndicatorStatus {
    return this.statusNow;
  }

  /** LED 1-4, lit or not. */
  get leds(): LedStates {
    return [this.current[0], this.current[1], this.current[2], this.current[3]];
  }

  get buzzer(): boolean {
    return this.current[4];
  }

  get state(): IndicatorState {
    return { status: this.statusNow, leds: this.leds, buzzer: this.buzzer };
  }

  /** Calls `fn` on every change of status, LED or buzzer. Returns a function that stops it. */
  subscribe(fn: (s: IndicatorState) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** Not ready: everything off, no timer left. */
  off(): Promise<void> {
    this.begin('off');
    return this.output(OFF, false);
  }

  /** Waiting for a transaction: LED 1 flashes. */
  idle(): Promise<void> {
    const gen = this.begin('idle');
    const { idleOnMs, idlePeriodMs } = this.timings;
    const phase = (on: boolean): Promise<void> => {
      this.timer = this.clock.setTimer(on ? idleOnMs : idlePeriodMs - idleOnMs, () => {
        if (gen === this.generation) this.background(phase(!on));
      });
      return this.output(on ? LED1 : OFF, false);
    };
    return phase(true);
  }

  /** Ready to read a card: LED 1 steady. */
  ready(): Promise<void> {
    this.begin('ready');
    return this.output(LED1, false);
  }

  /** A card is being read: LEDs 1 and 2. */
  processing(): Promise<void> {
    this.begin('processing');
    return this.output(LED12, false);
  }

  /** The card was read: all four lit and the success tone. The LEDs stay lit until the next status. */
  success(): Promise<void> {
    this.begin('success');
    return this.tone(ALL, [this.timings.successToneMs]);
  }

  /** The read failed: LEDs off and the alert tone (two beeps). */
  error(): Promise<void> {
    this.begin('error');
    const { alertBeepMs, alertGapMs } = this.timings;
    return this.tone(OFF, [alertBeepMs, alertGapMs, alertBeepMs]);
  }

  /** Stops every pattern and turns everything off. */
  async close(): Promise<void> {
    await this.off();
  }

  /** Cancels the previous pattern. Returns the new pattern's generation. */
  private begin(status: IndicatorStatus): number {
    this.timer?.cancel();
    this.timer = null;
    this.generation++;
    this.statusNow = status;
    return this.generation;
  }

  /** `steps`: buzzer on, off, on... durations in ms; then silence. LEDs hold `leds` throughout. */
  private tone(leds: LedStates, steps: number[]): Promise<void> {
    const gen = this.generation;
    const step = (i: number): Promise<void> => {
      const sounding = i < steps.length && i % 2 === 0;
      if (i < steps.length) {
        this.timer = this.clock.setTimer(steps[i]!, () => {
          if (gen === this.generation) this.background(step(i + 1));
        });
      } else {
        this.timer = null;
      }
      return this.output(leds, sounding);
    };
    return step(0);
  }

  private level(i: number, on: boolean): Level {
    const active = this.onLevel[i]!;
    return on ? active : ((1 - active) as Level);
  }

  /** Drives the lines whose state changes. The state is updated at once, so readers never see it lag. */
  private async output(leds: LedStates, buzzer: boolean): Promise<void> {
    const want: Outputs = [leds[0], leds[1], leds[2], leds[3], buzzer && this.hasBuzzer];
    const writes: Promise<void>[] = [];
    let changed = false;
    for (let i = 0; i < this.lines.length; i++) {
      if (this.known[i] === want[i]) continue;
      this.known[i] = want[i]!;
      writes.push(
        this.lines[i]!.write(this.level(i, want[i]!)).catch((e: unknown) => {
          this.known[i] = null; // unknown: the next change rewrites it
          throw e;
        }),
      );
    }
    for (let i = 0; i < 5; i++) if (this.current[i] !== want[i]) changed = true;
    this.current = want;
    if (changed || this.statusNow !== this.lastNotified) this.notify();
    await Promise.all(writes);
  }

  private notify(): void {
    this.lastNotified = this.statusNow;
    const s = this.state;
    for (const l of [...this.listeners]) {
      try {
        l(s);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  private background(p: Promise<void>): void {
    p.catch((e: unknown) => this.onError(e));
  }
}
