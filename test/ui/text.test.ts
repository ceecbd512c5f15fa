import { describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/money.js';
import { alignRight, cellWidth, center, fit, spread, wrap } from '../../src/ui/text.js';
import { allTexts } from '../../src/ui/messages.js';

describe('text in display cells', () => {
  it('counts CJK characters as two cells', () => {
    expect(cellWidth('消费 CNY')).toBe(8);
    expect(cellWidth('请挥卡/插卡/刷卡')).toBe(16);
  });

  it('never cuts a wide character in half', () => {
    expect(fit('消费金额', 5)).toBe('消费');
    expect(alignRight('消费', 5)).toBe(' 消费');
    expect(center('AB', 6)).toBe('  AB');
    expect(spread('MENU', '1/3', 16)).toBe('MENU         1/3');
  });

  it('wraps at spaces, and anywhere in CJK', () => {
    expect(wrap('Cancels a sale of the open batch', 16)).toEqual(['Cancels a sale', 'of the open', 'batch']);
    expect(wrap('撤销当前批次内的消费交易', 16)).toEqual(['撤销当前批次内的', '消费交易']);
  });

  it('every message fits one line of the 16-cell display', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const text of allTexts(lang)) expect(cellWidth(text.replace(/\{\w+\}/g, '')), `${lang}: ${text}`).toBeLessThanOrEqual(16);
    }
  });
});

describe('money', () => {
  it('formats minor units by the currency exponent, no floats', () => {
    expect(formatAmount(1234, 'CNY')).toBe('12.34');
    expect(formatAmount(5, 'CNY')).toBe('0.05');
    expect(formatAmount(5_000_000, 'CNY')).toBe('50,000.00');
    expect(formatAmount(500, 'JPY')).toBe('500');
    expect(formatAmount(-150, 'USD')).toBe('-1.50');
    expect(formatAmount(900719925474099, 'CNY')).toBe('9,007,199,254,740.99');
  });

  it('refuses unknown currencies and fractional amounts', () => {
    expect(() => formatAmount(1, 'XXX')).toThrow("unknown currency 'XXX'");
    expect(() => formatAmount(1.5, 'CNY')).toThrow('not a whole number');
  });
});

describe('the card prompt', () => {
  it('carries the title of the flow that asks for the card', async () => {
    const { presentCardScreen } = await import('../../src/ui/screens.js');
    const l = { lang: 'en' as const, columns: 16, rows: 4 };
    expect(presentCardScreen(l, 100, 'CNY', true).lines[0]).toBe('SALE');
    expect(presentCardScreen(l, 100, 'CNY', true, 'refund.title').lines[0]).toBe('REFUND');
  });
});

describe('a confirmation screen', () => {
  it('keeps its title and hint whole: on one line when both fit, else the title alone and the hint on the last line', async () => {
    const { confirmScreen } = await import('../../src/ui/screens.js');
    const en = { lang: 'en' as const, columns: 16, rows: 4 };
    expect(confirmScreen(en, 'REFUND', 'ENTER: OK', ['a', 'b', 'c']).lines).toEqual(['REFUND ENTER: OK', 'a', 'b', 'c']);
    expect(confirmScreen({ ...en, lang: 'zh-CN' }, '退货', '按确认键', ['a']).lines).toEqual(['退货    按确认键', 'a']);
    expect(confirmScreen(en, 'SETTLEMENT', 'ENTER: OK', ['a']).lines).toEqual(['SETTLEMENT', 'a', '', 'ENTER: OK']);
    expect(confirmScreen(en, 'SETTLEMENT', 'ENTER: OK', ['a', 'b', 'c']).lines).toEqual(['SETTLEMENT', 'a', 'b', 'ENTER: OK']);
    expect(confirmScreen({ ...en, rows: 2 }, 'SETTLEMENT', 'ENTER: OK', ['a']).lines).toEqual(['SETTLEMENT', 'ENTER: OK']);
  });
});
