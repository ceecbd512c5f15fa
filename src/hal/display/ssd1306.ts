/**
 * SSD1306 OLED controller over I2C, 128x64 and 128x32 modules.
 * Reference: Solomon Systech SSD1306 datasheet Rev 1.5 (section numbers below), and its
 * application note on the charge pump appended to that document.
 *
 * Wiring (Raspberry Pi header): VCC 3V3 (pin 1), GND (pin 6), SDA GPIO2 (pin 3),
 * SCL GPIO3 (pin 5). SA0 low: address 0x3C; high: 0x3D.
 */
import { ValidationError } from '../../errors.js';
import type { I2cBus } from '../ports.js';
import { dirtyWindows, windowBytes } from './dirty-windows.js';
import { displayError } from './errors.js';
import { MonoFramebuffer } from './framebuffer.js';
import { SerialQueue } from './serial-queue.js';
import { renderText, textGrid } from './text-renderer.js';
import type { TextDisplay } from './text-display.js';

/** 8.1.5.1, Figure 8-7: the control byte before each stream. Co = 0: only data bytes follow. */
export const CONTROL = Object.freeze({
  /** Co = 0, D/C# = 0: every following byte of the transfer is a command. */
  COMMAND_STREAM: 0x00,
  /** Co = 0, D/C# = 1: every following byte of the transfer goes to GDDRAM. */
  DATA_STREAM: 0x40,
});

/** Commands the driver sends (Table 9-1; one description each in section 10). */
export const CMD = Object.freeze({
  /** 10.1.3: 20h, then 00b horizontal / 01b vertical / 10b page addressing. */
  MEMORY_MODE: 0x20,
  /** 10.1.4: 21h, start column, end column (horizontal and vertical modes). */
  COLUMN_ADDRESS: 0x21,
  /** 10.1.5: 22h, start page, end page. */
  PAGE_ADDRESS: 0x22,
  /** 10.2.3: stop scrolling; the RAM must be rewritten afterwards. */
  DEACTIVATE_SCROLL: 0x2e,
  /** 10.1.6: 40h-7Fh, RAM row shown on the first COM line. */
  START_LINE: 0x40,
  /** 10.1.7: 81h, contrast 00h-FFh. */
  CONTRAST: 0x81,
  /** Application note, charge pump command table: 8Dh, then 14h enable / 10h disable. */
  CHARGE_PUMP: 0x8d,
  /** 10.1.8: A1h maps column 127 to SEG0, so column 0 is at the left on common modules. */
  SEGMENT_REMAP: 0xa1,
  /** 10.1.9: A4h shows the RAM (A5h would light every pixel). */
  DISPLAY_FOLLOWS_RAM: 0xa4,
  /** 10.1.10: A6h normal, A7h inverse. */
  NORMAL_DISPLAY: 0xa6,
  /** 10.1.11: A8h, multiplex ratio (rows - 1), 15-63. */
  MULTIPLEX: 0xa8,
  /** 10.1.12 */
  DISPLAY_OFF: 0xae,
  DISPLAY_ON: 0xaf,
  /** 10.1.14: C8h scans COM[N-1] to COM0, so page 0 is at the top on common modules. */
  COM_SCAN_REMAPPED: 0xc8,
  /** 10.1.15: D3h, vertical shift 0-63. */
  DISPLAY_OFFSET: 0xd3,
  /** 10.1.16: D5h, divide ratio (low nibble) and oscillator frequency (high nibble). */
  CLOCK_DIV: 0xd5,
  /** 10.1.17: D9h, phase 1 (low nibble) and phase 2 (high nibble) in DCLKs. */
  PRECHARGE: 0xd9,
  /** 10.1.18: DAh, bit 4 alternative COM pin configuration, bit 5 left/right remap. */
  COM_PINS: 0xda,
  /** 10.1.19: DBh, VCOMH deselect level. */
  VCOMH: 0xdb,
});

export type Ssd1306Height = 64 | 32;

export interface Ssd1306Options {
  bus: I2cBus;
  /** 0x3C (SA0 low, the usual) or 0x3D (8.1.5: the slave address is 011110 SA0). */
  address?: number;
  /** Panel rows: 64 or 32; the width is always 128. */
  height?: Ssd1306Height;
  /** 10.1.7, 0-255. */
  contrast?: number;
  /**
   * GDDRAM bytes per write transfer. 32 suits the Pi's I2C driver and stays under the
   * SMBus block limit, so a slow or busy bus is never held for long.
   */
  chunkSize?: number;
}

export const SSD1306_WIDTH = 128;

/** The init sequence for a module of `height` rows, as one command stream (without the control byte). */
export function ssd1306InitCommands(height: Ssd1306Height, contrast = 0xcf): number[] {
  return [
    CMD.DISPLAY_OFF, // 10.1.12: dark while configuring, so no power-up garbage shows
    CMD.CLOCK_DIV, 0x80, // 10.1.16: the reset value (divide by 1, mid oscillator frequency)
    CMD.MULTIPLEX, height - 1, // 10.1.11: 3Fh for 64 rows, 1Fh for 32
    CMD.DISPLAY_OFFSET, 0x00, // 10.1.15
    CMD.START_LINE | 0x00, // 10.1.6
    CMD.CHARGE_PUMP, 0x14, // charge pump application note: enable it before display on
    CMD.MEMORY_MODE, 0x00, // 10.1.3: horizontal, so one window is written as one stream
    CMD.SEGMENT_REMAP, // 10.1.8
    CMD.COM_SCAN_REMAPPED, // 10.1.14
    // 10.1.18 and its COM pin configuration tables: 64-row modules wire the COM pins
    // alternately (12h), 32-row modules sequentially (02h); the wrong one scrambles the rows.
    CMD.COM_PINS, height === 64 ? 0x12 : 0x02,
    CMD.CONTRAST, contrast, // 10.1.7
    CMD.PRECHARGE, 0xf1, // 10.1.17: phase 1 of 1 DCLK, phase 2 of 15: the usual setting with the internal charge pump
    CMD.VCOMH, 0x20, // 10.1.19: 0.77 x VCC, the reset value
    CMD.DISPLAY_FOLLOWS_RAM, // 10.1.9
    CMD.NORMAL_DISPLAY, // 10.1.10
    CMD.DEACTIVATE_SCROLL, // 10.2.3: a warm restart may find a scroll running
  ];
}

/**
 * The driver. It keeps a framebuffer and a copy of what the controller's GDDRAM holds,
 * and on each flush sends only the windows that changed. Implements TextDisplay with 8x16
 * cells: 16 columns x 4 rows at 128x64, 16 x 2 at 128x32.
 */
export class Ssd1306 implements TextDisplay {
  readonly framebuffer: MonoFramebuffer;
  readonly columns: number;
  readonly rows: number;
  readonly cjk = true;
  readonly address: number;
  readonly height: Ssd1306Height;
  private readonly bus: I2cBus;
  private readonly chunkSize: number;
  private readonly contrast: number;
  /** What the GDDRAM holds, as far as we know; null when unknown (start, failed transfer). */
  private sent: Uint8Array | null = null;
  private shown: string[];
  private readonly queue = new SerialQueue();

  private constructor(options: Ssd1306Options) {
    const address = options.address ?? 0x3c;
    if (address !== 0x3c && address !== 0x3d) {
      throw new ValidationError(`SSD1306 address must be 0x3C or 0x3D, not 0x${Number(address).toString(16).toUpperCase()}`);
    }
    const height = options.height ?? 64;
    if (height !== 64 && height !== 32) throw new ValidationError(`SSD1306 height must be 64 or 32, not ${String(height)}`);
    const contrast = options.contrast ?? 0xcf;
    if (!Number.isInteger(contrast) || contrast < 0 || contrast > 255) {
      throw new ValidationError(`SSD1306 contrast must be 0-255, not ${String(contrast)}`);
    }
    const chunkSize = options.chunkSize ?? 32;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new ValidationError(`SSD1306 chunkSize must be a positive whole number`);
    this.bus = options.bus;
    this.address = address;
    this.height = height;
    this.contrast = contrast;
    this.chunkSize = chunkSize;
    this.framebuffer = new MonoFramebuffer(SSD1306_WIDTH, height);
    const grid = textGrid(this.framebuffer);
    this.columns = grid.columns;
    this.rows = grid.rows;
    this.shown = Array.from({ length: this.rows }, () => ' '.repeat(this.columns));
  }

  /**
   * Configures the controller, clears its RAM and turns the panel on. Rejects with
   * DisplayNotFoundError ("no display answered at 0x3C on /dev/i2c-1") when nothing
   * acknowledges the address.
   */
  static async open(options: Ssd1306Options): Promise<Ssd1306> {
    const d = new Ssd1306(options);
    await d.start();
    return d;
  }

  private async start(): Promise<void> {
    try {
      await this.bus.write(this.address, Uint8Array.of(CONTROL.COMMAND_STREAM, ...ssd1306InitCommands(this.height, this.contrast)));
    } catch (e) {
      throw displayError(this.bus.path, this.address, e, true);
    }
    // The GDDRAM holds random data after power-up (8.7): write all of it before display on.
    this.framebuffer.clear();
    await this.flush();
    await this.commands([CMD.DISPLAY_ON]);
  }

  get lines(): readonly string[] {
    return this.shown;
  }

  async show(lines: readonly string[], options: { inverse?: number[] } = {}): Promise<void> {
    this.shown = renderText(this.framebuffer, Array.isArray(lines) ? lines : [], options);
    await this.flush();
  }

  async clear(): Promise<void> {
    await this.show([]);
  }

  /** 10.1.7: contrast 0-255. */
  async setContrast(value: number): Promise<void> {
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new ValidationError(`contrast must be 0-255, not ${value}`);
    await this.queue.run(() => this.commands([CMD.CONTRAST, value]));
  }

  /** 10.1.12: panel off (sleep, RAM kept) or on. */
  async setPower(on: boolean): Promise<void> {
    await this.queue.run(() => this.commands([on ? CMD.DISPLAY_ON : CMD.DISPLAY_OFF]));
  }

  /**
   * Sends what changed in the framebuffer since the last flush: for each dirty window the
   * column and page address (10.1.4, 10.1.5) and then its bytes in horizontal addressing
   * mode, `chunkSize` bytes a transfer. Callers that draw on `framebuffer` directly call this.
   */
  flush(): Promise<void> {
    return this.queue.run(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    const target = this.framebuffer.data.slice();
    const windows = dirtyWindows(this.sent, target, SSD1306_WIDTH, this.framebuffer.pages);
    // Unknown until every window is out: after a failed transfer part of the screen may
    // hold new data and part old, so the next flush rewrites all of it.
    this.sent = null;
    for (const w of windows) {
      await this.commands([CMD.COLUMN_ADDRESS, w.c0, w.c1, CMD.PAGE_ADDRESS, w.p0, w.p1]);
      const bytes = windowBytes(target, SSD1306_WIDTH, w);
      for (let i = 0; i < bytes.length; i += this.chunkSize) {
        const chunk = bytes.subarray(i, i + this.chunkSize);
        const frame = new Uint8Array(chunk.length + 1);
        frame[0] = CONTROL.DATA_STREAM;
        frame.set(chunk, 1);
        await this.write(frame);
      }
    }
    this.sent = target;
  }

  private commands(bytes: number[]): Promise<void> {
    return this.write(Uint8Array.of(CONTROL.COMMAND_STREAM, ...bytes));
  }

  private async write(frame: Uint8Array): Promise<void> {
    try {
      await this.bus.write(this.address, frame);
    } catch (e) {
      throw displayError(this.bus.path, this.address, e, false);
    }
  }
}
