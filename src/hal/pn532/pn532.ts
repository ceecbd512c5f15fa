import { concat } from '../../bytes.js';
import { abortReason, I2cNackError, ReadTimeoutError, ValidationError } from '../../errors.js';
import type { Clock, GpioLine } from '../ports.js';
import {
  BRTY_106A,
  BRTY_106B,
  CMD,
  commandName,
  DecodeProblem,
  decodeAutoPoll,
  decodeFirmwareVersion,
  decodeListedTargets,
  DIAG_ATTENTION,
  DIAG_COMMUNICATION_LINE,
  PARAM,
  RETRY_FOREVER,
  RF_ITEM,
  SAM_NORMAL,
  type FirmwareVersion,
  type Target,
} from './commands.js';
import {
  Pn532AbsentError,
  Pn532FrameError,
  Pn532NoAckError,
  Pn532ResponseError,
  Pn532StatusError,
  Pn532SyntaxError,
  Pn532TimeoutError,
  Pn532WrongChipError,
} from './errors.js';
import { ACK_FRAME, encodeFrame, FRAME_OVERHEAD, FrameParser, MAX_FRAME_LENGTH, NACK_FRAME, TFI_HOST, TFI_PN532, type Frame } from './frame.js';
import type { Pn532Link } from './link.js';
import { STATUS_CODE_MASK, STATUS_MI } from './status.js';

/**
 * The PN532 chip logic: commands of UM0701-02 chapter 7 over any link, with the dialog of
 * 6.2.2 (command, ACK, answer), resending on a missing ACK, NACK on a damaged answer,
 * abort by ACK, and a timeout per command. One command runs at a time; callers queue.
 */

/** Largest DataOut / DataIn of one InDataExchange (UM0701-02 7.3.8). */
export const EXCHANGE_DATA_MAX = 262;

export interface Pn532Options {
  link: Pn532Link;
  clock: Clock;
  /** RSTPDN (active low), an output: pulsed at start when wired. */
  reset?: GpioLine;
  /**
   * How long to wait for the ACK before sending the command again. UM0701-02 6.2.3: "In
   * the case the host controller does not detect an ACK frame within these 15 ms, the host
   * controller should resend the same command frame." Default 15.
   */
  ackTimeoutMs?: number;
  /** Resends after a missing ACK before giving up. Default 2. */
  ackRetries?: number;
  /** NACKs sent to have a damaged answer sent again (UM0701-02 6.2.1.4). Default 2. */
  nackRetries?: number;
  /** Timeout of commands that do not set their own. Default 1000 ms. */
  commandTimeoutMs?: number;
  /**
   * MxRtyPassiveActivation set at start. The chip's default (0xFF) retries forever, so an
   * InListPassiveTarget with no card would never end; a small number keeps every poll
   * bounded (UM0701-02 7.3.1). Default 1.
   */
  passiveActivationRetries?: number;
  /** Bytes of APDU per InDataExchange before MI chaining; default and maximum 262. */
  exchangeChunk?: number;
}

export interface CommandOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Most data bytes the answer may carry after its code (sizes the I2C / SPI reads). */
  answerMax?: number;
}

export interface ExchangeResult {
  /** Status byte as sent: error code in the low six bits, MI in bit 6 (7.3.8). */
  status: number;
  data: Uint8Array;
}

/** Counters for diagnostics and tests. */
export interface Pn532Stats {
  commands: number;
  resends: number;
  nacks: number;
  aborts: number;
  frameErrors: number;
}

const EMPTY = new Uint8Array(0);

export class Pn532 {
  readonly path: string;
  private readonly link: Pn532Link;
  private readonly clock: Clock;
  private readonly parser = new FrameParser({ expectTfi: TFI_PN532 });
  private readonly ackTimeoutMs: number;
  private readonly ackRetries: number;
  private readonly nackRetries: number;
  private readonly commandTimeoutMs: number;
  private readonly exchangeChunk: number;
  private queue: Promise<unknown> = Promise.resolve();
  /** Low VBat after power-on (AN10609, PN532 C106) and PowerDown both need the link's wake-up. */
  private asleep = true;
  private firmwareVersion: FirmwareVersion | undefined;
  readonly stats: Pn532Stats = { commands: 0, resends: 0, nacks: 0, aborts: 0, frameErrors: 0 };

  private constructor(private readonly options: Pn532Options) {
    this.link = options.link;
    this.clock = options.clock;
    this.path = options.link.path;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 15;
    this.ackRetries = options.ackRetries ?? 2;
    this.nackRetries = options.nackRetries ?? 2;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    const chunk = options.exchangeChunk ?? EXCHANGE_DATA_MAX;
    if (!Number.isInteger(chunk) || chunk < 1 || chunk > EXCHANGE_DATA_MAX) {
      throw new ValidationError(`exchangeChunk must be 1 to ${EXCHANGE_DATA_MAX}, not ${chunk}`);
    }
    this.exchangeChunk = chunk;
  }

  /**
   * Starts the chip and checks it is a PN532: resets it when the reset line is wired,
   * wakes it, sets normal SAM mode, reads the firmware version, sets automatic RATS and
   * finite activation retries. Throws Pn532AbsentError when nothing answers.
   */
  static async open(options: Pn532Options): Promise<Pn532> {
    const chip = new Pn532(options);
    await chip.start();
    return chip;
  }

  /** What GetFirmwareVersion said at start. */
  get firmware(): FirmwareVersion {
    if (!this.firmwareVersion) throw new ValidationError('the PN532 has not been started');
    return this.firmwareVersion;
  }

  private async start(): Promise<void> {
    const reset = this.options.reset;
    if (reset) {
      await reset.write(0);
      await this.clock.sleep(2);
      await reset.write(1);
      // The oscillator and firmware need a few ms after RSTPDN rises (PN532 data sheet).
      await this.clock.sleep(10);
    }
    this.asleep = true;
    let fw: FirmwareVersion;
    try {
      // SAMConfiguration first: it is what takes a PN532 C106 out of Low VBat (AN10609).
      await this.samConfiguration();
      fw = await this.getFirmwareVersion();
    } catch (e) {
      if (
        e instanceof Pn532NoAckError ||
        e instanceof Pn532TimeoutError ||
        e instanceof Pn532FrameError ||
        e instanceof Pn532SyntaxError ||
        e instanceof I2cNackError
      ) {
        throw new Pn532AbsentError(this.path, e);
      }
      throw e;
    }
    if (fw.ic !== 0x32) throw new Pn532WrongChipError(this.path, fw.ic);
    this.firmwareVersion = fw;
    await this.setParameters(PARAM.AUTOMATIC_ATR_RES | PARAM.AUTOMATIC_RATS);
    await this.setMaxRetries({ atr: RETRY_FOREVER, psl: 0x01, passiveActivation: this.options.passiveActivationRetries ?? 1 });
  }

  // ---- the dialog (UM0701-02 6.2.2) ----

  /**
   * Sends one command and resolves with the answer's data after its code. Queued behind
   * any command still running.
   */
  command(code: number, params: Uint8Array = EMPTY, options: CommandOptions = {}): Promise<Uint8Array> {
    const run = this.queue.then(() => this.run(code, params, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(code: number, params: Uint8Array, options: CommandOptions): Promise<Uint8Array> {
    const signal = options.signal;
    if (signal?.aborted) throw abortReason(signal);
    this.stats.commands++;
    const frame = encodeFrame(TFI_HOST, concat(Uint8Array.of(code), params));
    if (this.asleep) {
      await this.link.wakeUp();
      this.asleep = false;
    }
    for (let attempt = 1; ; attempt++) {
      await this.resync();
      await this.link.send(frame);
      const got = await this.awaitAck(code, signal);
      if (got === 'ack') break;
      if (got) return got;
      if (attempt > this.ackRetries) throw new Pn532NoAckError(this.path, code, attempt);
      this.stats.resends++;
    }
    const answerMax = Math.min(options.answerMax ?? MAX_FRAME_LENGTH, MAX_FRAME_LENGTH);
    return this.awaitAnswer(code, options.timeoutMs ?? this.commandTimeoutMs, answerMax + 2 + FRAME_OVERHEAD, signal);
  }

  /** libnfc's rule: after any framing trouble, drop what is buffered and start clean. */
  private async resync(): Promise<void> {
    await this.link.flush();
    this.parser.reset();
  }

  /** The next frame, or null when `deadline` passes first. Frame errors propagate. */
  private async nextFrame(deadline: number, expect: number, signal?: AbortSignal): Promise<Frame | null> {
    for (;;) {
      const f = this.parser.next();
      if (f) return f;
      const left = deadline - this.clock.monotonic();
      if (left <= 0) return null;
      try {
        this.parser.push(await this.link.receive({ timeoutMs: left, expect, signal }));
      } catch (e) {
        if (e instanceof ReadTimeoutError) return null;
        throw e;
      }
    }
  }

  /** 'ack'; or the answer itself when its ACK got lost on the way; or null: resend. */
  private async awaitAck(code: number, signal?: AbortSignal): Promise<'ack' | Uint8Array | null> {
    const deadline = this.clock.monotonic() + this.ackTimeoutMs;
    for (;;) {
      let f: Frame | null;
      try {
        f = await this.nextFrame(deadline, ACK_FRAME.length, signal);
      } catch (e) {
        if (e instanceof Pn532FrameError) {
          this.stats.frameErrors++;
          await this.resync();
          continue;
        }
        if (signal?.aborted) await this.abortRunning();
        throw e;
      }
      if (f === null) return null;
      if (f.kind === 'ack') return 'ack';
      if (f.kind === 'error') throw new Pn532SyntaxError(this.path, code);
      if (f.kind === 'information' && f.data[0] === code + 1) return this.accept(code, f.data);
      // Anything else is left over from an earlier, aborted command: skip it.
    }
  }

  private async awaitAnswer(code: number, timeoutMs: number, expect: number, signal?: AbortSignal): Promise<Uint8Array> {
    const deadline = this.clock.monotonic() + timeoutMs;
    let nacks = 0;
    for (;;) {
      let f: Frame | null;
      try {
        f = await this.nextFrame(deadline, expect, signal);
      } catch (e) {
        if (e instanceof Pn532FrameError) {
          this.stats.frameErrors++;
          await this.resync();
          if (nacks >= this.nackRetries) throw e;
          // UM0701-02 6.2.1.4: a NACK asks the PN532 to send its last answer again.
          nacks++;
          this.stats.nacks++;
          await this.link.send(NACK_FRAME);
          continue;
        }
        if (signal?.aborted) await this.abortRunning();
        throw e;
      }
      if (f === null) {
        await this.abortRunning();
        throw new Pn532TimeoutError(this.path, code, timeoutMs);
      }
      if (f.kind === 'error') throw new Pn532SyntaxError(this.path, code);
      if (f.kind !== 'information') continue; // a repeated ACK, nothing to act on
      if (f.data.length === 0) {
        await this.resync();
        throw new Pn532FrameError('command code', `the answer to ${commandName(code)} carries no command code`);
      }
      // An answer with another code is a late one to an aborted command: skip it.
      if (f.data[0] !== code + 1) continue;
      return this.accept(code, f.data);
    }
  }

  /** The answer's data after its code; notes that the chip now sleeps after PowerDown. */
  private accept(code: number, data: Uint8Array): Uint8Array {
    if (code === CMD.PowerDown) this.asleep = true;
    return data.subarray(1);
  }

  /** UM0701-02 6.2.2: an ACK from the host aborts the command the chip is running. */
  private async abortRunning(): Promise<void> {
    this.stats.aborts++;
    try {
      await this.link.send(ACK_FRAME);
      await this.resync();
    } catch {
      // The abort is a courtesy to the chip; the error that caused it is what matters.
    }
  }

  /** Sends an ACK to abort whatever the chip is doing (queued like a command). */
  abort(): Promise<void> {
    const run = this.queue.then(() => this.abortRunning());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private decode<T>(code: number, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DecodeProblem) throw new Pn532ResponseError(code, e.message);
      throw e;
    }
  }

  private expectEmpty(code: number, data: Uint8Array): void {
    if (data.length !== 0) throw new Pn532ResponseError(code, `${data.length} unexpected bytes`);
  }

  private expectStatus(code: number, data: Uint8Array): number {
    if (data.length < 1) throw new Pn532ResponseError(code, 'the status byte is missing');
    return data[0]!;
  }

  // ---- miscellaneous commands (UM0701-02 7.2) ----

  /** 7.2.1 test 0x00: the chip echoes `data`; proves the line carries bytes both ways intact. */
  async diagnoseLine(data: Uint8Array = Uint8Array.of(0x50, 0x4e, 0x35, 0x33, 0x32), options: CommandOptions = {}): Promise<void> {
    const out = await this.command(CMD.Diagnose, concat(Uint8Array.of(DIAG_COMMUNICATION_LINE), data), {
      ...options,
      answerMax: data.length + 1,
    });
    const expected = concat(Uint8Array.of(DIAG_COMMUNICATION_LINE), data);
    if (out.length !== expected.length || out.some((b, i) => b !== expected[i])) {
      throw new Pn532ResponseError(CMD.Diagnose, 'the communication line test did not echo the data sent');
    }
  }

  /**
   * 7.2.1 test 0x06, attention request or ISO/IEC 14443-4 presence check of the active
   * target. Resolves with the status: 0x00 while the card answers.
   */
  async diagnoseAttention(options: CommandOptions = {}): Promise<number> {
    const out = await this.command(CMD.Diagnose, Uint8Array.of(DIAG_ATTENTION), { ...options, answerMax: 1 });
    return this.expectStatus(CMD.Diagnose, out) & STATUS_CODE_MASK;
  }

  /** 7.2.2 */
  async getFirmwareVersion(options: CommandOptions = {}): Promise<FirmwareVersion> {
    const out = await this.command(CMD.GetFirmwareVersion, EMPTY, { ...options, answerMax: 4 });
    return this.decode(CMD.GetFirmwareVersion, () => decodeFirmwareVersion(out));
  }

  /** 7.2.9 */
  async setParameters(flags: number, options: CommandOptions = {}): Promise<void> {
    this.expectEmpty(CMD.SetParameters, await this.command(CMD.SetParameters, Uint8Array.of(flags), { ...options, answerMax: 0 }));
  }

  /** 7.2.10: normal mode by default (no SAM); the chip drives P70_IRQ when `useIrq`. */
  async samConfiguration(mode = SAM_NORMAL, timeout = 0, useIrq = true, options: CommandOptions = {}): Promise<void> {
    const out = await this.command(CMD.SAMConfiguration, Uint8Array.of(mode, timeout, useIrq ? 1 : 0), { ...options, answerMax: 0 });
    this.expectEmpty(CMD.SAMConfiguration, out);
  }

  /**
   * 7.2.11: the chip sleeps until a source in `wakeUpEnable` (WAKE bits) fires; the next
   * command first wakes it through the link.
   */
  async powerDown(wakeUpEnable: number, options: CommandOptions = {}): Promise<void> {
    const status = this.expectStatus(CMD.PowerDown, await this.command(CMD.PowerDown, Uint8Array.of(wakeUpEnable), { ...options, answerMax: 1 }));
    if ((status & STATUS_CODE_MASK) !== 0) throw new Pn532StatusError(CMD.PowerDown, status);
  }

  // ---- RFConfiguration (UM0701-02 7.3.1) ----

  private async rfConfiguration(item: number, data: number[], options: CommandOptions): Promise<void> {
    const out = await this.command(CMD.RFConfiguration, Uint8Array.of(item, ...data), { ...options, answerMax: 0 });
    this.expectEmpty(CMD.RFConfiguration, out);
  }

  /** Item 1: the RF field on or off, and automatic RF collision avoidance. */
  setRfField(on: boolean, autoRfca = false, options: CommandOptions = {}): Promise<void> {
    return this.rfConfiguration(RF_ITEM.FIELD, [(on ? 1 : 0) | (autoRfca ? 2 : 0)], options);
  }

  /** Item 2: ATR_RES and retry timeouts, as codes (see timeoutCode in commands.ts). */
  setTimings(atrResTimeout: number, retryTimeout: number, options: CommandOptions = {}): Promise<void> {
    return this.rfConfiguration(RF_ITEM.TIMINGS, [0x00, atrResTimeout, retryTimeout], options);
  }

  /** Item 4: MaxRtyCOM, RF retries of InDataExchange. */
  setMaxRtyCom(retries: number, options: CommandOptions = {}): Promise<void> {
    return this.rfConfiguration(RF_ITEM.MAX_RTY_COM, [retries], options);
  }

  /** Item 5: retries of ATR, PSL and passive activation; 0xFF is forever. */
  setMaxRetries(r: { atr: number; psl: number; passiveActivation: number }, options: CommandOptions = {}): Promise<void> {
    return this.rfConfiguration(RF_ITEM.MAX_RETRIES, [r.atr, r.psl, r.passiveActivation], options);
  }

  // ---- initiator commands (UM0701-02 7.3) ----

  /**
   * 7.3.5 at 106 kbps, type A or B (B with AFI `afi`, 0 for all families). Up to
   * `maxTargets` (1 or 2) cards are activated; ISO/IEC 14443-4 ones with RATS / ATTRIB.
   */
  async inListPassiveTarget(
    o: { type: 'A' | 'B'; maxTargets?: 1 | 2; afi?: number } & CommandOptions,
  ): Promise<Target[]> {
    const brty = o.type === 'A' ? BRTY_106A : BRTY_106B;
    const params = o.type === 'A' ? Uint8Array.of(o.maxTargets ?? 1, brty) : Uint8Array.of(o.maxTargets ?? 1, brty, o.afi ?? 0x00);
    const out = await this.command(CMD.InListPassiveTarget, params, o);
    return this.decode(CMD.InListPassiveTarget, () => decodeListedTargets(out, brty));
  }

  /**
   * 7.3.13: polls `types` (AUTOPOLL codes) in turn, `pollNr` times (0xFF: until a card
   * comes), `period` * 150 ms apart. Resolves with what was found, maybe nothing.
   */
  async inAutoPoll(o: { pollNr: number; period: number; types: number[] } & CommandOptions): Promise<Target[]> {
    if (o.types.length < 1 || o.types.length > 15) throw new ValidationError('InAutoPoll takes 1 to 15 target types');
    const out = await this.command(CMD.InAutoPoll, Uint8Array.of(o.pollNr, o.period, ...o.types), o);
    return this.decode(CMD.InAutoPoll, () => decodeAutoPoll(out));
  }

  /** 7.3.8, one frame: `more` sets MI in the Tg byte (more data follows from the host). */
  async inDataExchange(tg: number, data: Uint8Array, o: { more?: boolean } & CommandOptions = {}): Promise<ExchangeResult> {
    if (data.length > EXCHANGE_DATA_MAX) throw new ValidationError(`InDataExchange carries at most ${EXCHANGE_DATA_MAX} bytes, not ${data.length}`);
    const tgByte = (tg & 0x3f) | (o.more ? STATUS_MI : 0);
    const out = await this.command(CMD.InDataExchange, concat(Uint8Array.of(tgByte), data), { ...o, answerMax: EXCHANGE_DATA_MAX + 1 });
    const status = this.expectStatus(CMD.InDataExchange, out);
    return { status, data: out.subarray(1) };
  }

  /**
   * Sends a whole APDU to target `tg` and returns the whole answer, chaining with MI both
   * ways (7.3.8): parts of the command with MI set in Tg, then, while the status carries
   * MI, empty InDataExchange commands fetch the rest. Throws Pn532StatusError on a status.
   */
  async transceive(tg: number, apdu: Uint8Array, options: CommandOptions = {}): Promise<Uint8Array> {
    if (apdu.length === 0) throw new ValidationError('an APDU has at least one byte');
    let offset = 0;
    let r: ExchangeResult;
    for (;;) {
      const part = apdu.subarray(offset, offset + this.exchangeChunk);
      offset += part.length;
      const more = offset < apdu.length;
      r = await this.inDataExchange(tg, part, { ...options, more });
      if ((r.status & STATUS_CODE_MASK) !== 0) throw new Pn532StatusError(CMD.InDataExchange, r.status);
      if (!more) break;
      if (r.data.length !== 0) throw new Pn532ResponseError(CMD.InDataExchange, 'data came back before the last part of a chained command');
    }
    const parts = [r.data];
    while ((r.status & STATUS_MI) !== 0) {
      r = await this.inDataExchange(tg, EMPTY, options);
      if ((r.status & STATUS_CODE_MASK) !== 0) throw new Pn532StatusError(CMD.InDataExchange, r.status);
      parts.push(r.data);
    }
    return concat(...parts);
  }

  /** 7.3.10; tg 0 deselects every target. */
  async inDeselect(tg = 0, options: CommandOptions = {}): Promise<void> {
    const status = this.expectStatus(CMD.InDeselect, await this.command(CMD.InDeselect, Uint8Array.of(tg), { ...options, answerMax: 1 }));
    if ((status & STATUS_CODE_MASK) !== 0) throw new Pn532StatusError(CMD.InDeselect, status);
  }

  /** 7.3.11; tg 0 releases every target. */
  async inRelease(tg = 0, options: CommandOptions = {}): Promise<void> {
    const status = this.expectStatus(CMD.InRelease, await this.command(CMD.InRelease, Uint8Array.of(tg), { ...options, answerMax: 1 }));
    if ((status & STATUS_CODE_MASK) !== 0) throw new Pn532StatusError(CMD.InRelease, status);
  }

  /** Closes the link once the commands queued so far are done. */
  async close(): Promise<void> {
    await this.queue;
    await this.link.close();
  }
}

