import { describe, expect, it } from 'vitest';
import { CancelledError, I2cNackError } from '../../../src/errors.js';
import { AUTOPOLL, CMD, WAKE } from '../../../src/hal/pn532/commands.js';
import {
  Pn532AbsentError,
  Pn532FrameError,
  Pn532NoAckError,
  Pn532StatusError,
  Pn532SyntaxError,
  Pn532TimeoutError,
} from '../../../src/hal/pn532/errors.js';
import { Pn532, type Pn532Options } from '../../../src/hal/pn532/pn532.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { SimGpioLine } from '../../../simulator/ports/gpio.js';
import { bench, drive, echoCard, failure, LINKS, pattern, type Bench, type BenchOptions, type LinkKind } from './harness.js';

async function started(kind: LinkKind, options: BenchOptions = {}, chip: Partial<Pn532Options> = {}): Promise<Bench & { pn: Pn532 }> {
  const b = bench(kind, options);
  const pn = await drive(b.clock, Pn532.open({ link: b.link, clock: b.clock, ...chip }));
  return { ...b, pn };
}

const names = (b: Bench) => b.emu.commands.map((c) => c.code);

/** What the terminal put on the wire, whatever the link. */
function hostBytes(b: Bench): Uint8Array[] {
  if (b.serial) return b.serial[0].written;
  if (b.bus) return b.bus.transfers.filter((t) => t.kind === 'write').map((t) => t.data);
  return b.spi!.transfers.filter((t) => t.mosi[0] === 0x01).map((t) => t.mosi.subarray(1));
}

describe.each(LINKS)('PN532 over %s', (kind) => {
  it('starts: normal SAM mode, firmware checked, automatic RATS, finite activation retries', async () => {
    const b = await started(kind);
    expect(b.pn.firmware).toEqual({ ic: 0x32, version: 1, revision: 6, support: 7, isoA: true, isoB: true, iso18092: true });
    expect(names(b)).toEqual([CMD.SAMConfiguration, CMD.GetFirmwareVersion, CMD.SetParameters, CMD.RFConfiguration]);
    expect(toHex(b.emu.commands[0]!.params)).toBe('010001');
    expect(toHex(b.emu.commands[2]!.params)).toBe('14');
    expect(toHex(b.emu.commands[3]!.params)).toBe('05FF0101');
    expect(b.emu.state).toBe('awake');
    expect(b.emu.misuse).toEqual([]);
    expect(b.pn.stats.resends).toBe(0);
  });

  it('says "no PN532 answered on <path>" when nothing is attached', async () => {
    const b = bench(kind, { absent: true });
    const e = await failure(b.clock, Pn532.open({ link: b.link, clock: b.clock }));
    expect(e).toBeInstanceOf(Pn532AbsentError);
    expect((e as Pn532AbsentError).message).toBe(`no PN532 answered on ${b.link.path}`);
    expect((e as Pn532AbsentError).cause).toBeInstanceOf(kind === 'i2c' ? I2cNackError : Pn532NoAckError);
  });

  it('lists a type A card with its ATQA, SAK, UID and ATS', async () => {
    const b = await started(kind);
    const card = echoCard('A');
    b.emu.placeCard(card);
    const targets = await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A', maxTargets: 2 }));
    expect(targets).toEqual([
      { type: 'A', tg: 1, atqa: fromHex('4400'), sak: 0x20, uid: card.uid, ats: fromHex('0578807002') },
    ]);
    expect(toHex(b.emu.commands.at(-1)!.params)).toBe('0200');
  });

  it('lists a type B card with its ATQB and ATTRIB answer', async () => {
    const b = await started(kind);
    b.emu.placeCard(echoCard('B'));
    const [t] = await drive(b.clock, b.pn.inListPassiveTarget({ type: 'B', maxTargets: 2 }));
    expect(t).toEqual({
      type: 'B',
      tg: 1,
      atqb: fromHex('501A2B3C4D00000000008171'),
      uid: fromHex('1A2B3C4D'),
      attribRes: fromHex('00'),
    });
    expect(toHex(b.emu.commands.at(-1)!.params)).toBe('020300');
  });

  it('finds nothing within the finite retries when the field is empty', async () => {
    const b = await started(kind);
    const t0 = b.clock.monotonic();
    expect(await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A' }))).toEqual([]);
    // (MxRtyPassiveActivation 1 + 1) attempts of 5 ms in the emulator.
    expect(b.clock.monotonic() - t0).toBe(10);
  });

  it('chains APDUs longer than one frame both ways (MI, 7.3.8), in extended frames', async () => {
    const b = await started(kind);
    const card = echoCard('A');
    b.emu.placeCard(card);
    await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A' }));
    const apdu = pattern(600);
    const r = await drive(b.clock, b.pn.transceive(1, apdu));
    expect(r.length).toBe(602);
    expect(toHex(r)).toBe(toHex(apdu) + '9000');
    expect(card.seen).toHaveLength(1);
    expect(toHex(card.seen[0]!)).toBe(toHex(apdu));
    const exchanges = b.emu.commands.filter((c) => c.code === CMD.InDataExchange);
    // Three parts out (Tg with MI, with MI, without), then two empty commands fetch the rest.
    expect(exchanges.map((c) => [c.params[0], c.params.length - 1])).toEqual([
      [0x41, 262],
      [0x41, 262],
      [0x01, 76],
      [0x01, 0],
      [0x01, 0],
    ]);
    // A 262-byte part needs LEN 265: the extended frame (00 00 FF FF FF ...).
    expect(hostBytes(b).some((w) => toHex(w).includes('0000FFFFFF0109'))).toBe(true);
    expect(b.emu.misuse).toEqual([]);
  });

  it('reports a removed card by the RF timeout status of InDataExchange and Diagnose 0x06', async () => {
    const b = await started(kind);
    b.emu.placeCard(echoCard('A'));
    await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A' }));
    expect(await drive(b.clock, b.pn.diagnoseAttention())).toBe(0x00);
    b.emu.removeCard();
    expect(await drive(b.clock, b.pn.diagnoseAttention())).toBe(0x01);
    const e = await failure(b.clock, b.pn.transceive(1, fromHex('00A404000E325041592E5359532E444446303100')));
    expect(e).toBeInstanceOf(Pn532StatusError);
    expect((e as Pn532StatusError).status).toBe(0x01);
    expect((e as Pn532StatusError).message).toBe('InDataExchange failed: the card did not answer in time (status 0x01)');
  });

  it('sends the command again when its frame was lost and no ACK came (6.2.3, 15 ms)', async () => {
    const b = await started(kind);
    const before = hostBytes(b).length;
    b.emu.faults.loseCommands = 1;
    const t0 = b.clock.monotonic();
    const fw = await drive(b.clock, b.pn.getFirmwareVersion());
    expect(fw.ic).toBe(0x32);
    expect(b.clock.monotonic() - t0).toBe(15);
    expect(b.pn.stats.resends).toBe(1);
    const sent = hostBytes(b).slice(before).map(toHex);
    expect(sent).toEqual(['0000FF02FED4022A00', '0000FF02FED4022A00']);
    expect(names(b).filter((c) => c === CMD.GetFirmwareVersion)).toHaveLength(2); // start + the resend
  });

  it('resends when the ACK is lost and the answer is slow; the chip runs the command once more', async () => {
    const b = await started(kind, { emulator: { processingMs: 40 } });
    b.emu.faults.dropAcks = 1;
    const n = b.emu.commands.length;
    const fw = await drive(b.clock, b.pn.getFirmwareVersion());
    expect(fw.revision).toBe(6);
    expect(b.pn.stats.resends).toBe(1);
    expect(b.emu.commands.slice(n).map((c) => c.code)).toEqual([CMD.GetFirmwareVersion, CMD.GetFirmwareVersion]);
  });

  it('takes the answer when only its ACK was lost and the answer came in time', async () => {
    const b = await started(kind);
    b.emu.faults.dropAcks = 1;
    const n = b.emu.commands.length;
    expect((await drive(b.clock, b.pn.getFirmwareVersion())).ic).toBe(0x32);
    expect(b.pn.stats.resends).toBe(0);
    expect(b.emu.commands.length - n).toBe(1);
  });

  it('gives up with Pn532NoAckError after the resends', async () => {
    const b = await started(kind);
    b.emu.faults.loseCommands = 10;
    const e = await failure(b.clock, b.pn.getFirmwareVersion());
    expect(e).toBeInstanceOf(Pn532NoAckError);
    expect((e as Pn532NoAckError).attempts).toBe(3);
  });

  it('NACKs a damaged answer and gets it again (6.2.1.4)', async () => {
    const b = await started(kind);
    b.emu.faults.corruptAnswers = 1;
    expect((await drive(b.clock, b.pn.getFirmwareVersion())).ic).toBe(0x32);
    expect(b.emu.nacksReceived).toBe(1);
    expect(b.pn.stats.nacks).toBe(1);
    expect(b.pn.stats.frameErrors).toBe(1);
  });

  it('reports the damaged field when the answer stays damaged', async () => {
    const b = await started(kind);
    b.emu.faults.corruptAnswers = 10;
    const e = await failure(b.clock, b.pn.getFirmwareVersion());
    expect(e).toBeInstanceOf(Pn532FrameError);
    expect((e as Pn532FrameError).field).toBe('DCS');
    expect(b.emu.nacksReceived).toBe(2);
  });

  it('times out a command and aborts it with an ACK; the chip is usable afterwards', async () => {
    const b = await started(kind);
    // The chip's default: retry activation forever.
    await drive(b.clock, b.pn.setMaxRetries({ atr: 0xff, psl: 0x01, passiveActivation: 0xff }));
    const t0 = b.clock.monotonic();
    const e = await failure(b.clock, b.pn.inListPassiveTarget({ type: 'A', timeoutMs: 300 }));
    expect(e).toBeInstanceOf(Pn532TimeoutError);
    expect((e as Pn532TimeoutError).message).toBe(`${b.link.path}: no answer to InListPassiveTarget within 300 ms`);
    expect(b.clock.monotonic() - t0).toBeGreaterThanOrEqual(300);
    expect(b.emu.aborts).toBe(1);
    expect((await drive(b.clock, b.pn.getFirmwareVersion())).ic).toBe(0x32);
  });

  it('aborts a waiting command when the signal fires, with the signal\'s reason', async () => {
    const b = await started(kind);
    await drive(b.clock, b.pn.setMaxRetries({ atr: 0xff, psl: 0x01, passiveActivation: 0xff }));
    const ac = new AbortController();
    const p = b.pn.inListPassiveTarget({ type: 'A', signal: ac.signal, timeoutMs: 10_000 });
    p.catch(() => undefined);
    await b.clock.advance(50);
    ac.abort(new CancelledError('cancel-key'));
    const e = await failure(b.clock, p);
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as CancelledError).reason).toBe('cancel-key');
    expect(b.emu.aborts).toBe(1);
    // A card placed now is not answered to the aborted command.
    b.emu.placeCard(echoCard('A'));
    expect(await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A' }))).toHaveLength(1);
  });

  it('wakes the chip after PowerDown before the next command (7.2.11)', async () => {
    const b = await started(kind);
    await drive(b.clock, b.pn.powerDown(WAKE.HSU | WAKE.I2C | WAKE.SPI));
    expect(b.emu.state).toBe('power-down');
    expect(toHex(b.emu.commands.at(-1)!.params)).toBe('B0');
    const n = hostBytes(b).length;
    expect((await drive(b.clock, b.pn.getFirmwareVersion())).ic).toBe(0x32);
    expect(b.emu.state).toBe('awake');
    if (kind === 'hsu') expect(toHex(hostBytes(b)[n]!)).toMatch(/^5555(00){14}$/);
    expect(b.emu.misuse).toEqual([]);
  });

  it('passes the communication line test and refuses what the chip refuses', async () => {
    const b = await started(kind);
    await drive(b.clock, b.pn.diagnoseLine(pattern(40)));
    const e = await failure(b.clock, b.pn.command(0x58, Uint8Array.of(0x00)));
    expect(e).toBeInstanceOf(Pn532SyntaxError);
    expect(b.emu.misuse.map((m) => m.kind)).toEqual(['unsupported']);
    const e2 = await failure(b.clock, b.pn.command(0x7e));
    expect(e2).toBeInstanceOf(Pn532SyntaxError);
    expect((e2 as Pn532SyntaxError).message).toMatch(/refused command 0x7E/);
    expect(b.emu.misuse.map((m) => m.kind)).toEqual(['unsupported', 'unknown-command']);
  });

  it('InAutoPoll finds a card, and gives up after PollNr periods without one (7.3.13)', async () => {
    const b = await started(kind);
    const t0 = b.clock.monotonic();
    const none = await drive(b.clock, b.pn.inAutoPoll({ pollNr: 2, period: 1, types: [AUTOPOLL.ISO14443_4A, AUTOPOLL.ISO14443_4B] }));
    expect(none).toEqual([]);
    expect(b.clock.monotonic() - t0).toBe(300);
    b.emu.placeCard(echoCard('B'));
    const [t] = await drive(b.clock, b.pn.inAutoPoll({ pollNr: 2, period: 1, types: [AUTOPOLL.ISO14443_4A, AUTOPOLL.ISO14443_4B] }));
    expect(t?.type).toBe('B');
    expect(toHex(t!.uid)).toBe('1A2B3C4D');
  });

  it('lists two cards of one type when asked for two', async () => {
    const b = await started(kind);
    b.emu.placeCard(echoCard('A'));
    b.emu.placeCard(echoCard('A', { uid: fromHex('08112233'), ats: fromHex('0575778102') }));
    const targets = await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A', maxTargets: 2 }));
    expect(targets.map((t) => [t.tg, toHex(t.uid)])).toEqual([
      [1, '04A1B2C3D4E5F6'],
      [2, '08112233'],
    ]);
  });
});

describe.each(['i2c', 'spi'] as const)('PN532 over %s with the IRQ line', (kind) => {
  it('waits on the falling edge instead of reading the status', async () => {
    const b = await started(kind, { irq: true, emulator: { processingMs: 30, cardProcessingMs: 200 } });
    b.emu.placeCard(echoCard('A'));
    await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A' }));
    const r = await drive(b.clock, b.pn.transceive(1, fromHex('00B0000010')));
    expect(toHex(r)).toBe('00B00000109000');
    const statusReads =
      kind === 'i2c'
        ? b.bus!.transfers.filter((t) => t.kind === 'read' && t.data.length === 1)
        : b.spi!.transfers.filter((t) => t.mosi[0] === 0x02);
    // SPI: the one status read is the wake-up at start (chip select wakes the chip).
    expect(statusReads.length).toBe(kind === 'i2c' ? 0 : 1);
    expect(b.irq!.watcherCount).toBe(0);
    expect(b.emu.misuse).toEqual([]);
  });
});

describe('PN532 over hsu', () => {
  it('pulses RSTPDN at start when the reset line is wired', async () => {
    const b = bench('hsu');
    const reset = new SimGpioLine('sim:pn532-reset', { direction: 'out', initial: 0 });
    b.emu.connectReset(reset);
    expect(b.emu.state).toBe('reset');
    const levels: number[] = [];
    reset.observe((v) => levels.push(v));
    const pn = await drive(b.clock, Pn532.open({ link: b.link, clock: b.clock, reset }));
    expect(levels).toEqual([1]);
    expect(pn.firmware.ic).toBe(0x32);
    expect(b.emu.state).toBe('awake');
    expect(b.emu.misuse).toEqual([]);
  });

  it('works with bytes taking their real time on the wire at 115200 baud', async () => {
    const b = await started('hsu', { serialTiming: true });
    const card = echoCard('A');
    b.emu.placeCard(card);
    await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A' }));
    const t0 = b.clock.monotonic();
    const r = await drive(b.clock, b.pn.transceive(1, pattern(600)));
    expect(r.length).toBe(602);
    // 600 bytes out and 602 back, in frames: more than 1200 * 10 bits / 115200 baud = 104 ms.
    expect(b.clock.monotonic() - t0).toBeGreaterThan(104);
    expect(b.clock.monotonic() - t0).toBeLessThan(140);
    expect(b.pn.stats.resends).toBe(0);
  });

  it('uses the RF timings it set: a card that left is reported after fRetryTimeout * (MaxRtyCOM + 1)', async () => {
    const b = await started('hsu');
    await drive(b.clock, b.pn.setTimings(0x0b, 0x08));
    await drive(b.clock, b.pn.setMaxRtyCom(2));
    b.emu.placeCard(echoCard('A'));
    await drive(b.clock, b.pn.inListPassiveTarget({ type: 'A' }));
    b.emu.removeCard();
    const t0 = b.clock.monotonic();
    const e = await failure(b.clock, b.pn.transceive(1, fromHex('00B0000000')));
    expect((e as Pn532StatusError).status).toBe(0x01);
    // Code 8 is 12.8 ms; three tries.
    expect(b.clock.monotonic() - t0).toBeCloseTo(38.4, 5);
    expect(b.emu.commands.filter((c) => c.code === CMD.RFConfiguration).map((c) => toHex(c.params)).slice(-2)).toEqual(['02000B08', '0402']);
  });

  it('a delayed answer beyond the command timeout is a timeout; within it, an answer', async () => {
    const b = await started('hsu');
    b.emu.faults.delayMs = 100;
    expect(await failure(b.clock, b.pn.getFirmwareVersion({ timeoutMs: 50 }))).toBeInstanceOf(Pn532TimeoutError);
    expect((await drive(b.clock, b.pn.getFirmwareVersion({ timeoutMs: 150 }))).ic).toBe(0x32);
  });

  it('skips line noise before a frame and finds the answer behind it', async () => {
    const b = await started('hsu', { emulator: { processingMs: 5 } });
    const p = b.pn.getFirmwareVersion();
    await b.clock.advance(1);
    // Noise from the far end while the chip works: no start code in it.
    await b.serial![1].write(fromHex('55AA13F0F00102'));
    expect((await drive(b.clock, p)).ic).toBe(0x32);
    expect(b.pn.stats.frameErrors).toBe(0);
  });

  it('flushes a half-received frame with a broken LCS and still completes the command', async () => {
    const b = await started('hsu', { emulator: { processingMs: 5 } });
    const p = b.pn.getFirmwareVersion();
    await b.clock.advance(1);
    await b.serial![1].write(fromHex('0000FF05FF'));
    expect((await drive(b.clock, p)).ic).toBe(0x32);
    expect(b.pn.stats.frameErrors).toBe(1);
    expect(b.emu.nacksReceived).toBe(1);
  });
});

describe('PN532 over i2c', () => {
  it('rides out NACKs of its own address just after an exchange (6.2.4)', async () => {
    const b = await started('i2c');
    b.emu.faults.i2cNacks = 3;
    expect((await drive(b.clock, b.pn.getFirmwareVersion())).ic).toBe(0x32);
    expect(b.emu.faults.i2cNacks).toBe(0);
  });

  it('polls the status byte with a short sleep while the chip works', async () => {
    const b = await started('i2c', { emulator: { processingMs: 20 } });
    const reads = b.bus!.transfers.length;
    await drive(b.clock, b.pn.getFirmwareVersion());
    const statusReads = b.bus!.transfers.slice(reads).filter((t) => t.kind === 'read' && t.data.length === 1);
    // 20 ms at one read every 2 ms, not a busy loop.
    expect(statusReads.length).toBeGreaterThanOrEqual(9);
    expect(statusReads.length).toBeLessThanOrEqual(13);
  });
});

describe('PN532 status errors', () => {
  it('carry the code and the text of UM0701-02 7.1', () => {
    const e = new Pn532StatusError(CMD.InDataExchange, 0x40 | 0x13);
    expect(e.status).toBe(0x13);
    expect(e.code).toBe('PN532_STATUS');
    expect(e.message).toBe('InDataExchange failed: data format error: length, PCB or block does not match the protocol (status 0x13)');
    expect(new Pn532StatusError(CMD.InRelease, 0x3f).message).toMatch(/unknown error code \(status 0x3F\)/);
  });
});
