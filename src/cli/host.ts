/**
 * `pos host [--listen 127.0.0.1:8583] [--http 127.0.0.1:7071] [--data DIR] [--time-scale K]`: the acquirer
 * and issuer simulator alone (CONTRACT.md). Like `pos start` on the sim board, this is a
 * composition root that loads simulator/, dynamically: nothing else in src/ does.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { timeScale } from './time-scale.js';
import { createLogger } from '../log.js';
import { parseArgs, parseHostPort } from './args.js';

export async function host(args: string[]): Promise<number> {
  const a = parseArgs(args, { flags: ['listen', 'http', 'data', 'time-scale'] });
  const listen = parseHostPort(a.flags.get('listen') ?? '127.0.0.1:8583', '--listen');
  const http = parseHostPort(a.flags.get('http') ?? '127.0.0.1:7071', '--http');
  const dataDir = resolve(a.flags.get('data') ?? './data/host');
  mkdirSync(dataDir, { recursive: true });
  const { log, flush } = createLogger({ dir: dataDir });
  const { HostSimulator } = await import('../../simulator/host/host-simulator.js');
  const sim = await HostSimulator.open({ dataDir, clock: timeScale(a.flags.get('time-scale'), true, 'host'), log });
  const iso = await sim.listen(listen.host, listen.port);
  const api = await sim.api.listen(http.host, http.port);
  log.info(
    { event: 'host.listening', iso: `tcp://${iso.address}:${iso.port}`, url: `http://${api.address.address}:${api.address.port}`, data: dataDir },
    'acquirer simulator listening',
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  log.info({ event: 'host.stop' }, 'stopping');
  api.server.closeAllConnections();
  await new Promise<void>((done) => api.server.close(() => done()));
  await sim.close();
  flush();
  return 0;
}
