import type { Clock, TimerHandle } from '../../../src/hal/ports.js';
import type { SimSerialEnd } from '../../ports/serial-pair.js';
import { encodeMonochromePng } from '../display/png.js';
import { EscPosInterpreter, type ProtocolErrorKind } from './interpreter.js';
import { opRows, type PrintOp, type Rows } from './page.js';

/**
 * A thermal receipt printer at the far end of a serial link: the CSN-A2 class by default
 * (384 dots, 400 dot rows a second, no flow control, no QR command), or an 80 mm one.
 *
 * - Bytes are interpreted as they arrive (interpreter.ts); what they print waits in the
 *   input buffer until the mechanism, at its speed on the clock, gets to it. A buffer that
 *   fills loses the bytes that do not fit, as a printer without flow control does: an
 *   'overflow' protocol error says how many.
 * - DLE EOT n is answered at once, whatever the mechanism is doing; GS r in sequence.
 * - Paper: a roll of `paperRows` dot rows (endless by default). When it runs out the
 *   mechanism stops with what is left in the buffer; the cut-short strip goes out with the
 *   old roll when paper is loaded (kept in `torn`), and printing resumes from the buffer.
 *   Opening the cover stops the mechanism too; closing it resumes.
 * - The printed paper is split at each cut into `receipts`: `{ id, text, png() }`, what
 *   `/api/receipts` serves. Text is one line per printed line, aligned by spaces in 12-dot
 *   columns; a raster image shows as `[IMAGE WxH]`, a GS ( k QR code as `[QR data]`.
 * - Protocol errors (unknown commands, bad parameters, bad GB18030, overflow) are kept in
 *   `errors`, never thrown at the driver.
 *
 * Pictures use Unifont glyphs scaled to the printer's cells (glyphs.ts), not the printer's
 * ROM font.
 */

export interface PrinterEmulatorOptions {
  clock: Clock;
  /** Head width in dots: 384 (58 mm) or 576 (80 mm). Default 384. */
  dots?: 384 | 576;
  /** Mechanism speed printing, dot rows a second. Default 400 (50 mm/s, CSN-A2 datasheet low end). */
  printRowsPerSecond?: number;
  /** Mechanism speed feeding. Default: the printing speed. */
  feedRowsPerSecond?: number;
  /** Input buffer in bytes. Default 4096 (an assumption: small panel printers' buffers are a few KB). */
  bufferBytes?: number;
  /** GS ( k QR codes. Default false (the CSN-A2's v4.0 firmware has none). */
  qr?: boolean;
  /** The near-end sensor trips when less than this much paper is left (dot rows). Default 2000. */
  nearEndRows?: number;
}

export interface PrintedReceipt {
  /** R0001, R0002... in the order the paper came out. */
  readonly id: string;
  readonly text: string;
  /** False for a strip the paper ran out on before its cut (it left with the old roll). */
  readonly complete: boolean;
  /** Dot rows long. */
  readonly rows: number;
  /** Whether dot (x, y) is black. */
  dot(x: number, y: number): boolean;
  png(): Uint8Array;
}

export interface ProtocolError {
  /** Byte offset in everything received. */
  offset: number;
  kind: ProtocolErrorKind;
  detail: string;
}

const MAX_ERRORS = 1000;

interface Sheet {
  lines: string[];
  rows: Rows;
  /** Index in `lines` of the image being drawn band by band, to grow its [IMAGE] label. */
  image: { line: number; width: number; height: number } | null;
}

const newSheet = (): Sheet => ({ lines: [], rows: [], image: null });

export class PrinterEmulator {
  readonly dots: number;
  readonly receipts: PrintedReceipt[] = [];
  readonly torn: PrintedReceipt[] = [];
  readonly errors: ProtocolError[] = [];
  /** Every byte received (not those lost to overflow), for tests. */
  bytesReceived = 0;
  bytesLost = 0;

  private readonly clock: Clock;
  private readonly printRate: number;
  private readonly feedRate: number;
  private readonly bufferBytes: number;
  private readonly nearEndRows: number;
  private readonly interpreter: EscPosInterpreter;
  private readonly queue: { op: PrintOp; bytes: number }[] = [];
  /** Bytes held: queued operations' bytes plus those of what is not yet an operation. */
  private held = 0;
  private pending = 0;
  private overflowing: ProtocolError | null = null;
  private busy: TimerHandle | null = null;
  private paperRows = Infinity;
  private cover = false;
  private sheet: Sheet = newSheet();
  private nextId = 1;
  private end: SimSerialEnd | null = null;
  private tx: Promise<void> = Promise.resolve();
  private listeners: ((r: PrintedReceipt) => void)[] = [];

  constructor(options: PrinterEmulatorOptions) {
    this.clock = options.clock;
    this.dots = options.dots ?? 384;
    this.printRate = options.printRowsPerSecond ?? 400;
    this.feedRate = options.feedRowsPerSecond ?? this.printRate;
    this.bufferBytes = options.bufferBytes ?? 4096;
    this.nearEndRows = options.nearEndRows ?? 2000;
    this.interpreter = new EscPosInterpreter({
      dots: this.dots,
      qr: options.qr ?? false,
      events: {
        op: (op) => {
          this.queue.push({ op, bytes: this.pending });
          this.pending = 0;
        },
        realTimeStatus: (n, bytes) => {
          // Real-time commands are acted on as they arrive and take no room in the buffer.
          this.pending -= bytes;
          this.held -= bytes;
          this.send(Uint8Array.of(this.realTimeByte(n)));
        },
        error: (kind, detail) => this.recordError(kind, detail),
      },
    });
  }

  /** Listens on the device end of a serial pair. */
  connect(end: SimSerialEnd): () => void {
    this.end = end;
    return end.onData((d) => this.receive(d));
  }

  /** Called for each receipt as it is cut (for /api/events). */
  onReceipt(listener: (r: PrintedReceipt) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  // ---- the operator's side (tests, the simulator page) ----

  get paperOut(): boolean {
    return this.paperRows <= 0;
  }

  get coverOpen(): boolean {
    return this.cover;
  }

  /** Nothing queued and the mechanism still. */
  get idle(): boolean {
    return this.queue.length === 0 && this.busy === null;
  }

  /** Bytes in the input buffer now. */
  get buffered(): number {
    return this.held;
  }

  /** The paper runs out once `rows` more dot rows have gone by (0: now). */
  runOutAfter(rows: number): void {
    this.paperRows = Math.max(0, rows);
    this.pump();
  }

  /**
   * A new roll (endless unless `rows`). Whatever was printed since the last cut on the old
   * roll leaves with it (`torn`); the mechanism goes on with what the buffer holds.
   */
  loadPaper(rows = Infinity): void {
    if (this.sheet.lines.length > 0 || this.sheet.rows.length > 0) this.finish(false);
    this.paperRows = rows;
    this.pump();
  }

  openCover(): void {
    this.cover = true;
  }

  closeCover(): void {
    this.cover = false;
    this.pump();
  }

  /** What has come out since the last cut. */
  currentText(): string {
    return trimLines(this.sheet.lines);
  }

  // ---- the wire ----

  private recordError(kind: ProtocolErrorKind, detail: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ offset: this.interpreter.offset, kind, detail });
  }

  private receive(data: Uint8Array): void {
    for (const b of data) {
      if (this.held >= this.bufferBytes) {
        this.bytesLost++;
        if (this.overflowing) this.overflowing.detail = `input buffer full: ${this.bytesLost} bytes lost`;
        else {
          this.recordError('overflow', `input buffer full: ${this.bytesLost} bytes lost`);
          this.overflowing = this.errors[this.errors.length - 1] ?? null;
        }
        continue;
      }
      this.overflowing = null;
      this.bytesReceived++;
      this.held++;
      this.pending++;
      this.interpreter.push(b);
    }
    this.pump();
  }

  private send(bytes: Uint8Array): void {
    const end = this.end;
    if (!end) return;
    this.tx = this.tx.then(() => end.write(bytes)).catch(() => undefined); // a closed link hears nothing
  }

  private realTimeByte(n: 1 | 2 | 3 | 4): number {
    const fixed = 0x12; // bits 1 and 4 always set (DLE EOT)
    switch (n) {
      case 1:
        return fixed | (this.offline ? 0x08 : 0);
      case 2:
        return fixed | (this.cover ? 0x04 : 0) | (this.paperOut ? 0x20 : 0);
      case 3:
        return fixed;
      case 4:
        return fixed | (this.nearEnd ? 0x0c : 0) | (this.paperOut ? 0x60 : 0);
    }
  }

  private get nearEnd(): boolean {
    return this.paperRows < this.nearEndRows;
  }

  private get offline(): boolean {
    return this.cover || this.paperOut;
  }

  // ---- the mechanism ----

  private pump(): void {
    while (!this.busy && !this.offline && this.queue.length > 0) {
      const { op, bytes } = this.queue[0]!;
      const rows = opRows(op);
      if (rows > this.paperRows) {
        this.paperRows = 0; // a line is never split: it waits for the next roll
        return;
      }
      this.queue.shift();
      this.held -= bytes;
      this.paperRows -= rows;
      this.execute(op);
      const printRows = op.kind === 'line' ? op.rows.length : op.kind === 'feed' ? 0 : rows;
      const ms = (printRows * 1000) / this.printRate + ((rows - printRows) * 1000) / this.feedRate;
      if (ms > 0) {
        this.busy = this.clock.setTimer(ms, () => {
          this.busy = null;
          this.pump();
        });
      }
    }
  }

  private blankRows(n: number): void {
    const bytes = Math.ceil(this.dots / 8);
    for (let i = 0; i < n; i++) this.sheet.rows.push(new Uint8Array(bytes));
  }

  private execute(op: PrintOp): void {
    const s = this.sheet;
    if (op.kind !== 'image') s.image = null;
    switch (op.kind) {
      case 'line':
        s.lines.push(op.text);
        s.rows.push(...op.rows);
        this.blankRows(op.feedRows);
        return;
      case 'feed':
        for (let i = 0; i < Math.round(op.rows / 30); i++) s.lines.push('');
        this.blankRows(op.rows);
        return;
      case 'image':
        if (s.image && s.image.width === op.widthDots) s.image.height += op.rows.length;
        else {
          s.image = { line: s.lines.length, width: op.widthDots, height: op.rows.length };
          s.lines.push('');
        }
        s.lines[s.image.line] = `[IMAGE ${s.image.width}x${s.image.height}]`;
        s.rows.push(...op.rows);
        return;
      case 'qr':
        s.lines.push(`[QR ${op.data}]`);
        s.rows.push(...op.rows);
        return;
      case 'cut':
        return this.finish(true);
      case 'reply':
        return this.send(Uint8Array.of(op.what === 'drawer' ? 0 : (this.nearEnd ? 0x03 : 0) | (this.paperOut ? 0x0c : 0)));
    }
  }

  private finish(complete: boolean): void {
    const rows = this.sheet.rows;
    const dots = this.dots;
    const dot = (x: number, y: number): boolean => {
      const r = rows[y];
      return x >= 0 && x < dots && r !== undefined && (r[x >> 3]! & (0x80 >> (x & 7))) !== 0;
    };
    const receipt: PrintedReceipt = {
      id: `R${String(this.nextId++).padStart(4, '0')}`,
      text: trimLines(this.sheet.lines),
      complete,
      rows: rows.length,
      dot,
      png: () => encodeMonochromePng(dots, Math.max(1, rows.length), (x, y) => !dot(x, y)), // lit = white paper
    };
    this.sheet = newSheet();
    if (complete) {
      this.receipts.push(receipt);
      for (const l of [...this.listeners]) l(receipt);
    } else this.torn.push(receipt);
  }
}

function trimLines(lines: readonly string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a] === '') a++;
  while (b > a && lines[b - 1] === '') b--;
  return lines.slice(a, b).join('\n');
}
