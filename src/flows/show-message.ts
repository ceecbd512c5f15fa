import { TimeoutError } from '../errors.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import type { MessageKey } from '../ui/messages.js';
import { messageScreen } from '../ui/screens.js';
import { layout, show } from './layout.js';

/**
 * A result on screen under `title` until a key or settings.timeouts.messageMs. The key is
 * consumed (it dismisses the message, it does not start anything), CANCEL included: a
 * flow that ends on a message ends the same way whichever key the cashier presses.
 */
export async function showMessage(ctx: TerminalContext, signal: AbortSignal, title: MessageKey, lines: string[]): Promise<void> {
  show(ctx, messageScreen(layout(ctx), title, lines));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.messageMs, timeoutName: 'messageTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
}
