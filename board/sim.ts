/**
 * The simulated board: every device is a byte-level emulator in the same process
 * (simulator/devices), wired through in-memory ports (simulator/ports). It mirrors
 * rpi-pn532-hsu device for device, so what runs here runs on the Pi.
 *
 *   device        port            where              emulator
 *   PN532         serial 'nfc'    sim:pn532 115200   simulator/devices/pn532
 *   SSD1306       i2c 'i2c1'      0x3C, 128x64       simulator/devices/display
 *   keypad 4x4    GPIO 5,6,13,19 rows / 26,16,20,21 columns   simulator/devices/keypad
 *   LEDs, buzzer  GPIO 22,23,24,25 / 18               simulator/devices/indicators
 *   printer       serial 'printer' sim:printer 19200 simulator/devices/printer
 *   contact slot  PC/SC 'sim:contact'                 simulator/devices/contact-slot
 *   magstripe     serial 'msr'    sim:msr 9600        simulator/devices/magstripe
 */
import type { BoardDescription } from '../src/hal/board.js';
import rpi from './rpi-pn532-hsu.js';

const board: BoardDescription = {
  ...rpi,
  name: 'sim',
  kind: 'sim',
  description: 'The simulated board: the devices of rpi-pn532-hsu, each an emulator speaking its real protocol',
  serial: {
    nfc: { path: 'sim:pn532', baudRate: 115200 },
    printer: { path: 'sim:printer', baudRate: 19200 },
    msr: { path: 'sim:msr', baudRate: 9600 },
  },
};

export default board;
