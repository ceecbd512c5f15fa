import type { I2cTarget } from '../../ports/i2c-bus.js';
import { MonoFramebuffer } from '../../../src/hal/display/framebuffer.js';
import { encodeMonochromePng } from './png.js';

/**
 * An SSD1306 on the simulated I2C bus, written from the datasheet (Solomon Systech Rev 1.5)
 * and not from the driver: it decodes control bytes (8.1.5.1), the command set of Table 9-1
 * with its argument bytes (a command's arguments may come in later transfers, as drivers
 * that send one byte per transfer do), and GDDRAM writes in all three addressing modes
 * (10.1.3). What it cannot accept goes into `errors`, never into an exception, so a
 * driver's mistake shows up in a test instead of taking the simulator down.
 *
 * The panel it models is the common module: 128 columns, 64 or 32 rows, COM pins wired for
 * the alternative configuration at 64 rows and sequential at 32, the picture upright with
 * segment remap A1h and COM scan C8h, and no external VCC, so nothing lights unless the
 * charge pump is on.
 */

export interface ProtocolError {
  /** Index of the write transfer (counted from 0) and of the byte within it. */
  transfer: number;
  offset: number;
  message: string;
}

const hex = (b: number) => b.toString(16).padStart(2, '0').toUpperCase() + 'h';

/** Commands with argument bytes: opcode -> how many (Table 9-1). */
const ARGUMENTS: ReadonlyMap<number, number> = new Map([
  [0x20, 1], // 10.1.3 memory addressing mode
  [0x21, 2], // 10.1.4 column address
  [0x22, 2], // 10.1.5 page address
  [0x23, 1], // fade out / blinking, in later SSD1306 documents: accepted, not shown
  [0x26, 6], // 10.2.1 right horizontal scroll setup
  [0x27, 6], // 10.2.1 left horizontal scroll setup
  [0x29, 5], // 10.2.2 vertical and right horizontal scroll setup
  [0x2a, 5], // 10.2.2 vertical and left horizontal scroll setup
  [0x81, 1], // 10.1.7 contrast
  [0x8d, 1], // charge pump (application note)
  [0xa3, 2], // 10.2.5 vertical scroll area
  [0xa8, 1], // 10.1.11 multiplex ratio
  [0xd3, 1], // 10.1.15 display offset
  [0xd5, 1], // 10.1.16 clock divide ratio / oscillator frequency
  [0xd6, 1], // zoom in, in later SSD1306 documents: accepted, not shown
  [0xd9, 1], // 10.1.17 pre-charge period
  [0xda, 1], // 10.1.18 COM pins hardware configuration
  [0xdb, 1], // 10.1.19 VCOMH deselect level
]);

/** One-byte commands (ranges included). */
function isSingle(op: number): boolean {
  return (
    op <= 0x1f || // 10.1.1, 10.1.2 column start in page mode
    op === 0x2e || // 10.2.3
    op === 0x2f || // 10.2.4
    (op >= 0x40 && op <= 0x7f) || // 10.1.6 start line
    op === 0xa0 || op === 0xa1 || // 10.1.8
    op === 0xa4 || op === 0xa5 || // 10.1.9
    op === 0xa6 || op === 0xa7 || // 10.1.10
    op === 0xae || op === 0xaf || // 10.1.12
    (op >= 0xb0 && op <= 0xb7) || // 10.1.13 page start in page mode
    op === 0xc0 || op === 0xc8 || // 10.1.14
    op === 0xe3 // 10.1.20 NOP
  );
}

export interface Ssd1306EmulatorOptions {
  /** Panel rows: 64 or 32. */
  height?: 64 | 32;
}

export class Ssd1306Emulator implements I2cTarget {
  readonly width = 128;
  readonly height: 64 | 32;
  /** 8.7: 128 x 64 bits whatever the panel, page-major, bit 0 the top row of a page. */
  readonly gddram = new Uint8Array(128 * 8);
  readonly errors: ProtocolError[] = [];
  /** Every complete command, opcode first: tests read the init sequence back from here. */
  readonly commands: number[][] = [];
  /** Bytes written to GDDRAM in all. */
  dataBytes = 0;

  // Reset state: the reset values of Table 9-1.
  displayOn = false;
  chargePump = false;
  contrast = 0x7f;
  multiplex = 63;
  displayOffset = 0;
  startLine = 0;
  segmentRemap = false;
  comScanRemapped = false;
  comAlternative = true;
  comLeftRight = false;
  inverse = false;
  entireOn = false;
  scrolling = false;
  addressingMode = 2; // page addressing after reset
  columnStart = 0;
  columnEnd = 127;
  pageStart = 0;
  pageEnd = 7;
  column = 0;
  page = 0;

  private transfer = -1;
  private offset = 0;
  private pending: number[] | null = null;

  constructor(options: Ssd1306EmulatorOptions = {}) {
    this.height = options.height ?? 64;
  }

  private error(message: string): void {
    // A fuzzer can produce millions; the first thousand tell the story.
    if (this.errors.length < 1000) this.errors.push({ transfer: this.transfer, offset: this.offset, message });
  }

  // ---- I2C ----

  onWrite(data: Uint8Array): void {
    this.transfer++;
    let i = 0;
    if (data.length === 0) return;
    for (;;) {
      if (i >= data.length) return;
      this.offset = i;
      const control = data[i++]!;
      const co = (control & 0x80) !== 0;
      const dc = (control & 0x40) !== 0;
      if ((control & 0x3f) !== 0) this.error(`control byte ${hex(control)}: bits 5-0 must be 0 (8.1.5.1)`);
      if (co) {
        // Co = 1: one byte, then another control byte.
        if (i >= data.length) {
          this.error(`control byte ${hex(control)} with Co = 1 is the last byte of the transfer`);
          return;
        }
        this.offset = i;
        this.take(dc, data[i++]!);
        continue;
      }
      for (; i < data.length; i++) {
        this.offset = i;
        this.take(dc, data[i]!);
      }
      return;
    }
  }

  /** Status register read (10.1.21): bit 6 set while the display is off. */
  onRead(length: number): Uint8Array {
    return new Uint8Array(length).fill(this.displayOn ? 0x00 : 0x40);
  }

  private take(data: boolean, byte: number): void {
    if (data) {
      if (this.pending) {
        this.error(`GDDRAM data while command ${hex(this.pending[0]!)} waits for its argument bytes; the command is dropped`);
        this.pending = null;
      }
      this.writeRam(byte);
    } else {
      this.command(byte);
    }
  }

  // ---- commands ----

  private command(byte: number): void {
    if (this.pending) {
      this.pending.push(byte);
      if (this.pending.length - 1 === ARGUMENTS.get(this.pending[0]!)) {
        const cmd = this.pending;
        this.pending = null;
        this.execute(cmd);
      }
      return;
    }
    if (ARGUMENTS.has(byte)) {
      this.pending = [byte];
      return;
    }
    if (isSingle(byte)) {
      this.execute([byte]);
      return;
    }
    this.error(`unknown command byte ${hex(byte)}`);
  }

  private execute(cmd: number[]): void {
    this.commands.push(cmd);
    const [op, a = 0, b = 0] = cmd as [number, number?, number?];
    if (op <= 0x0f) {
      this.column = (this.column & 0xf0) | op;
      return;
    }
    if (op <= 0x1f) {
      const c = ((op & 0x0f) << 4) | (this.column & 0x0f);
      if (c > 127) this.error(`column ${c} set by ${hex(op)} is past 127`);
      this.column = c & 0x7f;
      return;
    }
    if (op >= 0x40 && op <= 0x7f) {
      this.startLine = op & 0x3f;
      return;
    }
    if (op >= 0xb0 && op <= 0xb7) {
      this.page = op & 0x07;
      return;
    }
    switch (op) {
      case 0x20:
        if (a > 2) this.error(`addressing mode ${hex(a)} is invalid (10.1.3: 00h, 01h or 02h)`);
        else this.addressingMode = a;
        return;
      case 0x21:
        if (a > 127 || b > 127 || a > b) {
          this.error(`column address ${a}-${b} is invalid (10.1.4: 0-127, start <= end)`);
          return;
        }
        this.columnStart = a;
        this.columnEnd = b;
        this.column = a;
        return;
      case 0x22:
        if (a > 7 || b > 7 || a > b) {
          this.error(`page address ${a}-${b} is invalid (10.1.5: 0-7, start <= end)`);
          return;
        }
        this.pageStart = a;
        this.pageEnd = b;
        this.page = a;
        return;
      case 0x26:
      case 0x27:
        if (a !== 0x00 || cmd[5] !== 0x00 || cmd[6] !== 0xff) this.error(`scroll setup ${hex(op)}: dummy bytes must be 00h, 00h, FFh`);
        return;
      case 0x2e:
        this.scrolling = false;
        return;
      case 0x2f:
        this.scrolling = true;
        return;
      case 0x81:
        this.contrast = a;
        return;
      case 0x8d:
        if ((a & ~0x04) !== 0x10) this.error(`charge pump setting ${hex(a)} is invalid (14h enable, 10h disable)`);
        else this.chargePump = (a & 0x04) !== 0;
        return;
      case 0xa0:
      case 0xa1:
        this.segmentRemap = op === 0xa1;
        return;
      case 0xa4:
      case 0xa5:
        this.entireOn = op === 0xa5;
        return;
      case 0xa6:
      case 0xa7:
        this.inverse = op === 0xa7;
        return;
      case 0xa8:
        if (a < 15 || a > 63) this.error(`multiplex ratio ${a} is invalid (10.1.11: 15-63)`);
        else this.multiplex = a;
        return;
      case 0xae:
      case 0xaf:
        this.displayOn = op === 0xaf;
        return;
      case 0xc0:
      case 0xc8:
        this.comScanRemapped = op === 0xc8;
        return;
      case 0xd3:
        if (a > 63) this.error(`display offset ${a} is invalid (10.1.15: 0-63)`);
        else this.displayOffset = a;
        return;
      case 0xd9:
        if ((a & 0x0f) === 0 || (a & 0xf0) === 0) this.error(`pre-charge period ${hex(a)}: phase of 0 DCLKs is invalid (10.1.17)`);
        return;
      case 0xda:
        if ((a & 0xcf) !== 0x02) {
          this.error(`COM pins configuration ${hex(a)} is invalid (10.1.18: 02h plus bits 4 and 5)`);
          return;
        }
        this.comAlternative = (a & 0x10) !== 0;
        this.comLeftRight = (a & 0x20) !== 0;
        return;
      default:
        // Accepted with no visible effect: clock, VCOMH, scroll area, fade, zoom, NOP, 29h/2Ah.
        return;
    }
  }

  // ---- GDDRAM ----

  private writeRam(byte: number): void {
    if (this.scrolling) this.error('GDDRAM write while scrolling is active (10.2.3: deactivate first)');
    this.gddram[this.page * 128 + this.column] = byte;
    this.dataBytes++;
    switch (this.addressingMode) {
      case 0: // horizontal: along the page, then the next page of the window
        if (this.column >= this.columnEnd) {
          this.column = this.columnStart;
          this.page = this.page >= this.pageEnd ? this.pageStart : this.page + 1;
        } else this.column++;
        return;
      case 1: // vertical: down the pages, then the next column of the window
        if (this.page >= this.pageEnd) {
          this.page = this.pageStart;
          this.column = this.column >= this.columnEnd ? this.columnStart : this.column + 1;
        } else this.page++;
        return;
      default: // page: along the page only
        this.column = this.column >= this.columnEnd ? this.columnStart : this.column + 1;
    }
  }

  // ---- the panel ----

  /** Whether panel pixel (x, y) is lit: x from the left, y from the top. */
  pixel(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    if (!this.displayOn || !this.chargePump) return false;
    if (this.entireOn) return true;
    // The module's wiring of panel rows to COM pins matches one COM pin configuration
    // (10.1.18); the other one interleaves the rows.
    const wiredAlternative = this.height === 64;
    const half = this.height / 2;
    const rowLine = this.comAlternative === wiredAlternative ? y : y % 2 === 0 ? y / 2 : half + (y - 1) / 2;
    // With C8h the scan runs the other way; the module is mounted so that this is upright.
    const rows = this.multiplex + 1;
    const line = this.comScanRemapped ? rowLine : rows - 1 - rowLine;
    if (line < 0 || line >= rows) return false;
    const ramRow = (line + this.startLine + this.displayOffset) % 64;
    const ramCol = this.segmentRemap ? x : 127 - x;
    const on = (this.gddram[(ramRow >> 3) * 128 + ramCol]! & (1 << (ramRow & 7))) !== 0;
    return on !== this.inverse;
  }

  /** The panel as a framebuffer of its size: what a person would see. */
  panel(): MonoFramebuffer {
    const fb = new MonoFramebuffer(this.width, this.height);
    for (let y = 0; y < this.height; y++) for (let x = 0; x < this.width; x++) if (this.pixel(x, y)) fb.set(x, y, true);
    return fb;
  }

  /** The panel as a PNG, each pixel `scale` x `scale` (x4 by default, for the web page). */
  png(scale = 4): Uint8Array {
    return encodeMonochromePng(this.width, this.height, (x, y) => this.pixel(x, y), { scale });
  }
}
