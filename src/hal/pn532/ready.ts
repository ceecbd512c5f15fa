import { abortReason, ReadTimeoutError } from '../../errors.js';
import type { Clock, GpioLine } from '../ports.js';

/**
 * Waiting for the PN532 to have a frame for us on I2C and SPI, where the host must ask.
 * The chip pulls P70_IRQ low while a frame waits and shows RDY in its status byte
 * (UM0701-02 6.2.4 for I2C, 6.2.5 for SPI). With the IRQ line wired we sleep until its
 * falling edge; without it we read the status, then sleep a short interval on the clock
 * between reads so the wait costs neither CPU nor much bus time.
 */
export interface ReadyWait {
  clock: Clock;
  path: string;
  irq: GpioLine | undefined;
  /** Reads the status; true when RDY is set. Never throws for "busy". */
  status: () => Promise<boolean>;
  pollIntervalMs: number;
}

export async function waitReady(w: ReadyWait, deadline: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    const left = deadline - w.clock.monotonic();
    if (w.irq) {
      if ((await w.irq.read()) === 0) return;
      if (left <= 0) throw new ReadTimeoutError(w.path, timeoutMs);
      await fallingEdge(w.clock, w.irq, left, signal);
    } else {
      if (await w.status()) return;
      if (left <= 0) throw new ReadTimeoutError(w.path, timeoutMs);
      await w.clock.sleep(Math.min(w.pollIntervalMs, left), signal);
    }
  }
}

/** Resolves on the line's next falling edge, when it is already low, or after `ms`. */
function fallingEdge(clock: Clock, irq: GpioLine, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      timer.cancel();
      stop();
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(abortReason(signal!));
    const timer = clock.setTimer(ms, () => finish());
    // Watch first, then look at the level: an edge between the two is not missed.
    const stop = irq.watch('falling', () => finish());
    signal?.addEventListener('abort', onAbort, { once: true });
    irq.read().then(
      (level) => {
        if (level === 0) finish();
      },
      (e: unknown) => finish(e),
    );
  });
}
