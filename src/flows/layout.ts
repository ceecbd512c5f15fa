import type { TerminalContext } from '../runtime/context.js';
import type { ScreenView, Layout } from '../ui/screens.js';

export function layout(ctx: TerminalContext): Layout {
  return { lang: ctx.lang, columns: ctx.screen.columns, rows: ctx.screen.rows };
}

export function show(ctx: TerminalContext, view: ScreenView): void {
  ctx.screen.show(view.lines, view.inverse);
}
