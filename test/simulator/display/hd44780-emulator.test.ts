import { describe, expect, it } from 'vitest';
import { a00ToText, Hd44780Emulator } from '../../../simulator/devices/display/hd44780-emulator.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';

// Common backpack: P0 RS, P1 RW, P2 E, P3 backlight, P4-P7 D4-D7.
const BL = 0x08;
const E = 0x04;

/** Port states for one nibble: set up, E high, E low. */
function nibble(rs: 0 | 1, n: number): number[] {
  const v = (n << 4) | BL | rs;
  return [v, v | E, v];
}
const byte = (rs: 0 | 1, b: number) => [...nibble(rs, b >> 4), ...nibble(rs, b & 0xf)];

/** Straight into 4-bit two-line mode, display on (skipping the timed part of Figure 24). */
function ready(lcd: Hd44780Emulator): void {
  lcd.onWrite(Uint8Array.from([...nibble(0, 3), ...nibble(0, 3), ...nibble(0, 3), ...nibble(0, 2)]));
  lcd.onWrite(Uint8Array.from([...byte(0, 0x28), ...byte(0, 0x0c), ...byte(0, 0x06)]));
}

const text = (s: string) => [...s].flatMap((c) => byte(1, c.charCodeAt(0)));

describe('HD44780 + PCF8574 emulator', () => {
  it('latches on the falling edge of E only', () => {
    const lcd = new Hd44780Emulator();
    ready(lcd);
    const v = (0x4 << 4) | BL | 1;
    lcd.onWrite(Uint8Array.of(v, v | E)); // E high: nothing latched yet
    lcd.onWrite(Uint8Array.of(v | E)); // still high
    expect(lcd.ddram[0]).toBe(0x20);
    lcd.onWrite(Uint8Array.from([v, ...nibble(1, 0x1)])); // falling edge: high nibble 4h; then low nibble 1h
    expect(lcd.ddram[0]).toBe(0x41);
    expect(lcd.errors).toEqual([]);
  });

  it('wraps the address counter from the end of line 1 (27h) to line 2 (40h)', () => {
    const lcd = new Hd44780Emulator();
    ready(lcd);
    lcd.onWrite(Uint8Array.from([...byte(0, 0x80 | 0x26), ...text('XYZ')]));
    expect([lcd.ddram[0x26], lcd.ddram[0x27], lcd.ddram[0x40]]).toEqual([0x58, 0x59, 0x5a]);
    // 20x4: line 1's characters 20-39 are row 2, so 26h and 27h show at row 2, columns 18 and 19.
    expect(lcd.text()[2].slice(18)).toBe('XY');
    expect(lcd.text()[1][0]).toBe('Z');
  });

  it('records RS changing while E is high', () => {
    const lcd = new Hd44780Emulator();
    ready(lcd);
    lcd.onWrite(Uint8Array.of(BL, BL | E, BL | E | 1, BL | 1));
    expect(lcd.errors.map((e) => e.message)).toEqual([expect.stringMatching(/RS changed while E was high/)]);
    expect(lcd.errors[0]).toMatchObject({ offset: 2 });
  });

  it('loses, and records, an instruction sent before clear display has finished', async () => {
    const clock = new VirtualClock();
    const lcd = new Hd44780Emulator({ clock });
    ready(lcd);
    lcd.onWrite(Uint8Array.from([...byte(0, 0x01), ...text('A')]));
    expect(lcd.errors).toHaveLength(1);
    expect(lcd.errors[0]!.message).toMatch(/still runs/);
    expect(lcd.ddram[0]).toBe(0x20);
    await clock.advance(2);
    lcd.onWrite(Uint8Array.from(text('A')));
    expect(lcd.ddram[0]).toBe(0x41);
    expect(lcd.errors).toHaveLength(1);
  });

  it('records a DDRAM address that is on no line', () => {
    const lcd = new Hd44780Emulator();
    ready(lcd);
    lcd.onWrite(Uint8Array.from(byte(0, 0x80 | 0x30)));
    expect(lcd.errors[0]!.message).toMatch(/DDRAM address 30h is on no line/);
  });

  it('shows blank rows while the display is off, and only line 1 in one-line mode', () => {
    const lcd = new Hd44780Emulator({ columns: 16, rows: 2 });
    ready(lcd);
    lcd.onWrite(Uint8Array.from([...text('TOP'), ...byte(0, 0xc0), ...text('BOTTOM')]));
    expect(lcd.text()).toEqual(['TOP'.padEnd(16), 'BOTTOM'.padEnd(16)]);
    lcd.onWrite(Uint8Array.from(byte(0, 0x08)));
    expect(lcd.text()).toEqual([' '.repeat(16), ' '.repeat(16)]);
    lcd.onWrite(Uint8Array.from([...byte(0, 0x0c), ...byte(0, 0x20)])); // on; function set N = 0 (stays 4-bit)
    expect(lcd.text()[1]).toBe(' '.repeat(16));
  });

  it('maps ROM A00 codes back to text', () => {
    expect([0x41, 0x5c, 0x7e, 0x7f, 0xff, 0xb1, 0x10].map(a00ToText).join('')).toBe('A¥→←█ｱ\uFFFD');
  });

  it('never throws on random port writes (fuzz)', () => {
    let seed = 0x44780;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
    const lcd = new Hd44780Emulator({ clock: new VirtualClock() });
    for (let t = 0; t < 500; t++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 50) }, () => Math.floor(rand() * 256));
      expect(() => lcd.onWrite(bytes)).not.toThrow();
    }
    expect(lcd.text()).toHaveLength(4);
    expect(lcd.text().every((r) => [...r].length === 20)).toBe(true);
  });
});
