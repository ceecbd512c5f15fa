import { ValidationError } from '../errors.js';
import { KEY_NAMES, type KeyName } from './keypad/keys.js';

/**
 * A board: which bus, address, pin and port each device of the terminal uses. Board files
 * (board/*.ts) are data only, in the manner of a Zephyr devicetree: buses with their
 * parameters, devices naming the driver (`driver`) and where they sit. They are checked
 * here when the terminal starts, and every mistake is named: the board, the field, what
 * it must be.
 */

export interface SerialPortDesc {
  /** Device path on Linux ("/dev/serial0"); any name on the sim board. */
  path: string;
  baudRate: number;
}

export interface ReaderDesc {
  driver: 'pn532';
  /** How the PN532 is wired; HSU by default (the Pi's I2C does not honour clock stretching). */
  link: 'hsu' | 'i2c';
  /** Name of an entry in `serial` (hsu) or `i2c` (i2c). */
  port: string;
  /** I2C address, 0x24 for the PN532 (i2c only). */
  address?: number;
  /** GPIO of the PN532's RSTPDN (reset, active low), optional. */
  reset?: number;
  /** GPIO of the PN532's IRQ (active low), optional: lets the driver wait instead of poll. */
  irq?: number;
}

export interface DisplayDesc {
  driver: 'ssd1306' | 'hd44780-pcf8574';
  port: string;
  address: number;
  /** Pixels for the SSD1306 (128x64, 128x32); characters for the HD44780 (20x4, 16x2). */
  width: number;
  height: number;
}

export type KeypadDesc = GpioKeypadDesc | Pcf8574KeypadDesc;

export interface GpioKeypadDesc {
  driver: 'matrix-gpio';
  /** Row GPIOs, driven by the terminal. */
  rows: number[];
  /** Column GPIOs, inputs with pull-ups (set on the Pi in config.txt: gpio=N=ip,pu). */
  columns: number[];
  /** keymap[row][column]: one of each key name. */
  keymap: KeyName[][];
  debounceMs: number;
}

/** The same matrix behind a PCF8574 I2C expander, its INT on a GPIO (no polling). */
export interface Pcf8574KeypadDesc {
  driver: 'pcf8574-matrix';
  /** Name of an entry in `i2c`. */
  port: string;
  /** 0x20-0x27 (PCF8574) or 0x38-0x3F (PCF8574A). */
  address: number;
  /** GPIO of the expander's INT (open drain, active low: needs a pull-up). */
  int: number;
  /** Port bits (P0-P7) of the rows and the columns. */
  rowPins: number[];
  columnPins: number[];
  keymap: KeyName[][];
  debounceMs: number;
}

export interface IndicatorsDesc {
  driver: 'gpio-leds';
  /** The four contactless status LEDs, left to right. */
  leds: [number, number, number, number];
  buzzer: number;
  activeHigh: boolean;
}

export interface PrinterDesc {
  driver: 'escpos';
  port: string;
  /** Paper width in dots: 384 (58 mm) or 576 (80 mm). */
  dots: 384 | 576;
}

/**
 * A contact chip reader behind PC/SC (a USB CCID reader on a Pi, the simulated slot on the
 * sim board): src/hal/contact/.
 */
export interface ContactDesc {
  driver: 'pcsc';
  /** Part of the PC/SC reader's name to pick it by ("ACR39U"); '' takes the first reader. */
  reader: string;
}

/**
 * A magnetic stripe reader (src/hal/magstripe/): on a serial port, or a USB keyboard wedge
 * read through its key events (an evdev device on Linux).
 */
export type MagstripeDesc =
  | {
      driver: 'serial-msr';
      /** Name of an entry in `serial`. */
      port: string;
      /** The reader sends each track's LRC after its end sentinel. */
      lrc?: boolean;
      /** Most ms between two characters of one swipe (default 500). */
      interCharacterTimeoutMs?: number;
    }
  | {
      driver: 'keyboard-wedge';
      /** The reader's key event device: /dev/input/by-id/usb-...-event-kbd. */
      device: string;
      interCharacterTimeoutMs?: number;
    };

export interface BoardDescription {
  name: string;
  /** 'sim': every device is an emulator in this process; 'linux': the real ports of a Pi. */
  kind: 'sim' | 'linux';
  description: string;
  /** GPIO numbers that exist on this board (BCM numbering on a Pi header: 0-27). */
  gpioRange: [number, number];
  serial: Record<string, SerialPortDesc>;
  i2c: Record<string, { bus: number }>;
  devices: {
    reader: ReaderDesc;
    display: DisplayDesc;
    keypad: KeypadDesc;
    indicators: IndicatorsDesc;
    printer: PrinterDesc;
    /** Optional: a contact chip reader. */
    contact?: ContactDesc;
    /** Optional: a magnetic stripe reader. */
    magstripe?: MagstripeDesc;
  };
}

/** Addresses of the PCF8574 (0x20-0x27) and PCF8574A (0x38-0x3F): TI SCPS068J 8.3.2. */
const PCF8574_ADDRESSES = [...Array(8).keys()].flatMap((i) => [0x20 + i, 0x38 + i]);

/** Baud rates the PN532's HSU accepts (UM0701-02 7.2.8 SetSerialBaudRate). */
const PN532_BAUDS = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1288000];

class BoardChecker {
  readonly problems: string[] = [];
  constructor(private readonly board: string) {}

  fail(field: string, must: string): void {
    this.problems.push(`board ${this.board}: ${field} ${must}`);
  }

  obj(v: unknown, field: string): Record<string, unknown> | null {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(field, 'must be an object');
      return null;
    }
    return v as Record<string, unknown>;
  }

  int(v: unknown, field: string, min: number, max: number): number | null {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `must be a whole number from ${min} to ${max}`);
      return null;
    }
    return v;
  }

  str(v: unknown, field: string): string | null {
    if (typeof v !== 'string' || v.length === 0) {
      this.fail(field, 'must be a non-empty string');
      return null;
    }
    return v;
  }

  oneOf<T>(v: unknown, field: string, allowed: readonly T[], shown = allowed.map(String)): T | null {
    if (!allowed.includes(v as T)) {
      this.fail(field, `must be ${shown.length === 2 ? shown.join(' or ') : `one of ${shown.join(', ')}`}`);
      return null;
    }
    return v as T;
  }
}


/**
 * Checks a board description and returns it typed, or throws one ValidationError listing
 * every problem found, one a line.
 */
export function validateBoard(raw: unknown): BoardDescription {
  const name = typeof (raw as { name?: unknown })?.name === 'string' ? (raw as { name: string }).name : '(unnamed)';
  const c = new BoardChecker(name);
  const b = c.obj(raw, 'description');
  if (!b) throw new ValidationError(c.problems.join('\n'), 'BOARD_INVALID');
  c.str(b.name, 'name');
  c.oneOf(b.kind, 'kind', ['sim', 'linux']);

  const range = b.gpioRange;
  let lo = 0;
  let hi = 27;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n))) {
    c.fail('gpioRange', 'must be [first, last] GPIO numbers');
  } else {
    [lo, hi] = range as [number, number];
  }

  const serial = c.obj(b.serial, 'serial') ?? {};
  for (const [k, v] of Object.entries(serial)) {
    const s = c.obj(v, `serial.${k}`);
    if (!s) continue;
    c.str(s.path, `serial.${k}.path`);
    c.int(s.baudRate, `serial.${k}.baudRate`, 1200, 4_000_000);
  }
  const i2c = c.obj(b.i2c, 'i2c') ?? {};
  for (const [k, v] of Object.entries(i2c)) {
    const s = c.obj(v, `i2c.${k}`);
    if (s) c.int(s.bus, `i2c.${k}.bus`, 0, 31);
  }

  const pins = new Map<number, string>();
  const pin = (v: unknown, field: string) => {
    const n = c.int(v, field, lo, hi);
    if (n === null) return;
    const other = pins.get(n);
    if (other) c.fail(field, `uses GPIO${n}, already used by ${other}`);
    else pins.set(n, field);
  };
  // The bus pins of the Pi header cannot double as plain GPIO while the bus is in use.
  if (b.kind === 'linux') {
    if (Object.keys(i2c).length > 0) {
      pins.set(2, 'the I2C bus (SDA)');
      pins.set(3, 'the I2C bus (SCL)');
    }
    if (Object.values(serial).some((s) => (s as SerialPortDesc)?.path === '/dev/serial0' || (s as SerialPortDesc)?.path === '/dev/ttyAMA0')) {
      pins.set(14, 'the UART (TXD)');
      pins.set(15, 'the UART (RXD)');
    }
  }

  const devices = c.obj(b.devices, 'devices') ?? {};

  const reader = c.obj(devices.reader, 'devices.reader');
  if (reader) {
    c.oneOf(reader.driver, 'devices.reader.driver', ['pn532']);
    // The driver speaks SPI too, but no board wires SPI yet (no Linux SPI adapter).
    const link = c.oneOf(reader.link, 'devices.reader.link', ['hsu', 'i2c']);
    const port = c.str(reader.port, 'devices.reader.port');
    if (link === 'hsu' && port) {
      const s = serial[port] as SerialPortDesc | undefined;
      if (!s) c.fail('devices.reader.port', `names serial port '${port}', which the board does not have`);
      else if (!PN532_BAUDS.includes(s.baudRate)) c.fail(`serial.${port}.baudRate`, `must be a PN532 HSU rate (${PN532_BAUDS.join(', ')})`);
    }
    if (link === 'i2c' && port) {
      if (!i2c[port]) c.fail('devices.reader.port', `names I2C bus '${port}', which the board does not have`);
      if (reader.address !== 0x24) c.fail('devices.reader.address', 'must be 0x24 (the PN532 in I2C mode)');
    }
    if (reader.reset !== undefined) pin(reader.reset, 'devices.reader.reset');
    if (reader.irq !== undefined) pin(reader.irq, 'devices.reader.irq');
  }

  const display = c.obj(devices.display, 'devices.display');
  if (display) {
    const drv = c.oneOf(display.driver, 'devices.display.driver', ['ssd1306', 'hd44780-pcf8574']);
    const port = c.str(display.port, 'devices.display.port');
    if (port && !i2c[port]) c.fail('devices.display.port', `names I2C bus '${port}', which the board does not have`);
    if (drv === 'ssd1306') {
      c.oneOf(display.address, 'devices.display.address', [0x3c, 0x3d], ['0x3C', '0x3D']);
      if (display.width !== 128 || (display.height !== 64 && display.height !== 32)) {
        c.fail('devices.display', 'must be 128x64 or 128x32 pixels for an SSD1306');
      }
    } else if (drv === 'hd44780-pcf8574') {
      c.oneOf(display.address, 'devices.display.address', PCF8574_ADDRESSES, ['0x20-0x27 (PCF8574)', '0x38-0x3F (PCF8574A)']);
      const size = `${String(display.width)}x${String(display.height)}`;
      if (size !== '20x4' && size !== '16x2') c.fail('devices.display', 'must be 20x4 or 16x2 characters for an HD44780');
    }
  }

  const keypad = c.obj(devices.keypad, 'devices.keypad');
  if (keypad) {
    const drv = c.oneOf(keypad.driver, 'devices.keypad.driver', ['matrix-gpio', 'pcf8574-matrix']);
    let nRows = 0;
    let nCols = 0;
    if (drv === 'pcf8574-matrix') {
      const port = c.str(keypad.port, 'devices.keypad.port');
      if (port && !i2c[port]) c.fail('devices.keypad.port', `names I2C bus '${port}', which the board does not have`);
      c.oneOf(keypad.address, 'devices.keypad.address', PCF8574_ADDRESSES, ['0x20-0x27 (PCF8574)', '0x38-0x3F (PCF8574A)']);
      if (display && keypad.port === display.port && keypad.address === display.address) {
        c.fail('devices.keypad.address', 'is the display\'s address on the same bus');
      }
      pin(keypad.int, 'devices.keypad.int');
      const bits = [...(Array.isArray(keypad.rowPins) ? keypad.rowPins : []), ...(Array.isArray(keypad.columnPins) ? keypad.columnPins : [])];
      nRows = Array.isArray(keypad.rowPins) ? keypad.rowPins.length : 0;
      nCols = Array.isArray(keypad.columnPins) ? keypad.columnPins.length : 0;
      if (nRows === 0 || nCols === 0) c.fail('devices.keypad', 'must list rowPins and columnPins (PCF8574 port bits 0-7)');
      if (bits.some((b) => !Number.isInteger(b) || (b as number) < 0 || (b as number) > 7) || new Set(bits).size !== bits.length) {
        c.fail('devices.keypad', 'rowPins and columnPins must be distinct port bits 0-7');
      }
    } else if (drv === 'matrix-gpio') {
      const rows = Array.isArray(keypad.rows) ? keypad.rows : [];
      const cols = Array.isArray(keypad.columns) ? keypad.columns : [];
      if (rows.length === 0) c.fail('devices.keypad.rows', 'must list the row GPIOs');
      if (cols.length === 0) c.fail('devices.keypad.columns', 'must list the column GPIOs');
      rows.forEach((p, i) => pin(p, `devices.keypad.rows[${i}]`));
      cols.forEach((p, i) => pin(p, `devices.keypad.columns[${i}]`));
      nRows = rows.length;
      nCols = cols.length;
    }
    c.int(keypad.debounceMs, 'devices.keypad.debounceMs', 1, 100);
    const map = keypad.keymap;
    if (!Array.isArray(map) || map.length !== nRows || !map.every((r) => Array.isArray(r) && r.length === nCols)) {
      c.fail('devices.keypad.keymap', `must be ${nRows} rows of ${nCols} key names`);
    } else {
      const flat = (map as unknown[][]).flat();
      for (const k of flat) {
        if (!(KEY_NAMES as readonly unknown[]).includes(k)) c.fail('devices.keypad.keymap', `has '${String(k)}', which is not a key name (${KEY_NAMES.join(' ')})`);
      }
      for (const k of KEY_NAMES) {
        const n = flat.filter((x) => x === k).length;
        if (n === 0) c.fail('devices.keypad.keymap', `has no ${k} key`);
        if (n > 1) c.fail('devices.keypad.keymap', `has ${k} ${n} times`);
      }
    }
  }

  const ind = c.obj(devices.indicators, 'devices.indicators');
  if (ind) {
    c.oneOf(ind.driver, 'devices.indicators.driver', ['gpio-leds']);
    if (!Array.isArray(ind.leds) || ind.leds.length !== 4) c.fail('devices.indicators.leds', 'must list four LED GPIOs (EMV contactless status lights)');
    else ind.leds.forEach((p, i) => pin(p, `devices.indicators.leds[${i}]`));
    pin(ind.buzzer, 'devices.indicators.buzzer');
    if (typeof ind.activeHigh !== 'boolean') c.fail('devices.indicators.activeHigh', 'must be true or false');
  }

  const printer = c.obj(devices.printer, 'devices.printer');
  if (printer) {
    c.oneOf(printer.driver, 'devices.printer.driver', ['escpos']);
    const port = c.str(printer.port, 'devices.printer.port');
    if (port && !serial[port]) c.fail('devices.printer.port', `names serial port '${port}', which the board does not have`);
    if (port && reader?.link === 'hsu' && reader.port === port) c.fail('devices.printer.port', `is the reader's serial port '${port}'`);
    c.oneOf(printer.dots, 'devices.printer.dots', [384, 576], ['384 (58 mm)', '576 (80 mm)']);
  }

  if (devices.contact !== undefined) {
    const contact = c.obj(devices.contact, 'devices.contact');
    if (contact) {
      c.oneOf(contact.driver, 'devices.contact.driver', ['pcsc']);
      if (typeof contact.reader !== 'string') c.fail('devices.contact.reader', "must be a string: part of the PC/SC reader's name, or '' for the first reader");
    }
  }

  if (devices.magstripe !== undefined) {
    const msr = c.obj(devices.magstripe, 'devices.magstripe');
    if (msr) {
      const drv = c.oneOf(msr.driver, 'devices.magstripe.driver', ['serial-msr', 'keyboard-wedge']);
      if (drv === 'serial-msr') {
        const port = c.str(msr.port, 'devices.magstripe.port');
        if (port && !serial[port]) c.fail('devices.magstripe.port', `names serial port '${port}', which the board does not have`);
        if (port && reader?.link === 'hsu' && reader.port === port) c.fail('devices.magstripe.port', `is the reader's serial port '${port}'`);
        if (port && printer?.port === port) c.fail('devices.magstripe.port', `is the printer's serial port '${port}'`);
        if (msr.lrc !== undefined && typeof msr.lrc !== 'boolean') c.fail('devices.magstripe.lrc', 'must be true or false');
      } else if (drv === 'keyboard-wedge') {
        c.str(msr.device, 'devices.magstripe.device');
      }
      if (msr.interCharacterTimeoutMs !== undefined) c.int(msr.interCharacterTimeoutMs, 'devices.magstripe.interCharacterTimeoutMs', 20, 5000);
    }
  }

  if (c.problems.length > 0) throw new ValidationError(c.problems.join('\n'), 'BOARD_INVALID');
  return raw as BoardDescription;
}
