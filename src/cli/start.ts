import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import type { BoardPorts } from '../hal/board-ports.js';
import { toHex } from '../hex.js';
import type { HostEndpoint } from '../host/channel.js';
import { createLogger } from '../log.js';
import { openPayments } from '../payments.js';
import { deriveIpek } from '../security/dukpt-tdes.js';
import { boardSerial, KeyStore } from '../security/key-store.js';
import { OperatorStore } from '../store/operators.js';
import { loadSettings } from '../store/config.js';
import { Terminal } from '../terminal.js';
import { parseLanguage } from '../ui/messages.js';
import { parseArgs, parseHostPort } from './args.js';
import { loadBoard } from './board-loader.js';
import { timeScale } from './time-scale.js';

/** `--host tcp://H:P` or `tls://H:P`. */
export function parseHostUrl(s: string): { tls: boolean; host: string; port: number } {
  const m = /^(tcp|tls):\/\/(.+)$/.exec(s);
  if (!m) throw new ValidationError(`--host must be tcp://HOST:PORT or tls://HOST:PORT (got '${s}')`);
  return { tls: m[1] === 'tls', ...parseHostPort(m[2]!, '--host') };
}

/** The options of `pos start` (CONTRACT.md, docs/commands.md). */
export const START_FLAGS = ['board', 'data', 'http', 'host', 'host-ca', 'lang', 'time-scale'] as const;

/**
 * `pos start`: the terminal on a board. On the sim board the devices are emulators in this
 * process and the simulator API listens on --http. This module is a composition root: it
 * loads simulator/ dynamically, only for a sim board and for the in-process acquirer
 * simulator (when no --host is given), so a Pi pointed at its acquirer loads no simulator code.
 */
export async function start(args: string[]): Promise<number> {
  const t0 = performance.now();
  const a = parseArgs(args, { flags: [...START_FLAGS] });
  const board = await loadBoard(a.flags.get('board') ?? 'sim');
  const dataDir = resolve(a.flags.get('data') ?? './data');
  const http = parseHostPort(a.flags.get('http') ?? '127.0.0.1:7070', '--http');
  const hostUrl = a.flags.get('host');
  mkdirSync(dataDir, { recursive: true });
  const { log, flush, file: logFile } = createLogger({ dir: dataDir });
  const settings = await loadSettings(dataDir);
  const lang = a.flags.has('lang') ? parseLanguage(a.flags.get('lang')!) : settings.language;
  const clock = timeScale(a.flags.get('time-scale'), board.kind === 'sim', board.name);

  let ports: BoardPorts;
  let server: { close(): Promise<void> } | null = null;
  let sim: import('../../simulator/sim-board.js').SimBoard | null = null;
  if (board.kind === 'sim') {
    const { SimBoard } = await import('../../simulator/sim-board.js');
    // A terminal runs for days: the emulators keep only their newest recordings (the newest
    // 20-40 receipts on /api/receipts), or their memory would grow with every sale.
    sim = new SimBoard(board, clock, { recordings: { keep: 100, receipts: 20 } });
    ports = sim.ports;
  } else {
    const { openLinuxPorts } = await import('../hal/linux/ports.js');
    ports = openLinuxPorts(board, clock);
  }
  // Without --host, the acquirer simulator runs in this process on loopback (CONTRACT.md).
  let hostSim: import('../../simulator/host/host-simulator.js').HostSimulator | null = null;
  let endpoint: HostEndpoint;
  if (hostUrl) {
    const h = parseHostUrl(hostUrl);
    const caFile = a.flags.get('host-ca');
    if (h.tls && !caFile) throw new ValidationError('--host tls://... needs --host-ca FILE: the CA certificate (PEM) the acquirer is pinned to');
    endpoint = { host: h.host, port: h.port, ...(h.tls ? { tls: { ca: await readFile(caFile!) } } : {}) };
  } else {
    const { HostSimulator } = await import('../../simulator/host/host-simulator.js');
    hostSim = await HostSimulator.open({ dataDir: join(dataDir, 'host'), clock, log });
    const iso = await hostSim.listen('127.0.0.1', 0);
    endpoint = { host: '127.0.0.1', port: iso.port };
  }
  log.info({ event: 'host.endpoint', host: `${endpoint.tls ? 'tls' : 'tcp'}://${endpoint.host}:${endpoint.port}` }, 'acquirer endpoint');

  const keyStore = new KeyStore({ dataDir, serial: await boardSerial(board.kind) });
  if (sim && !(await keyStore.hasKeys())) {
    // The sim board comes with the acquirer simulator's test keys, so a sale works from the
    // first start; a real terminal gets its keys with `pos keys inject`.
    const { SIM_TERMINAL_KEYS } = await import('../../simulator/host/test-terminal-keys.js');
    await keyStore.injectTdes(deriveIpek(SIM_TERMINAL_KEYS.bdk, SIM_TERMINAL_KEYS.initialKsn), SIM_TERMINAL_KEYS.initialKsn);
    log.info({ event: 'keys.injected', ksn: toHex(SIM_TERMINAL_KEYS.initialKsn) }, 'sim board: the acquirer simulator test keys were loaded');
  }
  const payments = await openPayments({ dataDir, endpoint, keyStore, settings, clock, log });
  if (payments.recovered.pending + payments.recovered.unfinished > 0) {
    log.warn({ event: 'journal.recovered', ...payments.recovered }, 'sales left unfinished by the last run are being reversed');
  }

  const operators = await OperatorStore.open({ file: join(dataDir, 'operators.json'), clock });
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const diagnostics = { dataDir, logFile, flushLog: flush, boardName: board.name, version };
  const terminal = await Terminal.open({ board, ports, clock, log, settings, lang, payments, operators, diagnostics });
  const loop = terminal.start();
  if (sim) {
    const { SimulatorServer } = await import('../../simulator/web/server.js');
    const s = new SimulatorServer(terminal, sim, hostSim?.api ?? null);
    const addr = await s.listen(http.host, http.port);
    server = s;
    log.info({ event: 'http.listening', url: `http://${addr.address}:${addr.port}` }, 'simulator page and API listening');
  }
  log.info({ event: 'terminal.ready', board: board.name, data: dataDir, lang, startupMs: Math.round(performance.now() - t0) }, 'terminal ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'terminal.stop', signal }, 'stopping');
    await server?.close();
    await terminal.stop();
    await payments.close();
    await ports.close();
    await hostSim?.close();
    flush();
  };
  const stopped = new Promise<void>((done) => {
    process.once('SIGINT', () => void stop('SIGINT').then(done));
    process.once('SIGTERM', () => void stop('SIGTERM').then(done));
  });
  try {
    await Promise.race([loop, stopped]);
  } catch {
    await stop('fault');
    return 1;
  }
  await stopped;
  return 0;
}
