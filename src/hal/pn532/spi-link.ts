import type { Clock, GpioLine, SpiDevice } from '../ports.js';
import type { Pn532Link } from './link.js';
import { waitReady, type ReadyWait } from './ready.js';

/** The byte that starts every SPI transfer to the PN532 and says what it is (UM0701-02 6.2.5). */
export const SPI_DATA_WRITE = 0x01;
export const SPI_STATUS_READ = 0x02;
export const SPI_DATA_READ = 0x03;

export interface SpiLinkOptions {
  clock: Clock;
  /**
   * How the SPI controller shifts bytes. The PN532 wants LSB first (UM0701-02 6.2.5). When
   * the SpiDevice was opened LSB-first ('lsb-first', the default) bytes pass as they are.
   * A controller that only shifts MSB first (the Raspberry Pi's BCM2835 SPI has no
   * LSB-first mode) needs 'msb-first': this link then mirrors the bits of every byte it
   * sends and receives. Nowhere else in the driver are bits reversed.
   */
  controllerBitOrder?: 'lsb-first' | 'msb-first';
  /** P70_IRQ, an input with pull-up; the chip pulls it low when a frame is ready. */
  irq?: GpioLine;
  /** Between status reads when no IRQ line is wired. Default 2 ms. */
  pollIntervalMs?: number;
  /** How long the chip needs after chip select woke it (UM0701-02 7.2.11). Default 2 ms. */
  wakeupMs?: number;
}

/** Bits of a byte in the opposite order: what an MSB-first controller must send. */
export function mirrorByte(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 0x80 >> i;
  return r;
}

/**
 * The PN532 on SPI, mode 0. Each transfer starts with DW (then the frame), SR (the status
 * byte comes back in the next byte, RDY in bit 0) or DR (the frame comes back after it).
 */
export class Pn532SpiLink implements Pn532Link {
  readonly path: string;
  private readonly mirror: boolean;
  private readonly ready: ReadyWait;

  constructor(
    private readonly spi: SpiDevice,
    private readonly options: SpiLinkOptions,
  ) {
    this.path = spi.path;
    this.mirror = options.controllerBitOrder === 'msb-first';
    this.ready = {
      clock: options.clock,
      path: this.path,
      irq: options.irq,
      pollIntervalMs: options.pollIntervalMs ?? 2,
      // Exactly 0x01: a MISO line nobody drives reads 0xFF, which must not pass for RDY.
      status: async () => (await this.transfer(Uint8Array.of(SPI_STATUS_READ, 0x00)))[1] === 0x01,
    };
  }

  /** One transfer in the chip's bit order, whatever the controller's. */
  private async transfer(tx: Uint8Array): Promise<Uint8Array> {
    if (!this.mirror) return this.spi.transfer(tx);
    const rx = await this.spi.transfer(tx.map(mirrorByte));
    return rx.map(mirrorByte);
  }

  async send(frame: Uint8Array): Promise<void> {
    const tx = new Uint8Array(frame.length + 1);
    tx[0] = SPI_DATA_WRITE;
    tx.set(frame, 1);
    await this.transfer(tx);
  }

  async receive(options: { timeoutMs: number; expect: number; signal?: AbortSignal }): Promise<Uint8Array> {
    const deadline = this.options.clock.monotonic() + options.timeoutMs;
    await waitReady(this.ready, deadline, options.timeoutMs, options.signal);
    const tx = new Uint8Array(1 + options.expect);
    tx[0] = SPI_DATA_READ;
    const rx = await this.transfer(tx);
    return rx.subarray(1);
  }

  /** Nothing is buffered on our side of SPI: the chip holds its frame until it is read. */
  async flush(): Promise<void> {}

  /** Chip select going low wakes the chip; the transfer itself is lost (UM0701-02 7.2.11). */
  async wakeUp(): Promise<void> {
    await this.transfer(Uint8Array.of(SPI_STATUS_READ, 0x00));
    await this.options.clock.sleep(this.options.wakeupMs ?? 2);
  }

  close(): Promise<void> {
    return this.spi.close();
  }
}
