import { CancelledError, TimeoutError } from '../errors.js';
import { isDigitKey } from '../hal/keypad/keys.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { t, type MessageKey } from '../ui/messages.js';
import { messageScreen } from '../ui/screens.js';
import { idle } from './idle.js';
import { layout, show } from './layout.js';
import { chooseFromMenu, comingSoon } from './menu.js';
import { diagnostics, type DiagnosticsContext } from './diagnostics.js';
import { watchTransactions } from './monitor.js';
import { operatorsMenu } from './operators.js';
import { printOwedReceipts } from './receipt-recovery.js';
import { refundSale } from './refund.js';
import { reprint } from './reprint.js';
import { readCardAgain, sale } from './sale.js';
import { settle } from './settlement.js';
import { transactionList } from './transaction-list.js';
import { voidSale } from './void.js';

/**
 * Shows a short message until a key is pressed or messageMs passes. A key pressed here is
 * consumed: it dismisses the message, it does not start the next sale.
 */
async function notice(ctx: TerminalContext, signal: AbortSignal, title: MessageKey, text: MessageKey): Promise<void> {
  show(ctx, messageScreen(layout(ctx), title, ['', t(ctx.lang, text)]));
  try {
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.messageMs, timeoutName: 'messageTimeout', cancelKey: false });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
  }
}

/**
 * Runs one flow with its own signal (a child of the terminal's) and turns the ways a flow
 * can end early into what the cashier sees: cancelled, timed out, device fault. A fault is
 * logged with its code; the terminal goes back to idle and keeps running.
 */
async function runFlow(ctx: TerminalContext, signal: AbortSignal, name: string, title: MessageKey, flow: (s: AbortSignal) => Promise<unknown>): Promise<void> {
  ctx.status.flow = name;
  const controller = new AbortController();
  const onStop = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onStop, { once: true });
  try {
    await flow(controller.signal);
  } catch (e) {
    if (signal.aborted) throw e;
    if (e instanceof TimeoutError) {
      ctx.log.info({ event: 'flow.timeout', flow: name, timeout: e.timeoutName }, 'flow timed out');
      ctx.indicators?.error();
      await notice(ctx, signal, title, 'flow.timeout');
    } else if (e instanceof CancelledError) {
      ctx.log.info({ event: 'flow.cancelled', flow: name, reason: e.reason }, 'flow cancelled');
      await notice(ctx, signal, title, 'flow.cancelled');
    } else {
      ctx.log.error({ event: 'flow.fault', flow: name, err: e }, 'flow ended by a fault');
      ctx.indicators?.error();
      await notice(ctx, signal, title, 'flow.deviceError');
    }
  } finally {
    signal.removeEventListener('abort', onStop);
    controller.abort(new CancelledError('flow-ended'));
    ctx.status.flow = null;
  }
}

/** What each MENU entry runs; an entry not here says what it will do (menu.ts comingSoon). */
const MENU_FLOWS: Record<string, (ctx: DiagnosticsContext, signal: AbortSignal) => Promise<unknown>> = {
  sale: (ctx, s) => sale(ctx, s),
  void: (ctx, s) => voidSale(ctx, s, { readCard: readCardAgain }),
  refund: (ctx, s) => refundSale(ctx, s, { readCard: readCardAgain }),
  settle: (ctx, s) => settle(ctx, s),
  reprint: (ctx, s) => reprint(ctx, s),
  reports: (ctx, s) => transactionList(ctx, s),
  operators: (ctx, s) => operatorsMenu(ctx, s),
  diagnostics: (ctx, s) => diagnostics(ctx, s),
};

/** The terminal's main loop: idle, then whatever the key asks for, then idle again. */
export async function runTerminal(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  // The anomaly monitor listens to the journal for as long as the terminal runs.
  const stopMonitor = ctx.payments ? watchTransactions(ctx) : () => {};
  signal.addEventListener('abort', stopMonitor, { once: true });
  // Receipt copies a power cut or a kill kept from their end, printed again marked REPRINT.
  try {
    printOwedReceipts(ctx);
  } catch (err) {
    // Never a reason not to sell: the journal keeps them owed, MENU 5 reprints.
    ctx.log.error({ event: 'receipt.owedFault', err }, 'owed receipts not queued');
  }
  while (!signal.aborted) {
    let key;
    try {
      key = await idle(ctx, signal);
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    try {
      if (isDigitKey(key)) {
        await runFlow(ctx, signal, 'sale', 'sale.title', (s) => sale(ctx, s, key));
      } else if (key === 'MENU') {
        await runFlow(ctx, signal, 'menu', 'menu.title', async (s) => {
          const choice = await chooseFromMenu(ctx, s);
          if (!choice) return;
          ctx.status.flow = choice;
          const flow = MENU_FLOWS[choice];
          if (flow) await flow(ctx, s);
          else await comingSoon(ctx, s, choice);
        });
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
  }
}
