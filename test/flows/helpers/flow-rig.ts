/**
 * A whole terminal on the sim board with its payment side (the acquirer simulator on
 * loopback TCP, the key store, the journal), like helpers/sim-terminal.ts, but without the
 * main loop: a test runs the flow it is about (settle, reprint, the transaction list, and
 * sale to fill the journal) itself, as the MENU will, and drives it through the keypad
 * emulator. Virtual time is paced against real time as in sale.test.ts: each 10 ms step of
 * virtual time gives 1 ms of real time to what runs on real time (the host's socket, fsync).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import boardSim from '../../../board/sim.js';
import { CancelledError } from '../../../src/errors.js';
import { sale, type SaleOutcome } from '../../../src/flows/sale.js';
import type { KeyName } from '../../../src/hal/keypad/keys.js';
import { openPayments } from '../../../src/payments.js';
import type { TerminalContext } from '../../../src/runtime/context.js';
import { deriveIpek } from '../../../src/security/dukpt-tdes.js';
import { KeyStore, SIM_BOARD_SERIAL } from '../../../src/security/key-store.js';
import { DEFAULT_SETTINGS, type TerminalSettings } from '../../../src/store/config.js';
import { Terminal } from '../../../src/terminal.js';
import type { Language } from '../../../src/ui/messages.js';
import { HostSimulator } from '../../../simulator/host/host-simulator.js';
import { SIM_TERMINAL_KEYS } from '../../../simulator/host/test-terminal-keys.js';
import { SimBoard } from '../../../simulator/sim-board.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { runUntil } from '../../helpers/sim-terminal.js';

export type Flow<T> = (ctx: TerminalContext, signal: AbortSignal) => Promise<T>;

export interface Running<T> {
  done: Promise<T>;
  settled: () => boolean;
}

export async function flowRig(options: { lang?: Language; settings?: Partial<TerminalSettings> } = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 15, 1, 30, 0)); // 09:30 in Shanghai
  const board = new SimBoard(boardSim, clock);
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const settings: TerminalSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const dataDir = mkdtempSync(join(tmpdir(), 'flow-rig-'));
  // The host's books in memory: its fsyncs would run on real time against the virtual clock.
  const host = await HostSimulator.open({ dataDir: null, clock, log });
  const iso = await host.listen('127.0.0.1', 0);
  const keyStore = new KeyStore({ dataDir, serial: SIM_BOARD_SERIAL });
  await keyStore.injectTdes(deriveIpek(SIM_TERMINAL_KEYS.bdk, SIM_TERMINAL_KEYS.initialKsn), SIM_TERMINAL_KEYS.initialKsn);
  const payments = await openPayments({ dataDir, endpoint: { host: '127.0.0.1', port: iso.port }, keyStore, settings, clock, log });
  const terminal = await runUntil(clock, Terminal.open({ board: boardSim, ports: board.ports, clock, log, settings, lang: options.lang ?? 'en', payments }), 10_000, 1);
  const ctx = terminal.ctx;
  const stop = new AbortController();

  const display = () => [...ctx.screen.lines];
  const shows = (text: string) => () => display().some((l) => l.includes(text));

  async function until(done: () => boolean, maxMs = 120_000): Promise<void> {
    for (let ms = 0; ms < maxMs && !done(); ms += 10) {
      await clock.advance(10);
      await new Promise((r) => setTimeout(r, 1));
    }
    if (!done()) throw new Error(`not reached within ${maxMs} ms; display: ${JSON.stringify(display())}`);
  }

  /** Starts a flow as the MENU would: its own signal, ctx.status.flow set while it runs. */
  function run<T>(name: string, flow: Flow<T>): Running<T> {
    let settled = false;
    ctx.status.flow = name;
    const controller = new AbortController();
    stop.signal.addEventListener('abort', () => controller.abort(stop.signal.reason), { once: true });
    const done = flow(ctx, controller.signal).finally(() => {
      settled = true;
      ctx.status.flow = null;
      controller.abort(new CancelledError('flow-ended'));
    });
    done.catch(() => undefined);
    return { done, settled: () => settled };
  }

  /** Waits (paced) until the flow ends, and gives what it returned. */
  async function finish<T>(r: Running<T>, maxMs = 200_000): Promise<T> {
    await until(r.settled, maxMs);
    return r.done;
  }

  const press = (...keys: KeyName[]) => runUntil(clock, board.pressKeys(keys));

  /**
   * A whole sale through the keypad and the card: the amount, the card tapped, the PIN when
   * asked, ENTER at the tear-off prompt; resolves once the flow has ended and the card is
   * taken away.
   */
  async function doSale(amountKeys: KeyName[], card: string, pin?: KeyName[]): Promise<SaleOutcome> {
    const r = run('sale', (c, s) => sale(c, s));
    await press(...amountKeys, 'ENTER');
    board.presentCard('tap', card);
    let pinDone = !pin;
    await until(() => r.settled() || shows('Tear off copy')() || (!pinDone && display()[0] === 'Enter PIN'), 200_000);
    if (!pinDone && display()[0] === 'Enter PIN') {
      pinDone = true;
      await press(...pin!, 'ENTER');
      await until(() => r.settled() || shows('Tear off copy')(), 200_000);
    }
    if (shows('Tear off copy')()) await press('ENTER');
    const out = await finish(r);
    board.presentCard('remove');
    return out;
  }

  return {
    clock,
    board,
    ctx,
    logs,
    host,
    payments,
    journal: payments.online.journal,
    display,
    shows,
    until,
    run,
    finish,
    press,
    doSale,
    receipts: () => board.printer.receipts.map((r) => r.text),
    events: (name: string) => logs.filter((l) => l.event === name),
    async close() {
      stop.abort(new CancelledError('shutdown'));
      await runUntil(clock, terminal.stop(), 120_000, 5);
      await payments.close();
      await host.close();
    },
  };
}

export type Rig = Awaited<ReturnType<typeof flowRig>>;
