/**
 * The simulator page's server mounts the acquirer simulator's API under /api/host/ when
 * the host runs in the same process, and answers 501 there when it does not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HostSimulator } from '../../../simulator/host/host-simulator.js';
import { SimulatorServer } from '../../../simulator/web/server.js';
import { simTerminal } from '../../helpers/sim-terminal.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serve(withHost: boolean): Promise<string> {
  const sim = await simTerminal();
  cleanups.push(() => sim.stop());
  let host: HostSimulator | null = null;
  if (withHost) {
    host = await HostSimulator.open({ dataDir: null, clock: sim.clock });
    cleanups.push(() => host!.close());
  }
  const server = new SimulatorServer(sim.terminal, sim.board, host?.api ?? null);
  const addr = await server.listen('127.0.0.1', 0);
  cleanups.push(() => server.close());
  return `http://127.0.0.1:${addr.port}`;
}

describe('/api/host/ on the simulator page', () => {
  it('serves the ledger and the faults when the host runs in-process', async () => {
    const base = await serve(true);
    expect(await (await fetch(`${base}/api/host/ledger`)).json()).toEqual([]);
    const res = await fetch(`${base}/api/host/faults`, { method: 'POST', body: JSON.stringify({ next: 'drop', count: 2 }) });
    expect(res.status).toBe(200);
    expect(await (await fetch(`${base}/api/host/faults`)).json()).toEqual([{ next: 'drop', count: 2 }]);
    expect((await fetch(`${base}/api/state`)).status).toBe(200);
  });

  it('answers 501 under /api/host/ when no host is mounted', async () => {
    const base = await serve(false);
    expect((await fetch(`${base}/api/host/ledger`)).status).toBe(501);
  });
});
