/**
 * A whole terminal on the sim board, as test/helpers/sim-terminal.ts builds it (acquirer
 * simulator on loopback TCP, key store with its test keys, journal in a temp directory,
 * virtual time paced against real time), with the operator store of <data>/operators.json,
 * but without the main loop: the test runs the flow under test itself (void, refund,
 * operators are not on the MENU yet) and drives it through the keypad emulator, the card
 * emulators and the acquirer simulator's faults, as a cashier would.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import boardSim from '../../../board/sim.js';
import { readSwipedCard } from '../../../src/emv/swiped-card.js';
import { buildSettlement, readSettlementResponse } from '../../../src/host/messages.js';
import type { KeyName } from '../../../src/hal/keypad/keys.js';
import { currency } from '../../../src/money.js';
import { openPayments } from '../../../src/payments.js';
import { cancellable } from '../../../src/runtime/prompt.js';
import { deriveIpek } from '../../../src/security/dukpt-tdes.js';
import { KeyStore, SIM_BOARD_SERIAL } from '../../../src/security/key-store.js';
import { DEFAULT_SETTINGS, type TerminalSettings } from '../../../src/store/config.js';
import { OperatorStore } from '../../../src/store/operators.js';
import { Terminal } from '../../../src/terminal.js';
import { CardError } from '../../../src/emv/errors.js';
import { localDateTime } from '../../../src/flows/local-time.js';
import { layout, show } from '../../../src/flows/layout.js';
import type { OperatorsContext } from '../../../src/flows/operators.js';
import type { ReadCardAgain } from '../../../src/flows/return-card.js';
import { brandOf, sale } from '../../../src/flows/sale.js';
import { messageScreen } from '../../../src/ui/screens.js';
import { t, type Language } from '../../../src/ui/messages.js';
import { HostSimulator } from '../../../simulator/host/host-simulator.js';
import { SIM_TERMINAL_KEYS } from '../../../simulator/host/test-terminal-keys.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { SimBoard } from '../../../simulator/sim-board.js';
import { runUntil } from '../../helpers/sim-terminal.js';

export const SUPERVISOR_DEFAULT: KeyName[] = ['1', '2', '3', '4', '5', '6'];

/** A flow started by the test: `done` once it settled, then `result` or `error`. */
export interface Running<T> {
  readonly done: boolean;
  readonly result: T | undefined;
  readonly error: unknown;
  readonly promise: Promise<T>;
}

export type Rig = Awaited<ReturnType<typeof returnRig>>;

export async function returnRig(options: { settings?: Partial<TerminalSettings>; payments?: boolean; dataDir?: string; clock?: VirtualClock; lang?: Language } = {}) {
  const lang: Language = options.lang ?? 'en';
  const clock = options.clock ?? new VirtualClock(Date.UTC(2026, 0, 15, 1, 30, 0)); // 09:30 in Shanghai
  const board = new SimBoard(boardSim, clock);
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const settings: TerminalSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'return-rig-'));
  let host: HostSimulator | null = null;
  let payments: Awaited<ReturnType<typeof openPayments>> | null = null;
  if (options.payments ?? true) {
    // The host's books in memory: its fsyncs would run on real time against the virtual clock.
    host = await HostSimulator.open({ dataDir: null, clock, log });
    const iso = await host.listen('127.0.0.1', 0);
    const keyStore = new KeyStore({ dataDir, serial: SIM_BOARD_SERIAL });
    await keyStore.injectTdes(deriveIpek(SIM_TERMINAL_KEYS.bdk, SIM_TERMINAL_KEYS.initialKsn), SIM_TERMINAL_KEYS.initialKsn);
    payments = await openPayments({ dataDir, endpoint: { host: '127.0.0.1', port: iso.port }, keyStore, settings, clock, log });
    // 5 s of virtual time for an answer (0.5 s of real time here) keeps the silent-host cases short.
    payments.online.responseTimeoutMs = 5_000;
  }
  const terminal = await runUntil(clock, Terminal.open({ board: boardSim, ports: board.ports, clock, log, settings, lang, ...(payments ? { payments } : {}) }), 10_000, 1);
  const operators = await OperatorStore.open({ file: join(dataDir, 'operators.json'), clock });
  const ctx: OperatorsContext = { ...terminal.ctx, operators };

  const display = () => [...terminal.ctx.screen.lines];
  const shows = (text: string) => () => display().some((l) => l.includes(text));

  /**
   * Virtual time moves in 10 ms steps until `done` holds, each step also giving 1 ms of real
   * time to what runs on real time: the host's socket, the journal's fsync, scrypt.
   */
  async function until(done: () => boolean, maxMs = 120_000): Promise<void> {
    for (let ms = 0; ms < maxMs && !done(); ms += 10) {
      await clock.advance(10);
      await new Promise((r) => setTimeout(r, 1));
    }
    if (!done()) throw new Error(`not reached within ${maxMs} ms; display: ${JSON.stringify(display())}`);
  }

  function run<T>(flow: (ctx: OperatorsContext, signal: AbortSignal) => Promise<T>): Running<T> {
    const controller = new AbortController();
    const state = { done: false, result: undefined as T | undefined, error: undefined as unknown, promise: undefined as unknown as Promise<T> };
    state.promise = flow(ctx, controller.signal);
    state.promise.then(
      (v) => Object.assign(state, { done: true, result: v }),
      (e) => Object.assign(state, { done: true, error: e }),
    );
    return state;
  }

  const press = (...keys: KeyName[]) => runUntil(clock, board.pressKeys(keys));

  /** Waits for `text` on screen, then presses `keys`. */
  async function at(text: string, ...keys: KeyName[]): Promise<void> {
    await until(shows(text));
    if (keys.length) await press(...keys);
  }

  /** Runs a flow to its end (pressing nothing more) and gives its result or throws its error. */
  async function finish<T>(r: Running<T>, maxMs = 120_000): Promise<T> {
    await until(() => r.done, maxMs);
    if (r.error !== undefined) throw r.error;
    return r.result as T;
  }

  /** A sale through sale.ts, with the card tapped (no PIN under the CVM limit) or swiped (PIN 1234). */
  async function makeSale(amountKeys: KeyName[], card: { tap?: string; swipe?: string } = { tap: 'visa-ok' }) {
    // The last customer took their card away: the next one is presented when asked for.
    board.presentCard('remove');
    const r = run((c, s) => sale(c, s));
    await press(...amountKeys, 'ENTER');
    await until(shows(t(lang, 'card.present')));
    if (card.swipe) {
      board.presentCard('swipe', card.swipe);
      await at(t(lang, 'pin.title'), '1', '2', '3', '4', 'ENTER');
    } else board.presentCard('tap', card.tap ?? 'visa-ok');
    await at(t(lang, 'sale.tearOff'), 'ENTER');
    const outcome = await finish(r);
    if (outcome.kind !== 'approved') throw new Error(`the sale was not approved: ${JSON.stringify(outcome)}`);
    return { ...outcome, record: journal().find((j) => j.stan === String(outcome.stan).padStart(6, '0'))! };
  }

  const journal = () => payments!.online.journal.all();

  /** Settles the open batch with the host (a 0500 with the journal's totals, answered 00) and closes it in the journal. */
  async function settle(): Promise<void> {
    const deps = payments!.online;
    const stan = await deps.journal.allocateStan();
    const keys = await deps.keys.next();
    const request = buildSettlement({
      ...deps.terminal,
      stan,
      at: localDateTime(clock.now(), settings.timeZone),
      currency: currency(settings.currency).numeric,
      batch: deps.journal.batch,
      ksn: keys.ksn,
      totals: deps.journal.totals(),
    });
    const sent = deps.link.settlement(request, { mac: keys.mac });
    const response = await runUntil(clock, sent, 60_000, 10);
    const result = readSettlementResponse(response);
    if (result.responseCode !== '00') throw new Error(`settlement answered ${result.responseCode}`);
    await deps.journal.closeBatch();
  }

  async function stop(): Promise<void> {
    await runUntil(clock, terminal.stop(), 120_000, 5);
    await payments?.close();
    await host?.close();
  }

  return { clock, board, terminal, ctx, logs, dataDir, settings, lang, display, shows, until, run, press, at, finish, makeSale, journal, settle, stop, host, payments, operators };
}

/**
 * A card step for the seam of return-card.ts that the tests can drive today: the card
 * swiped through the stripe reader emulator (sale.ts does not export its tap/insert/swipe
 * wait and read yet). Chip cards are taken by their stripe too: this step only reads the
 * card's number, as a void or refund needs.
 */
export const swipeAgain: ReadCardAgain = async (ctx, signal) => {
  show(ctx, messageScreen(layout(ctx), 'sale.title', ['', t(ctx.lang, 'card.present')]));
  const swipe = await cancellable(ctx, signal, (s) => ctx.magstripe!.waitForSwipe({ signal: s }));
  try {
    const card = readSwipedCard({ track1: swipe.track1, track2: swipe.track2 }, { chipReader: false });
    if (card.outcome !== 'proceed') throw new CardError('SWIPE_REFUSED', 'the swipe was refused');
    return {
      read: { pan: card.sensitive.pan, entryMode: 'magstripe', expiry: card.expiry },
      maskedPan: card.maskedPan,
      brand: brandOf(undefined, card.maskedPan),
      entry: 'magstripe',
      wipe: () => card.sensitive.wipe(),
    };
  } finally {
    swipe.wipe();
  }
};
