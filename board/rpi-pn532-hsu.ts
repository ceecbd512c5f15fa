/**
 * Raspberry Pi 4 / 5 (Bookworm) with a PN532 on the UART (HSU), an SSD1306 OLED on I2C1,
 * a 4x4 membrane keypad, four status LEDs and a buzzer on GPIO, and a TTL thermal printer
 * (CSN-A2 class) on a USB-serial adapter.
 *
 * Wiring (BCM GPIO numbers; header pins in brackets):
 *
 *   PN532 (HSU: DIP switches SEL0=0 SEL1=0)
 *     VCC 3.3 V [1]   GND [6]   TXD -> GPIO15/RXD [10]   RXD <- GPIO14/TXD [8]
 *     RSTPDN <- GPIO17 [11]     IRQ -> GPIO27 [13]
 *   SSD1306 128x64 OLED, I2C address 0x3C
 *     VCC 3.3 V [17]  GND [9]   SDA GPIO2 [3]   SCL GPIO3 [5]
 *   Keypad 4x4 (left to right on its connector: rows 1-4, then columns 1-4)
 *     rows    GPIO5 [29]  GPIO6 [31]  GPIO13 [33]  GPIO19 [35]
 *     columns GPIO26 [37] GPIO16 [36] GPIO20 [38]  GPIO21 [40]  (pull-ups: gpio=16,20,21,26=ip,pu)
 *     keys    1 2 3 A / 4 5 6 B / 7 8 9 C / * 0 # D
 *             A = CANCEL, B = CLEAR, C = MENU, D = ENTER, * = UP, # = DOWN
 *   LEDs (through 330 ohm to GND)  GPIO22 [15]  GPIO23 [16]  GPIO24 [18]  GPIO25 [22]
 *   Buzzer (active, through an NPN transistor)  GPIO18 [12]
 *   Printer: CP2102 USB-TTL adapter /dev/ttyUSB0, 19200 baud; printer 5-9 V supply of its own,
 *     grounds joined.
 *   Contact chip reader (optional): a USB CCID smart card reader under pcsc-lite (pcscd), an
 *     EMV level 1 approved one such as the ACS ACR39U or the Identiv SCR3310; reader '' takes
 *     the first PC/SC reader. Needs the Debian packages pcscd, libccid and libpcsclite-dev
 *     (before npm install, which builds the optional PC/SC binding `smartcard` against it);
 *     without them the terminal starts without the contact reader and logs why
 *     (src/hal/contact/README.md).
 *   Magnetic stripe reader (optional): a serial MSR (RS-232 through a USB-serial adapter, or a
 *     USB-CDC one) at 9600 baud 8N1, sending '%B...?;...?' and CR; name it by its
 *     /dev/serial/by-id/ path when two USB-serial adapters are fitted, as ttyUSB numbers
 *     follow the order of plugging. A USB keyboard-wedge MSR is described by its evdev device
 *     instead ({ driver: 'keyboard-wedge', device: '/dev/input/by-id/usb-...-event-kbd' }),
 *     read by src/hal/linux/evdev.ts: the user in the `input` group, and no login on tty1,
 *     as its keys reach the console too (src/hal/magstripe/README.md).
 *
 * /boot/firmware/config.txt: enable_uart=1, dtparam=i2c_arm=on, and the pull-ups above;
 * remove the serial console from cmdline.txt so the UART is free for the PN532.
 */
import type { BoardDescription } from '../src/hal/board.js';

const board: BoardDescription = {
  name: 'rpi-pn532-hsu',
  kind: 'linux',
  description: 'Raspberry Pi 4/5: PN532 over HSU, SSD1306 OLED, 4x4 keypad, LEDs, buzzer, ESC/POS printer, USB PC/SC contact reader, serial magstripe reader',
  gpioRange: [0, 27],
  serial: {
    nfc: { path: '/dev/serial0', baudRate: 115200 },
    printer: { path: '/dev/ttyUSB0', baudRate: 19200 },
    msr: { path: '/dev/ttyUSB1', baudRate: 9600 },
  },
  i2c: { i2c1: { bus: 1 } },
  devices: {
    reader: { driver: 'pn532', link: 'hsu', port: 'nfc', reset: 17, irq: 27 },
    display: { driver: 'ssd1306', port: 'i2c1', address: 0x3c, width: 128, height: 64 },
    keypad: {
      driver: 'matrix-gpio',
      rows: [5, 6, 13, 19],
      columns: [26, 16, 20, 21],
      keymap: [
        ['1', '2', '3', 'CANCEL'],
        ['4', '5', '6', 'CLEAR'],
        ['7', '8', '9', 'MENU'],
        ['UP', '0', 'DOWN', 'ENTER'],
      ],
      debounceMs: 15,
    },
    indicators: { driver: 'gpio-leds', leds: [22, 23, 24, 25], buzzer: 18, activeHigh: true },
    printer: { driver: 'escpos', port: 'printer', dots: 384 },
    contact: { driver: 'pcsc', reader: '' },
    magstripe: { driver: 'serial-msr', port: 'msr' },
  },
};

export default board;
