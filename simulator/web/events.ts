import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { apiRecord, type JournalApiRecord } from '../../src/store/journal.js';
import type { Terminal } from '../../src/terminal.js';
import type { SimBoard } from '../sim-board.js';

/**
 * GET /api/events: a WebSocket that tells the page what changed, as JSON text messages.
 * Nothing here polls: each event comes from the change callback of what changed (the
 * screen, the LED and buzzer lines, the printer's cut, the journal's durable write).
 *
 *   {"type":"state","display":{"lines":[...]},"leds":[b,b,b,b],"buzzer":b,"flow":NAME|null,"idle":b}
 *        first, on connecting; again whenever flow or idle changes
 *   {"type":"display","lines":[...],"seq":N}     the display module shows something new:
 *        its text read back, and N to fetch /api/display.png?seq=N past any cache
 *   {"type":"leds","leds":[b,b,b,b]}              a status light went on or off
 *   {"type":"buzzer","on":b}                      the buzzer started or stopped (the page beeps)
 *   {"type":"receipt","id":"R0001","text":"...","complete":b}   the printer cut a receipt
 *   {"type":"journal","record":{...}}             a transaction as GET /api/journal has it, once on disk
 *
 * Messages from the page are ignored. A page that cannot keep up (more than MAX_BUFFERED
 * bytes not yet sent) is disconnected; it reconnects and starts again from "state".
 */

export type PageEvent =
  | { type: 'state'; display: { lines: string[] }; leds: boolean[]; buzzer: boolean; flow: string | null; idle: boolean }
  | { type: 'display'; lines: string[]; seq: number }
  | { type: 'leds'; leds: boolean[] }
  | { type: 'buzzer'; on: boolean }
  | { type: 'receipt'; id: string; text: string; complete: boolean }
  | { type: 'journal'; record: JournalApiRecord };

const MAX_BUFFERED = 4 * 1024 * 1024;

export class EventStream {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly stops: (() => void)[] = [];
  private seq = 0;
  private displayDirty = false;
  private displayRunning = false;
  private lastLeds = '';
  private lastBuzzer = false;
  private lastStatus = '';
  private closed = false;

  constructor(
    private readonly terminal: Terminal,
    private readonly board: SimBoard,
  ) {
    const ctx = terminal.ctx;
    this.lastLeds = JSON.stringify(board.leds());
    this.lastBuzzer = board.buzzer();
    this.lastStatus = this.statusKey();
    this.stops.push(ctx.screen.onChange(() => void this.displayChanged()));
    this.stops.push(board.onIndicators((s) => this.indicatorsChanged(s)));
    this.stops.push(board.printer.onReceipt((r) => this.broadcast({ type: 'receipt', id: r.id, text: r.text, complete: r.complete })));
    const journal = ctx.payments?.online.journal;
    if (journal) this.stops.push(journal.onChange((r) => r && this.broadcast({ type: 'journal', record: apiRecord(r) })));
    this.wss.on('connection', (ws) => {
      ws.on('error', () => ws.terminate());
      this.send(ws, this.state());
    });
  }

  /** Takes over an HTTP upgrade to /api/events. A browser page of another origin is refused. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = req.headers.origin;
    // WebSockets are not held to the same-origin policy: without this, any web page open in
    // the browser could watch the terminal (its screen, its receipts) through localhost.
    if (this.closed || (origin !== undefined && !sameHost(origin, req.headers.host))) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private statusKey(): string {
    const { flow, idle } = this.terminal.ctx.status;
    return JSON.stringify([flow, idle]);
  }

  private state(): PageEvent {
    const { flow, idle } = this.terminal.ctx.status;
    return { type: 'state', display: { lines: this.board.displayText() }, leds: this.board.leds(), buzzer: this.board.buzzer(), flow, idle };
  }

  /**
   * The screen changed: once every draw queued by then has reached the display module, its
   * text is read back (what the glass shows, not the UI's idea of it) and sent. Changes that
   * come while a draw is on its way are folded into one event.
   */
  private async displayChanged(): Promise<void> {
    this.displayDirty = true;
    if (this.displayRunning) return;
    this.displayRunning = true;
    try {
      while (this.displayDirty) {
        this.displayDirty = false;
        // Screen tells its listeners before it queues the draw: let show() return first, or
        // flushed() would be the previous screen's and the page would lag one screen behind.
        await Promise.resolve();
        await this.terminal.ctx.screen.flushed();
      }
      if (this.closed || this.wss.clients.size === 0) return;
      this.broadcast({ type: 'display', lines: this.board.displayText(), seq: ++this.seq });
      // Flow and idle change with the screen (a flow starts by drawing, idle draws then waits).
      const status = this.statusKey();
      if (status !== this.lastStatus) {
        this.lastStatus = status;
        this.broadcast(this.state());
      }
    } finally {
      this.displayRunning = false;
    }
  }

  private indicatorsChanged(s: { leds: boolean[]; buzzer: boolean }): void {
    const leds = JSON.stringify(s.leds);
    if (leds !== this.lastLeds) {
      this.lastLeds = leds;
      this.broadcast({ type: 'leds', leds: s.leds });
    }
    if (s.buzzer !== this.lastBuzzer) {
      this.lastBuzzer = s.buzzer;
      this.broadcast({ type: 'buzzer', on: s.buzzer });
    }
  }

  private broadcast(e: PageEvent): void {
    if (this.closed) return;
    for (const ws of this.wss.clients) this.send(ws, e);
  }

  private send(ws: WebSocket, e: PageEvent): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(e));
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
