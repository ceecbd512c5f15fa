import { describe, expect, it } from 'vitest';
import {
  cellWidth,
  centreCells,
  charCells,
  fitCells,
  padCells,
  rightAlignCells,
} from '../../../src/hal/display/text-display.js';

describe('text measured in cells', () => {
  it('counts a Latin character as one cell and a CJK character as two', () => {
    expect(cellWidth('SALE 12.00')).toBe(10);
    expect(cellWidth('消费')).toBe(4);
    expect(cellWidth('金额:¥12.00')).toBe(4 + 1 + 6);
    expect(cellWidth('（确认）')).toBe(8); // fullwidth brackets are wide too
    expect(charCells('A')).toBe(1);
    expect(charCells('𠀀')).toBe(2); // outside the BMP: one code point, two cells
  });

  it('never gives a character zero cells, so nothing vanishes from a layout', () => {
    for (const ch of ['\u0000', '\n', '\u0301', '\u200b', '\uD800']) expect(charCells(ch)).toBe(1);
    expect(cellWidth('')).toBe(0);
  });

  it('cuts a line at a cell boundary and leaves out a wide character that would straddle the edge', () => {
    expect(fitCells('请输入金额', 5)).toBe('请输');
    expect(cellWidth(fitCells('请输入金额', 5))).toBe(4);
    expect(fitCells('A请输入', 4)).toBe('A请');
    expect(fitCells('ABCDEFGHIJKLMNOPQRS', 16)).toBe('ABCDEFGHIJKLMNOP');
    expect(fitCells('anything', 0)).toBe('');
    expect(fitCells('anything', -3)).toBe('');
  });

  it('pads, centres and right-aligns to exactly the width, CJK included', () => {
    expect(padCells('消费', 6)).toBe('消费  ');
    expect(padCells('请输入金额', 5)).toBe('请输 ');
    expect(cellWidth(padCells('请输入金额', 5))).toBe(5);
    expect(centreCells('主菜单', 16)).toBe('     主菜单     ');
    expect(centreCells('OK', 5)).toBe(' OK  ');
    expect(rightAlignCells('¥12.00', 10)).toBe('    ¥12.00');
    expect(rightAlignCells('金额', 3)).toBe(' 金');
    for (const f of [padCells, centreCells, rightAlignCells]) {
      for (const w of [0, 1, 5, 16, 20]) expect(cellWidth(f('交易成功 OK 交易', w))).toBe(w);
    }
  });
});
