import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import rpi from '../../board/rpi-pn532-hsu.js';
import type { GpioKeypadDesc } from '../../src/hal/board.js';

/** The Pi's header: BCM GPIO number -> physical pin (the 40-pin header of every Pi since the B+). */
const HEADER: Record<number, number> = {
  2: 3, 3: 5, 4: 7, 17: 11, 27: 13, 22: 15, 10: 19, 9: 21, 11: 23, 0: 27, 5: 29, 6: 31, 13: 33, 19: 35, 26: 37,
  14: 8, 15: 10, 18: 12, 23: 16, 24: 18, 25: 22, 8: 24, 7: 26, 1: 28, 12: 32, 16: 36, 20: 38, 21: 40,
};

const doc = readFileSync(fileURLToPath(new URL('../../docs/wiring.md', import.meta.url)), 'utf8');
/** The rows of the "GPIO and bus pins" table: signal (with GPIOn), header pin, board file. */
const rows = [...doc.matchAll(/^\| (.+\(GPIO(\d+)\)) \| (\d+) \| (.+) \|$/gm)].map((m) => ({ signal: m[1]!, gpio: Number(m[2]), pin: Number(m[3]), board: m[4]! }));

describe('docs/wiring.md matches board/rpi-pn532-hsu.ts', () => {
  it('every row names the right header pin for its GPIO', () => {
    expect(rows.length).toBeGreaterThan(15);
    for (const r of rows) expect(HEADER[r.gpio], r.signal).toBe(r.pin);
  });

  it('every GPIO the board uses is in the table, where the board file says', () => {
    const d = rpi.devices;
    const kp = d.keypad as GpioKeypadDesc;
    const used: [string, number][] = [
      ['devices.reader.reset', d.reader.reset!],
      ['devices.reader.irq', d.reader.irq!],
      ...kp.rows.map((g, i): [string, number] => [`devices.keypad.rows[${i}]`, g]),
      ...kp.columns.map((g, i): [string, number] => [`devices.keypad.columns[${i}]`, g]),
      ...d.indicators.leds.map((g, i): [string, number] => [`devices.indicators.leds[${i}]`, g]),
      ['devices.indicators.buzzer', d.indicators.buzzer],
    ];
    for (const [field, gpio] of used) {
      const row = rows.find((r) => r.board === `${field} ${gpio}`);
      expect(row, `${field} ${gpio}`).toBeDefined();
      expect(row!.gpio).toBe(gpio);
    }
  });

  it('the pull-ups of config.txt are the keypad columns', () => {
    const m = /gpio=([\d,]+)=ip,pu/.exec(doc);
    expect(m?.[1]?.split(',').map(Number).sort((a, b) => a - b)).toEqual([...(rpi.devices.keypad as GpioKeypadDesc).columns].sort((a, b) => a - b));
  });
});
