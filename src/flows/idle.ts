import type { KeyName } from '../hal/keypad/keys.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { idleScreen } from '../ui/screens.js';
import { layout, show } from './layout.js';

/**
 * The idle screen: merchant, date and time, the prompt to key an amount. Waits for a key
 * with nothing running but one timer that redraws the clock on each minute boundary.
 */
export async function idle(ctx: TerminalContext, signal: AbortSignal): Promise<KeyName> {
  const draw = () => show(ctx, idleScreen(layout(ctx), ctx.settings.merchantName, ctx.clock.now(), ctx.settings.timeZone));
  draw();
  ctx.indicators?.idle();
  const tick = ctx.scheduler.every('idle-clock', 60_000, draw, { aligned: true });
  ctx.status.idle = true;
  try {
    return await nextKey(ctx, { signal, cancelKey: false });
  } finally {
    ctx.status.idle = false;
    tick.cancel();
  }
}
