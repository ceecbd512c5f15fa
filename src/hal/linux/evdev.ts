/**
 * A key event port (KeyEventSource, src/hal/magstripe/keyboard-wedge.ts) on a Linux evdev
 * device: the USB keyboard-wedge stripe reader's /dev/input/eventN, best named by its stable
 * /dev/input/by-id/usb-...-event-kbd link.
 *
 * What the kernel hands a reader (Documentation/input/input.rst, "Event interface"): reads
 * on /dev/input/eventN return whole `struct input_event`s (include/uapi/linux/input.h): the
 * time (a struct timeval, or the __sec/__usec pair of kernel longs), then __u16 type, __u16
 * code, __s32 value, in the machine's byte order. The time is two longs of the *reading
 * process*: 8 bytes each for a 64-bit process (x64, arm64: 24 bytes an event), 4 for a
 * 32-bit one (arm, ia32: 16 bytes), also on a 64-bit kernel, which converts for 32-bit
 * processes (drivers/input/input-compat.c, struct input_event_compat). So the layout
 * follows process.arch, not the kernel.
 *
 * Of the events (include/uapi/linux/input-event-codes.h) only EV_KEY passes, as the
 * contract's { code, value } with the kernel's KEY_* code unchanged (KeyboardWedgeCharacters
 * owns the layout, Shift and Caps Lock) and value 1 press, 0 release, 2 autorepeat. EV_SYN
 * reports, the EV_MSC scan codes a USB keyboard sends before each key, EV_LED and EV_REP
 * are dropped. EV_SYN/SYN_DROPPED (the kernel's buffer for this reader overflowed and
 * events were lost: Documentation/input/event-codes.rst) makes the port skip to the next
 * SYN_REPORT, as that document asks, and hand on a KEY_RESERVED press, which no layout
 * types (KeyboardWedgeCharacters makes it UNKNOWN_KEY), and both Shifts released: a swipe
 * that lost keys becomes a garbled swipe the customer repeats, never a wrong card number.
 *
 * How it reads: the device is opened non-blocking and watched with epoll (the `epoll`
 * addon, the one onoff already uses for GPIO interrupts); each EPOLLIN is drained with
 * non-blocking reads until EAGAIN. Nothing polls, and close() stops at once. A blocking
 * read through fs.createReadStream or a FileHandle would hold a libuv pool thread inside
 * read(2) until the next key, so close() could not finish, and process.exit() waits for
 * that thread (libuv joins its pool at exit): `pos start` would not stop until someone
 * pressed a key (nodejs/node#15439; the same hang is reported against the npm package
 * input-event).
 *
 * Not done: EVIOCGRAB (an ioctl, which Node cannot issue without a native addon of its
 * own), so the reader's keystrokes also reach the Linux console and whatever has it open;
 * src/hal/magstripe/README.md says how a Pi is set up so that nothing is listening there.
 *
 * Track data goes through here as key codes: nothing in this file logs or puts an event in
 * an error message.
 */
import { closeSync, constants, fstat, open, readSync, realpath, type BigIntStats } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { abortReason, DeviceError, PortBusyError, PortClosedError } from '../../errors.js';
import type { KeyEvent, KeyEventSource } from '../magstripe/keyboard-wedge.js';
import { PendingRead } from '../pending-read.js';
import type { Clock } from '../ports.js';

// include/uapi/linux/input-event-codes.h
const EV_SYN = 0x00;
const EV_KEY = 0x01;
const SYN_REPORT = 0;
const SYN_DROPPED = 3;
const KEY_RESERVED = 0;
const KEY_LEFTSHIFT = 42;
const KEY_RIGHTSHIFT = 54;
// include/uapi/linux/major.h: INPUT_MAJOR, the character devices of the input subsystem.
const INPUT_MAJOR = 13;

/** The bytes of one struct input_event as the reading process sees it. */
export interface InputEventLayout {
  /** 24 for a 64-bit process, 16 for a 32-bit one. */
  size: 16 | 24;
  littleEndian: boolean;
}

/** process.arch values of 32-bit processes (Node's list: arm, ia32, mips, mipsel, ppc, s390). */
const ARCH_32 = new Set(['arm', 'ia32', 'mips', 'mipsel', 'ppc', 's390']);

/** The layout of struct input_event for a process of `arch` (this one's by default). */
export function inputEventLayout(arch: string = process.arch, byteOrder: 'LE' | 'BE' = endianness()): InputEventLayout {
  return { size: ARCH_32.has(arch) ? 16 : 24, littleEndian: byteOrder === 'LE' };
}

/** One struct input_event without its time, which nothing here needs. */
export interface InputEvent {
  type: number;
  code: number;
  value: number;
}

/**
 * Cuts a byte stream into struct input_event. A read normally ends on a whole event, but
 * nothing here relies on it: the bytes of a partial event are kept for the next chunk.
 */
export class InputEventDecoder {
  private rest = new Uint8Array(0);

  constructor(private readonly layout: InputEventLayout) {}

  /** Bytes of a partial event waiting for the rest. */
  get pending(): number {
    return this.rest.length;
  }

  decode(chunk: Uint8Array): InputEvent[] {
    let bytes = chunk;
    if (this.rest.length > 0) {
      bytes = new Uint8Array(this.rest.length + chunk.length);
      bytes.set(this.rest);
      bytes.set(chunk, this.rest.length);
    }
    const { size, littleEndian: le } = this.layout;
    const whole = bytes.length - (bytes.length % size);
    const view = new DataView(bytes.buffer, bytes.byteOffset, whole);
    const out: InputEvent[] = [];
    // type, code and value are the last 8 bytes, after the two longs of the time.
    for (let at = size - 8; at < whole; at += size) {
      out.push({ type: view.getUint16(at, le), code: view.getUint16(at + 2, le), value: view.getInt32(at + 4, le) });
    }
    // A copy: `chunk` may be a view of a read buffer that the next read overwrites.
    this.rest = Uint8Array.prototype.slice.call(bytes, whole);
    return out;
  }
}

/** What a reader is handed for keys it lost: a key no layout types, then no Shift held. */
const LOST: readonly KeyEvent[] = [
  { code: KEY_RESERVED, value: 1 },
  { code: KEY_RESERVED, value: 0 },
  { code: KEY_LEFTSHIFT, value: 0 },
  { code: KEY_RIGHTSHIFT, value: 0 },
];

/**
 * Most key events kept while nobody reads: a swipe of both tracks is about 500 (press and
 * release, Shift around some), so this is several swipes. Past it what was queued is
 * dropped for a LOST mark, as for SYN_DROPPED.
 */
const MAX_QUEUED = 4096;

/** One epoll read: a multiple of both layouts, more than the kernel's usual 64-event buffer. */
const READ_BYTES = 48 * 128;

interface Epoll {
  add(fd: number, events: number): Epoll;
  remove(fd: number): Epoll;
  close(): void;
}
/** The `epoll` addon's class (it ships no types): one watcher thread for all, callbacks on the main loop. */
type EpollClass = (new (callback: (err: Error | null, fd: number, events: number) => void) => Epoll) & { EPOLLIN: number };

function loadEpoll(path: string): EpollClass {
  let mod: { Epoll?: unknown };
  try {
    mod = createRequire(import.meta.url)('epoll') as typeof mod;
  } catch (err) {
    throw new DeviceError('KEY_EVENTS_UNSUPPORTED', `${path}: the epoll addon is not installed or did not build (npm install builds it; it needs python3, make and g++)`, { cause: err });
  }
  const E = mod.Epoll;
  if (typeof E !== 'function' || typeof (E as { EPOLLIN?: unknown }).EPOLLIN !== 'number') {
    throw new DeviceError('KEY_EVENTS_UNSUPPORTED', `${path}: key events are read with Linux epoll, which this system does not have`);
  }
  return E as EpollClass;
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

/** The DeviceError for a failed open, with what to do about it. */
function openError(path: string, err: unknown): DeviceError {
  const code = errno(err);
  if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO') {
    return new DeviceError(
      'KEY_EVENTS_NOT_FOUND',
      `${path}: no such input device (${code}): is the stripe reader plugged in? \`ls -l /dev/input/by-id/\` lists the keyboards; devices.magstripe.device names the reader's ...-event-kbd link`,
      { cause: err },
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new DeviceError(
      'KEY_EVENTS_PERMISSION',
      `${path}: permission denied (${code}): the user running the terminal must be in the 'input' group (sudo usermod -aG input USER, then log in again)`,
      { cause: err },
    );
  }
  return new DeviceError('KEY_EVENTS_OPEN', `${path}: cannot open the input device (${code ?? String(err)})`, { cause: err });
}

function notInput(path: string, what: string): DeviceError {
  return new DeviceError('KEY_EVENTS_NOT_INPUT', `${path}: not an input event device (${what}); devices.magstripe.device must be the reader's /dev/input/eventN or its /dev/input/by-id/...-event-kbd link`);
}

/** The key events of one evdev device; the contract of KeyEventSource holds. */
export class EvdevKeyEvents implements KeyEventSource {
  readonly name: string;
  private readonly decoder: InputEventDecoder;
  private readonly buffer = Buffer.alloc(READ_BYTES);
  private queue: KeyEvent[] = [];
  /** Between a SYN_DROPPED and the next SYN_REPORT: the events of a broken packet. */
  private dropping = false;
  private readonly reads: PendingRead<KeyEvent[]>;
  private epoll: Epoll | null;
  private fd: number;
  private closed = false;
  /** Why the device can no longer be read (unplugged, a read error): given to every read after. */
  private failure: DeviceError | null = null;

  private constructor(path: string, fd: number, Epoll: EpollClass, layout: InputEventLayout, clock: Pick<Clock, 'setTimer'>) {
    this.name = path;
    this.reads = new PendingRead(clock, path);
    this.fd = fd;
    this.decoder = new InputEventDecoder(layout);
    const epoll = new Epoll((err) => this.readable(err));
    this.epoll = epoll;
    try {
      epoll.add(fd, Epoll.EPOLLIN);
    } catch (err) {
      epoll.close();
      throw err;
    }
  }

  /**
   * Opens `path` and starts reading it. The device must be an evdev node (major 13,
   * eventN); a FIFO carrying the same structs is taken too (how the tests feed it).
   * DeviceError when it is missing (KEY_EVENTS_NOT_FOUND), not readable by this user
   * (KEY_EVENTS_PERMISSION: the `input` group), or not an input event device.
   */
  static async open(path: string, clock: Pick<Clock, 'setTimer'>, options: { layout?: InputEventLayout } = {}): Promise<EvdevKeyEvents> {
    const Epoll = loadEpoll(path);
    const fd = await new Promise<number>((resolve, reject) =>
      open(path, constants.O_RDONLY | constants.O_NONBLOCK, (err, fd) => (err ? reject(openError(path, err)) : resolve(fd))),
    );
    try {
      const st = await new Promise<BigIntStats>((resolve, reject) =>
        fstat(fd, { bigint: true }, (err, s) => (err ? reject(openError(path, err)) : resolve(s))),
      );
      if (st.isCharacterDevice()) {
        // glibc's gnu_dev_major: bits 8-19 and 44-63 of the device number.
        const major = Number(((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & ~0xfffn));
        if (major !== INPUT_MAJOR) throw notInput(path, `character device of major ${major}, not the input subsystem's ${INPUT_MAJOR}`);
        // Major 13 also holds the mouse and joystick interfaces, whose reads are not input_events.
        const node = basename(await new Promise<string>((resolve, reject) => realpath(path, (err, p) => (err ? reject(openError(path, err)) : resolve(p)))));
        if (!/^event\d+$/.test(node)) throw notInput(path, `${node} is an input device, but not an event interface`);
      } else if (!st.isFIFO()) {
        throw notInput(path, st.isDirectory() ? 'a directory' : st.isFile() ? 'a regular file' : 'not a character device');
      }
      return new EvdevKeyEvents(path, fd, Epoll, options.layout ?? inputEventLayout(), clock);
    } catch (err) {
      closeSync(fd);
      if (err instanceof DeviceError) throw err;
      throw new DeviceError('KEY_EVENTS_OPEN', `${path}: cannot watch the input device (${errno(err) ?? String(err)})`, { cause: err });
    }
  }

  read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<KeyEvent[]> {
    if (this.closed) return Promise.reject(new PortClosedError(this.name));
    if (this.reads.waiting) return Promise.reject(new PortBusyError(this.name, 'read'));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    // Events read before the device failed are still handed out, then the failure.
    if (this.queue.length > 0) return Promise.resolve(this.queue.splice(0));
    if (this.failure) return Promise.reject(this.failure);
    return this.reads.wait(options.timeoutMs, options.signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.queue = [];
    this.reads.fail(new PortClosedError(this.name));
  }

  /** epoll said the device is readable (or hung up): drain it. */
  private readable(err: Error | null): void {
    if (this.closed || this.failure || this.fd < 0) return;
    if (err) return this.fail(new DeviceError('KEY_EVENTS_READ', `${this.name}: watching the input device failed (${errno(err) ?? err.message})`, { cause: err }));
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (e) {
        const code = errno(e);
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') break;
        if (code === 'EINTR') continue;
        // evdev_read answers ENODEV once the device is gone (drivers/input/evdev.c).
        if (code === 'ENODEV') return this.fail(unplugged(this.name, code, e));
        return this.fail(new DeviceError('KEY_EVENTS_READ', `${this.name}: reading the input device failed (${code ?? String(e)})`, { cause: e }));
      }
      // End of file: what a FIFO gives when its writer goes; an evdev node never ends, but say the same.
      if (n === 0) return this.fail(unplugged(this.name, 'end of file'));
      this.take(this.buffer.subarray(0, n));
    }
    this.deliver();
  }

  private take(bytes: Uint8Array): void {
    for (const e of this.decoder.decode(bytes)) {
      if (e.type === EV_SYN) {
        if (e.code === SYN_DROPPED) {
          this.dropping = true;
          this.push(LOST);
        } else if (e.code === SYN_REPORT) {
          this.dropping = false;
        }
        continue;
      }
      if (this.dropping || e.type !== EV_KEY) continue;
      if (e.value !== 0 && e.value !== 1 && e.value !== 2) continue;
      this.push([{ code: e.code, value: e.value }]);
    }
  }

  private push(events: readonly KeyEvent[]): void {
    if (this.queue.length + events.length > MAX_QUEUED) this.queue = [...LOST];
    this.queue.push(...events);
  }

  private deliver(): void {
    if (this.reads.waiting && this.queue.length > 0) this.reads.give(this.queue.splice(0));
  }

  private fail(error: DeviceError): void {
    this.failure = error;
    this.stop();
    this.deliver();
    this.reads.fail(error);
  }

  private stop(): void {
    const { epoll, fd } = this;
    this.epoll = null;
    this.fd = -1;
    if (epoll) {
      try {
        epoll.remove(fd);
      } catch {
        // The fd is going anyway.
      }
      epoll.close();
    }
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // Already gone with the device.
      }
    }
  }
}

function unplugged(path: string, why: string, cause?: unknown): DeviceError {
  return new DeviceError(
    'KEY_EVENTS_UNPLUGGED',
    `${path}: the stripe reader went away (${why}): it was unplugged or reset; plug it back in and restart the terminal`,
    cause === undefined ? undefined : { cause },
  );
}
