import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../src/errors.js';
import { DisplayGoneError, DisplayNotFoundError } from '../../../src/hal/display/errors.js';
import { Ssd1306 } from '../../../src/hal/display/ssd1306.js';
import { toHex } from '../../../src/hex.js';
import { SimI2cBus } from '../../../simulator/ports/i2c-bus.js';
import { Ssd1306Emulator } from '../../../simulator/devices/display/ssd1306-emulator.js';

async function rig(height: 64 | 32 = 64, address = 0x3c) {
  const bus = new SimI2cBus('/dev/i2c-1');
  const emu = new Ssd1306Emulator({ height });
  bus.attach(address, emu);
  const display = await Ssd1306.open({ bus, address, height });
  return { bus, emu, display };
}

const writes = (bus: SimI2cBus) => bus.transfers.filter((t) => t.kind === 'write').map((t) => toHex(t.data));

describe('SSD1306 driver: start', () => {
  it('sends the init sequence for 128x64, clears all of GDDRAM, then turns the panel on', async () => {
    const { bus, emu, display } = await rig(64);
    const w = writes(bus);
    expect(w[0]).toBe(
      '00' + // control byte: command stream
        'AE' + // display off
        'D580' + // clock
        'A83F' + // multiplex 64
        'D300' + // offset
        '40' + // start line
        '8D14' + // charge pump on
        '2000' + // horizontal addressing
        'A1' + // segment remap
        'C8' + // COM scan remapped
        'DA12' + // alternative COM pins (64 rows)
        '81CF' + // contrast
        'D9F1' + // pre-charge
        'DB20' + // VCOMH
        'A4' + // follow RAM
        'A6' + // normal
        '2E', // scroll off
    );
    expect(w[1]).toBe('00' + '21007F' + '220007'); // the whole screen as one window
    const data = w.slice(2, -1);
    expect(data).toHaveLength(1024 / 32);
    for (const d of data) expect(d).toBe('40' + '00'.repeat(32));
    expect(w[w.length - 1]).toBe('00AF');
    expect(emu.errors).toEqual([]);
    expect(emu.displayOn).toBe(true);
    expect(display.columns).toBe(16);
    expect(display.rows).toBe(4);
    expect(display.cjk).toBe(true);
  });

  it('configures a 128x32 module with 32 rows and sequential COM pins', async () => {
    const { bus, emu, display } = await rig(32, 0x3d);
    const init = bus.transfers[0]!;
    expect(init.address).toBe(0x3d);
    expect(toHex(init.data)).toContain('A81F');
    expect(toHex(init.data)).toContain('DA02');
    expect(writes(bus)[1]).toBe('00' + '21007F' + '220003');
    expect(emu.errors).toEqual([]);
    expect(emu.comAlternative).toBe(false);
    expect([display.columns, display.rows]).toEqual([16, 2]);
  });

  it('says which address and bus when no display answers', async () => {
    const bus = new SimI2cBus('/dev/i2c-1');
    const err = await Ssd1306.open({ bus }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DisplayNotFoundError);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DisplayNotFoundError).message).toBe('no display answered at 0x3C on /dev/i2c-1');
    expect((err as DisplayNotFoundError).code).toBe('DISPLAY_NOT_FOUND');
  });

  it('refuses an impossible configuration with a ValidationError naming it', async () => {
    const bus = new SimI2cBus();
    await expect(Ssd1306.open({ bus, address: 0x27 })).rejects.toThrow(/0x3C or 0x3D/);
    await expect(Ssd1306.open({ bus, height: 48 as 64 })).rejects.toThrow(/64 or 32/);
    await expect(Ssd1306.open({ bus, contrast: 300 })).rejects.toThrow(/0-255/);
  });
});

describe('SSD1306 driver: updates', () => {
  it('sends only the window that changed: one character is 8 columns of 2 pages', async () => {
    const { bus, display } = await rig();
    await display.show(['SALE', 'AMOUNT', '', '']);
    bus.transfers.length = 0;
    await display.show(['SALE', 'AMOUNX', '', '']); // row 1, column 5 changes
    const w = writes(bus);
    // 'T' and 'X' share column 40 (blank in both), so the window is columns 41-47 of
    // pages 2-3: the bytes that differ and nothing else.
    expect(w[0]).toBe('00' + '21' + '29' + '2F' + '22' + '02' + '03');
    expect(w.slice(1).map((d) => d.length / 2 - 1)).toEqual([7 * 2]);
    expect(w.slice(1).every((d) => d.startsWith('40'))).toBe(true);
  });

  it('sends nothing when nothing changed', async () => {
    const { bus, display } = await rig();
    await display.show(['消费', '请输入金额']);
    bus.transfers.length = 0;
    await display.show(['消费', '请输入金额']);
    expect(bus.transfers).toEqual([]);
  });

  it('keeps separate windows for changes far apart, and never sends more than 32 data bytes a transfer', async () => {
    const { bus, display } = await rig();
    await display.show(['A', '', '', 'B']);
    bus.transfers.length = 0;
    await display.show(['X', '', '', 'Y']);
    const w = writes(bus);
    const windows = w.filter((d) => d.startsWith('0021'));
    // Row 0 and row 3 (pages 0-1 and 6-7), each only where 'A'/'X' and 'B'/'Y' differ.
    expect(windows).toEqual(['00' + '210106' + '220001', '00' + '210107' + '220607']);
    for (const d of w.filter((x) => x.startsWith('40'))) expect(d.length / 2 - 1).toBeLessThanOrEqual(32);
  });

  it('respects a smaller chunk size', async () => {
    const bus = new SimI2cBus('/dev/i2c-1');
    bus.attach(0x3c, new Ssd1306Emulator());
    const display = await Ssd1306.open({ bus, chunkSize: 16 });
    bus.transfers.length = 0;
    await display.show(['HELLO WORLD 1234']);
    const w = writes(bus);
    const [, c0, c1, , p0, p1] = Array.from(Buffer.from(w[0]!.slice(2), 'hex'));
    const sizes = w.slice(1).map((d) => d.length / 2 - 1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe((c1! - c0! + 1) * (p1! - p0! + 1));
    expect(sizes.slice(0, -1).every((n) => n === 16)).toBe(true);
    expect(sizes[sizes.length - 1]).toBeLessThanOrEqual(16);
  });

  it('reports lines as shown: cut at a cell boundary, a straddling CJK character left out', async () => {
    const { display } = await rig();
    await display.show(['ABCDEFGHIJKLMNO消费', '交易成功交易成功交易', 'short']);
    expect(display.lines).toEqual([
      'ABCDEFGHIJKLMNO ', // 15 cells + a wide character that would need 17: left out
      '交易成功交易成功', // 16 cells exactly
      'short           ',
      '                ',
    ]);
  });

  it('draws an inverse row as lit background across the full width', async () => {
    const { display } = await rig();
    await display.show(['', 'MENU'], { inverse: [1, 7, -1, 1.5] });
    const fb = display.framebuffer;
    expect(fb.get(127, 16)).toBe(true);
    expect(fb.get(127, 31)).toBe(true);
    expect(fb.get(127, 15)).toBe(false);
    expect(fb.get(127, 32)).toBe(false);
  });

  it('turns a NACK after start into DisplayGoneError and rewrites the whole screen once it is back', async () => {
    const { bus, emu, display } = await rig();
    await display.show(['ONE']);
    bus.detach(0x3c);
    await expect(display.show(['TWO'])).rejects.toBeInstanceOf(DisplayGoneError);
    bus.attach(0x3c, emu);
    bus.transfers.length = 0;
    await display.show(['TWO']);
    expect(writes(bus)[0]).toBe('00' + '21007F' + '220007');
    expect(emu.panel().data).toEqual(display.framebuffer.data);
  });

  it('serialises overlapping show() calls so windows never interleave', async () => {
    const { emu, display } = await rig();
    const all = [display.show(['1']), display.show(['12', '消费']), display.show(['123', '', '撤销'])];
    await Promise.all(all);
    expect(display.lines[2]).toBe('撤销            ');
    expect(emu.panel().data).toEqual(display.framebuffer.data);
    expect(emu.errors).toEqual([]);
  });
});
