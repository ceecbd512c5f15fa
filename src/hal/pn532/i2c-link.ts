import { I2cNackError, ReadTimeoutError } from '../../errors.js';
import type { Clock, GpioLine, I2cBus } from '../ports.js';
import type { Pn532Link } from './link.js';
import { waitReady, type ReadyWait } from './ready.js';

/** The PN532's 7-bit I2C address (0x48 for write, 0x49 for read: UM0701-02 6.2.4). */
export const PN532_I2C_ADDRESS = 0x24;

export interface I2cLinkOptions {
  clock: Clock;
  address?: number;
  /** P70_IRQ, an input with pull-up; the chip pulls it low when a frame is ready. */
  irq?: GpioLine;
  /** Between status reads when no IRQ line is wired. Default 2 ms. */
  pollIntervalMs?: number;
  /** Writes refused by a NACK are tried again this many times, 1 ms apart. Default 3. */
  writeRetries?: number;
}

/**
 * The PN532 on I2C. Every read transfer starts with the status byte, RDY in bit 0
 * (UM0701-02 6.2.4); the frame follows when RDY is set. The chip may also leave its own
 * address unacknowledged for a moment just after an exchange (same section): such a NACK
 * while waiting means "busy", and a write it refuses is tried again.
 */
export class Pn532I2cLink implements Pn532Link {
  readonly path: string;
  private readonly address: number;
  private readonly ready: ReadyWait;
  private readonly writeRetries: number;

  constructor(
    private readonly bus: I2cBus,
    private readonly options: I2cLinkOptions,
  ) {
    this.address = options.address ?? PN532_I2C_ADDRESS;
    this.path = `${bus.path}@0x${this.address.toString(16).padStart(2, '0')}`;
    this.writeRetries = options.writeRetries ?? 3;
    this.ready = {
      clock: options.clock,
      path: this.path,
      irq: options.irq,
      pollIntervalMs: options.pollIntervalMs ?? 2,
      status: async () => {
        try {
          const s = await this.bus.read(this.address, 1);
          return (s[0]! & 0x01) !== 0;
        } catch (e) {
          if (e instanceof I2cNackError) return false;
          throw e;
        }
      },
    };
  }

  async send(frame: Uint8Array): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bus.write(this.address, frame);
        return;
      } catch (e) {
        if (!(e instanceof I2cNackError) || attempt >= this.writeRetries) throw e;
        await this.options.clock.sleep(1);
      }
    }
  }

  async receive(options: { timeoutMs: number; expect: number; signal?: AbortSignal }): Promise<Uint8Array> {
    const deadline = this.options.clock.monotonic() + options.timeoutMs;
    for (;;) {
      await waitReady(this.ready, deadline, options.timeoutMs, options.signal);
      try {
        const rx = await this.bus.read(this.address, 1 + options.expect);
        if ((rx[0]! & 0x01) !== 0) return rx.subarray(1);
      } catch (e) {
        if (!(e instanceof I2cNackError)) throw e;
      }
      // Busy after all (a NACK, or RDY dropped after a stale IRQ edge): wait a little, not spin.
      const left = deadline - this.options.clock.monotonic();
      if (left <= 0) throw new ReadTimeoutError(this.path, options.timeoutMs);
      await this.options.clock.sleep(Math.min(this.ready.pollIntervalMs, left), options.signal);
    }
  }

  /** A frame waiting on I2C is dropped by reading it; stale bytes never pile up here. */
  async flush(): Promise<void> {}

  /** The chip wakes on its own address (I2C enabled in PowerDown's WakeUpEnable). */
  async wakeUp(): Promise<void> {}

  close(): Promise<void> {
    return this.bus.close();
  }
}
