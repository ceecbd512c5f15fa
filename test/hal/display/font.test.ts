import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fontCharacters, glyphFor } from '../../../src/hal/display/font.js';
import { MonoFramebuffer } from '../../../src/hal/display/framebuffer.js';
import { charCells } from '../../../src/hal/display/text-cells.js';
import { drawChar, renderText } from '../../../src/hal/display/text-renderer.js';

function litIn(fb: MonoFramebuffer, x0: number, y0: number, w: number, h: number): number {
  let n = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (fb.get(x, y)) n++;
  return n;
}

describe('the display font (a Unifont subset)', () => {
  it('holds every printable ASCII character at 8x16', () => {
    for (let cp = 0x20; cp <= 0x7e; cp++) {
      const g = glyphFor(String.fromCharCode(cp));
      expect(g, `U+${cp.toString(16)}`).toBeDefined();
      expect(g!.width).toBe(8);
    }
  });

  it('holds every character of src/ui/glyphs.txt, each glyph as wide as its cells', () => {
    const wanted = readFileSync(fileURLToPath(new URL('../../../src/ui/glyphs.txt', import.meta.url)), 'utf8')
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('#'))
      .join('')
      .replace(/\s/gu, '');
    expect(wanted.length).toBeGreaterThan(100);
    for (const ch of wanted) {
      const g = glyphFor(ch);
      expect(g, ch).toBeDefined();
      expect(g!.width, ch).toBe(charCells(ch) * 8);
    }
    for (const ch of fontCharacters()) expect(glyphFor(ch)!.width, ch).toBe(charCells(ch) * 8);
  });

  it('covers every character the UI texts use (gen-font --check)', () => {
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('../../../scripts/gen-font.mjs', import.meta.url)), '--check'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/holds all \d+ characters/);
  });

  it('draws the real glyph: "A" and "消" light pixels where Unifont does', () => {
    const fb = new MonoFramebuffer(32, 16);
    drawChar(fb, 'A', 0, 0);
    // Unifont's A (0000000018242442427E424242420000): row 7 is 42h, row 9 is 7Eh.
    expect([...Array(8).keys()].map((x) => (fb.get(x, 7) ? '#' : '.')).join('')).toBe('.#....#.');
    expect([...Array(8).keys()].map((x) => (fb.get(x, 9) ? '#' : '.')).join('')).toBe('.######.');
    drawChar(fb, '消', 8, 0);
    expect(litIn(fb, 8, 0, 16, 16)).toBeGreaterThan(40);
  });

  it('draws a box for a character the font lacks, and never throws on odd input', () => {
    const fb = new MonoFramebuffer(128, 16);
    for (const ch of ['€', '😀', '\u0000', '\uD800', '\u0301', '龘']) {
      fb.clear();
      expect(() => drawChar(fb, ch, 0, 0)).not.toThrow();
      const w = charCells(ch) * 8;
      // The box's corners are lit, the middle is not: a visible, hollow mark.
      expect(fb.get(1, 2)).toBe(true);
      expect(fb.get(w - 2, 13)).toBe(true);
      expect(fb.get(Math.floor(w / 2), 8)).toBe(false);
    }
    expect(() => renderText(fb, ['\u0000\u0007\t😀€'])).not.toThrow();
  });
});
