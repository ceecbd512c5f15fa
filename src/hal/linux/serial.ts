import { SerialPort } from 'serialport';
import { abortReason, DeviceError, PortBusyError, PortClosedError, ReadTimeoutError } from '../../errors.js';
import type { Clock, SerialLink } from '../ports.js';

/**
 * SerialLink over node-serialport (a UART such as /dev/serial0, or a USB adapter). Bytes
 * arriving between reads are buffered in order; the contract of src/hal/ports.ts holds.
 */
export class LinuxSerialLink implements SerialLink {
  readonly path: string;
  private readonly port: SerialPort;
  private rx: Buffer[] = [];
  private writing = false;
  private waiter: { deliver: () => void; fail: (e: Error) => void } | null = null;

  private constructor(port: SerialPort, path: string, private readonly clock: Clock) {
    this.port = port;
    this.path = path;
    port.on('data', (chunk: Buffer) => {
      this.rx.push(chunk);
      this.waiter?.deliver();
    });
    port.on('close', () => this.waiter?.fail(new PortClosedError(path)));
  }

  static async open(path: string, baudRate: number, clock: Clock): Promise<LinuxSerialLink> {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new DeviceError('SERIAL_OPEN', `${path}: cannot open (${err.message})`, { cause: err })) : resolve())),
    );
    return new LinuxSerialLink(port, path, clock);
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.port.isOpen) throw new PortClosedError(this.path);
    if (this.writing) throw new PortBusyError(this.path, 'write');
    this.writing = true;
    try {
      await new Promise<void>((resolve, reject) => {
        this.port.write(Buffer.from(data), (err) => {
          if (err) return reject(new DeviceError('SERIAL_WRITE', `${this.path}: write failed (${err.message})`, { cause: err }));
          this.port.drain((e) => (e ? reject(new DeviceError('SERIAL_WRITE', `${this.path}: drain failed (${e.message})`, { cause: e })) : resolve()));
        });
      });
    } finally {
      this.writing = false;
    }
  }

  private take(maxBytes: number): Uint8Array {
    const all = Buffer.concat(this.rx);
    const out = all.subarray(0, maxBytes);
    const rest = all.subarray(out.length);
    this.rx = rest.length ? [rest] : [];
    return Uint8Array.from(out);
  }

  read(options: { timeoutMs: number; maxBytes?: number; signal?: AbortSignal }): Promise<Uint8Array> {
    const max = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    if (!this.port.isOpen) return Promise.reject(new PortClosedError(this.path));
    if (this.waiter) return Promise.reject(new PortBusyError(this.path, 'read'));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    if (this.rx.length) return Promise.resolve(this.take(max));
    return new Promise((resolve, reject) => {
      const done = () => {
        this.waiter = null;
        timer.cancel();
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(abortReason(options.signal!));
      };
      const timer = this.clock.setTimer(options.timeoutMs, () => {
        done();
        reject(new ReadTimeoutError(this.path, options.timeoutMs));
      });
      this.waiter = {
        deliver: () => {
          done();
          resolve(this.take(max));
        },
        fail: (e) => {
          done();
          reject(e);
        },
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async flush(): Promise<void> {
    this.rx = [];
    await new Promise<void>((resolve) => this.port.flush(() => resolve()));
  }

  async setBaudRate(baudRate: number): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.port.update({ baudRate }, (err) => (err ? reject(new DeviceError('SERIAL_BAUD', `${this.path}: cannot set ${baudRate} baud (${err.message})`)) : resolve())),
    );
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.waiter?.fail(new PortClosedError(this.path));
  }
}
