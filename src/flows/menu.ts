import { isDigitKey } from '../hal/keypad/keys.js';
import { TimeoutError } from '../errors.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { t, type MessageKey } from '../ui/messages.js';
import { menuScreen, messageScreen, type MenuEntry } from '../ui/screens.js';
import { layout, show } from './layout.js';

/** The MENU entries, in the order of their number keys. */
export const MENU: readonly MenuEntry[] = Object.freeze([
  { id: 'sale', label: 'menu.sale' },
  { id: 'void', label: 'menu.void' },
  { id: 'refund', label: 'menu.refund' },
  { id: 'settle', label: 'menu.settle' },
  { id: 'reprint', label: 'menu.reprint' },
  { id: 'reports', label: 'menu.reports' },
  { id: 'operators', label: 'menu.operators' },
  { id: 'diagnostics', label: 'menu.diagnostics' },
  { id: 'settings', label: 'menu.settings' },
]);

/**
 * The menu: UP and DOWN move, a number key or ENTER chooses, CANCEL or menuTimeout goes
 * back to idle. Returns the chosen entry's id, or null when the cashier left.
 */
export async function chooseFromMenu(ctx: TerminalContext, signal: AbortSignal): Promise<string | null> {
  let selected = 0;
  for (;;) {
    show(ctx, menuScreen(layout(ctx), MENU, selected));
    const key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'menuTimeout' });
    if (key === 'UP') selected = (selected + MENU.length - 1) % MENU.length;
    else if (key === 'DOWN') selected = (selected + 1) % MENU.length;
    else if (key === 'ENTER') return MENU[selected]!.id;
    else if (isDigitKey(key) && Number(key) >= 1 && Number(key) <= MENU.length) return MENU[Number(key) - 1]!.id;
  }
}

/**
 * What an entry that is not built yet says: what it will do, that it is not there yet.
 * Any key (or the message timeout) goes back.
 */
export async function comingSoon(ctx: TerminalContext, signal: AbortSignal, id: string): Promise<void> {
  const l = layout(ctx);
  show(ctx, messageScreen(l, `menu.${id}` as MessageKey, [t(l.lang, `soon.${id}` as MessageKey), t(l.lang, 'soon.notYet'), t(l.lang, 'soon.back')]));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'messageTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
}
