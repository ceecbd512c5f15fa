/**
 * The screens that ask the merchant to confirm before a void, a refund or a settlement goes
 * on, read back off the SSD1306 emulator's pixels (the 16-cell, 4-row OLED) in both
 * languages: the title and the hint are there whole, and so is what is being confirmed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { refundSale } from '../../src/flows/refund.js';
import { settle } from '../../src/flows/settlement.js';
import { voidSale } from '../../src/flows/void.js';
import { DEFAULT_REFUND_POLICY } from '../../src/store/config.js';
import { t, type Language } from '../../src/ui/messages.js';
import { returnRig, SUPERVISOR_DEFAULT, type Rig } from './helpers/return-rig.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const digits = (s: string) => [...s.replace(/^0+/, '')] as KeyName[];

/** The display's rows as the module shows them, once `text` is among them. */
async function screenWith(r: Rig, text: string): Promise<string[]> {
  await r.until(() => r.board.displayText().some((l) => l.includes(text)));
  return r.board.displayText();
}

/** `title` and `hint` each whole on the screen: a row starting with the title, a row ending with the hint. */
function expectWhole(screen: string[], title: string, hint: string): void {
  expect(screen.some((l) => l === title || l.startsWith(`${title} `)), `title '${title}' whole in ${JSON.stringify(screen)}`).toBe(true);
  expect(screen.some((l) => l === hint || l.endsWith(` ${hint}`)), `hint '${hint}' whole in ${JSON.stringify(screen)}`).toBe(true);
}

describe.each(['en', 'zh-CN'] as Language[])('confirmation screens on the 16-cell display (%s)', (lang) => {
  const say = (key: Parameters<typeof t>[1]) => t(lang, key);

  it('void: the title, the hint, the amount, the masked card and the date, none cut', async () => {
    const r = (rig = await returnRig({ lang }));
    const sale = await r.makeSale(['1', '2', '3', '4']);
    const v = r.run((c, s) => voidSale(c, s));
    await r.at(say('op.supervisorPassword'), ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at(say('op.defaultInUse'), 'ENTER');
    await r.at(say('return.trace'), ...digits(sale.record.stan), 'ENTER');
    const screen = await screenWith(r, say('return.ok'));
    expectWhole(screen, say('void.title'), say('return.ok'));
    expect(screen).toEqual(expect.arrayContaining(['       CNY 12.34', '476173******0011', '2026-01-15 09:30']));
    await r.press('CANCEL');
    await expect(r.finish(v)).rejects.toBeInstanceOf(CancelledError);
  });

  it('refund: the title, the hint, the amount, the masked card and the date, none cut', async () => {
    const r = (rig = await returnRig({ lang, settings: { refundPolicy: { ...DEFAULT_REFUND_POLICY, supervisorRequired: false } } }));
    const sale = await r.makeSale(['5', '0', '0', '0']);
    await r.settle();
    const f = r.run((c, s) => refundSale(c, s));
    await r.at(say('refund.byTrace'), '1');
    await r.at(say('return.trace'), ...digits(sale.record.stan), 'ENTER');
    const screen = await screenWith(r, say('return.ok'));
    expectWhole(screen, say('refund.title'), say('return.ok'));
    expect(screen).toEqual(expect.arrayContaining(['       CNY 50.00', '476173******0011', '2026-01-15 09:30']));
    await r.press('CANCEL');
    await expect(r.finish(f)).rejects.toBeInstanceOf(CancelledError);
  });

  it('settlement: the question and the currency on the title line, the totals under it, none cut', async () => {
    const r = (rig = await returnRig({ lang }));
    await r.makeSale(['1', '2', '3', '4']);
    const s = r.run((c, sig) => settle(c, sig));
    const screen = await screenWith(r, say('settle.confirm'));
    expectWhole(screen, say('settle.confirm'), 'CNY');
    const sale = t(lang, 'settle.sale', { n: '1' });
    expect(screen.some((l) => l.startsWith(`${sale} `) && l.endsWith(' 12.34')), JSON.stringify(screen)).toBe(true);
    await r.press('CANCEL');
    await expect(r.finish(s)).rejects.toBeInstanceOf(CancelledError);
  });

  it('settlement: totals too wide for the line keep their count and amount whole (no separators, then the kind\'s word gives way)', async () => {
    const r = (rig = await returnRig({ lang, settings: { refundPolicy: { ...DEFAULT_REFUND_POLICY, supervisorRequired: false }, refundDailyCap: 10_000_000 } }));
    // A sale of 50,000.00 settled, then refunded in full: a refund in the open batch.
    const first = await r.makeSale(digits('5000000'), { swipe: 'magstripe-ok' });
    await r.settle();
    const f = r.run((c, sig) => refundSale(c, sig));
    await r.at(say('refund.byTrace'), '1');
    await r.at(say('return.trace'), ...digits(first.record.stan), 'ENTER');
    await r.at(say('return.ok'), 'ENTER');
    await r.at(say('refund.amount'), 'ENTER');
    await r.at('1/2', 'ENTER');
    await r.at(say('refund.confirm'), 'ENTER');
    await r.at(say('sale.tearOff'), 'ENTER');
    expect(await r.finish(f)).toMatchObject({ kind: 'approved', amount: 5_000_000 });
    // Two more sales of 50,000.00.
    await r.makeSale(digits('5000000'), { swipe: 'magstripe-ok' });
    await r.makeSale(digits('5000000'), { swipe: 'magstripe-ok' });

    const s = r.run((c, sig) => settle(c, sig));
    const screen = await screenWith(r, say('settle.confirm'));
    expectWhole(screen, say('settle.confirm'), 'CNY');
    // "Sale 2" and "100,000.00", "Refund 1" and "-50,000.00": each too wide with its separators.
    for (const [key, count, amount] of [['settle.sale', '2', '100000.00'], ['settle.refund', '1', '-50000.00']] as const) {
      const row = screen.find((l) => l.endsWith(` ${amount}`));
      expect(row, `${amount} in ${JSON.stringify(screen)}`).toBeDefined();
      const m = new RegExp(`^(\\S*) ?${count} +${amount}$`).exec(row!);
      expect(m, row).not.toBeNull();
      expect(t(lang, key, { n: '' }).trim().startsWith(m![1]!), row).toBe(true);
    }
    await r.press('CANCEL');
    await expect(r.finish(s)).rejects.toBeInstanceOf(CancelledError);
  });
});
