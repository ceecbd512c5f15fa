import type { KeyName } from '../hal/keypad/keys.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import type { ScreenView } from '../ui/screens.js';
import { show } from './layout.js';

/**
 * Shows `view` and waits for one of `keys` (others are ignored); CANCEL ends with
 * CancelledError('cancel-key'), no key for menuMs with TimeoutError(`timeoutName`).
 */
export async function choose<K extends KeyName>(ctx: TerminalContext, signal: AbortSignal, view: ScreenView, keys: readonly K[], timeoutName: string): Promise<K> {
  show(ctx, view);
  for (;;) {
    const key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName });
    if ((keys as readonly KeyName[]).includes(key)) return key as K;
  }
}
