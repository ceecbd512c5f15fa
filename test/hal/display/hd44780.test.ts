import { describe, expect, it } from 'vitest';
import { DisplayNotFoundError } from '../../../src/hal/display/errors.js';
import { changedRuns, Hd44780, rowAddress } from '../../../src/hal/display/hd44780.js';
import { Hd44780Emulator } from '../../../simulator/devices/display/hd44780-emulator.js';
import { SimI2cBus } from '../../../simulator/ports/i2c-bus.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';

async function rig(columns: 20 | 16 = 20, rows: 4 | 2 = 4) {
  const clock = new VirtualClock();
  const bus = new SimI2cBus('/dev/i2c-1');
  const lcd = new Hd44780Emulator({ columns, rows, clock });
  bus.attach(0x27, lcd);
  const opening = Hd44780.open({ bus, clock, columns, rows });
  await clock.advance(100);
  const display = await opening;
  return { clock, bus, lcd, display };
}

/** How many DDRAM cells differ from `before`: the characters a show() rewrote. */
function dataWrites(lcd: Hd44780Emulator, before: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < lcd.ddram.length; i++) if (lcd.ddram[i] !== before[i]) n++;
  return n;
}

describe('HD44780 behind a PCF8574: start', () => {
  it('initialises by instruction into 4-bit, two-line mode, display on, with no protocol error', async () => {
    const { lcd, display } = await rig();
    expect(lcd.errors).toEqual([]);
    expect(lcd.fourBit).toBe(true);
    expect(lcd.twoLines).toBe(true);
    expect(lcd.displayOn).toBe(true);
    expect(lcd.cursor).toBe(false);
    expect(lcd.backlight).toBe(true);
    // 8-bit function sets (three), 4-bit switch, then the instructions in 4-bit mode.
    expect(lcd.instructions).toEqual([0x30, 0x30, 0x30, 0x20, 0x28, 0x08, 0x01, 0x06, 0x0c]);
    expect(lcd.text()).toEqual(Array(4).fill(' '.repeat(20)));
    expect([display.columns, display.rows, display.cjk]).toEqual([20, 4, false]);
  });

  it('waits on the clock as Figure 24 and Table 6 require: nothing is sent early', async () => {
    const clock = new VirtualClock();
    const bus = new SimI2cBus('/dev/i2c-1');
    const lcd = new Hd44780Emulator({ clock });
    bus.attach(0x27, lcd);
    const opening = Hd44780.open({ bus, clock });
    await clock.advance(49);
    expect(lcd.instructions).toEqual([]); // still within the 40 ms+ power-on wait
    await clock.advance(1);
    expect(lcd.instructions).toEqual([0x30]);
    await clock.advance(4);
    expect(lcd.instructions).toEqual([0x30]); // 4.1 ms not yet over
    await clock.advance(100);
    await opening;
    expect(lcd.errors).toEqual([]);
  });

  it('starts correctly from 4-bit mode left by an earlier run, whatever the nibble phase', async () => {
    const clock = new VirtualClock();
    const bus = new SimI2cBus('/dev/i2c-1');
    const lcd = new Hd44780Emulator({ clock });
    bus.attach(0x27, lcd);
    // An earlier run left the controller in 4-bit mode, half-way through a byte.
    lcd.fourBit = true;
    lcd.onWrite(Uint8Array.of(0x5c, 0x58)); // one nibble with E high then low
    const opening = Hd44780.open({ bus, clock });
    await clock.advance(100);
    const display = await opening;
    await display.show(['READY']);
    expect(lcd.text()[0]).toBe('READY               ');
  });

  it('says which address and bus when no backpack answers', async () => {
    const clock = new VirtualClock();
    const bus = new SimI2cBus('/dev/i2c-1');
    const err = await Hd44780.open({ bus, clock, address: 0x3f }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DisplayNotFoundError);
    expect((err as Error).message).toBe('no display answered at 0x3F on /dev/i2c-1');
  });

  it('refuses sizes, addresses and wirings that cannot be', async () => {
    const clock = new VirtualClock();
    const bus = new SimI2cBus();
    await expect(Hd44780.open({ bus, clock, columns: 40 as 20 })).rejects.toThrow(/20x4/);
    await expect(Hd44780.open({ bus, clock, address: 0x50 })).rejects.toThrow(/0x20-0x27/);
    const wiring = { rs: 0, rw: 0, en: 2, backlight: 3, d4: 4, d5: 5, d6: 6, d7: 7 };
    await expect(Hd44780.open({ bus, clock, wiring })).rejects.toThrow(/eight different bits/);
  });
});

describe('HD44780 behind a PCF8574: text', () => {
  it('puts each row at its DDRAM address (00h, 40h, 14h, 54h) and reads back as sent', async () => {
    expect([0, 1, 2, 3].map((r) => rowAddress(r, 20))).toEqual([0x00, 0x40, 0x14, 0x54]);
    const { lcd, display } = await rig();
    await display.show(['SALE', 'Amount:', '       CNY 12.00', 'ENTER to confirm, CANCEL to quit']);
    expect(lcd.text()).toEqual([
      'SALE                ',
      'Amount:             ',
      '       CNY 12.00    ',
      'ENTER to confirm, CA',
    ]);
    expect(display.lines).toEqual(lcd.text());
    expect(lcd.errors).toEqual([]);
  });

  it('works at 16x2', async () => {
    const { lcd, display } = await rig(16, 2);
    await display.show(['APPROVED', 'AUTH 123456', 'ignored third line']);
    expect(lcd.text()).toEqual(['APPROVED        ', 'AUTH 123456     ']);
  });

  it('rewrites only the characters that changed', async () => {
    const { lcd, bus, display } = await rig();
    await display.show(['Amount:', '  12.00']);
    const before = Uint8Array.from(lcd.ddram);
    const instructionsBefore = lcd.instructions.length;
    bus.transfers.length = 0;
    await display.show(['Amount:', '  12.50']);
    expect(dataWrites(lcd, before)).toBe(1);
    // One Set DDRAM address (C5h = 80h | 40h + 5) and one character, in one transfer:
    // 2 bytes x 2 nibbles x 3 port states.
    expect(lcd.instructions.slice(instructionsBefore)).toEqual([0x80 | 0x45]);
    expect(bus.transfers.map((t) => t.data.length)).toEqual([12]);
    bus.transfers.length = 0;
    await display.show(['Amount:', '  12.50']);
    expect(bus.transfers).toEqual([]);
  });

  it('shows CJK, which the ROM lacks, as one block per cell, and keeps the cells aligned', async () => {
    const { lcd, display } = await rig();
    await display.show(['消费 SALE', '¥5 a\\b~']);
    expect(lcd.text()[0]).toBe('████ SALE           ');
    // ROM A00 has ¥ at 5Ch and an arrow at 7Eh: a backslash or tilde cannot show as itself.
    expect(lcd.text()[1]).toBe('¥5 a█b█'.padEnd(20));
  });

  it('clears with spaces and switches the backlight on P3', async () => {
    const { lcd, display } = await rig();
    await display.show(['x', 'y', 'z', 'w']);
    await display.clear();
    expect(lcd.text()).toEqual(Array(4).fill(' '.repeat(20)));
    await display.setBacklight(false);
    expect(lcd.backlight).toBe(false);
    await display.show(['dark']);
    expect(lcd.backlight).toBe(false);
    expect(lcd.text()[0]).toBe('dark                ');
  });

  it('merges changed runs one cell apart, keeps those further apart separate', () => {
    expect(changedRuns([1, 2, 3, 4, 5, 6, 7], [9, 2, 9, 4, 5, 6, 9])).toEqual([[0, 2], [6, 6]]);
    expect(changedRuns(null, [1, 2, 3])).toEqual([[0, 2]]);
    expect(changedRuns([1, 2], [1, 2])).toEqual([]);
  });
});
