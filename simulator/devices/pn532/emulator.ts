import { concat } from '../../../src/bytes.js';
import { I2cNackError, ValidationError } from '../../../src/errors.js';
import type { Clock, TimerHandle } from '../../../src/hal/ports.js';
import type { SimGpioLine } from '../../ports/gpio.js';
import type { I2cTarget, SimI2cBus } from '../../ports/i2c-bus.js';
import type { SimSpiDevice, SpiTarget } from '../../ports/spi.js';
import { CRC_EN, FRAMING_A, FRAMING_B, FRAMING_MASK, REG, RegisterFile, RF_ON } from './registers.js';
import { crc14443, crcMatches, newPiccState, piccBlock, type PiccState } from './iso-dep.js';
import { cardProfile, type CardProfile, type RfCard } from './rf-card.js';
import { CHIP_ACK, CHIP_ERROR_FRAME, chipFrame, HostFrameReader, type HostFrame } from './wire.js';

/**
 * A PN532 (firmware V1.6, UM0701-02) at the far end of a serial link, an I2C bus or an
 * SPI bus, with up to two cards in its field. It speaks the real host protocol: it checks
 * both checksums of every frame and ignores a frame that fails them (no ACK, so the host
 * must resend), ACKs good frames, answers unknown commands with the error frame, aborts
 * a command on an ACK from the host or on a new command, resends its last answer on a
 * NACK, sleeps after PowerDown and after power-on (Low VBat) until the link wakes it.
 *
 * What the host does wrong is kept in `misuse` for tests to read, never thrown at the
 * host: a real chip does not throw either.
 */

export type MisuseKind =
  /** LCS or DCS wrong: the chip drops the frame without an ACK. */
  | 'bad-checksum'
  /** A frame length of 0 or beyond the chip's buffer. */
  | 'bad-length'
  | 'bad-tfi'
  /** A command code the PN532 does not have. */
  | 'unknown-command'
  /** A PN532 command (or option) this emulator does not model. */
  | 'unsupported'
  | 'bad-parameters'
  /** Bytes the chip could not hear: held in reset, or asleep with this link not a wake-up source. */
  | 'asleep'
  /** A command other than SAMConfiguration first after power-on (PN532 C106, AN10609). */
  | 'before-sam-configuration'
  /** An I2C / SPI frame read while RDY was 0 (UM0701-02 6.2.4, 6.2.5). */
  | 'read-before-ready'
  | 'spi-unknown-prefix'
  | 'nack-without-answer'
  /** A target number that is not active (or was deselected). */
  | 'no-target'
  /** MI chaining broken off. */
  | 'chaining';

export interface Misuse {
  kind: MisuseKind;
  detail: string;
  atMs: number;
}

export interface ReceivedCommand {
  code: number;
  params: Uint8Array;
  atMs: number;
}

export interface CardExchange {
  tg: number;
  apdu: Uint8Array;
  /** null when the card stayed mute or had left the field. */
  response: Uint8Array | null;
}

export interface Pn532Faults {
  /** The next n command frames vanish on the wire: no ACK, no answer. */
  loseCommands: number;
  /** The ACK of the next n commands is not sent; each command still runs and answers. */
  dropAcks: number;
  /** The next n answers leave with one data byte changed (their DCS no longer matches). */
  corruptAnswers: number;
  /** Extra ms before every answer. */
  delayMs: number;
  /** The next n I2C transfers get no acknowledge (the chip busy, UM0701-02 6.2.4). */
  i2cNacks: number;
}

/**
 * What the chip needs of a UART: bytes in as they arrive, bytes out in order. A
 * `SimSerialEnd` is one; `SerialLinkDevicePort` (serial-bridge.ts) makes any SerialLink
 * one, so the emulator can sit on a real tty.
 */
export interface SerialDevicePort {
  /** Calls `listener` with every chunk that arrives; returns a function that stops it. */
  onData(listener: (data: Uint8Array) => void): () => void;
  /** Sends bytes; the emulator never starts a write before the previous one resolved. */
  write(data: Uint8Array): Promise<void>;
}

/** What the chip did, as it happens, for a log or a trace (see `observe`). */
export type Pn532Event =
  /** A command frame with good checksums, before the chip acts on it. */
  | { kind: 'command'; code: number; params: Uint8Array; atMs: number }
  /** An answer leaves: `code` is the answer's code (the command's plus one). */
  | { kind: 'answer'; code: number; data: Uint8Array; atMs: number }
  /** The application-level error frame leaves (UM0701-02 6.2.1.5). */
  | { kind: 'error-frame'; atMs: number }
  /** A command in progress was cut short by an ACK from the host. */
  | { kind: 'abort'; atMs: number }
  | { kind: 'misuse'; misuse: Misuse };

export interface Pn532EmulatorOptions {
  clock: Clock;
  /**
   * Keep `commands`, `exchanges` and `misuse` (default true). A long-running emulator
   * (`pos emulate pn532`) turns it off so memory does not grow with every poll, and
   * reads the same facts through `observe`.
   */
  record?: boolean;
  /** GetFirmwareVersion answer; default IC 0x32, V1.6, support 0x07. */
  firmware?: { ic?: number; version?: number; revision?: number; support?: number };
  /** ms the chip takes to answer any command after its ACK. Default 0. */
  processingMs?: number;
  /** ms a card takes to answer an APDU unless the card says otherwise. Default 0. */
  cardProcessingMs?: number;
  /** ms of one passive activation attempt that finds nothing. Default 5. */
  activationAttemptMs?: number;
  /**
   * HSU wake-up: after the byte that wakes it the chip does not hear the line until
   * `wakeupMs` have passed or `wakeupBytes` more bytes went by, whichever comes first
   * (SPI: for `wakeupMs`). Defaults 1 ms and 10 bytes.
   */
  wakeupMs?: number;
  wakeupBytes?: number;
  /** Most bytes of card data in one InDataExchange answer before MI chaining. Default 262. */
  bufferSize?: number;
  /** P70_IRQ: driven low while a frame waits to be read (I2C and SPI). */
  irq?: SimGpioLine;
}

type Power = 'low-vbat' | 'awake' | 'power-down' | 'reset';

interface Running {
  cancel(): void;
  /** Cards came or went while the command waits for one. */
  fieldChanged?(): void;
}

interface ActiveTarget {
  tg: number;
  card: RfCard;
  profile: CardProfile;
  deselected: boolean;
  /** The card's ISO/IEC 14443-4 state; null when it was activated at layer 3 only (no RATS / ATTRIB). */
  picc: PiccState | null;
}

const CODE = {
  Diagnose: 0x00,
  GetFirmwareVersion: 0x02,
  ReadRegister: 0x06,
  WriteRegister: 0x08,
  SetParameters: 0x12,
  SAMConfiguration: 0x14,
  PowerDown: 0x16,
  RFConfiguration: 0x32,
  InDataExchange: 0x40,
  InCommunicateThru: 0x42,
  InDeselect: 0x44,
  InListPassiveTarget: 0x4a,
  InRelease: 0x52,
  InAutoPoll: 0x60,
} as const;

/** Every command of UM0701-02 7 by code, to tell "not emulated" from "does not exist" and for logs. */
const PN532_COMMANDS: ReadonlyMap<number, string> = new Map([
  [0x00, 'Diagnose'],
  [0x02, 'GetFirmwareVersion'],
  [0x04, 'GetGeneralStatus'],
  [0x06, 'ReadRegister'],
  [0x08, 'WriteRegister'],
  [0x0c, 'ReadGPIO'],
  [0x0e, 'WriteGPIO'],
  [0x10, 'SetSerialBaudRate'],
  [0x12, 'SetParameters'],
  [0x14, 'SAMConfiguration'],
  [0x16, 'PowerDown'],
  [0x32, 'RFConfiguration'],
  [0x58, 'RFRegulationTest'],
  [0x56, 'InJumpForDEP'],
  [0x46, 'InJumpForPSL'],
  [0x4a, 'InListPassiveTarget'],
  [0x50, 'InATR'],
  [0x4e, 'InPSL'],
  [0x40, 'InDataExchange'],
  [0x42, 'InCommunicateThru'],
  [0x44, 'InDeselect'],
  [0x52, 'InRelease'],
  [0x54, 'InSelect'],
  [0x60, 'InAutoPoll'],
  [0x8c, 'TgInitAsTarget'],
  [0x92, 'TgSetGeneralBytes'],
  [0x86, 'TgGetData'],
  [0x8e, 'TgSetData'],
  [0x94, 'TgSetMetaData'],
  [0x88, 'TgGetInitiatorCommand'],
  [0x90, 'TgResponseToInitiator'],
  [0x8a, 'TgGetTargetStatus'],
]);

/** "InListPassiveTarget" for 0x4A, "0x7E" for a code the PN532 does not have. */
export function pn532CommandName(code: number): string {
  return PN532_COMMANDS.get(code) ?? `0x${hex(code)}`;
}

const WAKE_HSU = 0x10;
const WAKE_SPI = 0x20;
const WAKE_I2C = 0x80;

/** RFConfiguration item lengths (UM0701-02 7.3.1), analog settings included. */
const RF_ITEM_LENGTH: Record<number, number> = { 0x01: 1, 0x02: 3, 0x04: 1, 0x05: 3, 0x0a: 11, 0x0b: 3, 0x0c: 1, 0x0d: 9 };

/** fRemovePrePostAmble of SetParameters (7.2.9). */
const PARAM_NO_PREPOSTAMBLE = 0x40;
const PARAM_AUTO_RATS = 0x10;
const PARAM_AUTO_ATR_RES = 0x04;

export class Pn532Emulator {
  readonly misuse: Misuse[] = [];
  readonly commands: ReceivedCommand[] = [];
  readonly exchanges: CardExchange[] = [];
  readonly faults: Pn532Faults = { loseCommands: 0, dropAcks: 0, corruptAnswers: 0, delayMs: 0, i2cNacks: 0 };
  /** ACK frames from the host (aborts and courtesy ACKs), NACKs, and commands they aborted. */
  acksReceived = 0;
  nacksReceived = 0;
  aborts = 0;

  private readonly clock: Clock;
  private readonly firmware: [number, number, number, number];
  private readonly processingMs: number;
  private readonly cardProcessingMs: number;
  private readonly activationAttemptMs: number;
  private readonly wakeupMs: number;
  private readonly wakeupBytes: number;
  private readonly bufferSize: number;
  private readonly irq: SimGpioLine | undefined;
  private readonly record: boolean;
  private observers: ((e: Pn532Event) => void)[] = [];

  private link: 'hsu' | 'i2c' | 'spi' | null = null;
  private serial: SerialDevicePort | null = null;
  private serialChain: Promise<void> = Promise.resolve();
  private readonly reader = new HostFrameReader();
  private readonly outbox: Uint8Array[] = [];
  private outPos = 0;

  private power: Power = 'low-vbat';
  private wakeSources = 0xff;
  private sleepAfterAnswer = false;
  private asleepReported = false;
  private samDone = false;
  private deafUntil = 0;
  private deafBytes = 0;
  private running: Running | null = null;
  private lastAnswer: Uint8Array | null = null;

  private cards: RfCard[] = [];
  private targets: ActiveTarget[] = [];
  private chainIn: Uint8Array[] = [];
  private chainOut: Uint8Array | null = null;

  /** SetParameters flags; automatic ATR_RES and RATS on, as the driver sets them anyway. */
  private parameters = PARAM_AUTO_ATR_RES | PARAM_AUTO_RATS;
  /** The CIU and SFR registers; the RF field is TxControl's driver bits. */
  private readonly regs = new RegisterFile((address, what) =>
    this.note('unsupported', `a ${what} of register 0x${address.toString(16).padStart(4, '0').toUpperCase()}, which is not modelled`),
  );
  private maxRetries = { atr: 0xff, psl: 0x01, passive: 0xff };
  private maxRtyCom = 0;
  private retryTimeoutCode = 0x0a;

  constructor(options: Pn532EmulatorOptions) {
    this.clock = options.clock;
    const fw = options.firmware ?? {};
    this.firmware = [fw.ic ?? 0x32, fw.version ?? 0x01, fw.revision ?? 0x06, fw.support ?? 0x07];
    this.processingMs = options.processingMs ?? 0;
    this.cardProcessingMs = options.cardProcessingMs ?? 0;
    this.activationAttemptMs = options.activationAttemptMs ?? 5;
    this.wakeupMs = options.wakeupMs ?? 1;
    this.wakeupBytes = options.wakeupBytes ?? 10;
    this.bufferSize = options.bufferSize ?? 262;
    this.irq = options.irq;
    this.irq?.drive(null);
    this.record = options.record ?? true;
  }

  /** Calls `listener` with each event as it happens; returns a function that stops it. */
  observe(listener: (e: Pn532Event) => void): () => void {
    this.observers.push(listener);
    return () => {
      this.observers = this.observers.filter((l) => l !== listener);
    };
  }

  private tell(e: Pn532Event): void {
    for (const l of this.observers) l(e);
  }

  // ---- the field ----

  /** Puts a card in the field (at most two). */
  placeCard(card: RfCard): void {
    cardProfile(card);
    if (this.cards.includes(card)) throw new ValidationError('that card is already in the field');
    if (this.cards.length >= 2) throw new ValidationError('the emulated field holds at most two cards');
    this.cards.push(card);
    this.running?.fieldChanged?.();
  }

  /** Takes one card (or every card) out of the field. */
  removeCard(card?: RfCard): void {
    this.cards = card ? this.cards.filter((c) => c !== card) : [];
    this.running?.fieldChanged?.();
  }

  get field(): readonly RfCard[] {
    return this.cards;
  }

  /** True while the RF field is on. */
  get fieldOn(): boolean {
    return this.rfOn;
  }

  /** A register as the host would read it (ReadRegister, UM0701-02 7.2.4). */
  register(address: number): number {
    return this.regs.peek(address);
  }

  private get rfOn(): boolean {
    return (this.regs.peek(REG.TxControl) & RF_ON) === RF_ON;
  }

  private set rfOn(on: boolean) {
    this.regs.update(REG.TxControl, RF_ON, on ? RF_ON : 0);
  }

  /** 'low-vbat' after power-on, 'awake', 'power-down' after PowerDown, 'reset' while RSTPDN is low. */
  get state(): Power {
    return this.power;
  }

  // ---- the links (one at a time, as the interface pins I0/I1 select) ----

  /** HSU: the device side of a serial pair, or of a real tty through serial-bridge.ts. */
  connectSerial(end: SerialDevicePort): void {
    this.claim('hsu');
    this.serial = end;
    end.onData((data) => this.hearHsu(data));
  }

  /** I2C: a target at `address` (0x24) on the bus. */
  connectI2c(bus: SimI2cBus, address = 0x24): void {
    this.claim('i2c');
    const target: I2cTarget = {
      onWrite: (data) => this.i2cWrite(bus.path, address, data),
      onRead: (length) => this.i2cRead(bus.path, address, length),
    };
    bus.attach(address, target);
  }

  /** SPI: the device on this chip select; LSB first, mode 0 (UM0701-02 6.2.5). */
  connectSpi(spi: SimSpiDevice): void {
    this.claim('spi');
    const target: SpiTarget = { bitOrder: 'lsb-first', mode: 0, transfer: (mosi) => this.spiTransfer(mosi) };
    spi.attach(target);
  }

  /** RSTPDN: low holds the chip in reset; rising starts it again in Low VBat. */
  connectReset(line: SimGpioLine): void {
    if (line.level() === 0) this.enterReset();
    line.observe((v) => (v === 0 ? this.enterReset() : this.powerOn()));
  }

  private claim(kind: 'hsu' | 'i2c' | 'spi'): void {
    if (this.link) throw new ValidationError(`the PN532 emulator is already on ${this.link}; it has one host interface`);
    this.link = kind;
  }

  private enterReset(): void {
    this.cancelRunning();
    this.power = 'reset';
    this.outbox.length = 0;
    this.outPos = 0;
    this.targets = [];
    this.regs.reset();
    this.updateIrq();
  }

  private powerOn(): void {
    if (this.power !== 'reset') return;
    this.power = 'low-vbat';
    this.wakeSources = 0xff;
    this.samDone = false;
    this.asleepReported = false;
    this.parameters = PARAM_AUTO_ATR_RES | PARAM_AUTO_RATS;
    this.maxRetries = { atr: 0xff, psl: 0x01, passive: 0xff };
    this.maxRtyCom = 0;
    this.retryTimeoutCode = 0x0a;
    this.lastAnswer = null;
    this.reader.reset();
  }

  private asleep(): boolean {
    return this.power === 'low-vbat' || this.power === 'power-down';
  }

  /** Tries to wake for `source`; false (and a misuse note) when that source may not. */
  private wake(source: number, how: string): boolean {
    if ((this.wakeSources & source) === 0) {
      if (!this.asleepReported) this.note('asleep', `${how} while asleep, and PowerDown did not enable ${how} as a wake-up source`);
      this.asleepReported = true;
      return false;
    }
    this.power = 'awake';
    this.asleepReported = false;
    this.reader.reset();
    return true;
  }

  private hearHsu(data: Uint8Array): void {
    for (const b of data) {
      if (this.power === 'reset') {
        if (!this.asleepReported) this.note('asleep', 'HSU bytes while RSTPDN holds the chip in reset');
        this.asleepReported = true;
        continue;
      }
      if (this.asleep()) {
        // UM0701-02 7.2.11: a byte on HSU wakes the chip, which misses that byte and what
        // follows until its oscillator runs; hence the host's long 0x55 00 00 ... preamble.
        if (this.wake(WAKE_HSU, 'HSU')) {
          this.deafBytes = this.wakeupBytes;
          this.deafUntil = this.clock.monotonic() + this.wakeupMs;
        }
        continue;
      }
      if (this.deafBytes > 0 && this.clock.monotonic() < this.deafUntil) {
        this.deafBytes--;
        continue;
      }
      this.deafBytes = 0;
      this.feed(b);
    }
  }

  private i2cWrite(bus: string, address: number, data: Uint8Array): void {
    if (this.faults.i2cNacks > 0) {
      this.faults.i2cNacks--;
      throw new I2cNackError(bus, address);
    }
    if (this.power === 'reset') throw new I2cNackError(bus, address);
    if (this.asleep() && !this.wake(WAKE_I2C, 'I2C')) throw new I2cNackError(bus, address);
    for (const b of data) this.feed(b);
  }

  private i2cRead(bus: string, address: number, length: number): Uint8Array {
    if (this.faults.i2cNacks > 0) {
      this.faults.i2cNacks--;
      throw new I2cNackError(bus, address);
    }
    if (this.power === 'reset') throw new I2cNackError(bus, address);
    if (this.asleep() && !this.wake(WAKE_I2C, 'I2C')) throw new I2cNackError(bus, address);
    const out = new Uint8Array(length);
    if (length === 0) return out;
    // UM0701-02 6.2.4: every read starts with the status byte, RDY in bit 0.
    if (this.outbox.length === 0) {
      if (length > 1) this.note('read-before-ready', `an I2C read of ${length} bytes while RDY was 0`);
      return out;
    }
    out[0] = 0x01;
    out.set(this.take(length - 1), 1);
    return out;
  }

  private spiTransfer(mosi: Uint8Array): Uint8Array {
    const n = mosi.length;
    const idle = new Uint8Array(n).fill(0xff);
    if (this.power === 'reset') return idle;
    if (this.asleep()) {
      // Chip select wakes the chip; the transfer that did it is lost (UM0701-02 7.2.11).
      if (this.wake(WAKE_SPI, 'SPI')) this.deafUntil = this.clock.monotonic() + this.wakeupMs;
      return idle;
    }
    if (this.clock.monotonic() < this.deafUntil) return idle;
    const out = new Uint8Array(n);
    if (n === 0) return out;
    switch (mosi[0]) {
      case 0x01: // DW
        for (const b of mosi.subarray(1)) this.feed(b);
        return out;
      case 0x02: // SR
        if (n > 1) out[1] = this.outbox.length > 0 ? 0x01 : 0x00;
        return out;
      case 0x03: // DR
        if (this.outbox.length === 0) {
          this.note('read-before-ready', `an SPI data read of ${n - 1} bytes while RDY was 0`);
          return out;
        }
        out.set(this.take(n - 1), 1);
        return out;
      default:
        this.note('spi-unknown-prefix', `transfer starts with 0x${hex(mosi[0]!)}, not DW 0x01, SR 0x02 or DR 0x03`);
        return out;
    }
  }

  /** The next `n` bytes of the frame being read; 00 beyond its end. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const f = this.outbox[0];
    if (!f) return out;
    const part = f.subarray(this.outPos, this.outPos + n);
    out.set(part);
    this.outPos += part.length;
    if (this.outPos >= f.length) {
      this.outbox.shift();
      this.outPos = 0;
      this.updateIrq();
      if (this.outbox.length === 0 && this.sleepAfterAnswer) this.goToSleep();
    }
    return out;
  }

  private updateIrq(): void {
    if (!this.irq || this.link === 'hsu') return;
    this.irq.drive(this.outbox.length > 0 ? 0 : null);
  }

  private emit(bytes: Uint8Array): void {
    if (this.link === 'hsu') {
      const end = this.serial!;
      this.serialChain = this.serialChain.then(() => end.write(bytes)).catch(() => undefined);
    } else {
      this.outbox.push(bytes);
      this.updateIrq();
    }
  }

  private recordExchange(x: CardExchange): void {
    if (this.record) this.exchanges.push(x);
  }

  private note(kind: MisuseKind, detail: string): void {
    const m: Misuse = { kind, detail, atMs: this.clock.monotonic() };
    if (this.record) this.misuse.push(m);
    this.tell({ kind: 'misuse', misuse: m });
  }

  // ---- frames from the host ----

  private feed(b: number): void {
    const ev = this.reader.feed(b);
    if (ev) this.onFrame(ev);
  }

  private onFrame(ev: HostFrame): void {
    switch (ev.kind) {
      case 'ack':
        // UM0701-02 6.2.2: an ACK from the host aborts the command in progress.
        this.acksReceived++;
        if (this.running) {
          this.cancelRunning();
          this.aborts++;
          this.tell({ kind: 'abort', atMs: this.clock.monotonic() });
          // An exchange cut short leaves no half-chained APDU behind.
          this.chainIn = [];
          this.chainOut = null;
        }
        return;
      case 'nack':
        // UM0701-02 6.2.1.4: send the last answer again.
        this.nacksReceived++;
        if (this.lastAnswer) this.emitAnswer(this.lastAnswer);
        else this.note('nack-without-answer', 'NACK with no answer to repeat');
        return;
      case 'bad':
        this.note(ev.field === 'LEN' ? 'bad-length' : 'bad-checksum', `${ev.field}: ${ev.detail}; frame dropped, no ACK`);
        return;
      case 'frame':
        this.onCommandFrame(ev.tfi, ev.data);
    }
  }

  private onCommandFrame(tfi: number, data: Uint8Array): void {
    if (this.faults.loseCommands > 0) {
      this.faults.loseCommands--;
      return;
    }
    // A new command ends the one still running.
    if (this.running) this.cancelRunning();
    if (this.faults.dropAcks > 0) this.faults.dropAcks--;
    else this.emit(CHIP_ACK);
    this.lastAnswer = null;
    if (tfi !== 0xd4) {
      this.note('bad-tfi', `TFI 0x${hex(tfi)} in a frame from the host (0xD4 expected)`);
      this.emitError();
      return;
    }
    if (data.length === 0) {
      this.note('bad-parameters', 'a frame with no command code');
      this.emitError();
      return;
    }
    const code = data[0]!;
    const params = data.slice(1);
    const atMs = this.clock.monotonic();
    if (this.record) this.commands.push({ code, params, atMs });
    this.tell({ kind: 'command', code, params, atMs });
    if (this.power === 'awake' && !this.samDone && code !== CODE.SAMConfiguration) {
      this.note('before-sam-configuration', `command 0x${hex(code)} before SAMConfiguration after power-on`);
    }
    this.dispatch(code, params);
  }

  private emitError(): void {
    this.tell({ kind: 'error-frame', atMs: this.clock.monotonic() });
    this.emit(CHIP_ERROR_FRAME);
  }

  private refuse(kind: MisuseKind, detail: string): void {
    this.note(kind, detail);
    this.emitError();
  }

  private cancelRunning(): void {
    const r = this.running;
    this.running = null;
    r?.cancel();
  }

  /** Sends the answer to `code` after the chip's processing time plus `afterMs`. */
  private answer(code: number, params: ArrayLike<number>, afterMs = 0): void {
    const data = Uint8Array.of(code + 1, ...Array.from(params));
    const send = () => {
      this.running = null;
      const frame = chipFrame(data, (this.parameters & PARAM_NO_PREPOSTAMBLE) === 0);
      this.lastAnswer = frame;
      this.tell({ kind: 'answer', code: code + 1, data: data.subarray(1), atMs: this.clock.monotonic() });
      this.emitAnswer(frame);
      if (code === CODE.PowerDown) {
        // The chip sleeps once its answer is out: on HSU when the bytes have left, on
        // I2C and SPI when the host has read them.
        if (this.link === 'hsu') this.serialChain = this.serialChain.then(() => this.goToSleep());
        else this.sleepAfterAnswer = true;
      }
    };
    const delay = this.processingMs + this.faults.delayMs + afterMs;
    if (delay <= 0) {
      send();
      return;
    }
    const timer = this.clock.setTimer(delay, send);
    this.running = { cancel: () => timer.cancel() };
  }

  /** An answer frame leaves, damaged on the way while `faults.corruptAnswers` says so. */
  private emitAnswer(frame: Uint8Array): void {
    let wire = frame;
    if (this.faults.corruptAnswers > 0) {
      this.faults.corruptAnswers--;
      wire = Uint8Array.from(frame);
      // The last data byte: the frame still parses, its DCS no longer matches.
      const at = wire.length - ((this.parameters & PARAM_NO_PREPOSTAMBLE) === 0 ? 3 : 2);
      wire[at] = wire[at]! ^ 0x5a;
    }
    this.emit(wire);
  }

  private goToSleep(): void {
    this.sleepAfterAnswer = false;
    this.power = 'power-down';
    this.asleepReported = false;
    this.targets = [];
    this.rfOn = false;
  }

  // ---- commands (UM0701-02 7) ----

  private dispatch(code: number, p: Uint8Array): void {
    switch (code) {
      case CODE.Diagnose:
        return this.diagnose(p);
      case CODE.GetFirmwareVersion:
        return this.answer(code, this.firmware);
      case CODE.ReadRegister:
        return this.readRegister(p);
      case CODE.WriteRegister:
        return this.writeRegister(p);
      case CODE.SAMConfiguration:
        return this.samConfiguration(p);
      case CODE.SetParameters:
        if (p.length !== 1) return this.refuse('bad-parameters', `SetParameters takes 1 byte, got ${p.length}`);
        this.parameters = p[0]!;
        return this.answer(code, []);
      case CODE.RFConfiguration:
        return this.rfConfiguration(p);
      case CODE.PowerDown:
        if (p.length < 1 || p.length > 2) return this.refuse('bad-parameters', `PowerDown takes 1 or 2 bytes, got ${p.length}`);
        this.wakeSources = p[0]!;
        return this.answer(code, [0x00]);
      case CODE.InListPassiveTarget:
        return this.inListPassiveTarget(p);
      case CODE.InAutoPoll:
        return this.inAutoPoll(p);
      case CODE.InDataExchange:
        return this.inDataExchange(p);
      case CODE.InCommunicateThru:
        return this.inCommunicateThru(p);
      case CODE.InDeselect:
      case CODE.InRelease:
        return this.deselectOrRelease(code, p);
      default:
        if (PN532_COMMANDS.has(code)) return this.refuse('unsupported', `command 0x${hex(code)} is not emulated`);
        return this.refuse('unknown-command', `0x${hex(code)} is no PN532 command`);
    }
  }

  /** 7.2.1 */
  private diagnose(p: Uint8Array): void {
    if (p.length < 1) return this.refuse('bad-parameters', 'Diagnose without NumTst');
    const test = p[0]!;
    if (test === 0x00) return this.answer(CODE.Diagnose, p);
    if (test === 0x06) {
      const t = this.targets.find((x) => !x.deselected);
      if (!t) {
        this.note('no-target', 'Diagnose 0x06 with no active target');
        return this.answer(CODE.Diagnose, [0x27]);
      }
      if (!this.inField(t.card)) return this.answer(CODE.Diagnose, [0x01], this.rfTimeoutMs());
      return this.answer(CODE.Diagnose, [0x00]);
    }
    return this.refuse('unsupported', `Diagnose test 0x${hex(test)} is not emulated`);
  }

  /** 7.2.4: two address bytes (high first) per register; the answer is the values in order. */
  private readRegister(p: Uint8Array): void {
    if (p.length === 0 || p.length % 2 !== 0) return this.refuse('bad-parameters', `ReadRegister takes address pairs, got ${p.length} bytes`);
    const values: number[] = [];
    for (let i = 0; i < p.length; i += 2) values.push(this.regs.read((p[i]! << 8) | p[i + 1]!));
    this.answer(CODE.ReadRegister, values);
  }

  /** 7.2.5: address (high, low) and value per register; the answer is empty. */
  private writeRegister(p: Uint8Array): void {
    if (p.length === 0 || p.length % 3 !== 0) return this.refuse('bad-parameters', `WriteRegister takes address and value triples, got ${p.length} bytes`);
    for (let i = 0; i < p.length; i += 3) {
      const address = (p[i]! << 8) | p[i + 1]!;
      const wasOn = this.rfOn;
      this.regs.write(address, p[i + 2]!);
      // Switching the drivers off by hand powers the cards down as RFConfiguration does.
      if (wasOn && !this.rfOn) this.targets = [];
    }
    this.answer(CODE.WriteRegister, []);
  }

  /** 7.2.10 */
  private samConfiguration(p: Uint8Array): void {
    const mode = p[0];
    if (mode === undefined || mode < 1 || mode > 4 || p.length > 3) {
      return this.refuse('bad-parameters', `SAMConfiguration mode ${mode ?? 'missing'} with ${p.length} bytes`);
    }
    if (mode === 2 && p.length < 2) return this.refuse('bad-parameters', 'SAMConfiguration virtual card mode needs a timeout');
    if (mode !== 1) this.note('unsupported', `SAM mode ${mode}: only normal mode (1) is emulated`);
    this.samDone = true;
    this.answer(CODE.SAMConfiguration, []);
  }

  /** 7.3.1 */
  private rfConfiguration(p: Uint8Array): void {
    const item = p[0];
    const want = item === undefined ? undefined : RF_ITEM_LENGTH[item];
    if (item === undefined || want === undefined) return this.refuse('bad-parameters', `RFConfiguration item ${item ?? 'missing'}`);
    if (p.length - 1 !== want) {
      return this.refuse('bad-parameters', `RFConfiguration item 0x${hex(item)} takes ${want} bytes, got ${p.length - 1}`);
    }
    if (item === 0x01) {
      this.rfOn = (p[1]! & 0x01) !== 0;
      // Cards lose their power with the field: every target is gone.
      if (!this.rfOn) this.targets = [];
    } else if (item === 0x02) {
      this.retryTimeoutCode = p[3]!;
    } else if (item === 0x04) {
      this.maxRtyCom = p[1]!;
    } else if (item === 0x05) {
      this.maxRetries = { atr: p[1]!, psl: p[2]!, passive: p[3]! };
    }
    this.answer(CODE.RFConfiguration, []);
  }

  private inField(card: RfCard): boolean {
    return this.rfOn && this.cards.includes(card);
  }

  /** How long an exchange waits for a card that does not answer: fRetryTimeout * (MaxRtyCOM + 1). */
  private rfTimeoutMs(): number {
    const code = this.retryTimeoutCode;
    const one = code === 0 ? 0 : 0.1 * 2 ** (Math.min(code, 16) - 1);
    return one * (this.maxRtyCom + 1);
  }

  private cardsOf(type: 'A' | 'B', iso4Only = false): RfCard[] {
    return this.cards.filter((c) => c.type === type && (!iso4Only || c.type === 'B' || cardProfile(c).ats !== undefined));
  }

  private activate(cards: RfCard[]): ActiveTarget[] {
    this.targets = cards.map((card, i) => {
      const profile = cardProfile(card);
      // Type B is activated with ATTRIB; type A speaks ISO/IEC 14443-4 once the chip sent RATS.
      const isoDep = card.type === 'B' || ((profile.sak & 0x20) !== 0 && (this.parameters & PARAM_AUTO_RATS) !== 0);
      return { tg: i + 1, card, profile, deselected: false, picc: isoDep ? newPiccState() : null };
    });
    this.chainIn = [];
    this.chainOut = null;
    // The firmware leaves the CIU as the activation needed it: 106 kbps, framing A or B,
    // CRC on both ways (SELECT, RATS and ATTRIB carry one). Raw frames sent afterwards
    // with InCommunicateThru go out like that unless the host rewrites the registers.
    const framing = cards[0]?.type === 'B' ? FRAMING_B : FRAMING_A;
    this.regs.update(REG.TxMode, CRC_EN | 0x70 | FRAMING_MASK, CRC_EN | framing);
    this.regs.update(REG.RxMode, CRC_EN | 0x70 | FRAMING_MASK, CRC_EN | framing);
    return this.targets;
  }

  private targetData(t: ActiveTarget): number[] {
    const { card, profile } = t;
    if (card.type === 'B') return [t.tg, ...profile.atqb, profile.attribRes.length, ...profile.attribRes];
    // SENS_RES goes to the host high byte first (UM0701-02 7.3.5: a MIFARE 1K lists as
    // 00 04, a 7-byte UID card as 00 44), the reverse of the air order the card keeps.
    const d = [t.tg, profile.atqa[1]!, profile.atqa[0]!, profile.sak, card.uid.length, ...card.uid];
    // With fAutomaticRATS the chip sends RATS to an ISO/IEC 14443-4 card and adds the ATS.
    if ((profile.sak & 0x20) !== 0 && (this.parameters & PARAM_AUTO_RATS) !== 0 && profile.ats) d.push(...profile.ats);
    return d;
  }

  /** Runs `attempt` now and whenever the field changes, until it answers or `finish` fires. */
  private waitForCards(attempt: () => boolean, forever: boolean, giveUpMs: number, finish: () => void): void {
    this.rfOn = true;
    if (attempt()) return;
    let timer: TimerHandle | null = null;
    const running: Running = {
      cancel: () => timer?.cancel(),
      fieldChanged: () => {
        if (this.running !== running) return;
        this.running = null;
        if (attempt()) {
          timer?.cancel();
          return;
        }
        this.running = running;
      },
    };
    if (!forever) {
      timer = this.clock.setTimer(giveUpMs, () => {
        if (this.running !== running) return;
        this.running = null;
        finish();
      });
    }
    this.running = running;
  }

  /** 7.3.5 */
  private inListPassiveTarget(p: Uint8Array): void {
    const code = CODE.InListPassiveTarget;
    if (p.length < 2) return this.refuse('bad-parameters', 'InListPassiveTarget needs MaxTg and BrTy');
    const maxTg = p[0]!;
    const brty = p[1]!;
    if (maxTg < 1 || maxTg > 2) return this.refuse('bad-parameters', `InListPassiveTarget MaxTg ${maxTg} (1 or 2)`);
    let type: 'A' | 'B' | null = null;
    if (brty === 0x00) {
      type = 'A';
      if (p.length > 2) this.note('unsupported', 'InListPassiveTarget 106A with a UID to select is not emulated; UID ignored');
    } else if (brty === 0x03) {
      type = 'B';
      if (p.length < 3) return this.refuse('bad-parameters', 'InListPassiveTarget 106B needs the AFI byte');
    } else if (brty > 0x04) {
      return this.refuse('bad-parameters', `InListPassiveTarget BrTy 0x${hex(brty)}`);
    } else {
      this.note('unsupported', `BrTy 0x${hex(brty)} (FeliCa, Jewel): no such card is ever found`);
    }
    this.targets = [];
    const attempt = () => {
      const found = type ? this.cardsOf(type).slice(0, maxTg) : [];
      if (found.length === 0) return false;
      const active = this.activate(found);
      this.answer(code, [active.length, ...active.flatMap((t) => this.targetData(t))]);
      return true;
    };
    const retries = this.maxRetries.passive;
    this.waitForCards(attempt, retries === 0xff, (retries + 1) * this.activationAttemptMs, () => this.answer(code, [0x00]));
  }

  /** 7.3.13 */
  private inAutoPoll(p: Uint8Array): void {
    const code = CODE.InAutoPoll;
    if (p.length < 3 || p.length > 17) return this.refuse('bad-parameters', `InAutoPoll with ${p.length} bytes`);
    const pollNr = p[0]!;
    const period = p[1]!;
    const types = Array.from(p.subarray(2));
    if (pollNr === 0 || period < 1 || period > 15) return this.refuse('bad-parameters', `InAutoPoll PollNr ${pollNr}, Period ${period}`);
    const kindOf = (t: number): { type: 'A' | 'B'; iso4: boolean } | null => {
      if (t === 0x00 || t === 0x10) return { type: 'A', iso4: false };
      if (t === 0x20) return { type: 'A', iso4: true };
      if (t === 0x03 || t === 0x23) return { type: 'B', iso4: true };
      return null;
    };
    const unknown = types.filter((t) => kindOf(t) === null);
    if (unknown.length > 0) this.note('unsupported', `InAutoPoll types ${unknown.map(hex).join(', ')} are never found`);
    this.targets = [];
    const attempt = () => {
      for (const t of types) {
        const k = kindOf(t);
        if (!k) continue;
        const found = this.cardsOf(k.type, k.iso4).slice(0, 2);
        if (found.length === 0) continue;
        const active = this.activate(found);
        const out: number[] = [active.length];
        for (const a of active) {
          const d = this.targetData(a);
          out.push(t, d.length, ...d);
        }
        this.answer(code, out);
        return true;
      }
      return false;
    };
    this.waitForCards(attempt, pollNr === 0xff, pollNr * period * 150, () => this.answer(code, [0x00]));
  }

  /** 7.3.8, with MI chaining both ways. */
  private inDataExchange(p: Uint8Array): void {
    const code = CODE.InDataExchange;
    if (p.length < 1) return this.refuse('bad-parameters', 'InDataExchange without Tg');
    const mi = (p[0]! & 0x40) !== 0;
    const tg = p[0]! & 0x3f;
    const data = p.subarray(1);
    const t = this.targets.find((x) => x.tg === tg);
    if (!t || t.deselected) {
      this.note('no-target', `InDataExchange with target ${tg}, which is not active`);
      return this.answer(code, [0x27]);
    }
    if (!this.inField(t.card)) {
      this.chainIn = [];
      this.chainOut = null;
      return this.answer(code, [0x01], this.rfTimeoutMs());
    }
    if (this.chainOut) {
      if (data.length === 0 && !mi) return this.sendChainedPart();
      this.note('chaining', 'a new exchange before the rest of a chained answer was fetched');
      this.chainOut = null;
    }
    if (mi) {
      this.chainIn.push(Uint8Array.from(data));
      return this.answer(code, [0x00]);
    }
    const apdu = concat(...this.chainIn, data);
    this.chainIn = [];
    if (apdu.length === 0) return this.refuse('bad-parameters', 'InDataExchange with no data and nothing chained to fetch');
    const card = t.card;
    const finish = () => {
      this.running = null;
      if (!this.inField(card)) {
        this.recordExchange({ tg, apdu, response: null });
        return this.answer(code, [0x01], this.rfTimeoutMs());
      }
      let response: Uint8Array;
      try {
        // A card that a raw S(DESELECT) put to sleep no longer answers I-blocks.
        if (t.picc?.deselected) throw new Error('deselected');
        response = card.transceive(apdu);
      } catch {
        this.recordExchange({ tg, apdu, response: null });
        return this.answer(code, [0x01], this.rfTimeoutMs());
      }
      this.recordExchange({ tg, apdu, response: Uint8Array.from(response) });
      if (t.picc) {
        // Seen from the card, the chip's exchange is one I-block each way (longer ones
        // chain, which raw frames after it do not need to know).
        t.picc.blockNumber ^= 1;
        t.picc.lastBlock = Uint8Array.of(0x02 | t.picc.blockNumber, ...response);
      }
      this.chainOut = response;
      this.sendChainedPart();
    };
    const ms = card.processingMs ?? this.cardProcessingMs;
    if (ms <= 0) return finish();
    const timer = this.clock.setTimer(ms, finish);
    this.running = { cancel: () => timer.cancel() };
  }

  /**
   * 7.3.9: a raw frame, sent as the CIU registers set the line up: the framing of
   * CIU_TxMode picks which cards hear it, bit 7 of CIU_TxMode / CIU_RxMode says whether
   * the chip adds and checks the CRC or the host does. Only an activated ISO/IEC 14443-4
   * card answers, at block level (iso-dep.ts); nothing else in the field answers raw
   * frames here, so the chip reports the timeout (0x01) after the RF timeout, as it does
   * for a frame no card hears.
   */
  private inCommunicateThru(p: Uint8Array): void {
    const code = CODE.InCommunicateThru;
    const silence = () => this.answer(code, [0x01], this.rfTimeoutMs());
    const txMode = this.regs.peek(REG.TxMode);
    const rxMode = this.regs.peek(REG.RxMode);
    const framing = txMode & FRAMING_MASK;
    const type = framing === FRAMING_A ? 'A' : framing === FRAMING_B ? 'B' : null;
    // Short frames (REQA, WUPA: TxLastBits) and speeds above 106 kbps are not modelled.
    if (!type || (txMode & 0x70) !== 0 || (this.regs.peek(REG.BitFraming) & 0x07) !== 0) return silence();
    let frame = p;
    if ((txMode & CRC_EN) === 0) {
      if (!crcMatches(type, frame)) return silence();
      frame = frame.subarray(0, frame.length - 2);
    }
    const t = this.targets.find((x) => !x.deselected && x.picc && x.card.type === type && this.inField(x.card));
    if (!t) return silence();
    const card = t.card;
    const reply = piccBlock(t.picc!, frame, (c) => {
      const r = card.transceive(c);
      this.recordExchange({ tg: t.tg, apdu: c, response: Uint8Array.from(r) });
      return r;
    });
    if (!reply) return silence();
    const wire = (rxMode & CRC_EN) === 0 ? Uint8Array.from([...reply, ...crc14443(type, reply)]) : reply;
    this.answer(code, [0x00, ...wire]);
  }

  /** The next part of a card's answer; MI set while more remains. */
  private sendChainedPart(): void {
    const rest = this.chainOut ?? new Uint8Array(0);
    const part = rest.subarray(0, this.bufferSize);
    const left = rest.subarray(this.bufferSize);
    this.chainOut = left.length > 0 ? left : null;
    this.answer(CODE.InDataExchange, [left.length > 0 ? 0x40 : 0x00, ...part]);
  }

  /** 7.3.10 and 7.3.11; target 0 means all. */
  private deselectOrRelease(code: number, p: Uint8Array): void {
    if (p.length !== 1) return this.refuse('bad-parameters', `command 0x${hex(code)} takes the target number alone`);
    const tg = p[0]!;
    const hit = this.targets.filter((t) => tg === 0 || t.tg === tg);
    if (tg !== 0 && hit.length === 0) {
      this.note('no-target', `command 0x${hex(code)} for target ${tg}, which is not active`);
      return this.answer(code, [0x27]);
    }
    if (code === CODE.InRelease) this.targets = this.targets.filter((t) => !hit.includes(t));
    else for (const t of hit) t.deselected = true;
    this.chainIn = [];
    this.chainOut = null;
    this.answer(code, [0x00]);
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

