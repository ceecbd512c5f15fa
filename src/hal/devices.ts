import type { Logger } from 'pino';
import type { BoardDescription } from './board.js';
import type { BoardPorts } from './board-ports.js';
import { Hd44780 } from './display/hd44780.js';
import { Ssd1306 } from './display/ssd1306.js';
import type { TextDisplay } from './display/text-display.js';
import { ContactlessIndicators } from './indicators/contactless-indicators.js';
import { GpioMatrixLines, MatrixKeypad } from './keypad/matrix.js';
import { Pcf8574MatrixLines } from './keypad/pcf8574.js';
import { Pn532, Pn532CardReader, Pn532HsuLink, Pn532I2cLink } from './pn532/index.js';
import type { Clock, GpioLine } from './ports.js';
import { CSN_A2, EscPosPrinter, GENERIC_80MM, PrintQueue } from '../printer/index.js';
import type { CardReader } from './reader.js';
import { DeviceError } from '../errors.js';
import { hasPcsc } from './contact/pcsc.js';
import { PcscContactReader } from './contact/pcsc-reader.js';
import { ContactReaderUnavailableError, type ContactCardReader } from './contact-reader.js';
import { hasKeyEvents, KeyboardWedgeCharacters, SerialCharacters, StreamMagstripeReader, type MagstripeReader } from './magstripe/index.js';

/** The terminal's devices, built from a board description on its ports. */
export interface Devices {
  keypad: MatrixKeypad;
  display: TextDisplay;
  indicators: ContactlessIndicators;
  reader: CardReader;
  /** The PN532 behind `reader`, for the technician's self-tests (firmware, line, RF field). */
  readerChip: Pn532;
  /** The receipt printer's job queue: a missing printer shows as a waiting job, never a crash. */
  printer: PrintQueue;
  /** The contact chip reader, when the board has one and it could be opened. */
  contact?: ContactCardReader;
  /** The magnetic stripe reader, when the board has one and it could be opened. */
  magstripe?: MagstripeReader;
  close(): Promise<void>;
}

async function openDisplay(board: BoardDescription, ports: BoardPorts, clock: Clock): Promise<TextDisplay> {
  const d = board.devices.display;
  const bus = await ports.i2c(d.port);
  if (d.driver === 'ssd1306') return Ssd1306.open({ bus, address: d.address, height: d.height as 64 | 32 });
  return Hd44780.open({ bus, clock, address: d.address, columns: d.width as 20 | 16, rows: d.height as 4 | 2 });
}

/**
 * Builds every device's driver on the board's ports: the same code for the Pi and the sim
 * board. Each driver checks its device answers when it starts, so a wiring fault stops the
 * terminal with the device and port named.
 */
export async function openDevices(board: BoardDescription, ports: BoardPorts, clock: Clock, log: Logger): Promise<Devices> {
  const lines: GpioLine[] = [];
  const gpio = async (n: number, dir: 'in' | 'out', initial: 0 | 1 = 0) => {
    const l = await ports.gpio(n, dir, { initial });
    lines.push(l);
    return l;
  };
  const kp = board.devices.keypad;
  const matrix =
    kp.driver === 'matrix-gpio'
      ? new GpioMatrixLines(await Promise.all(kp.rows.map((n) => gpio(n, 'out'))), await Promise.all(kp.columns.map((n) => gpio(n, 'in'))))
      : await Pcf8574MatrixLines.open({ bus: await ports.i2c(kp.port), address: kp.address, int: await gpio(kp.int, 'in'), rowPins: kp.rowPins, columnPins: kp.columnPins });
  const keypad = new MatrixKeypad({
    lines: matrix,
    keymap: kp.keymap,
    clock,
    debounceMs: kp.debounceMs,
    onError: (err) => log.error({ event: 'keypad.fault', err }, 'keypad line fault'),
  });
  await keypad.start();

  const display = await openDisplay(board, ports, clock);

  const ind = board.devices.indicators;
  const leds = (await Promise.all(ind.leds.map((n) => gpio(n, 'out')))) as [GpioLine, GpioLine, GpioLine, GpioLine];
  const indicators = await ContactlessIndicators.open({
    leds,
    buzzer: await gpio(ind.buzzer, 'out'),
    clock,
    activeHigh: ind.activeHigh,
    onError: (err) => log.error({ event: 'indicators.fault', err }, 'status light or buzzer fault'),
  });

  // The PN532 last: its start-up is the slowest (reset pulse, firmware check, SAM set-up).
  const r = board.devices.reader;
  const reset = r.reset !== undefined ? await gpio(r.reset, 'out', 1) : undefined; // RSTPDN is active low
  const irq = r.irq !== undefined ? await gpio(r.irq, 'in') : undefined;
  const link = r.link === 'hsu' ? new Pn532HsuLink(await ports.serial(r.port)) : new Pn532I2cLink(await ports.i2c(r.port), { clock, irq, address: r.address });
  const chip = await Pn532.open({ link, clock, reset });
  const reader = new Pn532CardReader(chip, { clock });

  // Not checked at start: a printer out of paper or unplugged must not stop sales; the
  // queue reports it and waits.
  const pr = board.devices.printer;
  const printer = new PrintQueue({
    printer: new EscPosPrinter({ link: await ports.serial(pr.port), clock, profile: pr.dots === 576 ? GENERIC_80MM : CSN_A2 }),
    clock,
    onFault: (err) => log.warn({ event: 'printer.fault', err }, 'printer fault'),
    onStatus: (status) => log.info({ event: 'printer.status', state: status.state }, 'printer status'),
  });

  // The contact and stripe readers are optional hardware: one that cannot be opened is
  // reported and left out, and the terminal takes cards the other ways.
  const contact = await openContact(board, ports, log);
  const magstripe = await openMagstripe(board, ports, clock, log);

  return {
    keypad,
    display,
    indicators,
    reader,
    readerChip: chip,
    printer,
    ...(contact ? { contact } : {}),
    ...(magstripe ? { magstripe } : {}),
    async close() {
      await printer.close();
      await contact?.close();
      await magstripe?.close();
      await reader.close();
      await keypad.close();
      await indicators.close();
      for (const l of lines) await l.close();
    },
  };
}

async function openContact(board: BoardDescription, ports: BoardPorts, log: Logger): Promise<ContactCardReader | undefined> {
  const c = board.devices.contact;
  if (!c) return undefined;
  try {
    if (!hasPcsc(ports)) {
      throw new ContactReaderUnavailableError(
        `board ${board.name} names a PC/SC reader, but no PC/SC binding is installed on this system (src/hal/contact/README.md says how one plugs in)`,
      );
    }
    return new PcscContactReader(await ports.pcsc(c.reader));
  } catch (err) {
    if (!(err instanceof DeviceError)) throw err;
    log.warn({ event: 'contact.unavailable', err }, err.message);
    return undefined;
  }
}

async function openMagstripe(board: BoardDescription, ports: BoardPorts, clock: Clock, log: Logger): Promise<MagstripeReader | undefined> {
  const m = board.devices.magstripe;
  if (!m) return undefined;
  const options = m.interCharacterTimeoutMs !== undefined ? { interCharacterTimeoutMs: m.interCharacterTimeoutMs } : {};
  try {
    if (m.driver === 'serial-msr') {
      return new StreamMagstripeReader(new SerialCharacters(await ports.serial(m.port)), { ...options, lrc: m.lrc ?? false });
    }
    if (!hasKeyEvents(ports)) {
      throw new DeviceError(
        'MAGSTRIPE_UNAVAILABLE',
        `the magnetic stripe reader is not available: board ${board.name} names a keyboard wedge (${m.device}), and this system's ports read no key events yet (use a serial reader)`,
      );
    }
    return new StreamMagstripeReader(new KeyboardWedgeCharacters(await ports.keyEvents(m.device), clock), options);
  } catch (err) {
    if (!(err instanceof DeviceError)) throw err;
    log.warn({ event: 'magstripe.unavailable', err }, err.message);
    return undefined;
  }
}
