import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { Pn532Emulator, type Pn532EmulatorOptions } from '../../../simulator/devices/pn532/emulator.js';
import type { RfCard } from '../../../simulator/devices/pn532/rf-card.js';
import { SimGpioLine } from '../../../simulator/ports/gpio.js';
import { SimI2cBus } from '../../../simulator/ports/i2c-bus.js';
import { createSerialPair } from '../../../simulator/ports/serial-pair.js';
import { SimSpiDevice } from '../../../simulator/ports/spi.js';
import { settle, VirtualClock } from '../../../simulator/ports/virtual-clock.js';

/**
 * The emulator driven byte for byte, as a logic analyser would see the host's side: no
 * driver involved, so what is tested is the emulator's own reading of UM0701-02.
 */

const WAKE = '5555' + '00'.repeat(14);
const ACK = '0000FF00FF00';
const ERROR_FRAME = '0000FF01FF7F8100';

/** A frame from the host, checksums computed here by hand so a wrong one is easy to make. */
function hostFrame(hex: string): string {
  const data = fromHex('D4' + hex);
  const len = data.length;
  const dcs = (0x100 - (data.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  return toHex(Uint8Array.of(0x00, 0x00, 0xff, len, (0x100 - len) & 0xff, ...data, dcs, 0x00));
}

function chipAnswer(hex: string): string {
  const data = fromHex('D5' + hex);
  const dcs = (0x100 - (data.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  return toHex(Uint8Array.of(0x00, 0x00, 0xff, data.length, (0x100 - data.length) & 0xff, ...data, dcs, 0x00));
}

function hsu(options: Partial<Pn532EmulatorOptions> = {}) {
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock);
  const emu = new Pn532Emulator({ clock, ...options });
  emu.connectSerial(device);
  let heard = '';
  host.onData((d) => (heard += toHex(d)));
  return {
    clock,
    emu,
    async send(hex: string) {
      await host.write(fromHex(hex));
      await settle();
    },
    /** Everything the chip sent since the last call. */
    take(): string {
      const h = heard;
      heard = '';
      return h;
    },
  };
}

async function awake(options: Partial<Pn532EmulatorOptions> = {}) {
  const t = hsu(options);
  await t.send(WAKE + hostFrame('140100'));
  expect(t.take()).toBe(ACK + chipAnswer('15'));
  return t;
}

const card = (over: Partial<RfCard> = {}): RfCard => ({
  type: 'A',
  uid: fromHex('04112233'),
  ats: fromHex('0578807002'),
  transceive: (apdu) => Uint8Array.of(...apdu.slice(0, 2), 0x90, 0x00),
  ...over,
});

describe('PN532 emulator on HSU', () => {
  it('needs the wake-up preamble after power-on: a bare frame is lost', async () => {
    const t = hsu();
    expect(t.emu.state).toBe('low-vbat');
    await t.send(hostFrame('02'));
    expect(t.take()).toBe('');
    expect(t.emu.state).toBe('awake');
    expect(t.emu.commands).toEqual([]);
    // Once the oscillator runs (1 ms), a frame is heard; GetFirmwareVersion before
    // SAMConfiguration is noted.
    await t.clock.advance(1);
    await t.send(hostFrame('02'));
    expect(t.take()).toBe(ACK + chipAnswer('0332010607'));
    expect(t.emu.misuse.map((m) => m.kind)).toEqual(['before-sam-configuration']);
  });

  it('drops a frame whose LCS or DCS is wrong: no ACK, a note of the misuse', async () => {
    const t = await awake();
    await t.send('0000FF02FDD4022A00');
    await t.send('0000FF02FED4022B00');
    expect(t.take()).toBe('');
    expect(t.emu.misuse.map((m) => [m.kind, m.detail])).toEqual([
      ['bad-checksum', 'LCS: LEN 2 with LCS 253; frame dropped, no ACK'],
      ['bad-checksum', 'DCS: 2 bytes with DCS 43; frame dropped, no ACK'],
    ]);
    expect(t.emu.commands.map((c) => c.code)).toEqual([0x14]);
  });

  it('ACKs and answers with the error frame a command it does not know, or a frame with the wrong TFI', async () => {
    const t = await awake();
    await t.send(hostFrame('7E'));
    expect(t.take()).toBe(ACK + ERROR_FRAME);
    await t.send('0000FF02FED5022900');
    expect(t.take()).toBe(ACK + ERROR_FRAME);
    expect(t.emu.misuse.map((m) => m.kind)).toEqual(['unknown-command', 'bad-tfi']);
  });

  it('sends its last answer again on a NACK, and notes a NACK with nothing to repeat', async () => {
    const t = await awake();
    await t.send(hostFrame('02'));
    t.take();
    await t.send('0000FFFF0000');
    expect(t.take()).toBe(chipAnswer('0332010607'));
    await t.send(hostFrame('7E'));
    t.take();
    await t.send('0000FFFF0000');
    expect(t.take()).toBe('');
    expect(t.emu.misuse.map((m) => m.kind)).toEqual(['unknown-command', 'nack-without-answer']);
  });

  it('retries activation forever by default; an ACK aborts the wait', async () => {
    const t = await awake();
    await t.send(hostFrame('4A0100'));
    expect(t.take()).toBe(ACK);
    await t.clock.advance(60_000);
    expect(t.take()).toBe('');
    await t.send(ACK);
    expect(t.emu.aborts).toBe(1);
    t.emu.placeCard(card());
    await t.clock.advance(10);
    expect(t.take()).toBe('');
  });

  it('answers a waiting InListPassiveTarget as soon as a card comes into the field', async () => {
    const t = await awake();
    await t.send(hostFrame('4A0100'));
    t.take();
    await t.clock.advance(5000);
    t.emu.placeCard(card());
    await settle();
    // SENS_RES high byte first, as a PN532 lists a 4-byte UID card: 00 04.
    expect(t.take()).toBe(chipAnswer('4B' + '01' + '01' + '0004' + '20' + '04' + '04112233' + '0578807002'));
  });

  it('with finite retries answers "no target" after the attempts', async () => {
    const t = await awake({ activationAttemptMs: 7 });
    await t.send(hostFrame('3205FF0102'));
    t.take();
    await t.send(hostFrame('4A0203' + '00'));
    expect(t.take()).toBe(ACK);
    await t.clock.advance(20);
    expect(t.take()).toBe('');
    await t.clock.advance(1);
    expect(t.take()).toBe(chipAnswer('4B00'));
  });

  it('models the card processing time on the clock', async () => {
    const t = await awake({ cardProcessingMs: 120 });
    t.emu.placeCard(card());
    await t.send(hostFrame('4A0100'));
    t.take();
    await t.send(hostFrame('4001' + '00A4040007'));
    expect(t.take()).toBe(ACK);
    await t.clock.advance(119);
    expect(t.take()).toBe('');
    await t.clock.advance(1);
    expect(t.take()).toBe(chipAnswer('41' + '00' + '00A49000'));
    expect(t.emu.exchanges.map((x) => toHex(x.apdu))).toEqual(['00A4040007']);
  });

  it('answers 0x27 to an exchange with a target that is not active', async () => {
    const t = await awake();
    await t.send(hostFrame('4002' + '00'));
    expect(t.take()).toBe(ACK + chipAnswer('4127'));
    expect(t.emu.misuse.map((m) => m.kind)).toEqual(['no-target']);
  });

  it('leaves pre- and postamble out when SetParameters says so (7.2.9)', async () => {
    const t = await awake();
    await t.send(hostFrame('1240'));
    expect(t.take()).toBe(ACK + '00FF02FED51318');
    await t.send(hostFrame('02'));
    expect(t.take()).toBe(ACK + '00FF06FAD50332010607E8');
  });

  it('after PowerDown without HSU as a wake-up source, it cannot be woken by HSU', async () => {
    const t = await awake();
    await t.send(hostFrame('1680'));
    expect(t.take()).toBe(ACK + chipAnswer('1700'));
    await settle();
    expect(t.emu.state).toBe('power-down');
    await t.send(WAKE + hostFrame('02'));
    expect(t.take()).toBe('');
    expect(t.emu.misuse.map((m) => m.kind)).toEqual(['asleep']);
  });

  it('holds at most two cards and refuses cards no reader would see', () => {
    const t = hsu();
    t.emu.placeCard(card());
    t.emu.placeCard(card({ uid: fromHex('04112234') }));
    expect(() => t.emu.placeCard(card({ uid: fromHex('04112235') }))).toThrow(ValidationError);
    expect(() => t.emu.placeCard(t.emu.field[0]!)).toThrow(/already/);
    t.emu.removeCard();
    expect(() => t.emu.placeCard(card({ uid: fromHex('0411') }))).toThrow(/4, 7 or 10/);
    expect(() => t.emu.placeCard(card({ ats: fromHex('0978') }))).toThrow(/TL/);
    expect(() => t.emu.placeCard({ ...card(), type: 'B', atqb: fromHex('50AABBCCDD00000000008171') })).toThrow(/PUPI/);
  });
});

describe('PN532 emulator on I2C', () => {
  it('starts each read with the status byte, drives IRQ low while a frame waits, notes a read before RDY', async () => {
    const clock = new VirtualClock();
    const bus = new SimI2cBus('sim:i2c1');
    const irq = new SimGpioLine('irq', { direction: 'in', pull: 'up' });
    const emu = new Pn532Emulator({ clock, irq });
    emu.connectI2c(bus);
    expect(await irq.read()).toBe(1);
    expect(toHex(await bus.read(0x24, 1))).toBe('00');
    await bus.write(0x24, fromHex(hostFrame('140100')));
    expect(await irq.read()).toBe(0);
    expect(toHex(await bus.read(0x24, 1))).toBe('01');
    expect(toHex(await bus.read(0x24, 7))).toBe('01' + ACK);
    expect(toHex(await bus.read(0x24, 12))).toBe('01' + chipAnswer('15') + '0000');
    expect(await irq.read()).toBe(1);
    expect(toHex(await bus.read(0x24, 8))).toBe('0000000000000000');
    expect(emu.misuse.map((m) => m.kind)).toEqual(['read-before-ready']);
  });
});

describe('PN532 emulator on SPI', () => {
  it('speaks DW / SR / DR, LSB first, and notes a transfer that starts with anything else', async () => {
    const clock = new VirtualClock();
    const spi = new SimSpiDevice('sim:spi0', { bitOrder: 'lsb-first' });
    const emu = new Pn532Emulator({ clock, wakeupMs: 1 });
    emu.connectSpi(spi);
    // Low VBat: the first transfer only wakes the chip.
    expect(toHex(await spi.transfer(fromHex('0200')))).toBe('FFFF');
    await clock.advance(1);
    expect(toHex(await spi.transfer(fromHex('0200')))).toBe('0000');
    await spi.transfer(fromHex('01' + hostFrame('140100')));
    expect(toHex(await spi.transfer(fromHex('0200')))).toBe('0001');
    expect(toHex(await spi.transfer(new Uint8Array(7).fill(0).map((_, i) => (i === 0 ? 3 : 0))))).toBe('00' + ACK);
    expect(toHex(await spi.transfer(Uint8Array.of(3, ...new Array<number>(9).fill(0))))).toBe('00' + chipAnswer('15'));
    await spi.transfer(fromHex('8000'));
    expect(emu.misuse.map((m) => m.kind)).toEqual(['spi-unknown-prefix']);
  });
});

describe('PN532 emulator reset line', () => {
  it('is deaf while RSTPDN is low and starts again in Low VBat when it rises', async () => {
    const clock = new VirtualClock();
    const bus = new SimI2cBus('sim:i2c1');
    const reset = new SimGpioLine('rst', { direction: 'out', initial: 1 });
    const emu = new Pn532Emulator({ clock });
    emu.connectI2c(bus);
    emu.connectReset(reset);
    await bus.write(0x24, fromHex(hostFrame('140100')));
    expect(emu.state).toBe('awake');
    await reset.write(0);
    expect(emu.state).toBe('reset');
    await expect(bus.read(0x24, 1)).rejects.toThrow(/no device acknowledged/);
    await reset.write(1);
    expect(emu.state).toBe('low-vbat');
  });
});
