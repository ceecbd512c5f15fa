/**
 * Runs async jobs one after another. A display's transfers must not interleave (a
 * window's data would land in another window), and callers such as the UI do not always
 * await one show() before the next.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    // A failed job must not stop the ones queued after it; its caller sees the rejection.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
