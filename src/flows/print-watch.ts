import type { PrintDocument, PrinterProblem } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';

export type PrintResult = { kind: 'printed' } | { kind: 'no-printer' } | { kind: 'queued'; problem: PrinterProblem };

/** How often the queue's state is looked at while a document prints. */
const LOOK_MS = 250;

/**
 * Submits `doc` and waits until it is printed, or until the print queue says the printer
 * cannot print (paper out, cover open, no answer): then resolves at once with `queued`,
 * so the flow can say so and end. The queue keeps the job and prints it when the printer
 * is back (docs: src/printer/queue.ts), so a report is never lost to an empty roll, and the
 * terminal is not held in a flow until someone finds paper.
 */
export async function printOrQueue(ctx: TerminalContext, signal: AbortSignal, doc: PrintDocument): Promise<PrintResult> {
  const printer = ctx.printer;
  if (!printer) return { kind: 'no-printer' };
  const ticket = printer.submit(doc);
  let printed = false;
  void ticket.done.then(
    () => (printed = true),
    () => undefined,
  );
  for (;;) {
    const look = new AbortController();
    const onAbort = () => look.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const nap = ctx.clock.sleep(LOOK_MS, look.signal);
    nap.catch(() => undefined); // ended by the finally below once the look is over
    try {
      // A cancel of the flow ends the nap with the flow's reason; the job stays queued.
      await Promise.race([ticket.done, nap]);
    } finally {
      signal.removeEventListener('abort', onAbort);
      look.abort();
    }
    if (printed) return { kind: 'printed' };
    const status = printer.status;
    // Waiting on this job or on one before it: either way this one waits for the printer.
    if (status.state === 'waiting') return { kind: 'queued', problem: status.problem };
  }
}
