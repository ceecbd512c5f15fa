import { DeviceError } from '../../errors.js';
import type { BoardDescription } from '../board.js';
import type { BoardPorts } from '../board-ports.js';
import type { Clock, Direction, Level } from '../ports.js';
import { LinuxGpioLine, listGpioChips, sysfsNumber } from './gpio.js';
import { LinuxI2cBus } from './i2c.js';
import { LinuxSerialLink } from './serial.js';

/** The real ports of a Raspberry Pi, named as the board description names them. */
export function openLinuxPorts(board: BoardDescription, clock: Clock): BoardPorts {
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
    async close() {
      for (const x of opened.reverse()) await x.close().catch(() => {});
    },
  };
}
