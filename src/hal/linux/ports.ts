import { DeviceError } from '../../errors.js';
import type { BoardDescription } from '../board.js';
import type { BoardPorts } from '../board-ports.js';
import type { PcscPorts } from '../contact/pcsc.js';
import type { KeyEventPorts } from '../magstripe/keyboard-wedge.js';
import type { Clock, Direction, Level } from '../ports.js';
import { EvdevKeyEvents } from './evdev.js';
import { LinuxGpioLine, listGpioChips, sysfsNumber } from './gpio.js';
import { LinuxI2cBus } from './i2c.js';
import { openLinuxPcsc } from './pcsc.js';
import { LinuxSerialLink } from './serial.js';

/** The real ports of a Raspberry Pi, named as the board description names them. */
export function openLinuxPorts(board: BoardDescription, clock: Clock): BoardPorts & KeyEventPorts & PcscPorts {
  const opened: { close(): Promise<void> }[] = [];
  const i2cBuses = new Map<string, Promise<LinuxI2cBus>>();
  let chips: ReturnType<typeof listGpioChips> | null = null;
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    opened.push(x);
    return x;
  };
  return {
    async gpio(line: number, direction: Direction, options: { initial?: Level } = {}) {
      chips ??= listGpioChips();
      return track(new LinuxGpioLine(line, sysfsNumber(line, chips), direction, options));
    },
    i2c(name: string) {
      const desc = board.i2c[name];
      if (!desc) throw new DeviceError('BOARD_PORT', `board ${board.name} has no I2C bus '${name}'`);
      let bus = i2cBuses.get(name);
      if (!bus) {
        bus = LinuxI2cBus.open(desc.bus).then(track);
        i2cBuses.set(name, bus);
      }
      return bus;
    },
    async serial(name: string) {
      const desc = board.serial[name];
      if (!desc) throw new DeviceError('BOARD_PORT', `board ${board.name} has no serial port '${name}'`);
      return track(await LinuxSerialLink.open(desc.path, desc.baudRate, clock));
    },
    /** A keyboard-wedge reader's evdev device (src/hal/linux/evdev.ts), by its path. */
    async keyEvents(device: string) {
      return track(await EvdevKeyEvents.open(device, clock));
    },
    /**
     * The PC/SC reader whose name contains `reader` ('' the first), through pcscd
     * (src/hal/linux/pcsc.ts). Rejects with ContactReaderUnavailableError when the optional
     * binding is not installed, pcscd is not running or no reader matches.
     */
    async pcsc(reader: string) {
      return track(await openLinuxPcsc(reader));
    },
    async close() {
      for (const x of opened.reverse()) await x.close().catch(() => {});
    },
  };
}
