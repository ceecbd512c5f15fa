import { prng } from '../../helpers/prng.js';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Ssd1306 } from '../../../src/hal/display/ssd1306.js';
import { crc32 } from '../../../src/crc32.js';
import { Ssd1306Emulator } from '../../../simulator/devices/display/ssd1306-emulator.js';
import { SimI2cBus } from '../../../simulator/ports/i2c-bus.js';

async function rig(height: 64 | 32 = 64) {
  const bus = new SimI2cBus('sim:i2c1');
  const emu = new Ssd1306Emulator({ height });
  bus.attach(0x3c, emu);
  const display = await Ssd1306.open({ bus, height });
  return { bus, emu, display };
}


describe('SSD1306 emulator against the driver', () => {
  for (const height of [64, 32] as const) {
    it(`shows exactly the driver's framebuffer after a sequence of updates (128x${height})`, async () => {
      const { emu, display } = await rig(height);
      const screens: [string[], number[]][] = [
        [['消费', '请输入金额:', '¥ 12.00', '按确认键继续'], []],
        [['消费', '请输入金额:', '¥ 123.00', '按确认键继续'], []],
        [['主菜单', '1 消费', '2 撤销', '3 退货'], [1]],
        [['主菜单', '1 消费', '2 撤销', '3 退货'], [2]],
        [['TRANSACTION APPROVED, THANK YOU', 'AUTH 123456'], []],
        [[], []],
        [['交易成功', '', '', 'OK'], [3]],
      ];
      for (const [lines, inverse] of screens) {
        await display.show(lines, { inverse });
        expect(emu.panel().data).toEqual(display.framebuffer.data);
      }
      // Drawing on the framebuffer directly and flushing reaches the panel too.
      display.framebuffer.fillRect(100, 3, 20, 9, true);
      await display.flush();
      expect(emu.panel().data).toEqual(display.framebuffer.data);
      expect(emu.errors).toEqual([]);
    });
  }

  it('shows nothing while the display is off, and the same picture again when it is back on', async () => {
    const { emu, display } = await rig();
    await display.show(['HELLO']);
    await display.setPower(false);
    expect(emu.panel().data.every((b) => b === 0)).toBe(true);
    await display.setPower(true);
    expect(emu.panel().data).toEqual(display.framebuffer.data);
  });

  it('stays dark with the charge pump off, as a module without external VCC does', () => {
    const emu = new Ssd1306Emulator();
    emu.onWrite(Uint8Array.of(0x00, 0xa5, 0xaf)); // entire display on, display on
    expect(emu.pixel(0, 0)).toBe(false);
    emu.onWrite(Uint8Array.of(0x00, 0x8d, 0x14));
    expect(emu.pixel(0, 0)).toBe(true);
  });

  it('interleaves the rows when the COM pin configuration does not match the panel', async () => {
    const { emu, display } = await rig(64);
    await display.show(['ABC', 'DEF']);
    emu.onWrite(Uint8Array.of(0x00, 0xda, 0x02)); // sequential on a panel wired alternately
    expect(emu.errors).toEqual([]);
    expect(emu.panel().data).not.toEqual(display.framebuffer.data);
  });
});

describe('SSD1306 emulator: the command and data stream', () => {
  it('takes one command byte per transfer, arguments included, as byte-at-a-time drivers send them', () => {
    const emu = new Ssd1306Emulator();
    for (const b of [0xa8, 0x1f, 0xd3, 0x05, 0x81, 0x10]) emu.onWrite(Uint8Array.of(0x00, b));
    expect(emu.multiplex).toBe(31);
    expect(emu.displayOffset).toBe(5);
    expect(emu.contrast).toBe(0x10);
    expect(emu.commands).toEqual([[0xa8, 0x1f], [0xd3, 0x05], [0x81, 0x10]]);
    expect(emu.errors).toEqual([]);
  });

  it('follows Co = 1 control bytes: one byte each, then another control byte', () => {
    const emu = new Ssd1306Emulator();
    // 80h: one command (B2h, page 2); C0h: one data byte; 00h: the rest are commands.
    emu.onWrite(Uint8Array.of(0x80, 0xb2, 0xc0, 0x5a, 0x00, 0xaf, 0x8d, 0x14));
    expect(emu.page).toBe(2);
    expect(emu.gddram[2 * 128 + 0]).toBe(0x5a);
    expect(emu.displayOn).toBe(true);
    expect(emu.chargePump).toBe(true);
    expect(emu.errors).toEqual([]);
  });

  it('writes GDDRAM in page, horizontal and vertical addressing modes (10.1.3)', () => {
    const emu = new Ssd1306Emulator();
    // Page mode (the reset mode): column 126, 127 then back to column 0 of the same page.
    emu.onWrite(Uint8Array.of(0x00, 0xb3, 0x0e, 0x17));
    emu.onWrite(Uint8Array.of(0x40, 1, 2, 3));
    expect([emu.gddram[3 * 128 + 126], emu.gddram[3 * 128 + 127], emu.gddram[3 * 128 + 0]]).toEqual([1, 2, 3]);
    // Horizontal mode, window columns 10-11 of pages 5-6: wraps to the next page, then to the first.
    emu.onWrite(Uint8Array.of(0x00, 0x20, 0x00, 0x21, 10, 11, 0x22, 5, 6));
    emu.onWrite(Uint8Array.of(0x40, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5));
    expect([emu.gddram[5 * 128 + 10], emu.gddram[5 * 128 + 11], emu.gddram[6 * 128 + 10], emu.gddram[6 * 128 + 11]]).toEqual([
      0xa5, 0xa2, 0xa3, 0xa4,
    ]);
    // Vertical mode: down the pages first.
    emu.onWrite(Uint8Array.of(0x00, 0x20, 0x01, 0x21, 20, 21, 0x22, 0, 1));
    emu.onWrite(Uint8Array.of(0x40, 7, 8, 9));
    expect([emu.gddram[20], emu.gddram[128 + 20], emu.gddram[21]]).toEqual([7, 8, 9]);
    expect(emu.errors).toEqual([]);
  });

  it('records what it cannot accept as protocol errors and goes on', () => {
    const emu = new Ssd1306Emulator();
    emu.onWrite(Uint8Array.of(0x00, 0xff)); // no such command
    emu.onWrite(Uint8Array.of(0x01, 0xaf)); // control byte with low bits set
    emu.onWrite(Uint8Array.of(0x00, 0x81)); // contrast, argument to come...
    emu.onWrite(Uint8Array.of(0x40, 0x12)); // ...but data arrives
    emu.onWrite(Uint8Array.of(0x00, 0x21, 50, 10)); // start after end
    emu.onWrite(Uint8Array.of(0x00, 0x8d, 0x99)); // no such charge pump setting
    emu.onWrite(Uint8Array.of(0x80)); // Co = 1 with nothing after it
    const messages = emu.errors.map((e) => e.message);
    expect(messages).toHaveLength(6);
    expect(messages[0]).toMatch(/unknown command byte FFh/);
    expect(messages[1]).toMatch(/control byte 01h/);
    expect(messages[2]).toMatch(/waits for its argument/);
    expect(messages[3]).toMatch(/column address 50-10/);
    expect(messages[4]).toMatch(/charge pump/);
    expect(messages[5]).toMatch(/Co = 1 is the last byte/);
    expect(emu.errors[3]).toMatchObject({ transfer: 4, offset: 3 });
    expect(emu.displayOn).toBe(true); // the AFh after the bad control byte still counted
  });

  it('never throws on random bytes, records errors and still renders (fuzz)', () => {
    const rand = prng(0x5eed1306).next;
    for (let run = 0; run < 20; run++) {
      const emu = new Ssd1306Emulator({ height: run % 2 ? 32 : 64 });
      for (let t = 0; t < 150; t++) {
        const len = Math.floor(rand() * 40);
        const bytes = new Uint8Array(len);
        for (let i = 0; i < len; i++) bytes[i] = Math.floor(rand() * 256);
        // Bias some transfers towards valid control bytes so the command decoder is reached.
        if (len > 0 && rand() < 0.6) bytes[0] = [0x00, 0x40, 0x80, 0xc0][Math.floor(rand() * 4)]!;
        expect(() => emu.onWrite(bytes)).not.toThrow();
      }
      expect(emu.errors.length).toBeGreaterThan(0);
      expect(emu.errors.length).toBeLessThanOrEqual(1000);
      for (const e of emu.errors) expect(typeof e.message).toBe('string');
      expect(emu.page).toBeGreaterThanOrEqual(0);
      expect(emu.page).toBeLessThanOrEqual(7);
      expect(emu.column).toBeGreaterThanOrEqual(0);
      expect(emu.column).toBeLessThanOrEqual(127);
      expect(() => emu.panel()).not.toThrow();
      expect(emu.onRead(1)).toHaveLength(1);
    }
  });
});

describe('SSD1306 emulator: PNG', () => {
  function chunks(png: Uint8Array): { type: string; data: Uint8Array; crcOk: boolean }[] {
    const out = [];
    const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
    for (let o = 8; o < png.length; ) {
      const len = v.getUint32(o);
      const type = Buffer.from(png.subarray(o + 4, o + 8)).toString('latin1');
      const data = png.subarray(o + 8, o + 8 + len);
      const crcOk = v.getUint32(o + 8 + len) === crc32(png.subarray(o + 4, o + 8 + len));
      out.push({ type, data, crcOk });
      o += 12 + len;
    }
    return out;
  }

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('encodes the panel, scaled x4, as a valid 1-bit greyscale PNG', async () => {
    const { emu, display } = await rig(32);
    await display.show(['X'], { inverse: [1] });
    const png = emu.png(4);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(cs.every((c) => c.crcOk)).toBe(true);
    const ihdr = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), cs[0]!.data[8], cs[0]!.data[9]]).toEqual([512, 128, 1, 0]);
    const raw = inflateSync(cs[1]!.data);
    const stride = 512 / 8 + 1;
    expect(raw.length).toBe(128 * stride);
    const pngPixel = (x: number, y: number) => (raw[y * stride + 1 + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 128; x++) {
        const want = display.framebuffer.get(x, y);
        expect(pngPixel(4 * x, 4 * y)).toBe(want);
        expect(pngPixel(4 * x + 3, 4 * y + 3)).toBe(want);
      }
    }
  });

  it('is all black while the display is off', async () => {
    const { emu, display } = await rig();
    await display.show(['HELLO'], { inverse: [0] });
    await display.setPower(false);
    const raw = inflateSync(chunks(emu.png(1))[1]!.data);
    expect(raw.every((b) => b === 0)).toBe(true);
  });
});
