import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EventStream } from './events.js';
import { DeviceError } from '../../src/errors.js';
import { isKeyName, type KeyName } from '../../src/hal/keypad/keys.js';
import { catalogEntries, catalogItem } from '../cards/catalog.js';
import type { Terminal } from '../../src/terminal.js';
import type { SimBoard } from '../sim-board.js';

/** The acquirer simulator's API (simulator/host/http-api.ts), mounted under /api/host/ when the host runs in-process. */
export interface HostApiHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const MAX_BODY = 64 * 1024;

/** Endpoints of CONTRACT.md that this process cannot serve, and why. */
const NOT_HERE: [RegExp, string][] = [[/^\/api\/host(\/.*)?$/, 'the acquirer runs outside this process (pos start --host): ask its own API']];

/** The page: plain files under page/, served as they are (no build step). */
const PAGE_DIR = new URL('./page/', import.meta.url);
const PAGE_FILE = /^\/([a-z0-9-]+\.(html|js|css|svg))$/;
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}

function parseKeys(body: unknown): KeyName[] {
  const keys = (body as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new HttpError(400, 'expected {"keys":[...]} with at least one key');
  if (keys.length > 200) throw new HttpError(400, 'at most 200 keys a request');
  for (const k of keys) {
    if (!isKeyName(k)) throw new HttpError(400, `'${String(k)}' is not a key: use 0-9, ENTER, CANCEL, CLEAR, MENU, UP, DOWN`);
  }
  return keys as KeyName[];
}

/**
 * The simulator API of CONTRACT.md on the sim board: the terminal's state and display, key
 * presses through the keypad emulator, cards, receipts, the journal, the host's API when it
 * runs in this process, the live event stream (events.ts) and the page at / (page/: plain
 * ES modules, no build step).
 */
export class SimulatorServer {
  private server: Server | null = null;
  /** GET /api/events: the page's live view. */
  readonly events: EventStream;

  constructor(
    private readonly terminal: Terminal,
    private readonly board: SimBoard,
    private readonly host: HostApiHandler | null = null,
  ) {
    this.events = new EventStream(terminal, board);
  }

  /** What the display module shows, once the last screen has reached it. */
  private async display(): Promise<{ lines: string[] }> {
    await this.terminal.ctx.screen.flushed();
    return { lines: this.board.displayText() };
  }

  private async state() {
    const { status } = this.terminal.ctx;
    return { display: await this.display(), leds: this.board.leds(), flow: status.flow, idle: status.idle };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const page = method === 'GET' ? PAGE_FILE.exec(path === '/' ? '/index.html' : path) : null;
    if (page) {
      let body: Buffer;
      try {
        body = await readFile(fileURLToPath(new URL(page[1]!, PAGE_DIR)));
      } catch {
        throw new HttpError(404, `no such file: ${path}`);
      }
      // no-cache: the page and its modules change with the checkout; revalidate each load.
      res.writeHead(200, { 'content-type': CONTENT_TYPES[page[2]!]!, 'cache-control': 'no-cache' });
      res.end(body);
      return;
    }
    if (path === '/api/events') {
      throw new HttpError(426, 'GET /api/events is a WebSocket: connect to ws://HOST:PORT/api/events');
    }
    if (method === 'GET' && path === '/api/state') return send(res, 200, await this.state());
    if (method === 'GET' && path === '/api/display.png') {
      const d = this.board.display;
      if (!('png' in d)) throw new HttpError(404, 'this board has a character display: read /api/display');
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
      res.end(d.png());
      return;
    }
    if (method === 'GET' && path === '/api/display') return send(res, 200, await this.display());
    if (path === '/api/keys') {
      if (method !== 'POST') throw new HttpError(405, 'POST {"keys":[...]} to press keys');
      const keys = parseKeys(await readJson(req));
      await this.board.pressKeys(keys);
      return send(res, 200, { pressed: keys.length, display: await this.display() });
    }
    if (method === 'GET' && path === '/api/cards') return send(res, 200, catalogEntries());
    if (method === 'GET' && path === '/api/journal') {
      const journal = this.terminal.ctx.payments?.online.journal;
      if (!journal) throw new HttpError(404, 'this terminal runs without a journal (no payment services)');
      return send(res, 200, journal.toApi());
    }
    if (path === '/api/card') {
      if (method !== 'POST') throw new HttpError(405, 'POST {"action":"tap"|"insert"|"swipe"|"remove","card":ID}');
      const body = (await readJson(req)) as { action?: unknown; card?: unknown };
      const action = body?.action;
      if (action !== 'tap' && action !== 'insert' && action !== 'swipe' && action !== 'remove') {
        throw new HttpError(400, 'action must be tap, insert, swipe or remove');
      }
      if (action !== 'remove' && (typeof body.card !== 'string' || !catalogItem(body.card))) {
        throw new HttpError(400, `no card '${String(body.card)}' in the catalog: GET /api/cards lists them`);
      }
      try {
        this.board.presentCard(action, body.card as string | undefined);
      } catch (e) {
        if (e instanceof DeviceError) throw new HttpError(501, e.message);
        throw e;
      }
      return send(res, 200, { action, card: body.card ?? null });
    }
    if (method === 'GET' && path === '/api/process') {
      // For soaks and technicians: what the terminal process holds (Node's own figures, bytes).
      const m = process.memoryUsage();
      return send(res, 200, { pid: process.pid, uptimeS: Math.round(process.uptime()), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
    }
    if (this.host && path.startsWith('/api/host/') && (await this.host.handle(req, res))) return;
    if (method === 'GET' && path === '/api/receipts') {
      return send(res, 200, this.board.printer.receipts.map(({ id, text }) => ({ id, text })));
    }
    const png = /^\/api\/receipts\/([A-Za-z0-9]+)\.png$/.exec(path);
    if (method === 'GET' && png) {
      const r = this.board.printer.receipts.find((x) => x.id === png[1]);
      if (!r) throw new HttpError(404, `no receipt ${png[1]}`);
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
      res.end(r.png());
      return;
    }
    for (const [re, what] of NOT_HERE) {
      if (re.test(path)) return send(res, 501, { error: 'not served here', message: what });
    }
    throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        const status = e instanceof HttpError ? e.status : 500;
        const message = e instanceof Error ? e.message : String(e);
        if (!res.headersSent) send(res, status, { error: message });
        else res.end();
      });
    });
    server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/api/events') this.events.upgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.events.close();
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
