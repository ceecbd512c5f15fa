import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import boardSim from '../../board/sim.js';
import type { BoardDescription } from '../../src/hal/board.js';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { DEFAULT_SETTINGS, type TerminalSettings } from '../../src/store/config.js';
import { openPayments } from '../../src/payments.js';
import { deriveIpek } from '../../src/security/dukpt-tdes.js';
import { KeyStore, SIM_BOARD_SERIAL } from '../../src/security/key-store.js';
import { OperatorStore } from '../../src/store/operators.js';
import { Terminal } from '../../src/terminal.js';
import type { DiagnosticsContext } from '../../src/flows/diagnostics.js';
import { HostSimulator } from '../../simulator/host/host-simulator.js';
import { SIM_TERMINAL_KEYS } from '../../simulator/host/test-terminal-keys.js';
import type { Language } from '../../src/ui/messages.js';
import { SimBoard } from '../../simulator/sim-board.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';

/** Advances virtual time in small steps until `p` settles (or `maxMs` passes). */
export async function runUntil<T>(clock: VirtualClock, p: Promise<T>, maxMs = 600_000, stepMs = 5): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    (e) => {
      done = true;
      failed = true;
      error = e;
    },
  );
  for (let t = 0; !done && t < maxMs; t += stepMs) await clock.advance(stepMs);
  if (!done) throw new Error(`still pending after ${maxMs} ms of virtual time`);
  if (failed) throw error;
  return value as T;
}

/** A whole terminal on the sim board, on virtual time, with its logs kept in memory. */
/**
 * The payment side of a sim terminal: the acquirer simulator on loopback TCP (real sockets,
 * virtual time), a key store loaded with its test keys, the journal in a temp directory.
 */
async function paymentSide(clock: VirtualClock, log: Logger, settings: TerminalSettings, given?: string) {
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'sim-pay-'));
  // The host's books in memory: its fsyncs would run on real time against the virtual clock.
  const host = await HostSimulator.open({ dataDir: null, clock, log });
  const iso = await host.listen('127.0.0.1', 0);
  const keyStore = new KeyStore({ dataDir, serial: SIM_BOARD_SERIAL });
  // A restart on the same data directory keeps the keys (and KSN) it had.
  if (!(await keyStore.hasKeys())) await keyStore.injectTdes(deriveIpek(SIM_TERMINAL_KEYS.bdk, SIM_TERMINAL_KEYS.initialKsn), SIM_TERMINAL_KEYS.initialKsn);
  const payments = await openPayments({ dataDir, endpoint: { host: '127.0.0.1', port: iso.port }, keyStore, settings, clock, log });
  const operators = await OperatorStore.open({ file: join(dataDir, 'operators.json'), clock });
  return { dataDir, host, payments, operators };
}

/** The PN532 behind a terminal's reader, found at run time: Terminal keeps its devices to itself. */

export interface SimTerminalOptions {
  lang?: Language;
  settings?: Partial<TerminalSettings>;
  board?: BoardDescription;
  payments?: boolean;
  /** The payment side's data directory (journal, keys), for a restart on it; a new one when absent. */
  dataDir?: string;
  /** Start the main loop (default true); false: a test runs the flow it is about itself. */
  start?: boolean;
  /**
   * What the diagnostics flow needs: a data directory, the log tee'd to its
   * logs/terminal.log, the operator store (supervisor 00, password 123456) and the
   * diagnostics services (the reader chip, board name, version), as `diagnostics.ctx`.
   */
  diagnostics?: boolean;
}

export async function simTerminal(options: SimTerminalOptions = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 15, 1, 30, 0)); // 09:30 in Shanghai
  const desc = options.board ?? boardSim;
  const board = new SimBoard(desc, clock);
  const logs: Record<string, unknown>[] = [];
  const memory = { write: (line: string) => logs.push(JSON.parse(line)) };
  const dataDir = options.diagnostics ? mkdtempSync(join(tmpdir(), 'sim-diag-')) : null;
  const logFile = dataDir ? join(dataDir, 'logs', 'terminal.log') : null;
  // Synchronous, so the diagnostics' log view reads what was just logged.
  const log = logFile
    ? pino({ level: 'debug' }, pino.multistream([{ level: 'debug', stream: memory }, { level: 'debug', stream: pino.destination({ dest: logFile, sync: true, mkdir: true }) }]))
    : pino({ level: 'debug' }, memory);
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const pay = options.payments ? await paymentSide(clock, log, settings, options.dataDir) : null;
  // Drivers wait on the clock while they start (the HD44780's power-on delays): keep it moving.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const services = dataDir && logFile ? { dataDir, logFile, boardName: desc.name, version: pkg.version } : undefined;
  const terminal = await runUntil(
    clock,
    Terminal.open({
      board: desc,
      ports: board.ports,
      clock,
      log,
      settings,
      lang: options.lang ?? 'zh-CN',
      ...(pay ? { payments: pay.payments, operators: pay.operators } : {}),
      ...(services ? { diagnostics: services } : {}),
    }),
    10_000,
    1,
  );
  if (options.start ?? true) void terminal.start();
  await clock.advance(0);
  let diagnostics: { ctx: DiagnosticsContext; dataDir: string; logFile: string; operators: OperatorStore } | null = null;
  if (dataDir && logFile) {
    const operators = await OperatorStore.open({ file: join(dataDir, 'operators.json'), clock });
    diagnostics = { ctx: { ...terminal.ctx, operators }, dataDir, logFile, operators };
  }
  return {
    clock,
    board,
    terminal,
    logs,
    display: () => [...terminal.ctx.screen.lines],
    /**
     * Moves virtual time in 10 ms steps until `done` holds, each step also giving 1 ms of
     * real time to what runs on real time: the host's TCP socket and the journal's fsync. So
     * a 30 s response timeout is 3 s of real time, and a loaded machine cannot race past a
     * host that is answering. Throws with the display and the last log lines past `maxMs`.
     */
    until: async (done: () => boolean, maxMs = 120_000): Promise<void> => {
      for (let ms = 0; ms < maxMs && !done(); ms += 10) {
        await clock.advance(10);
        await new Promise((r) => setTimeout(r, 1));
      }
      if (!done()) throw new Error(`not reached within ${maxMs} ms; display: ${JSON.stringify(terminal.ctx.screen.lines)} ${JSON.stringify(logs.slice(-3))}`);
    },
    /** A condition for until(): some line of the display holds `text`. */
    shows: (text: string) => () => terminal.ctx.screen.lines.some((l) => l.includes(text)),
    press: (...keys: KeyName[]) => runUntil(clock, board.pressKeys(keys)),
    pay,
    diagnostics,
    stop: async () => {
      // A receipt may be half printed: the printer paces itself on the clock, so virtual
      // time has to move for the queue to wind down.
      await runUntil(clock, terminal.stop(), 120_000, 5);
      await pay?.payments.close();
      await pay?.host.close();
    },
  };
}
