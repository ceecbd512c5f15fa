import type { QrMatrix } from './qr/qr-code.js';
import { qrDark } from './qr/qr-code.js';

/**
 * A 1-bit picture laid out as GS v 0 wants it: rows top to bottom, `bytesPerRow` bytes a
 * row, the most significant bit the leftmost dot, 1 = black.
 */
export interface RasterImage {
  readonly widthDots: number;
  readonly bytesPerRow: number;
  readonly rows: number;
  readonly data: Uint8Array;
}

/**
 * A QR code as a raster image `leftDots` from the left margin (centring is done here, not
 * with ESC a, whose effect on GS v 0 differs between printers), with its four-module quiet
 * zone (ISO/IEC 18004:2015, 6.3.8) above and below.
 */
export function qrRaster(m: QrMatrix, moduleDots: number, leftDots: number): RasterImage {
  const quiet = 4;
  const rows = (m.size + 2 * quiet) * moduleDots;
  const widthDots = leftDots + m.size * moduleDots;
  const bytesPerRow = Math.ceil(widthDots / 8);
  const data = new Uint8Array(bytesPerRow * rows);
  for (let y = 0; y < m.size; y++) {
    for (let x = 0; x < m.size; x++) {
      if (!qrDark(m, x, y)) continue;
      for (let dy = 0; dy < moduleDots; dy++) {
        const row = (y + quiet) * moduleDots + dy;
        for (let dx = 0; dx < moduleDots; dx++) {
          const col = leftDots + x * moduleDots + dx;
          data[row * bytesPerRow + (col >> 3)]! |= 0x80 >> (col & 7);
        }
      }
    }
  }
  return { widthDots, bytesPerRow, rows, data };
}

/** The image cut into bands of at most `bandRows` rows, each sent as its own GS v 0. */
export function rasterBands(img: RasterImage, bandRows: number): RasterImage[] {
  const bands: RasterImage[] = [];
  for (let top = 0; top < img.rows; top += bandRows) {
    const rows = Math.min(bandRows, img.rows - top);
    bands.push({
      widthDots: img.widthDots,
      bytesPerRow: img.bytesPerRow,
      rows,
      data: img.data.slice(top * img.bytesPerRow, (top + rows) * img.bytesPerRow),
    });
  }
  return bands;
}
