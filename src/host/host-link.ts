/**
 * What the flows talk to: the channel and the reversal queue together, so the rules of
 * docs/host-spec.md section 8 hold whichever flow sends.
 *
 *  - financial(request): due reversals go first (rule 5); the request is armed durably
 *    before it leaves (rule 1); a lost, garbled or unverified answer, or a cancel after it
 *    left, makes its reversal due with the reason of the table in section 8 and the
 *    reversal is tried at once; a decline completes it (nothing to undo). An approval stays
 *    armed until the flow calls complete(id), or reverse(id, reason) when it cannot finish
 *    (the chip declined after approval, the card was removed: reason 22).
 *  - settlement(request): due reversals first, then sent; never reversed (section 9).
 *  - network(request): sign-on and echo, never blocked by reversals.
 */
import type { Logger } from '../log.js';
import { HostConnectError, HostDisconnectedError, HostTimeoutError, MacMismatchError, MessageFormatError } from './errors.js';
import type { HostChannel } from './channel.js';
import type { IsoMessage } from './iso8583.js';
import type { MacPair } from './mac-keys.js';
import { readFinancialResponse, type FinancialResult } from './messages.js';
import type { ReversalQueue } from './reversal-queue.js';
import type { ReversalReason } from './spec.js';

export interface ExchangeOptions {
  mac: MacPair;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Which reversal reason an error after the request left stands for (section 8 table). */
export function reversalReasonFor(error: unknown): ReversalReason {
  if (error instanceof MacMismatchError) return 'bad-mac';
  if (error instanceof MessageFormatError) return 'bad-response';
  if (error instanceof HostTimeoutError || error instanceof HostDisconnectedError) return 'no-response';
  return 'cancelled';
}

export class HostLink {
  constructor(
    readonly channel: Pick<HostChannel, 'send'>,
    readonly reversals: ReversalQueue,
    private readonly log?: Logger,
  ) {}

  /**
   * Sends a 0200 and reads its 0210. Throws ReversalPendingError when a reversal could not
   * be delivered first; HostConnectError when the request never left; any other error
   * after it left, once its reversal is recorded as due.
   */
  async financial(request: IsoMessage, options: ExchangeOptions): Promise<{ id: string; result: FinancialResult; response: IsoMessage }> {
    await this.reversals.ensureClear(options.signal ? { signal: options.signal } : {});
    const id = await this.reversals.arm(request);
    let sent = false;
    let response: IsoMessage;
    let result: FinancialResult;
    try {
      response = await this.channel.send(request, { ...options, onSent: () => (sent = true) });
      result = readFinancialResponse(response);
    } catch (e) {
      if (!sent || e instanceof HostConnectError) {
        await this.reversals.complete(id);
        throw e;
      }
      const reason = reversalReasonFor(e);
      await this.reversals.markDue(id, reason);
      this.log?.warn({ event: 'reversal.due', id, reason, err: (e as Error).message }, 'the request may have been acted on: reversing');
      // At once, best effort; the queue keeps trying in the background and before the next request.
      await this.reversals.flush().catch(() => undefined);
      throw e;
    }
    if (!result.approved) await this.reversals.complete(id);
    return { id, result, response };
  }

  /** The approved transaction is finished (journal and receipt done): nothing to reverse. */
  complete(id: string): Promise<void> {
    return this.reversals.complete(id);
  }

  /** The terminal could not finish an approved transaction: reverse it now. */
  async reverse(id: string, reason: ReversalReason = 'terminal-failure'): Promise<void> {
    await this.reversals.markDue(id, reason);
    await this.reversals.flush().catch(() => undefined);
  }

  /** A 0500 (or 0320): reversals first, then the request; a settlement is never reversed. */
  async settlement(request: IsoMessage, options: ExchangeOptions): Promise<IsoMessage> {
    await this.reversals.ensureClear(options.signal ? { signal: options.signal } : {});
    return this.channel.send(request, options);
  }

  /** 0800 sign-on or echo: not MACed, not blocked by reversals. */
  network(request: IsoMessage, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<IsoMessage> {
    return this.channel.send(request, options);
  }
}
