import { describe, expect, it } from 'vitest';
import { PortBusyError, PortClosedError, ValidationError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { SimSpiDevice, type BitOrder, type SpiMode, type SpiTarget } from '../../../simulator/ports/spi.js';

/** A device that records what it read and answers with fixed bytes. */
function device(bitOrder: BitOrder, answer: string, mode: SpiMode = 0): SpiTarget & { seen: string[] } {
  const seen: string[] = [];
  return {
    bitOrder,
    mode,
    seen,
    transfer(mosi) {
      seen.push(toHex(mosi));
      return fromHex(answer);
    },
  };
}

describe('SimSpiDevice', () => {
  it('passes bytes unchanged when controller and device agree on bit order and mode', async () => {
    const spi = new SimSpiDevice('sim:spi0', { bitOrder: 'lsb-first' });
    const d = device('lsb-first', 'A1B2');
    spi.attach(d);
    expect(toHex(await spi.transfer(fromHex('0103')))).toBe('A1B2');
    expect(d.seen).toEqual(['0103']);
    expect(spi.transfers.map((t) => [toHex(t.mosi), toHex(t.miso)])).toEqual([['0103', 'A1B2']]);
  });

  it('mirrors the bits of every byte, both ways, when the bit orders differ', async () => {
    const spi = new SimSpiDevice('sim:spi0', { bitOrder: 'msb-first' });
    const d = device('lsb-first', '0180');
    spi.attach(d);
    expect(toHex(await spi.transfer(fromHex('01F0')))).toBe('8001');
    expect(d.seen).toEqual(['800F']);
  });

  it('reads every byte one bit off when the modes differ', async () => {
    const spi = new SimSpiDevice('sim:spi0', { bitOrder: 'lsb-first', mode: 0 });
    const d = device('lsb-first', '0000', 1);
    spi.attach(d);
    await spi.transfer(fromHex('4080'));
    expect(d.seen).toEqual(['8100']);
  });

  it('reads the idle level with no device, and refuses overlap, a short answer and use after close', async () => {
    const spi = new SimSpiDevice('sim:spi0');
    expect(toHex(await spi.transfer(fromHex('0200')))).toBe('FFFF');
    const a = spi.transfer(fromHex('00'));
    await expect(spi.transfer(fromHex('00'))).rejects.toBeInstanceOf(PortBusyError);
    await a;
    spi.attach(device('msb-first', '00'));
    expect(() => spi.attach(device('msb-first', '00'))).toThrow(ValidationError);
    await expect(spi.transfer(fromHex('0000'))).rejects.toThrow(/returned 1 bytes for a 2-byte transfer/);
    await spi.close();
    await expect(spi.transfer(fromHex('00'))).rejects.toBeInstanceOf(PortClosedError);
  });
});
