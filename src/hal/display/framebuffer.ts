import { ValidationError } from '../../errors.js';

/**
 * A 1-bit framebuffer laid out as the SSD1306's GDDRAM (datasheet Rev 1.5, 8.7): the
 * screen is cut into pages of 8 rows; byte `page * width + x` holds column x of that page,
 * bit 0 the top row. Keeping the controller's layout means a changed region is sent as a
 * plain slice, with no conversion on the way out.
 */
export class MonoFramebuffer {
  readonly width: number;
  readonly height: number;
  readonly pages: number;
  /** The pixels, page-major; read by drivers, written through the methods below. */
  readonly data: Uint8Array;

  constructor(width: number, height: number) {
    if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0 || height % 8 !== 0) {
      throw new ValidationError(`framebuffer: ${width}x${height} is not a size (height must be a multiple of 8)`);
    }
    this.width = width;
    this.height = height;
    this.pages = height / 8;
    this.data = new Uint8Array(width * this.pages);
  }

  private inside(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  /** Whether pixel (x, y) is lit; false outside the screen. */
  get(x: number, y: number): boolean {
    if (!this.inside(x, y)) return false;
    return (this.data[(y >> 3) * this.width + x]! & (1 << (y & 7))) !== 0;
  }

  /** Lights or clears pixel (x, y); drawing outside the screen is clipped, not an error. */
  set(x: number, y: number, on: boolean): void {
    if (!this.inside(x, y)) return;
    const i = (y >> 3) * this.width + x;
    const bit = 1 << (y & 7);
    this.data[i] = on ? this.data[i]! | bit : this.data[i]! & ~bit;
  }

  /** Sets every pixel of the rectangle, clipped to the screen. */
  fillRect(x: number, y: number, w: number, h: number, on: boolean): void {
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      for (let xx = Math.max(0, x); xx < Math.min(this.width, x + w); xx++) this.set(xx, yy, on);
    }
  }

  /** Inverts every pixel of the rectangle, clipped to the screen. */
  invertRect(x: number, y: number, w: number, h: number): void {
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      for (let xx = Math.max(0, x); xx < Math.min(this.width, x + w); xx++) this.set(xx, yy, !this.get(xx, yy));
    }
  }

  clear(): void {
    this.data.fill(0);
  }

  /** The pixels as rows of '#' and '.', for test failures and logs. */
  toAscii(): string {
    const rows: string[] = [];
    for (let y = 0; y < this.height; y++) {
      let r = '';
      for (let x = 0; x < this.width; x++) r += this.get(x, y) ? '#' : '.';
      rows.push(r);
    }
    return rows.join('\n');
  }
}
