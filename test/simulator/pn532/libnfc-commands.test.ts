import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/hex.js';
import { Pn532Emulator, pn532CommandName, type Pn532EmulatorOptions, type Pn532Event } from '../../../simulator/devices/pn532/emulator.js';
import { crc14443, crcMatches } from '../../../simulator/devices/pn532/iso-dep.js';
import { REGISTERS } from '../../../simulator/devices/pn532/registers.js';
import type { RfCard } from '../../../simulator/devices/pn532/rf-card.js';
import { createSerialPair } from '../../../simulator/ports/serial-pair.js';
import { settle, VirtualClock } from '../../../simulator/ports/virtual-clock.js';

/**
 * What libnfc's pn532_uart driver sends beyond our own driver (seen by running nfc-list and
 * nfc-poll against `pos emulate pn532`): ReadRegister and WriteRegister over the CIU, the
 * field switched by register, raw frames with InCommunicateThru (its presence check is an
 * R(NAK)), SENS_RES in the chip's byte order. Driven byte for byte, no driver involved.
 */

const WAKE = '5555' + '00'.repeat(14);
const ACK = '0000FF00FF00';
const ERROR_FRAME = '0000FF01FF7F8100';

function frame(tfi: number, hex: string): string {
  const data = Uint8Array.of(tfi, ...fromHex(hex));
  const dcs = (0x100 - (data.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  return toHex(Uint8Array.of(0x00, 0x00, 0xff, data.length, (0x100 - data.length) & 0xff, ...data, dcs, 0x00));
}
const hostFrame = (hex: string) => frame(0xd4, hex);
const chipAnswer = (hex: string) => frame(0xd5, hex);

async function awake(options: Partial<Pn532EmulatorOptions> = {}) {
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock);
  const emu = new Pn532Emulator({ clock, ...options });
  emu.connectSerial(device);
  let heard = '';
  host.onData((d) => (heard += toHex(d)));
  const t = {
    clock,
    emu,
    async send(hex: string) {
      await host.write(fromHex(hex));
      await settle();
    },
    take(): string {
      const h = heard;
      heard = '';
      return h;
    },
    /** Sends a command and returns what came back: the ACK and the answer. */
    async ask(hex: string, advanceMs = 0): Promise<string> {
      await t.send(hostFrame(hex));
      if (advanceMs) await clock.advance(advanceMs);
      return t.take();
    },
  };
  await t.send(WAKE + hostFrame('1401'));
  expect(t.take()).toBe(ACK + chipAnswer('15'));
  return t;
}

const isoDepA = (over: Partial<RfCard> = {}): RfCard & { seen: string[] } => {
  const seen: string[] = [];
  return {
    type: 'A',
    uid: fromHex('04A1B2C3D4E5F6'),
    ats: fromHex('0578807002'),
    seen,
    transceive: (apdu) => {
      seen.push(toHex(apdu));
      return fromHex('6A82');
    },
    ...over,
  };
};

describe('ReadRegister and WriteRegister (UM0701-02 7.2.4, 7.2.5)', () => {
  it('reads the reset values libnfc starts from, and reads back what was written', async () => {
    const t = await awake();
    // libnfc's first read: TxMode, RxMode, ManualRCV, Status2, BitFraming.
    expect(await t.ask('06' + '6302' + '6303' + '630D' + '6338' + '633D')).toBe(ACK + chipAnswer('07' + '0000000000'));
    expect(await t.ask('08' + '630280' + '630380')).toBe(ACK + chipAnswer('09'));
    expect(await t.ask('06' + '6302' + '6303' + '6304')).toBe(ACK + chipAnswer('07' + '8080' + '80'));
    expect(t.emu.misuse).toEqual([]);
  });

  it('says which register was used that is not modelled, once per address, and still keeps it', async () => {
    const t = await awake();
    expect(await t.ask('08' + '6106AA')).toBe(ACK + chipAnswer('09'));
    expect(await t.ask('06' + '6106' + '6106')).toBe(ACK + chipAnswer('07' + 'AAAA'));
    expect(t.emu.misuse.map((m) => [m.kind, m.detail])).toEqual([['unsupported', 'a write of register 0x6106, which is not modelled']]);
  });

  it('refuses address lists of the wrong length with the error frame', async () => {
    const t = await awake();
    expect(await t.ask('06' + '63')).toBe(ACK + ERROR_FRAME);
    expect(await t.ask('06')).toBe(ACK + ERROR_FRAME);
    expect(await t.ask('08' + '6302')).toBe(ACK + ERROR_FRAME);
    expect(t.emu.misuse.map((m) => m.kind)).toEqual(['bad-parameters', 'bad-parameters', 'bad-parameters']);
  });

  it('the RF field is TxControl\'s driver bits: RFConfiguration sets them, clearing them by hand drops the cards', async () => {
    const t = await awake();
    t.emu.placeCard(isoDepA());
    expect(t.emu.fieldOn).toBe(false);
    expect(await t.ask('320101')).toBe(ACK + chipAnswer('33'));
    expect(t.emu.fieldOn).toBe(true);
    expect(t.emu.register(0x6304)).toBe(0x83);
    expect(await t.ask('4A0100')).toMatch(/^0000FF00FF000000FF....D54B01/);
    expect(await t.ask('08' + '630480')).toBe(ACK + chipAnswer('09'));
    expect(t.emu.fieldOn).toBe(false);
    // The card lost its power with the field: the target is gone.
    expect(await t.ask('4001' + '00A4040000')).toBe(ACK + chipAnswer('4127'));
  });

  it('every modelled register is a CIU register with a reason and a byte-sized reset value', () => {
    for (const [address, r] of REGISTERS) {
      expect(address >= 0x6301 && address <= 0x633e && r.name.startsWith('CIU_')).toBe(true);
      expect(r.reset).toBe(r.reset & 0xff);
      expect(r.why).not.toBe('');
    }
  });
});

describe('InListPassiveTarget and InAutoPoll report SENS_RES high byte first (7.3.5)', () => {
  it('lists a 7-byte UID card as 00 44, as a real PN532 does', async () => {
    const t = await awake();
    t.emu.placeCard(isoDepA());
    expect(await t.ask('4A0100')).toBe(ACK + chipAnswer('4B01' + '01' + '0044' + '20' + '07' + '04A1B2C3D4E5F6' + '0578807002'));
    expect(await t.ask('60010120')).toBe(ACK + chipAnswer('6101' + '20' + '11' + '01' + '0044' + '20' + '07' + '04A1B2C3D4E5F6' + '0578807002'));
  });
});

describe('InCommunicateThru (7.3.9)', () => {
  async function activated(card: RfCard = isoDepA()) {
    const t = await awake();
    t.emu.placeCard(card);
    await t.ask('4A0100');
    return t;
  }

  it('answers libnfc\'s presence check, an R(NAK), with an R(ACK) carrying the card\'s block number', async () => {
    const t = await activated();
    // Block number 1 after activation (ISO/IEC 14443-4 rule C); R(NAK) 0 is not it: R(ACK) 1.
    expect(await t.ask('42B2')).toBe(ACK + chipAnswer('4300A3'));
    // Asked again with its own number, the card repeats its last block (rule 11).
    expect(await t.ask('42B3')).toBe(ACK + chipAnswer('4300A3'));
  });

  it('after an InDataExchange the card\'s number has moved on and its last block is the answer', async () => {
    const card = isoDepA();
    const t = await activated(card);
    expect(await t.ask('4001' + '00A4040007A0000000031010')).toBe(ACK + chipAnswer('4100' + '6A82'));
    expect(await t.ask('42B2')).toBe(ACK + chipAnswer('4300' + '02' + '6A82'));
    expect(await t.ask('42B3')).toBe(ACK + chipAnswer('4300' + 'A2'));
  });

  it('carries an I-block to the card and its answer back; chaining parts get an R(ACK)', async () => {
    const card = isoDepA();
    const t = await activated(card);
    expect(await t.ask('42' + '12' + '00A40400')).toBe(ACK + chipAnswer('4300' + 'A2'));
    expect(await t.ask('42' + '03' + '0000')).toBe(ACK + chipAnswer('4300' + '03' + '6A82'));
    expect(card.seen).toEqual(['00A404000000']);
  });

  it('keeps the CID of the block: libnfc addresses type B cards with CID 1', async () => {
    const t = await awake();
    t.emu.placeCard({ type: 'B', uid: fromHex('1A2B3C4D'), transceive: () => fromHex('9000') });
    await t.ask('4A010300');
    expect(await t.ask('42BA01')).toBe(ACK + chipAnswer('4300' + 'AB01'));
  });

  it('S(DESELECT) is answered, then the card is silent: raw frames and InDataExchange time out', async () => {
    const t = await activated();
    expect(await t.ask('42C2')).toBe(ACK + chipAnswer('4300C2'));
    expect(await t.ask('42B2')).toBe(ACK);
    await t.clock.advance(51.2);
    expect(t.take()).toBe(chipAnswer('4301'));
    expect(await t.ask('4001' + '00A4040000', 51.2)).toBe(ACK + chipAnswer('4101'));
  });

  it('with CRC left to the host (TxMode, RxMode bit 7 clear) it checks the CRC_A sent and adds the card\'s', async () => {
    const t = await activated();
    await t.ask('08' + '630200' + '630300');
    const rnak = fromHex('B2');
    const wire = toHex(Uint8Array.of(...rnak, ...crc14443('A', rnak)));
    expect(await t.ask('42' + wire)).toBe(ACK + chipAnswer('4300' + 'A3' + toHex(crc14443('A', fromHex('A3')))));
    // A wrong CRC: the card does not hear a frame at all.
    expect(await t.ask('42B20000', 51.2)).toBe(ACK + chipAnswer('4301'));
  });

  it('nothing answers raw frames no card here speaks: SRx, B\', short frames, a card without ISO-DEP', async () => {
    const t = await activated(isoDepA({ ats: undefined }));
    const t0 = t.clock.monotonic();
    expect(await t.ask('42B2')).toBe(ACK);
    await t.clock.advance(51.2);
    expect(t.take()).toBe(chipAnswer('4301'));
    expect(t.clock.monotonic() - t0).toBeCloseTo(51.2, 5);
    await t.ask('08' + '630283' + '630383');
    expect(await t.ask('420600', 51.2)).toBe(ACK + chipAnswer('4301'));
    await t.ask('08' + '630280' + '630380' + '633D07');
    expect(await t.ask('4226', 51.2)).toBe(ACK + chipAnswer('4301'));
    // An empty frame (libnfc's barcode read) hears nothing either.
    expect(await t.ask('42', 51.2)).toBe(ACK + chipAnswer('4301'));
    expect(t.emu.misuse).toEqual([]);
  });
});

describe('CRC_A and CRC_B (ISO/IEC 14443-3 annex B)', () => {
  it('match the published examples and well-known frames', () => {
    const crc = (t: 'A' | 'B', h: string) => toHex(crc14443(t, fromHex(h)));
    expect(crc('A', '0000')).toBe('A01E');
    expect(crc('A', '1234')).toBe('26CF');
    expect(crc('A', '5000')).toBe('57CD'); // HLTA
    expect(crc('A', 'E080')).toBe('3173'); // RATS
    expect(crc('B', '000000')).toBe('CCC6');
    expect(crc('B', '0FAAFF')).toBe('FCD1');
    expect(crc('B', '0A123456')).toBe('2CF6');
    expect(crc('B', '050000')).toBe('71FF'); // REQB
    expect(crcMatches('A', fromHex('500057CD'))).toBe(true);
    expect(crcMatches('A', fromHex('500057CE'))).toBe(false);
    expect(crcMatches('A', fromHex('57CD'))).toBe(false);
  });
});

describe('observe and record', () => {
  it('tells each command, answer, error frame and misuse as it happens, with the names of chapter 7', async () => {
    const events: Pn532Event[] = [];
    const t = await awake();
    const stop = t.emu.observe((e) => events.push(e));
    await t.ask('02');
    await t.ask('7E');
    stop();
    await t.ask('02');
    expect(events.map((e) => (e.kind === 'command' || e.kind === 'answer' ? `${e.kind}:${pn532CommandName(e.kind === 'answer' ? e.code - 1 : e.code)}` : e.kind))).toEqual([
      'command:GetFirmwareVersion',
      'answer:GetFirmwareVersion',
      'command:0x7E',
      'misuse',
      'error-frame',
    ]);
    expect(toHex((events[1] as { data: Uint8Array }).data)).toBe('32010607');
  });

  it('with record off keeps no lists, so a long run does not grow', async () => {
    const t = await awake({ record: false });
    t.emu.placeCard(isoDepA());
    await t.ask('4A0100');
    await t.ask('4001' + '00A4040000');
    await t.ask('7E');
    expect(t.emu.commands).toEqual([]);
    expect(t.emu.exchanges).toEqual([]);
    expect(t.emu.misuse).toEqual([]);
  });
});
