import { afterEach, describe, expect, it } from 'vitest';
import boardSim from '../../board/sim.js';
import { validateBoard } from '../../src/hal/board.js';
import type { Hd44780Emulator } from '../../simulator/devices/display/hd44780-emulator.js';
import { simTerminal } from '../helpers/sim-terminal.js';

type T = Awaited<ReturnType<typeof simTerminal>>;
let term: T | null = null;
async function open(options: Parameters<typeof simTerminal>[0] = {}) {
  term = await simTerminal(options);
  return term;
}
afterEach(async () => {
  await term?.stop();
  term = null;
});

describe('the terminal on the sim board: idle, amount, present card, menu', () => {
  it('idles with the merchant, date and time, and the sale prompt', async () => {
    const t = await open();
    expect(t.display()).toEqual(['    示例商户', '2026-01-15 09:30', '', '输入金额开始消费']);
    expect(t.terminal.ctx.status).toMatchObject({ idle: true, flow: null });
  });

  it('1 2 3 4 ENTER shows CNY 12.34 and moves on to presenting the card', async () => {
    const t = await open();
    await t.press('1', '2', '3', '4');
    expect(t.display()).toEqual(['消费', '请输入金额:', '       CNY 12.34', '按确认键继续']);
    expect(t.terminal.ctx.status).toMatchObject({ idle: false, flow: 'sale' });
    await t.press('ENTER');
    expect(t.display()).toEqual(['消费', '       CNY 12.34', '请挥卡/插卡/刷卡', '  按取消键退出']);
  });

  it('the same with the keypad behind a PCF8574 and an HD44780 20x4 (no Chinese: English)', async () => {
    const board = structuredClone(boardSim);
    board.devices.keypad = { driver: 'pcf8574-matrix', port: 'i2c1', address: 0x20, int: 4, rowPins: [0, 1, 2, 3], columnPins: [4, 5, 6, 7], keymap: board.devices.keypad.keymap, debounceMs: 15 };
    board.devices.display = { driver: 'hd44780-pcf8574', port: 'i2c1', address: 0x27, width: 20, height: 4 };
    const t = await open({ board: validateBoard(board) });
    await t.press('1', '2', '3', '4');
    expect(t.display()).toEqual(['SALE', 'Amount:', '           CNY 12.34', 'ENTER to go on']);
    await t.terminal.ctx.screen.flushed();
    const lcd = t.board.display as Hd44780Emulator;
    expect(lcd.text()[2]).toBe('           CNY 12.34');
    expect(lcd.errors).toEqual([]);
  });

  it('in English with --lang en', async () => {
    const t = await open({ lang: 'en' });
    expect(t.display()[3]).toBe('Key amount: SALE');
    await t.press('5', '0', '0', 'ENTER');
    expect(t.display()).toEqual(['SALE', '        CNY 5.00', 'Tap/insert/swipe', ' CANCEL to quit']);
  });

  it('a card tapped on the PN532 is read through the real frames; the screen says what is not built yet', async () => {
    const t = await open({ lang: 'en' });
    await t.press('1', '0', '0', 'ENTER');
    await t.clock.advance(500); // the reader polls the empty field a few times
    const card = {
      type: 'A' as const,
      uid: Uint8Array.of(0x04, 0x11, 0x22, 0x33),
      atqa: Uint8Array.of(0x04, 0x00), // air order
      sak: 0x20,
      ats: Uint8Array.of(0x05, 0x78, 0x80, 0x70, 0x02),
      transceive: () => Uint8Array.of(0x6a, 0x82),
    };
    t.board.pn532.placeCard(card);
    await t.clock.advance(300);
    expect(t.display()).toEqual(['SALE', '   Card read', 'Online: not yet', '']);
    expect(t.board.leds()).toEqual([true, true, true, true]);
    expect(t.logs.some((l) => l.event === 'sale.cardSeen' && l.amount === 100)).toBe(true);
    expect(t.board.pn532.commands.some((c) => c.code === 0x4a)).toBe(true); // InListPassiveTarget
    expect(t.board.pn532.misuse).toEqual([]);
    await t.clock.advance(3_000);
    expect(t.terminal.ctx.status.idle).toBe(true);
  });

  it('CLEAR takes back the last digit; ENTER on zero asks for an amount', async () => {
    const t = await open({ lang: 'en' });
    await t.press('1', '2', '3', 'CLEAR');
    expect(t.display()[2]).toBe('        CNY 0.12');
    await t.press('CLEAR', 'CLEAR', 'ENTER');
    expect(t.display()[2]).toBe('        CNY 0.00');
    expect(t.display()[3]).toBe('Enter an amount');
  });

  it('refuses a digit that would pass the maximum and shows the maximum', async () => {
    const t = await open({ lang: 'en', settings: { maxAmount: 10_000 } });
    await t.press('1', '0', '0', '0', '0', '0');
    expect(t.display()[2]).toBe('      CNY 100.00');
    expect(t.display()[3]).toBe('Max 100.00');
  });

  it('CANCEL at the card prompt cancels the sale and returns to idle', async () => {
    const t = await open({ lang: 'en' });
    await t.press('9', 'ENTER', 'CANCEL');
    expect(t.display()).toEqual(['SALE', '', '   Cancelled', '']);
    await t.clock.advance(3_000); // messageMs
    expect(t.display()[3]).toBe('Key amount: SALE');
    expect(t.logs.some((l) => l.event === 'flow.cancelled' && l.reason === 'cancel-key')).toBe(true);
  });

  it('no key during amount entry: amountEntryTimeout, then idle', async () => {
    const t = await open({ lang: 'en' });
    await t.press('4');
    await t.clock.advance(59_000);
    expect(t.display()[0]).toBe('SALE');
    await t.clock.advance(1_000);
    expect(t.display()).toEqual(['SALE', '', '   Timed out', '']);
    expect(t.logs.find((l) => l.event === 'flow.timeout')?.timeout).toBe('amountEntryTimeout');
    await t.clock.advance(3_000);
    expect(t.terminal.ctx.status.idle).toBe(true);
  });

  it('no card presented: presentCardTimeout, then idle', async () => {
    const t = await open({ lang: 'en' });
    await t.press('4', 'ENTER');
    await t.clock.advance(60_000);
    expect(t.logs.find((l) => l.event === 'flow.timeout')?.timeout).toBe('presentCardTimeout');
    await t.clock.advance(3_000);
    expect(t.terminal.ctx.status.idle).toBe(true);
  });

  it('MENU lists the entries, DOWN moves, and a future entry says what it will do', async () => {
    const t = await open({ lang: 'en' });
    await t.press('MENU');
    expect(t.display()).toEqual(['MENU         1/3', '1 Sale', '2 Void', '3 Refund']);
    expect(t.terminal.ctx.status.flow).toBe('menu');
    await t.press('DOWN', 'DOWN', 'DOWN');
    expect(t.display()).toEqual(['MENU         2/3', '4 Settlement', '5 Reprint', '6 Reports']);
    await t.press('9');
    expect(t.display()).toEqual(['Settings', 'Terminal set-up', ' Not yet built', ' Any key: back']);
    await t.press('0');
    expect(t.terminal.ctx.status.idle).toBe(true);
  });

  it('MENU 1 starts a sale; CANCEL in the menu goes back to idle', async () => {
    const t = await open({ lang: 'en' });
    await t.press('MENU', '1');
    expect(t.display()[0]).toBe('SALE');
    await t.press('CANCEL');
    await t.clock.advance(3_000);
    await t.press('MENU', 'CANCEL');
    await t.clock.advance(3_000);
    expect(t.terminal.ctx.status.idle).toBe(true);
  });

  it('idle means idle: the clock redraw on the minute and the idle light blink, nothing else', async () => {
    const t = await open();
    await t.press('1', 'CANCEL');
    await t.clock.advance(3_000);
    expect(t.terminal.ctx.status.idle).toBe(true);
    expect(t.clock.pending).toBe(2);
    const fired = t.clock.fired;
    const redraws = t.terminal.ctx.scheduler.runs.get('idle-clock') ?? 0;
    await t.clock.advance(10 * 60_000);
    // Ten minute boundaries; LED 1 on and off once every 5 s (EMV contactless idle): 240.
    expect(t.terminal.ctx.scheduler.runs.get('idle-clock')! - redraws).toBe(10);
    expect(t.clock.fired - fired).toBe(10 + 240);
    expect(t.display()[1]).toBe('2026-01-15 09:40');
  });

  it('drives the status lights: LED 1 blinks at idle, steady while waiting for the card', async () => {
    const t = await open();
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await t.clock.advance(100);
      seen.add(JSON.stringify(t.board.leds()));
    }
    expect(seen).toEqual(new Set([JSON.stringify([true, false, false, false]), JSON.stringify([false, false, false, false])]));
    await t.press('1', 'ENTER');
    await t.clock.advance(6_000);
    expect(t.board.leds()).toEqual([true, false, false, false]);
  });

  it('the text read back off the SSD1306 pixels is what the screen holds, in both languages and inverted rows', async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const t = await open({ lang });
      const check = async () => {
        await t.terminal.ctx.screen.flushed();
        expect(t.board.displayText()).toEqual(t.display().map((l) => l.trimEnd()));
      };
      await check();
      await t.press('MENU');
      await check();
      await t.press('DOWN', 'DOWN', 'DOWN', 'DOWN');
      await check();
      await t.press('CANCEL');
      await t.clock.advance(3_000);
      await t.press('1', '2', '3', '4', '5', '6', '7', '8');
      await check();
      await t.stop();
      term = null;
    }
  });

  it('the display module shows what the screen holds: pixels on the SSD1306 emulator', async () => {
    const t = await open();
    await t.terminal.ctx.screen.flushed();
    const emu = t.board.display as import('../../simulator/devices/display/ssd1306-emulator.js').Ssd1306Emulator;
    let lit = 0;
    for (let y = 0; y < 64; y++) for (let x = 0; x < 128; x++) if (emu.pixel(x, y)) lit++;
    expect(lit).toBeGreaterThan(200);
    expect(emu.errors).toEqual([]);
    const before = emu.dataBytes;
    await t.press('MENU');
    await t.terminal.ctx.screen.flushed();
    expect(emu.dataBytes).toBeGreaterThan(before);
  });
});
