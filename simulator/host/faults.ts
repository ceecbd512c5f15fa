/**
 * Faults the next requests meet (POST /api/host/faults, CONTRACT.md). Each is what a
 * terminal must survive on a real network:
 *
 * | fault        | the host...                                           | the terminal's channel sees |
 * |--------------|-------------------------------------------------------|-----------------------------|
 * | timeout      | reads the request, never processes or answers it      | HostTimeoutError            |
 * | drop         | processes it (it counts!), the answer is lost         | HostTimeoutError            |
 * | garble       | processes it, answers bytes that do not unpack        | MessageFormatError          |
 * | badmac       | processes it, answers with a wrong MAC                | MacMismatchError            |
 * | disconnect   | closes the connection without processing              | HostDisconnectedError       |
 * | delay:MS     | processes it, answers MS milliseconds later (its clock) | the answer, or HostTimeoutError then a late answer dropped |
 * | decline:CODE | answers CODE without processing (a 0200 is recorded declined) | the response code |
 *
 * `drop` and `timeout` differ where it matters: after a drop the host holds an approval the
 * terminal never saw (its 0400 is answered 00); after a timeout it holds nothing (25).
 */
import { ValidationError } from '../../src/errors.js';

export type Fault =
  | { kind: 'timeout' | 'drop' | 'garble' | 'badmac' | 'disconnect' }
  | { kind: 'delay'; ms: number }
  | { kind: 'decline'; code: string };

export interface FaultRequest {
  next: string;
  count?: number;
}

/** "delay:1500" -> a Fault; ValidationError naming what is wrong. */
export function parseFault(text: unknown): Fault {
  if (typeof text !== 'string') throw new ValidationError('next must be a string: timeout, drop, garble, badmac, disconnect, delay:MS or decline:CODE');
  if (text === 'timeout' || text === 'drop' || text === 'garble' || text === 'badmac' || text === 'disconnect') return { kind: text };
  const delay = /^delay:(\d{1,7})$/.exec(text);
  if (delay) return { kind: 'delay', ms: Number(delay[1]) };
  const decline = /^decline:([0-9A-Z]{2})$/.exec(text);
  if (decline) return { kind: 'decline', code: decline[1]! };
  throw new ValidationError(`next '${text.slice(0, 40)}' is not a fault: timeout, drop, garble, badmac, disconnect, delay:MS (0-9999999) or decline:CODE (2 characters 0-9 A-Z)`);
}

export function describeFault(f: Fault): string {
  return f.kind === 'delay' ? `delay:${f.ms}` : f.kind === 'decline' ? `decline:${f.code}` : f.kind;
}

/** First in, first out: {fault, count} entries, each used `count` times. */
export class FaultQueue {
  private readonly queue: { fault: Fault; left: number }[] = [];

  add(body: unknown): { next: string; count: number } {
    const b = body as Partial<FaultRequest> | null;
    if (typeof b !== 'object' || b === null) throw new ValidationError('expected {"next": FAULT, "count": N}');
    const fault = parseFault(b.next);
    const count = b.count ?? 1;
    if (!Number.isSafeInteger(count) || count < 1 || count > 10_000) throw new ValidationError('count must be a whole number from 1 to 10000');
    this.queue.push({ fault, left: count });
    return { next: describeFault(fault), count };
  }

  /** The fault the next request meets, or null. */
  take(): Fault | null {
    const head = this.queue[0];
    if (!head) return null;
    head.left--;
    if (head.left === 0) this.queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }

  list(): { next: string; count: number }[] {
    return this.queue.map((q) => ({ next: describeFault(q.fault), count: q.left }));
  }
}
