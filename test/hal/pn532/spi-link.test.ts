import { describe, expect, it } from 'vitest';
import { Pn532AbsentError } from '../../../src/hal/pn532/errors.js';
import { Pn532 } from '../../../src/hal/pn532/pn532.js';
import { mirrorByte, Pn532SpiLink } from '../../../src/hal/pn532/spi-link.js';
import { toHex } from '../../../src/hex.js';
import { Pn532Emulator } from '../../../simulator/devices/pn532/emulator.js';
import { SimSpiDevice } from '../../../simulator/ports/spi.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { drive, failure } from './harness.js';

function wired(controller: 'msb-first' | 'lsb-first', linkMirrors: boolean) {
  const clock = new VirtualClock();
  const spi = new SimSpiDevice('sim:spi0', { bitOrder: controller });
  const emu = new Pn532Emulator({ clock });
  emu.connectSpi(spi);
  const link = new Pn532SpiLink(spi, { clock, controllerBitOrder: linkMirrors ? 'msb-first' : 'lsb-first' });
  return { clock, spi, emu, link };
}

describe('PN532 SPI bit order (UM0701-02 6.2.5: LSB first)', () => {
  it('mirrorByte reverses the bits of a byte', () => {
    expect([0x01, 0x02, 0x03, 0x80, 0xd4, 0xff, 0x00].map(mirrorByte)).toEqual([0x80, 0x40, 0xc0, 0x01, 0x2b, 0xff, 0x00]);
    for (let b = 0; b < 256; b++) expect(mirrorByte(mirrorByte(b))).toBe(b);
  });

  it('an MSB-first controller works when the link mirrors: the wire carries mirrored bytes', async () => {
    const w = wired('msb-first', true);
    const pn = await drive(w.clock, Pn532.open({ link: w.link, clock: w.clock }));
    expect(pn.firmware.ic).toBe(0x32);
    const dw = w.spi.transfers.find((t) => t.mosi[0] === 0x80);
    // DW 0x01 and the preamble 00 00 FF as an MSB-first controller shifts them.
    expect(toHex(dw!.mosi.subarray(0, 4))).toBe('800000FF');
    expect(w.emu.misuse).toEqual([]);
  });

  it('an LSB-first controller needs no mirroring', async () => {
    const w = wired('lsb-first', false);
    expect((await drive(w.clock, Pn532.open({ link: w.link, clock: w.clock }))).firmware.ic).toBe(0x32);
    expect(w.spi.transfers.some((t) => t.mosi[0] === 0x01)).toBe(true);
  });

  it('an MSB-first controller without mirroring reaches no PN532, and the chip saw only garbage', async () => {
    const w = wired('msb-first', false);
    const e = await failure(w.clock, Pn532.open({ link: w.link, clock: w.clock }));
    expect(e).toBeInstanceOf(Pn532AbsentError);
    expect((e as Error).message).toBe('no PN532 answered on sim:spi0');
    expect(w.emu.misuse.map((m) => m.kind)).toContain('spi-unknown-prefix');
  });
});
