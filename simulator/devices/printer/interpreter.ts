import iconv from 'iconv-lite';
import { encodeQr, qrDark, type QrErrorCorrection } from '../../../src/printer/qr/qr-code.js';
import { DEFAULT_STYLE, LineComposer, type PrintOp, type Rows, type Style } from './page.js';

/**
 * An ESC/POS interpreter: bytes in, print operations out. It reads the stream one byte at
 * a time (a generator that asks for the next byte), so a command split across serial
 * chunks, or one that never ends, is handled like any other, and no input can make it
 * throw. What it cannot accept (an unknown command, a parameter out of range, text that is
 * not GB18030) goes to `error` and the bytes are skipped, as a printer skips them.
 *
 * Commands follow the Epson ESC/POS Command Reference; CSN-A2 specifics (ESC 7 heating,
 * DC2 # density) are accepted as that printer accepts them.
 */

export type ProtocolErrorKind = 'unknown-command' | 'bad-parameter' | 'bad-text' | 'unsupported' | 'clipped' | 'bad-state' | 'overflow';

export interface InterpreterEvents {
  /** A print operation for the mechanism's queue. */
  op(op: PrintOp): void;
  /** DLE EOT n, to answer at once (a real-time command); `bytes` is its length, 3. */
  realTimeStatus(n: 1 | 2 | 3 | 4, bytes: number): void;
  error(kind: ProtocolErrorKind, detail: string): void;
}

export interface InterpreterOptions {
  dots: number;
  /** Whether GS ( k QR codes are supported; without it they are recorded as unsupported. */
  qr: boolean;
  events: InterpreterEvents;
}

/** ESC t tables this emulator knows, with iconv-lite names. */
const CODE_TABLES: Readonly<Record<number, string>> = Object.freeze({ 0: 'cp437', 2: 'cp850', 16: 'windows1252', 17: 'cp866', 19: 'cp858' });

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

type Reader<T> = Generator<void, T, number>;

export class EscPosInterpreter {
  private readonly dots: number;
  private readonly qr: boolean;
  private readonly events: InterpreterEvents;
  private readonly line: LineComposer;
  private style: Style = { ...DEFAULT_STYLE };
  private chinese = false;
  private codeTable = 'cp437';
  private lineSpacing = 30;
  private qrSize = 3;
  private qrLevel: QrErrorCorrection = 'L';
  private qrData: Uint8Array | null = null;
  private pushedBack: number | null = null;
  private readonly gen: Generator<void, void, number>;
  /** Bytes taken so far. */
  offset = 0;

  constructor(options: InterpreterOptions) {
    this.dots = options.dots;
    this.qr = options.qr;
    this.events = options.events;
    this.line = new LineComposer(options.dots);
    this.gen = this.main();
    this.gen.next();
  }

  push(b: number): void {
    this.offset++;
    this.gen.next(b & 0xff);
  }

  private error(kind: ProtocolErrorKind, detail: string): void {
    this.events.error(kind, detail);
  }

  private *byte(): Reader<number> {
    if (this.pushedBack !== null) {
      const b = this.pushedBack;
      this.pushedBack = null;
      return b;
    }
    const b: number = yield;
    return b;
  }

  private *skip(n: number): Reader<void> {
    for (let i = 0; i < n; i++) yield* this.byte();
  }

  private reset(): void {
    this.style = { ...DEFAULT_STYLE };
    this.line.clear();
    this.line.align = 'left';
    this.chinese = false;
    this.codeTable = 'cp437';
    this.lineSpacing = 30;
    this.qrSize = 3;
    this.qrLevel = 'L';
    this.qrData = null;
  }

  private printLine(feedRows?: number): void {
    const empty = this.line.empty;
    const op = this.line.take(this.lineSpacing);
    if (op.kind === 'line' && feedRows !== undefined) op.feedRows = Math.max(0, feedRows - op.rows.length);
    if (op.kind === 'feed' && feedRows !== undefined) op.rows = feedRows;
    if (!(empty && op.kind === 'feed' && op.rows === 0)) this.events.op(op);
  }

  private addChar(ch: string, multiByte: boolean): void {
    if (!this.line.add(ch, multiByte, this.style)) {
      this.printLine(); // the line is full: the printer prints it and goes on (Epson: "line full")
      this.line.add(ch, multiByte, this.style);
    }
  }

  private *main(): Generator<void, void, number> {
    for (;;) {
      const b = yield* this.byte();
      if (b === 0x1b) yield* this.esc();
      else if (b === 0x1d) yield* this.gs();
      else if (b === 0x1c) yield* this.fs();
      else if (b === 0x10) yield* this.dle();
      else if (b === 0x12) yield* this.dc2();
      else if (b === 0x0a) this.printLine();
      else if (b === 0x0d) continue; // CR: ignored on a serial printer with automatic line feed off
      else if (b === 0x09) this.line.tab(this.style);
      else if (b < 0x20 || b === 0x7f) this.error('unknown-command', `control byte ${hex(b)}`);
      else if (b >= 0x80 && this.chinese) yield* this.multiByte(b);
      else if (b >= 0x80) this.addChar(iconv.decode(Buffer.of(b), this.codeTable), false);
      else this.addChar(String.fromCharCode(b), false);
    }
  }

  /** GB18030 in FS & mode: 2 bytes (81-FE, 40-FE but 7F) or 4 (81-FE, 30-39, 81-FE, 30-39). */
  private *multiByte(b1: number): Reader<void> {
    const bad = (bytes: number[], next?: number) => {
      this.error('bad-text', `not GB18030: ${bytes.map(hex).join(' ')}`);
      this.addChar('?', false);
      if (next !== undefined) this.pushedBack = next; // resynchronise on the byte that broke it
    };
    if (b1 < 0x81 || b1 > 0xfe) return bad([b1]);
    const b2 = yield* this.byte();
    let bytes: number[];
    if (b2 >= 0x30 && b2 <= 0x39) {
      const b3 = yield* this.byte();
      if (b3 < 0x81 || b3 > 0xfe) return bad([b1, b2], b3);
      const b4 = yield* this.byte();
      if (b4 < 0x30 || b4 > 0x39) return bad([b1, b2, b3], b4);
      bytes = [b1, b2, b3, b4];
    } else if (b2 >= 0x40 && b2 <= 0xfe && b2 !== 0x7f) {
      bytes = [b1, b2];
    } else return bad([b1], b2);
    const ch = iconv.decode(Buffer.from(bytes), 'gb18030');
    if (ch === '\ufffd' || [...ch].length !== 1) return bad(bytes);
    this.addChar(ch, true);
  }

  private *esc(): Reader<void> {
    const c = yield* this.byte();
    switch (c) {
      case 0x40: // ESC @
        return this.reset();
      case 0x21: {
        // ESC ! n: bit 0 font B, 3 emphasised, 4 double height, 5 double width, 7 underline
        const n = yield* this.byte();
        this.style = { ...this.style, fontB: (n & 1) !== 0, bold: (n & 8) !== 0, h: n & 0x10 ? 2 : 1, w: n & 0x20 ? 2 : 1, underline: n & 0x80 ? 1 : 0 };
        return;
      }
      case 0x45: // ESC E n
      case 0x47: {
        // ESC G n (double-strike, drawn as bold)
        const n = yield* this.byte();
        this.style = { ...this.style, bold: (n & 1) !== 0 };
        return;
      }
      case 0x2d: {
        const n = yield* this.byte();
        const u = [0, 1, 2, 48, 49, 50].indexOf(n);
        if (u < 0) return this.error('bad-parameter', `ESC - ${n}`);
        this.style = { ...this.style, underline: (u % 3) as 0 | 1 | 2 };
        return;
      }
      case 0x61: {
        const n = yield* this.byte();
        const a = [0, 1, 2, 48, 49, 50].indexOf(n);
        if (a < 0) return this.error('bad-parameter', `ESC a ${n}`);
        // Only at the start of a line (Epson: ignored elsewhere in standard mode).
        if (this.line.empty) this.line.align = (['left', 'center', 'right'] as const)[a % 3]!;
        return;
      }
      case 0x64: {
        const n = yield* this.byte();
        return this.printLine(n * this.lineSpacing);
      }
      case 0x4a: {
        const n = yield* this.byte();
        return this.printLine(n);
      }
      case 0x32:
        this.lineSpacing = 30;
        return;
      case 0x33:
        this.lineSpacing = yield* this.byte();
        return;
      case 0x74: {
        const n = yield* this.byte();
        const table = CODE_TABLES[n];
        if (!table) return this.error('bad-parameter', `ESC t ${n}: code table not known to this printer`);
        this.codeTable = table;
        return;
      }
      case 0x4d: {
        const n = yield* this.byte();
        if (![0, 1, 48, 49].includes(n)) return this.error('bad-parameter', `ESC M ${n}`);
        this.style = { ...this.style, fontB: (n & 1) === 1 };
        return;
      }
      case 0x52: {
        const n = yield* this.byte();
        if (n > 15) this.error('bad-parameter', `ESC R ${n}`);
        return;
      }
      case 0x7b: // ESC { n upside down
      case 0x20: // ESC SP n right spacing
      case 0x56: // ESC V n rotation
      case 0x55: // ESC U n unidirectional
      case 0x72: // ESC r n colour
      case 0x25: // ESC % n user-defined characters
      case 0x3d: // ESC = n peripheral
        yield* this.skip(1);
        return;
      case 0x24: // ESC $ nL nH absolute position
      case 0x5c: // ESC \ nL nH relative position
      case 0x38: // ESC 8 n1 n2: CSN-A2 sleep time
      case 0x63: // ESC c 3/4/5 n: paper sensors and panel buttons
        yield* this.skip(2);
        return;
      case 0x37: // ESC 7 n1 n2 n3: CSN-A2 heating dots, time, interval
      case 0x70: // ESC p m t1 t2: drawer kick
        yield* this.skip(3);
        return;
      case 0x44: {
        // ESC D n1 ... NUL: tab stops
        for (let i = 0; i < 33; i++) if ((yield* this.byte()) === 0) return;
        return this.error('bad-parameter', 'ESC D: more than 32 tab stops');
      }
      case 0x2a: {
        // ESC * m nL nH d: column bit image
        const m = yield* this.byte();
        const n = (yield* this.byte()) | ((yield* this.byte()) << 8);
        if (![0, 1, 32, 33].includes(m)) return this.error('bad-parameter', `ESC * ${m}`);
        yield* this.skip(n * (m >= 32 ? 3 : 1));
        return this.error('unsupported', 'ESC * column bit images are not drawn by this emulator');
      }
      case 0x69: // ESC i / ESC m: old cut commands
      case 0x6d:
        this.flushLine();
        this.events.op({ kind: 'cut', partial: c === 0x6d });
        return;
      default:
        return this.error('unknown-command', `ESC ${hex(c)}`);
    }
  }

  private flushLine(): void {
    if (!this.line.empty) this.printLine();
  }

  private *gs(): Reader<void> {
    const c = yield* this.byte();
    switch (c) {
      case 0x21: {
        const n = yield* this.byte();
        const w = (n >> 4) + 1;
        const h = (n & 0x0f) + 1;
        if (w > 8 || h > 8) return this.error('bad-parameter', `GS ! ${hex(n)}`);
        this.style = { ...this.style, w, h };
        return;
      }
      case 0x42: {
        const n = yield* this.byte();
        this.style = { ...this.style, reverse: (n & 1) === 1 };
        return;
      }
      case 0x56: {
        const m = yield* this.byte();
        if ([0, 1, 48, 49].includes(m)) {
          this.flushLine();
          this.events.op({ kind: 'cut', partial: (m & 1) === 1 });
          return;
        }
        if (m === 65 || m === 66) {
          const n = yield* this.byte();
          this.flushLine();
          if (n > 0) this.events.op({ kind: 'feed', rows: n });
          this.events.op({ kind: 'cut', partial: m === 66 });
          return;
        }
        return this.error('bad-parameter', `GS V ${m}`);
      }
      case 0x76:
        return yield* this.raster();
      case 0x28:
        return yield* this.gsParen();
      case 0x72: {
        const n = yield* this.byte();
        if (n === 1 || n === 49) this.events.op({ kind: 'reply', what: 'paper-sensor' });
        else if (n === 2 || n === 50) this.events.op({ kind: 'reply', what: 'drawer' });
        else this.error('bad-parameter', `GS r ${n}`);
        return;
      }
      case 0x4c: // GS L nL nH left margin
      case 0x57: // GS W nL nH print area width
        yield* this.skip(2);
        return;
      case 0x48: // GS H n HRI position
      case 0x68: // GS h n bar code height
      case 0x77: // GS w n bar code width
      case 0x66: // GS f n HRI font
      case 0x61: // GS a n automatic status back (not sent by this emulator)
        yield* this.skip(1);
        return;
      case 0x6b: {
        // GS k m ...: bar codes
        const m = yield* this.byte();
        if (m <= 6) {
          for (let i = 0; i < 256; i++) if ((yield* this.byte()) === 0) break;
        } else if (m >= 65 && m <= 79) {
          yield* this.skip(yield* this.byte());
        } else return this.error('bad-parameter', `GS k ${m}`);
        return this.error('unsupported', 'GS k bar codes are not drawn by this emulator');
      }
      default:
        return this.error('unknown-command', `GS ${hex(c)}`);
    }
  }

  /** GS v 0 m xL xH yL yH d1...dk: raster bit image, k = x * y bytes. */
  private *raster(): Reader<void> {
    const zero = yield* this.byte();
    if (zero !== 0x30) return this.error('unknown-command', `GS v ${hex(zero)}`);
    const m = yield* this.byte();
    const x = (yield* this.byte()) | ((yield* this.byte()) << 8);
    const y = (yield* this.byte()) | ((yield* this.byte()) << 8);
    const mode = [0, 1, 2, 3, 48, 49, 50, 51].indexOf(m);
    const ok = mode >= 0 && x > 0 && y > 0;
    if (!ok) this.error('bad-parameter', `GS v 0 m=${m} x=${x} y=${y}`);
    const inLine = !this.line.empty;
    if (ok && inLine) this.error('bad-state', 'GS v 0 with characters waiting on the line: ignored (standard mode)');
    const sx = ok && mode % 4 & 1 ? 2 : 1;
    const sy = ok && mode % 4 & 2 ? 2 : 1;
    if (ok && x * 8 * sx > this.dots) this.error('clipped', `GS v 0: ${x * 8 * sx} dots wide on a ${this.dots}-dot head`);
    const rowBytes = Math.ceil(this.dots / 8);
    let band: Rows = [];
    const flush = () => {
      if (ok && !inLine && band.length) this.events.op({ kind: 'image', rows: band, widthDots: Math.min(this.dots, x * 8 * sx) });
      band = [];
    };
    for (let row = 0; row < y; row++) {
      const out = new Uint8Array(rowBytes);
      for (let i = 0; i < x; i++) {
        const d = yield* this.byte();
        if (!d) continue;
        for (let bit = 0; bit < 8; bit++) {
          if (!(d & (0x80 >> bit))) continue;
          for (let k = 0; k < sx; k++) {
            const dot = (i * 8 + bit) * sx + k;
            if (dot < this.dots) out[dot >> 3]! |= 0x80 >> (dot & 7);
          }
        }
      }
      for (let k = 0; k < sy; k++) band.push(k === 0 ? out : Uint8Array.from(out));
      if (band.length >= 24) flush();
    }
    flush();
  }

  /** GS ( k pL pH cn fn ...: 2D codes; cn 49 is QR. */
  private *gsParen(): Reader<void> {
    const c = yield* this.byte();
    const len = (yield* this.byte()) | ((yield* this.byte()) << 8);
    if (c !== 0x6b) {
      yield* this.skip(len);
      return this.error('unsupported', `GS ( ${hex(c)}`);
    }
    if (len < 2) {
      yield* this.skip(len);
      return this.error('bad-parameter', `GS ( k with pL pH = ${len}`);
    }
    const cn = yield* this.byte();
    const fn = yield* this.byte();
    const params: number[] = [];
    for (let i = 0; i < len - 2; i++) params.push(yield* this.byte());
    if (cn !== 49) return this.error('unsupported', `GS ( k cn=${cn} (only QR, 49, is drawn)`);
    if (!this.qr) return this.error('unsupported', `GS ( k QR fn=${fn}: this printer has no QR codes`);
    switch (fn) {
      case 65:
        if (params[0] !== 49 && params[0] !== 50) this.error('bad-parameter', `QR model ${params[0]}`);
        return;
      case 67:
        if (params[0] === undefined || params[0] < 1 || params[0] > 16) return this.error('bad-parameter', `QR module size ${params[0]}`);
        this.qrSize = params[0];
        return;
      case 69: {
        const level = (['L', 'M', 'Q', 'H'] as const)[(params[0] ?? 0) - 48];
        if (!level) return this.error('bad-parameter', `QR error correction ${params[0]}`);
        this.qrLevel = level;
        return;
      }
      case 80:
        if (params[0] !== 48 || params.length < 2) return this.error('bad-parameter', 'QR store: m must be 48 and data present');
        this.qrData = Uint8Array.from(params.slice(1));
        return;
      case 81:
        return this.printQr();
      case 82:
        return this.error('unsupported', 'QR fn 82 (symbol size) is not answered');
      default:
        return this.error('bad-parameter', `QR fn ${fn}`);
    }
  }

  private printQr(): void {
    if (!this.qrData) return this.error('bad-state', 'QR print with no data stored');
    this.flushLine();
    let m;
    try {
      m = encodeQr(this.qrData, this.qrLevel);
    } catch {
      return this.error('unsupported', `QR data of ${this.qrData.length} bytes is beyond what this emulator draws`);
    }
    const size = m.size * this.qrSize;
    const left = this.line.align === 'left' ? 0 : this.line.align === 'center' ? Math.floor((this.dots - size) / 2) : this.dots - size;
    const rows: Rows = [];
    for (let y = 0; y < size; y++) {
      const out = new Uint8Array(Math.ceil(this.dots / 8));
      for (let x = 0; x < size; x++) {
        const dot = left + x;
        if (dot >= 0 && dot < this.dots && qrDark(m, Math.floor(x / this.qrSize), Math.floor(y / this.qrSize))) out[dot >> 3]! |= 0x80 >> (dot & 7);
      }
      rows.push(out);
    }
    this.events.op({ kind: 'qr', data: new TextDecoder().decode(this.qrData), rows });
  }

  private *fs(): Reader<void> {
    const c = yield* this.byte();
    switch (c) {
      case 0x26:
        this.chinese = true;
        return;
      case 0x2e:
        this.chinese = false;
        return;
      case 0x21: // FS ! n Chinese print modes
      case 0x2d: // FS - n Chinese underline
      case 0x43: // FS C n code system
      case 0x57: // FS W n quadruple size
        yield* this.skip(1);
        return;
      case 0x53: // FS S n1 n2 Chinese spacing
        yield* this.skip(2);
        return;
      case 0x70:
        yield* this.skip(2);
        return this.error('unsupported', 'FS p NV bit images are not stored by this emulator');
      default:
        return this.error('unknown-command', `FS ${hex(c)}`);
    }
  }

  private *dle(): Reader<void> {
    const c = yield* this.byte();
    if (c === 0x04) {
      const n = yield* this.byte();
      if (n >= 1 && n <= 4) return this.events.realTimeStatus(n as 1 | 2 | 3 | 4, 3);
      return this.error('bad-parameter', `DLE EOT ${n}`);
    }
    if (c === 0x05) {
      yield* this.skip(1);
      return this.error('unsupported', 'DLE ENQ');
    }
    if (c === 0x14) {
      const fn = yield* this.byte();
      const lengths: Record<number, number> = { 1: 2, 2: 2, 7: 1, 8: 7 };
      const n = lengths[fn];
      if (n === undefined) return this.error('bad-parameter', `DLE DC4 fn=${fn}`);
      yield* this.skip(n);
      return this.error('unsupported', `DLE DC4 fn=${fn}`);
    }
    return this.error('unknown-command', `DLE ${hex(c)}`);
  }

  private *dc2(): Reader<void> {
    const c = yield* this.byte();
    switch (c) {
      case 0x23: // DC2 # n: CSN-A2 print density and break time
        yield* this.skip(1);
        return;
      case 0x54:
        return this.error('unsupported', 'DC2 T (self-test page)');
      case 0x2a: {
        // DC2 * r n d: CSN-A2 bit image, r rows of n bytes
        const r = yield* this.byte();
        const n = yield* this.byte();
        yield* this.skip(r * n);
        return this.error('unsupported', 'DC2 * bit images are not drawn by this emulator');
      }
      default:
        return this.error('unknown-command', `DC2 ${hex(c)}`);
    }
  }
}
