import type { Direction, GpioLine, I2cBus, Level, SerialLink } from './ports.js';

/**
 * The ports a board offers, by the names its description uses. The Linux side opens the
 * Pi's devices (src/hal/linux/ports.ts); the simulator side hands out in-memory ports with
 * an emulator at the far end of each (simulator/sim-board.ts). Drivers are built on these
 * by src/hal/devices.ts, the same code on both.
 */
export interface BoardPorts {
  /** A GPIO line by its number on the board (BCM on a Pi). */
  gpio(line: number, direction: Direction, options?: { initial?: Level }): Promise<GpioLine>;
  /** An I2C bus by its name in the board description. */
  i2c(name: string): Promise<I2cBus>;
  /** A serial port by its name in the board description. */
  serial(name: string): Promise<SerialLink>;
  /** Closes everything opened through this object. */
  close(): Promise<void>;
}
