import type { Logger } from 'pino';
import { CancelledError } from './errors.js';
import type { DiagnosticsContext, DiagnosticsServices } from './flows/diagnostics.js';
import { runTerminal } from './flows/main.js';
import type { BoardDescription } from './hal/board.js';
import type { BoardPorts } from './hal/board-ports.js';
import { openDevices, type Devices } from './hal/devices.js';
import type { Clock } from './hal/ports.js';
import { TerminalStatus } from './runtime/context.js';
import { KeyQueue } from './runtime/key-queue.js';
import { Scheduler } from './runtime/scheduler.js';
import { Screen } from './runtime/screen.js';
import type { PaymentServices } from './payments.js';
import type { TerminalSettings } from './store/config.js';
import type { OperatorStore } from './store/operators.js';
import type { Language } from './ui/messages.js';

export interface TerminalOptions {
  board: BoardDescription;
  ports: BoardPorts;
  clock: Clock;
  log: Logger;
  settings: TerminalSettings;
  lang: Language;
  /** The payment side (journal, keys, host); without it a sale stops once the card is read. */
  payments?: PaymentServices;
  operators?: OperatorStore;
  /** What the technician's diagnostics read (data directory, log file, versions); the reader chip is added here. */
  diagnostics?: Omit<DiagnosticsServices, 'readerChip'>;
}

/**
 * The terminal, assembled: devices on the board's ports, the runtime services, and the
 * main loop of the flows. `stop()` ends the loop and releases every device.
 */
export class Terminal {
  readonly ctx: DiagnosticsContext;
  private readonly controller = new AbortController();
  private loop: Promise<void> | null = null;

  private constructor(
    private readonly devices: Devices,
    ctx: DiagnosticsContext,
  ) {
    this.ctx = ctx;
  }

  static async open(o: TerminalOptions): Promise<Terminal> {
    const devices = await openDevices(o.board, o.ports, o.clock, o.log);
    const { columns, rows, cjk } = devices.display;
    // A display without Chinese glyphs (an HD44780's ROM) shows the English texts.
    const lang: Language = cjk ? o.lang : 'en';
    if (lang !== o.lang) o.log.warn({ event: 'display.noCjk', wanted: o.lang }, 'this display cannot show Chinese: using English');
    const ind = devices.indicators;
    const light = (f: () => Promise<void>) => () => void f().catch((err) => o.log.error({ event: 'indicators.fault', err }, 'status light fault'));
    const ctx: DiagnosticsContext = {
      clock: o.clock,
      log: o.log,
      settings: o.settings,
      lang,
      screen: new Screen(columns, rows, cjk, devices.display, (err) => o.log.error({ event: 'display.fault', err }, 'display fault')),
      keys: new KeyQueue(devices.keypad, o.clock),
      scheduler: new Scheduler(o.clock, (task, err) => o.log.error({ event: 'task.fault', task, err }, 'scheduled task failed')),
      status: new TerminalStatus(),
      indicators: {
        idle: light(() => ind.idle()),
        ready: light(() => ind.ready()),
        processing: light(() => ind.processing()),
        success: light(() => ind.success()),
        error: light(() => ind.error()),
        off: light(() => ind.off()),
      },
      reader: devices.reader,
      contact: devices.contact ?? null,
      magstripe: devices.magstripe ?? null,
      printer: devices.printer,
      payments: o.payments ?? null,
      operators: o.operators ?? null,
      diagnostics: o.diagnostics ? { ...o.diagnostics, readerChip: devices.readerChip } : null,
    };
    return new Terminal(devices, ctx);
  }

  /** Starts the main loop; resolves when it ends (after stop(), or on a fault it cannot survive). */
  start(): Promise<void> {
    this.loop ??= runTerminal(this.ctx, this.controller.signal).catch((err) => {
      this.ctx.log.fatal({ event: 'terminal.fault', err }, 'the main loop ended on a fault');
      throw err;
    });
    return this.loop;
  }

  async stop(): Promise<void> {
    this.controller.abort(new CancelledError('shutdown'));
    await this.loop?.catch(() => {});
    this.ctx.scheduler.close();
    this.ctx.keys.close();
    await this.devices.close();
  }
}
