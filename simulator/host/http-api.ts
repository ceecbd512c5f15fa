/**
 * The acquirer simulator's HTTP API (CONTRACT.md), under /api/host/: served alone by
 * `pos host --http`, and mounted by the simulator page's server when the host runs in the
 * same process as the terminal.
 *
 *   GET  /api/host/ledger    the host's view of every transaction (and settlement)
 *   POST /api/host/faults    {"next": FAULT, "count": N}: the next N requests meet FAULT
 *   GET  /api/host/faults    the faults still waiting
 *   DELETE /api/host/faults  forget them
 *   GET  /api/host/accounts  the test accounts: masked PAN, balance, PIN tries left
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../../src/errors.js';
import { maskPan } from '../../src/security/pan.js';
import type { AccountBook } from './accounts.js';
import type { FaultQueue } from './faults.js';
import type { HostLedger } from './ledger.js';

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ValidationError(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ValidationError('the request body is not JSON');
  }
}

export class HostApi {
  constructor(private readonly sim: { ledger: HostLedger; faults: FaultQueue; book: AccountBook }) {}

  /** Answers a request under /api/host/; false when the path is not one of ours. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    if (path === '/api/host/ledger') {
      if (method !== 'GET') send(res, 405, { error: 'GET the ledger' });
      else send(res, 200, this.sim.ledger.view());
      return true;
    }
    if (path === '/api/host/faults') {
      if (method === 'GET') send(res, 200, this.sim.faults.list());
      else if (method === 'DELETE') {
        this.sim.faults.clear();
        send(res, 200, []);
      } else if (method === 'POST') {
        try {
          const queued = this.sim.faults.add(await readJson(req));
          send(res, 200, { queued, pending: this.sim.faults.list() });
        } catch (e) {
          send(res, 400, { error: (e as Error).message });
        }
      } else send(res, 405, { error: 'GET, POST or DELETE the faults' });
      return true;
    }
    if (path === '/api/host/accounts' && method === 'GET') {
      send(
        res,
        200,
        this.sim.book.all().map((a) => {
          const s = this.sim.ledger.account(a.id);
          return { id: a.id, maskedPan: maskPan(a.pan), brand: a.brand, status: a.status, balance: s.balance, pinTriesLeft: s.pinTriesLeft, note: a.note ?? '' };
        }),
      );
      return true;
    }
    if (path.startsWith('/api/host/')) {
      send(res, 404, { error: `no such endpoint: ${method} ${path}` });
      return true;
    }
    return false;
  }

  /** The API alone on its own port (`pos host --http`). */
  async listen(host: string, port: number): Promise<{ server: Server; address: AddressInfo }> {
    const server = createServer((req, res) => {
      this.handle(req, res)
        .then((handled) => {
          if (!handled) send(res, 404, { error: 'the acquirer simulator serves /api/host/ledger and /api/host/faults' });
        })
        .catch((e: unknown) => {
          if (!res.headersSent) send(res, 500, { error: (e as Error).message });
          else res.end();
        });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return { server, address: server.address() as AddressInfo };
  }
}
