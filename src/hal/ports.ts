/**
 * The ports: the few byte-level interfaces every driver is handed. A driver never opens a
 * device; the board wiring (src/hal/linux/ on a Pi, simulator/ports/ in tests and on the
 * sim board) gives it one of these. Both sides keep the same contract, so a driver that
 * works against the simulator works against the hardware.
 *
 * Errors: see src/errors.ts. PortClosedError (`canceled: true`), PortBusyError,
 * ReadTimeoutError, I2cNackError are the only failures a port raises for the cases named
 * below; anything else is a DeviceError with the OS's message as its cause.
 */

/** A byte stream to a device: a UART (PN532 over HSU, a thermal printer) or its emulator. */
export interface SerialLink {
  /** What people call this link in messages: "/dev/serial0", "sim:pn532". */
  readonly path: string;
  /** True from open until close() is called or the device goes away. */
  readonly isOpen: boolean;

  /**
   * Sends every byte of `data`, in order. Resolves once all of it has left our buffers
   * (drained to the UART or delivered to the emulator). Rejects with PortBusyError when a
   * previous write has not yet resolved (writes never overlap or interleave), and with
   * PortClosedError when the link is or becomes closed before the bytes are out.
   */
  write(data: Uint8Array): Promise<void>;

  /**
   * Resolves with at least one and at most `maxBytes` (default: all available) received
   * bytes, as soon as any are available; bytes are never lost between reads. Rejects with
   * ReadTimeoutError when none arrive within `timeoutMs` (on the port's clock), with
   * PortClosedError when the link closes while waiting (the read is cancelled), with the
   * signal's reason when `signal` aborts, and with PortBusyError when another read waits.
   */
  read(options: { timeoutMs: number; maxBytes?: number; signal?: AbortSignal }): Promise<Uint8Array>;

  /** Discards every byte received and not yet read (used to resynchronise after garbage). */
  flush(): Promise<void>;

  /** Changes the line speed, e.g. after the PN532 is told to switch baud rate. */
  setBaudRate(baudRate: number): Promise<void>;

  /** Closes the link; a pending read rejects with PortClosedError. Closing twice is harmless. */
  close(): Promise<void>;
}

/** An I2C bus master: SSD1306 displays, PCF8574 expanders, a PN532 in I2C mode. */
export interface I2cBus {
  /** What people call this bus in messages: "/dev/i2c-1", "sim:i2c1". */
  readonly path: string;

  /**
   * One write transfer (START, address+W, bytes, STOP) to the 7-bit `address`. Rejects with
   * I2cNackError when nothing acknowledges the address, with a ValidationError for an
   * address outside 0x08-0x77 (reserved ranges of the I2C-bus specification, UM10204 3.1.12).
   */
  write(address: number, data: Uint8Array): Promise<void>;

  /** One read transfer of exactly `length` bytes; I2cNackError when nothing acknowledges. */
  read(address: number, length: number): Promise<Uint8Array>;

  /** Closes the bus; later transfers reject with PortClosedError. */
  close(): Promise<void>;
}

/** One SPI device (a bus plus its chip select): the PN532 in SPI mode. */
export interface SpiDevice {
  /** What people call this device in messages: "/dev/spidev0.0", "sim:spi0". */
  readonly path: string;
  /**
   * One full-duplex transfer with chip select held for its whole length: sends `tx` and
   * resolves with the same number of bytes clocked in. Bit order and mode are fixed when
   * the device is opened (the PN532 wants LSB first, mode 0: UM0701-02 6.2.5).
   */
  transfer(tx: Uint8Array): Promise<Uint8Array>;
  /** Closes the device; later transfers reject with PortClosedError. */
  close(): Promise<void>;
}

export type Level = 0 | 1;
export type Edge = 'rising' | 'falling' | 'both';
export type Direction = 'in' | 'out';

/** One GPIO line: keypad rows and columns, LEDs, the buzzer, the PN532's IRQ and reset. */
export interface GpioLine {
  /** What people call this line in messages: "GPIO17", "sim:row0". */
  readonly name: string;
  readonly direction: Direction;

  /** The line's level now: what we drive when an output, what the wire carries when an input. */
  read(): Promise<Level>;

  /** Drives an output line. Rejects with a DeviceError when the line is an input. */
  write(value: Level): Promise<void>;

  /**
   * Switches between input (high impedance: the pull resistor or the far end decides the
   * level) and output driving `value`. Keypad scanning drives one row at a time this way,
   * so two pressed keys never short a driven-high row to a driven-low one.
   */
  setDirection(direction: Direction, value?: Level): Promise<void>;

  /**
   * Calls `listener` on each change of an input line's level that matches `edge`, from an
   * interrupt (epoll on Linux), never by polling. Returns a function that stops watching.
   */
  watch(edge: Edge, listener: (value: Level) => void): () => void;

  /** Releases the line (unexports it on Linux); watchers stop. Closing twice is harmless. */
  close(): Promise<void>;
}

/** A running timer; cancel() is safe to call after it fired. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time, injected, so the whole terminal can run on virtual time in tests. All durations are
 * milliseconds. Timers never fire early; timers due at the same instant fire in the order
 * they were set.
 */
export interface Clock {
  /** Wall-clock time in ms since the Unix epoch (for receipts, logs and the idle screen). */
  now(): number;
  /** Monotonic ms for measuring intervals; never goes backwards, unrelated to the epoch. */
  monotonic(): number;
  /** Calls `fn` once after `ms`. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Resolves after `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
