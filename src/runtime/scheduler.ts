import type { Clock, TimerHandle } from '../hal/ports.js';

export interface TaskHandle {
  readonly name: string;
  cancel(): void;
}

type Job = { name: string; fn: () => void | Promise<void> };

/**
 * The terminal's cooperative loop for timed work: one-shot and periodic tasks on the
 * injected clock. Tasks run one at a time, in the order they fell due (same instant: the
 * order they were scheduled); a task that throws is reported and the loop goes on. A
 * periodic task is rescheduled after it finishes, so a slow run never piles up behind
 * itself. Nothing is polled: with no task due, no code runs.
 */
export class Scheduler {
  private readonly queue: Job[] = [];
  private running = false;
  private readonly timers = new Set<TimerHandle>();
  private closed = false;
  /** Completed runs per task name: tests and the diagnostics screen read it. */
  readonly runs = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly onError: (task: string, err: unknown) => void = () => {},
  ) {}

  /** Runs `fn` once, `delayMs` from now. */
  once(name: string, delayMs: number, fn: () => void | Promise<void>): TaskHandle {
    let timer: TimerHandle | null = null;
    let cancelled = false;
    timer = this.clock.setTimer(delayMs, () => {
      this.timers.delete(timer!);
      if (!cancelled) this.enqueue({ name, fn });
    });
    this.timers.add(timer);
    return {
      name,
      cancel: () => {
        cancelled = true;
        timer?.cancel();
        this.timers.delete(timer!);
      },
    };
  }

  /**
   * Runs `fn` every `periodMs`. With `aligned`, runs fall on multiples of the period in wall
   * time (the idle screen's clock changes exactly on the minute, not up to 59 s late).
   */
  every(name: string, periodMs: number, fn: () => void | Promise<void>, options: { aligned?: boolean } = {}): TaskHandle {
    let current: TaskHandle | null = null;
    let stopped = false;
    const delay = () => (options.aligned ? periodMs - (this.clock.now() % periodMs) : periodMs);
    const arm = () => {
      if (stopped || this.closed) return;
      current = this.once(name, delay(), async () => {
        try {
          await fn();
        } finally {
          arm();
        }
      });
    };
    arm();
    return {
      name,
      cancel: () => {
        stopped = true;
        current?.cancel();
      },
    };
  }

  /** Timers waiting: proof, in tests, of what the idle terminal has scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    this.queue.push(job);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        try {
          await job.fn();
        } catch (e) {
          this.onError(job.name, e);
        }
        this.runs.set(job.name, (this.runs.get(job.name) ?? 0) + 1);
      }
    } finally {
      this.running = false;
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.queue.length = 0;
  }
}
