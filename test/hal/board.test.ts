import { describe, expect, it } from 'vitest';
import rpi from '../../board/rpi-pn532-hsu.js';
import sim from '../../board/sim.js';
import { ValidationError } from '../../src/errors.js';
import { validateBoard, type BoardDescription, type GpioKeypadDesc } from '../../src/hal/board.js';

/** A deep copy of the Pi board with one change, to see the one message it earns. */
function variant(change: (b: BoardDescription) => void): unknown {
  const b = structuredClone(rpi) as BoardDescription;
  change(b);
  return b;
}

function problems(raw: unknown): string[] {
  try {
    validateBoard(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message.split('\n');
  }
  return [];
}

describe('board descriptions', () => {
  it('the shipped boards are valid', () => {
    expect(validateBoard(sim).name).toBe('sim');
    expect(validateBoard(rpi).name).toBe('rpi-pn532-hsu');
  });

  it.each<[string, (b: BoardDescription) => void, string]>([
    ['display address', (b) => void (b.devices.display.address = 0x3e), 'board rpi-pn532-hsu: devices.display.address must be 0x3C or 0x3D'],
    ['display size', (b) => void (b.devices.display.height = 48), 'board rpi-pn532-hsu: devices.display must be 128x64 or 128x32 pixels for an SSD1306'],
    ['PN532 baud rate', (b) => void (b.serial.nfc!.baudRate = 100000), 'board rpi-pn532-hsu: serial.nfc.baudRate must be a PN532 HSU rate (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1288000)'],
    ['reader port missing', (b) => void (b.devices.reader.port = 'uart5'), "board rpi-pn532-hsu: devices.reader.port names serial port 'uart5', which the board does not have"],
    ['PN532 I2C address', (b) => void Object.assign(b.devices.reader, { link: 'i2c', port: 'i2c1', address: 0x48 }), 'board rpi-pn532-hsu: devices.reader.address must be 0x24 (the PN532 in I2C mode)'],
    ['pin used twice', (b) => void (b.devices.indicators.buzzer = 5), 'board rpi-pn532-hsu: devices.indicators.buzzer uses GPIO5, already used by devices.keypad.rows[0]'],
    ['I2C pin as GPIO', (b) => void (b.devices.indicators.leds[0] = 2), 'board rpi-pn532-hsu: devices.indicators.leds[0] uses GPIO2, already used by the I2C bus (SDA)'],
    ['UART pin as GPIO', (b) => void ((b.devices.keypad as GpioKeypadDesc).columns[0] = 14), 'board rpi-pn532-hsu: devices.keypad.columns[0] uses GPIO14, already used by the UART (TXD)'],
    ['pin off the header', (b) => void (b.devices.reader.irq = 40), 'board rpi-pn532-hsu: devices.reader.irq must be a whole number from 0 to 27'],
    ['three LEDs', (b) => void ((b.devices.indicators as { leds: number[] }).leds = [22, 23, 24]), 'board rpi-pn532-hsu: devices.indicators.leds must list four LED GPIOs (EMV contactless status lights)'],
    ['key map missing ENTER', (b) => void (b.devices.keypad.keymap[3]![3] = 'MENU'), 'board rpi-pn532-hsu: devices.keypad.keymap has no ENTER key'],
    ['unknown key', (b) => void ((b.devices.keypad.keymap[0] as string[])[0] = 'F1'), "board rpi-pn532-hsu: devices.keypad.keymap has 'F1', which is not a key name (0 1 2 3 4 5 6 7 8 9 ENTER CANCEL CLEAR MENU UP DOWN)"],
    ['printer on the reader port', (b) => void (b.devices.printer.port = 'nfc'), "board rpi-pn532-hsu: devices.printer.port is the reader's serial port 'nfc'"],
    ['printer width', (b) => void ((b.devices.printer as { dots: number }).dots = 500), 'board rpi-pn532-hsu: devices.printer.dots must be 384 (58 mm) or 576 (80 mm)'],
    ['unknown driver', (b) => void ((b.devices.reader as { driver: string }).driver = 'rc522'), 'board rpi-pn532-hsu: devices.reader.driver must be one of pn532'],
    ['debounce', (b) => void (b.devices.keypad.debounceMs = 0), 'board rpi-pn532-hsu: devices.keypad.debounceMs must be a whole number from 1 to 100'],
    ['contact driver', (b) => void ((b.devices.contact as { driver: string }).driver = 'acr122'), 'board rpi-pn532-hsu: devices.contact.driver must be one of pcsc'],
    ['contact reader name', (b) => void ((b.devices.contact as { reader: unknown }).reader = 3), "board rpi-pn532-hsu: devices.contact.reader must be a string: part of the PC/SC reader's name, or '' for the first reader"],
    ['magstripe driver', (b) => void ((b.devices.magstripe as { driver: string }).driver = 'usb-hid'), 'board rpi-pn532-hsu: devices.magstripe.driver must be serial-msr or keyboard-wedge'],
    ['magstripe port missing', (b) => void ((b.devices.magstripe as { port: string }).port = 'uart9'), "board rpi-pn532-hsu: devices.magstripe.port names serial port 'uart9', which the board does not have"],
    ['magstripe on the printer port', (b) => void ((b.devices.magstripe as { port: string }).port = 'printer'), "board rpi-pn532-hsu: devices.magstripe.port is the printer's serial port 'printer'"],
    ['magstripe on the reader port', (b) => void ((b.devices.magstripe as { port: string }).port = 'nfc'), "board rpi-pn532-hsu: devices.magstripe.port is the reader's serial port 'nfc'"],
    ['magstripe LRC flag', (b) => void ((b.devices.magstripe as { lrc: unknown }).lrc = 'yes'), 'board rpi-pn532-hsu: devices.magstripe.lrc must be true or false'],
    ['magstripe timeout', (b) => void ((b.devices.magstripe as { interCharacterTimeoutMs: number }).interCharacterTimeoutMs = 5), 'board rpi-pn532-hsu: devices.magstripe.interCharacterTimeoutMs must be a whole number from 20 to 5000'],
    ['keyboard wedge without a device', (b) => void (b.devices.magstripe = { driver: 'keyboard-wedge', device: '' }), 'board rpi-pn532-hsu: devices.magstripe.device must be a non-empty string'],
  ])('names the mistake: %s', (_, change, message) => {
    expect(problems(variant(change))).toContain(message);
  });

  it('the contact and magstripe readers are optional', () => {
    const b = variant((d) => {
      delete d.devices.contact;
      delete d.devices.magstripe;
    });
    expect(problems(b)).toEqual([]);
  });

  it('lists every mistake at once, one a line', () => {
    const p = problems(variant((b) => {
      b.devices.display.address = 0x10;
      b.devices.keypad.debounceMs = 500;
    }));
    expect(p).toHaveLength(2);
  });

  it('refuses what is not a board at all', () => {
    expect(problems(null)).toEqual(['board (unnamed): description must be an object']);
    expect(problems({ name: 'x' })[0]).toMatch(/^board x: /);
  });

  it('a keypad behind a PCF8574: its address, INT pin and port bits are checked', () => {
    const ok = variant((b) => {
      b.devices.keypad = { driver: 'pcf8574-matrix', port: 'i2c1', address: 0x20, int: 4, rowPins: [0, 1, 2, 3], columnPins: [4, 5, 6, 7], keymap: b.devices.keypad.keymap, debounceMs: 15 };
    });
    expect(problems(ok)).toEqual([]);
    const bad = variant((b) => {
      b.devices.keypad = { driver: 'pcf8574-matrix', port: 'i2c1', address: 0x3c, int: 22, rowPins: [0, 1, 2, 3], columnPins: [4, 5, 6, 8], keymap: b.devices.keypad.keymap, debounceMs: 15 };
    });
    expect(problems(bad)).toEqual([
      "board rpi-pn532-hsu: devices.keypad.address is the display's address on the same bus",
      'board rpi-pn532-hsu: devices.keypad rowPins and columnPins must be distinct port bits 0-7',
      'board rpi-pn532-hsu: devices.indicators.leds[0] uses GPIO22, already used by devices.keypad.int',
    ]);
  });

  it('the HD44780 display needs a PCF8574 address and a character size', () => {
    const p = problems(variant((b) => {
      b.devices.display = { driver: 'hd44780-pcf8574', port: 'i2c1', address: 0x50, width: 20, height: 2 };
    }));
    expect(p).toContain('board rpi-pn532-hsu: devices.display.address must be 0x20-0x27 (PCF8574) or 0x38-0x3F (PCF8574A)');
    expect(p).toContain('board rpi-pn532-hsu: devices.display must be 20x4 or 16x2 characters for an HD44780');
  });
});
