import type { PrinterProfile } from './profile.js';
import { CancelledError, DeviceError, PortClosedError, ValidationError } from '../errors.js';
import type { Clock, TimerHandle } from '../hal/ports.js';
import type { PrintDocument } from './document.js';
import type { PrinterProblem } from './errors.js';
import { PrinterError, PrinterNotRespondingError } from './errors.js';
import type { EscPosPrinter } from './printer.js';
import { renderDocument, renderInterruptedStrip, type Segment } from './render.js';
import { problemOf } from './status.js';

/**
 * The print queue: documents print one after the other, in the order submitted, and none
 * is lost or printed twice without a mark.
 *
 * - Before each document the printer's status is read; if it cannot print (paper out,
 *   cover open, no answer) the job waits, and the status is read again every `retryMs` or
 *   at once on `retryNow()` (the flow calls it when the operator says the paper is in).
 * - Between lines the status is read again. A document cut short (paper out, cover open,
 *   link lost) is printed again in full once the printer is back, with the REPRINT mark,
 *   after a strip that marks void whatever of it was still in the printer's buffer.
 * - After the last line the queue waits for the estimated print time and reads the status
 *   once more: if the paper ran out meanwhile it cannot know whether the end came out, so
 *   it prints the document again, marked. Printing twice marked is allowed; unmarked never.
 *
 * The queue's state (`snapshot()`) is plain JSON: documents (masked card numbers only) and
 * where each job stands. Persisting it is the journal's job (not done yet); a queue built
 * from a snapshot taken while a job was printing prints that job again, marked, because
 * nobody knows how much of it came out before the power went.
 */

export type JobState = 'queued' | 'printing' | 'interrupted';

export interface PrintJobRecord {
  id: string;
  document: PrintDocument;
  state: JobState;
  /** Some of this document has come out before: the next attempt carries the REPRINT mark. */
  reprint: boolean;
  /** An attempt was cut short after printing started: the interrupted strip goes out first. */
  strip: boolean;
  attempts: number;
  problem?: PrinterProblem;
  submittedAt: number;
}

export interface PrintQueueState {
  version: 1;
  nextId: number;
  jobs: PrintJobRecord[];
}

export type QueueStatus =
  | { state: 'idle' }
  | { state: 'printing'; jobId: string; title: string }
  | { state: 'waiting'; jobId: string; title: string; problem: PrinterProblem }
  | { state: 'closed' };

export interface PrintOutcome {
  id: string;
  title: string;
  /** The copy that completed carried the REPRINT mark (some of the document came out before). */
  reprinted: boolean;
  attempts: number;
  /** Paper near end was reported: the UI may ask for a new roll. */
  paperNearEnd: boolean;
}

export interface PrintTicket {
  readonly id: string;
  /** Resolves once the document is printed; rejects only with CancelledError on close(). */
  readonly done: Promise<PrintOutcome>;
}

export interface PrintQueueOptions {
  printer: EscPosPrinter;
  clock: Clock;
  /** Restores the jobs of an earlier run (from the journal). */
  state?: PrintQueueState;
  /** How often the status is read again while a job waits. Default 2000 ms. */
  retryMs?: number;
  /** Read the status between lines (default true when the printer can report it). */
  checkBetweenLines?: boolean;
  /** Called on every change of state, with a snapshot to persist. */
  onStateChange?: (state: PrintQueueState) => void;
  /** Called when the queue starts printing, waits, goes idle. */
  onStatus?: (status: QueueStatus) => void;
  /** Called for every printed job (also restored ones, which have no ticket). */
  onPrinted?: (outcome: PrintOutcome) => void;
  /** Faults the queue survived, for the log. */
  onFault?: (err: Error, job: PrintJobRecord) => void;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

type Attempt = { ok: true; paperNearEnd: boolean } | { ok: false; problem: PrinterProblem; printed: boolean };

export class PrintQueue {
  private readonly printer: EscPosPrinter;
  private readonly clock: Clock;
  private readonly retryMs: number;
  private readonly checkBetweenLines: boolean;
  private readonly options: PrintQueueOptions;
  private readonly jobs: PrintJobRecord[];
  private nextId: number;
  private readonly waiters = new Map<string, { resolve: (o: PrintOutcome) => void; reject: (e: Error) => void }>();
  private wake: (() => void) | null = null;
  private wakeTimer: TimerHandle | null = null;
  private closed = false;
  private readonly stop = new AbortController();
  private current: QueueStatus = { state: 'idle' };
  private readonly worker: Promise<void>;

  constructor(options: PrintQueueOptions) {
    this.options = options;
    this.printer = options.printer;
    this.clock = options.clock;
    this.retryMs = options.retryMs ?? 2000;
    this.checkBetweenLines = options.checkBetweenLines ?? options.printer.profile.status !== 'none';
    const restored = options.state ? clone(options.state) : { version: 1 as const, nextId: 1, jobs: [] };
    if (restored.version !== 1) throw new ValidationError(`print queue state: version ${String(restored.version)} is not 1`);
    this.nextId = restored.nextId;
    this.jobs = restored.jobs.map((j) => {
      // Printing when the state was saved: how much came out is unknown.
      if (j.state === 'printing') return { ...j, state: 'interrupted', reprint: true, strip: true };
      return j;
    });
    this.worker = this.run();
  }

  /** What the queue is doing now. */
  get status(): QueueStatus {
    return this.current;
  }

  /** The queue's state as plain JSON, to persist; restore with `new PrintQueue({ state })`. */
  snapshot(): PrintQueueState {
    return clone({ version: 1, nextId: this.nextId, jobs: this.jobs });
  }

  /**
   * Queues a document. It is rendered once here, so a document the printer cannot take
   * (a QR code too long) throws a ValidationError to the caller at once.
   */
  /** The printer's profile: its paper width decides the receipt layout (58 or 80 mm). */
  get profile(): PrinterProfile {
    return this.printer.profile;
  }

  submit(document: PrintDocument): PrintTicket {
    if (this.closed) throw new CancelledError('shutdown', 'the print queue is closed');
    renderDocument(document, this.printer.profile);
    const id = `P${String(this.nextId++).padStart(6, '0')}`;
    const job: PrintJobRecord = { id, document: clone(document), state: 'queued', reprint: false, strip: false, attempts: 0, submittedAt: this.clock.now() };
    this.jobs.push(job);
    const done = new Promise<PrintOutcome>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    done.catch(() => undefined); // a caller that never awaits must not see an unhandled rejection on close
    this.changed();
    this.poke();
    return { id, done };
  }

  /** Reads the printer's status again now instead of at the next retry (paper loaded). */
  retryNow(): void {
    this.poke();
  }

  /** Stops the worker; jobs not printed stay in the snapshot, their tickets reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort(new CancelledError('shutdown', 'the print queue is closed'));
    this.poke();
    await this.worker;
    for (const [, w] of this.waiters) w.reject(new CancelledError('shutdown', 'the print queue closed before the document was printed'));
    this.waiters.clear();
    this.setStatus({ state: 'closed' });
  }

  private changed(): void {
    this.options.onStateChange?.(this.snapshot());
  }

  private setStatus(s: QueueStatus): void {
    if (JSON.stringify(s) === JSON.stringify(this.current)) return;
    this.current = s;
    this.options.onStatus?.(s);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    this.wakeTimer?.cancel();
    this.wakeTimer = null;
    w?.();
  }

  /** Sleeps until poked (a submit, retryNow, close) or, with `ms`, until that much time passes. */
  private nap(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) this.wakeTimer = this.clock.setTimer(ms, () => this.poke());
    });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const job = this.jobs[0];
      if (!job) {
        this.setStatus({ state: 'idle' });
        await this.nap();
        continue;
      }
      let result: Attempt;
      try {
        result = await this.attempt(job);
      } catch (e) {
        if (this.closed) break;
        // A fault of our own making (a bug) must not stop the terminal or lose the job.
        this.options.onFault?.(e as Error, job);
        result = { ok: false, problem: 'error', printed: job.state === 'printing' };
      }
      if (this.closed) break;
      if (result.ok) {
        this.jobs.shift();
        this.changed();
        const outcome: PrintOutcome = { id: job.id, title: job.document.title, reprinted: job.reprint || job.document.reprint === true, attempts: job.attempts, paperNearEnd: result.paperNearEnd };
        this.waiters.get(job.id)?.resolve(outcome);
        this.waiters.delete(job.id);
        this.options.onPrinted?.(outcome);
        continue;
      }
      job.problem = result.problem;
      if (result.printed) {
        job.state = 'interrupted';
        job.reprint = true;
        job.strip = true;
      } else if (job.state === 'printing') {
        job.state = 'queued';
      }
      this.printer.pause();
      this.changed();
      this.setStatus({ state: 'waiting', jobId: job.id, title: job.document.title, problem: result.problem });
      await this.nap(this.retryMs);
    }
  }

  /** The problem the printer reports now, or null when it can print. */
  private async check(paperSensor = false): Promise<{ problem: PrinterProblem | null; nearEnd: boolean }> {
    try {
      const s = await this.printer.status({ paperSensor });
      return { problem: problemOf(s), nearEnd: s.paperNearEnd };
    } catch (e) {
      if (e instanceof PrinterNotRespondingError) return { problem: 'not-responding', nearEnd: false };
      if (e instanceof PortClosedError) return { problem: 'link', nearEnd: false };
      if (e instanceof PrinterError) return { problem: 'offline', nearEnd: false };
      if (e instanceof DeviceError) return { problem: 'link', nearEnd: false };
      throw e;
    }
  }

  private async sendAll(segments: readonly Segment[], onPrinting: () => void): Promise<PrinterProblem | null> {
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (i > 0 && this.checkBetweenLines && seg.printRows + seg.feedRows > 0) {
        const { problem } = await this.check();
        if (problem) return problem;
      }
      try {
        await this.printer.send(seg, this.stop.signal);
      } catch (e) {
        if (this.closed) throw e;
        return e instanceof PortClosedError ? 'link' : 'offline';
      }
      if (seg.printRows + seg.feedRows > 0) onPrinting();
    }
    return null;
  }

  private async attempt(job: PrintJobRecord): Promise<Attempt> {
    const before = await this.check(true);
    if (before.problem) return { ok: false, problem: before.problem, printed: false };
    this.printer.resume();
    this.setStatus({ state: 'printing', jobId: job.id, title: job.document.title });

    if (job.strip) {
      const p = await this.sendAll(renderInterruptedStrip(job.document.lang, this.printer.profile), () => undefined);
      if (p) return { ok: false, problem: p, printed: true };
      job.strip = false;
      this.changed();
    }

    const segments = renderDocument(job.document, this.printer.profile, { reprint: job.reprint });
    job.attempts++;
    let printed = false;
    const problem = await this.sendAll(segments, () => {
      if (printed) return;
      printed = true;
      // From the first printed line on, a crash means the document may be partly out.
      job.state = 'printing';
      this.changed();
    });
    if (problem) return { ok: false, problem, printed };
    await this.printer.drain(this.stop.signal);
    const after = await this.check(true);
    if (after.problem) return { ok: false, problem: after.problem, printed: true };
    return { ok: true, paperNearEnd: before.nearEnd || after.nearEnd };
  }
}
