import { pino } from 'pino';
import boardSim from '../../board/sim.js';
import type { BoardDescription } from '../../src/hal/board.js';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { DEFAULT_SETTINGS, type TerminalSettings } from '../../src/store/config.js';
import { Terminal } from '../../src/terminal.js';
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
export async function simTerminal(options: { lang?: Language; settings?: Partial<TerminalSettings>; board?: BoardDescription } = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 15, 1, 30, 0)); // 09:30 in Shanghai
  const desc = options.board ?? boardSim;
  const board = new SimBoard(desc, clock);
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  // Drivers wait on the clock while they start (the HD44780's power-on delays): keep it moving.
  const terminal = await runUntil(clock, Terminal.open({ board: desc, ports: board.ports, clock, log, settings, lang: options.lang ?? 'zh-CN' }), 10_000, 1);
  void terminal.start();
  await clock.advance(0);
  return {
    clock,
    board,
    terminal,
    logs,
    display: () => [...terminal.ctx.screen.lines],
    press: (...keys: KeyName[]) => runUntil(clock, board.pressKeys(keys)),
    stop: () => terminal.stop(),
  };
}
