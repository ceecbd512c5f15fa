/**
 * The evdev key event port (src/hal/linux/evdev.ts) on a FIFO that carries real struct
 * input_event bytes (include/uapi/linux/input.h), laid out as a 64-bit (24 bytes) or a
 * 32-bit (16 bytes) process reads them: a keyboard-wedge reader typing a swipe the way a
 * USB HID keyboard reports it (EV_MSC scan code, EV_KEY, EV_SYN for every key, Shift
 * around the shifted characters), read end to end through KeyboardWedgeCharacters and
 * StreamMagstripeReader (as src/hal/devices.ts builds them) to the parsed card.
 *
 * The key codes below are written out from include/uapi/linux/input-event-codes.h and the
 * scan codes from the USB HID usage tables (keyboard page 0x07), not taken from the code
 * under test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import rpi from '../../../board/rpi-pn532-hsu.js';
import { readSwipedCard } from '../../../src/emv/swiped-card.js';
import { DeviceError, PortClosedError, ReadTimeoutError } from '../../../src/errors.js';
import { RealClock } from '../../../src/hal/clock.js';
import { EvdevKeyEvents, InputEventDecoder, inputEventLayout, type InputEventLayout } from '../../../src/hal/linux/evdev.js';
import { openLinuxPorts } from '../../../src/hal/linux/ports.js';
import { hasKeyEvents, KeyboardWedgeCharacters, StreamMagstripeReader, SwipeError, type KeyEvent } from '../../../src/hal/magstripe/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const LE = endianness() === 'LE';
const clock = new RealClock();

// include/uapi/linux/input-event-codes.h
const EV_SYN = 0;
const EV_KEY = 1;
const EV_MSC = 4;
const EV_LED = 0x11;
const EV_REP = 0x14;
const SYN_REPORT = 0;
const SYN_DROPPED = 3;
const MSC_SCAN = 4;
const LED_CAPSL = 1;
const KEY_LEFTSHIFT = 42;
const KEY_ENTER = 28;
const KEY_A = 30;

/** US layout as a wedge reader types it: character -> [KEY_* code, Shift, HID usage]. */
const US = new Map<string, [number, boolean, number]>();
[...'1234567890'].forEach((c, i) => US.set(c, [2 + i, false, 0x1e + i]));
const rows: [string, number][] = [['qwertyuiop', 16], ['asdfghjkl', 30], ['zxcvbnm', 44]];
for (const [letters, first] of rows) {
  [...letters].forEach((c, i) => {
    const usage = 0x04 + c.charCodeAt(0) - 0x61;
    US.set(c, [first + i, false, usage]);
    US.set(c.toUpperCase(), [first + i, true, usage]);
  });
}
US.set('=', [13, false, 0x2e]);
US.set(';', [39, false, 0x33]);
US.set('/', [53, false, 0x38]);
US.set('?', [53, true, 0x38]); // Shift + KEY_SLASH
US.set('%', [6, true, 0x22]); // Shift + KEY_5
US.set('^', [7, true, 0x23]); // Shift + KEY_6
US.set(' ', [57, false, 0x2c]);
US.set('\r', [KEY_ENTER, false, 0x28]);

type Raw = [type: number, code: number, value: number];

/** One key change as the kernel reports a USB keyboard's: the scan code, the key, the end of the packet. */
function report(code: number, usage: number, value: 0 | 1): Raw[] {
  return [[EV_MSC, MSC_SCAN, 0x70000 + usage], [EV_KEY, code, value], [EV_SYN, SYN_REPORT, 0]];
}

/** The events a wedge reader sends to type `text`. */
function typed(text: string): Raw[] {
  const out: Raw[] = [];
  for (const c of text) {
    const k = US.get(c);
    if (!k) throw new Error(`test keymap lacks U+${c.charCodeAt(0).toString(16)}`);
    const [code, shift, usage] = k;
    if (shift) out.push(...report(KEY_LEFTSHIFT, 0xe1, 1));
    out.push(...report(code, usage, 1), ...report(code, usage, 0));
    if (shift) out.push(...report(KEY_LEFTSHIFT, 0xe1, 0));
  }
  return out;
}

let usec = 0;
/** struct input_event bytes: two longs of time (non-zero, as the kernel stamps them), __u16 type, __u16 code, __s32 value. */
function structs(size: 16 | 24, events: Raw[]): Buffer {
  const b = Buffer.alloc(size * events.length);
  events.forEach(([type, code, value], i) => {
    const at = i * size;
    const sec = 1_732_250_000 + i;
    usec = (usec + 997) % 1_000_000;
    if (size === 24) {
      if (LE) {
        b.writeBigInt64LE(BigInt(sec), at);
        b.writeBigInt64LE(BigInt(usec), at + 8);
      } else {
        b.writeBigInt64BE(BigInt(sec), at);
        b.writeBigInt64BE(BigInt(usec), at + 8);
      }
    } else if (LE) {
      b.writeUInt32LE(sec, at);
      b.writeUInt32LE(usec, at + 4);
    } else {
      b.writeUInt32BE(sec, at);
      b.writeUInt32BE(usec, at + 4);
    }
    const t = at + size - 8;
    if (LE) {
      b.writeUInt16LE(type, t);
      b.writeUInt16LE(code, t + 2);
      b.writeInt32LE(value, t + 4);
    } else {
      b.writeUInt16BE(type, t);
      b.writeUInt16BE(code, t + 2);
      b.writeInt32BE(value, t + 4);
    }
  });
  return b;
}

const TRACK1 = '%B4761739001010119^CARDHOLDER/TEST^2512201100000000000000?';
const TRACK2 = ';4761739001010119=25122011143804400000?';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evdev-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A FIFO standing for /dev/input/eventN, the port opened on it, and the writer playing the kernel. */
async function rig(size: 16 | 24) {
  const fifo = join(tempDir(), 'event0');
  execFileSync('mkfifo', [fifo]);
  const layout: InputEventLayout = { size, littleEndian: LE };
  const port = await EvdevKeyEvents.open(fifo, clock, { layout });
  cleanups.push(() => port.close());
  // The port opened its end non-blocking, so the writer's open does not wait.
  const writer: FileHandle = await open(fifo, 'w');
  let writerOpen = true;
  cleanups.push(async () => {
    if (writerOpen) await writer.close();
  });
  const reader = new StreamMagstripeReader(new KeyboardWedgeCharacters(port, clock), { interCharacterTimeoutMs: 500 });
  return {
    fifo,
    port,
    reader,
    send: (events: Raw[]) => writer.write(structs(size, events)),
    sendBytes: (bytes: Uint8Array) => writer.write(bytes),
    unplug: async () => {
      writerOpen = false;
      await writer.close();
    },
  };
}

/** What a promise ended with, its rejection handled from the start. */
function settled<T>(p: Promise<T>): Promise<T | unknown> {
  return p.then((v) => v, (e: unknown) => e);
}

/** Reads until `n` key events came (or the port says otherwise). */
async function collect(port: EvdevKeyEvents, n: number): Promise<KeyEvent[]> {
  const out: KeyEvent[] = [];
  while (out.length < n) out.push(...(await port.read({ timeoutMs: 2000 })));
  return out;
}

describe('struct input_event layout', () => {
  it('follows the reading process: 24 bytes on x64 and arm64, 16 on arm and ia32 (also on a 64-bit kernel)', () => {
    expect(inputEventLayout('x64', 'LE')).toEqual({ size: 24, littleEndian: true });
    expect(inputEventLayout('arm64', 'LE').size).toBe(24);
    expect(inputEventLayout('arm', 'LE').size).toBe(16);
    expect(inputEventLayout('ia32', 'LE').size).toBe(16);
    expect(inputEventLayout('s390x', 'BE')).toEqual({ size: 24, littleEndian: false });
  });

  it('the decoder keeps a partial struct for the next chunk, whatever the split', () => {
    for (const size of [16, 24] as const) {
      const events: Raw[] = [[EV_MSC, MSC_SCAN, 0x70004], [EV_KEY, KEY_A, 1], [EV_SYN, SYN_REPORT, 0], [EV_KEY, KEY_A, 0], [EV_REP, 0, -1]];
      const bytes = structs(size, events);
      for (const step of [1, 5, 7, size - 1, size + 3]) {
        const d = new InputEventDecoder({ size, littleEndian: LE });
        const got = [];
        for (let at = 0; at < bytes.length; at += step) got.push(...d.decode(bytes.subarray(at, at + step)));
        expect(got.map((e) => [e.type, e.code, e.value]), `size ${size} step ${step}`).toEqual(events);
        expect(d.pending).toBe(0);
      }
    }
  });

  it('a partial struct survives the reader reusing its buffer for the next read (as the port does)', () => {
    const size = 24;
    const events: Raw[] = [[EV_KEY, KEY_A, 1], [EV_KEY, KEY_A, 0], [EV_KEY, KEY_ENTER, 1]];
    const bytes = structs(size, events);
    const scratch = Buffer.alloc(45); // leaves 21 bytes over: the time and most of type, code, value
    const d = new InputEventDecoder({ size, littleEndian: LE });
    const got = [];
    for (let at = 0; at < bytes.length; at += 45) {
      const n = bytes.copy(scratch, 0, at, at + 45);
      got.push(...d.decode(scratch.subarray(0, n)));
      scratch.fill(0xee);
    }
    expect(got.map((e) => [e.type, e.code, e.value])).toEqual(events);
  });
});

describe.each([24, 16] as const)('a keyboard-wedge reader on an evdev device, %i-byte events', (size) => {
  it('a swipe typed as key reports, Enter last, comes out as the parsed card', async () => {
    const r = await rig(size);
    const next = r.reader.waitForSwipe({ signal: new AbortController().signal });
    await r.send(typed(`${TRACK1}${TRACK2}\r`));
    const swipe = await next;
    expect(swipe.track1).toBe(TRACK1);
    expect(swipe.track2).toBe(TRACK2);
    const card = readSwipedCard(swipe, { chipReader: false });
    expect(card).toMatchObject({ outcome: 'proceed', maskedPan: '476173******0119', expiry: '2512', name: 'CARDHOLDER/TEST' });
    // Service code 201 is a chip card: where a chip reader is, the card goes there.
    expect(readSwipedCard(swipe)).toMatchObject({ outcome: 'use-chip', serviceCode: '201' });
  });

  it('structs split across writes at odd places are put back together', async () => {
    const r = await rig(size);
    const next = r.reader.waitForSwipe({ signal: new AbortController().signal });
    const bytes = structs(size, typed(`${TRACK2}\r`));
    for (let at = 0; at < bytes.length; at += 7 * 13) {
      // 91 bytes: never a whole number of events; each piece read before the next is written.
      await r.sendBytes(bytes.subarray(at, at + 91));
      await sleep(1);
    }
    expect((await next).track2).toBe(TRACK2);
  });

  it('half an event is held back until the rest comes', async () => {
    const r = await rig(size);
    const press = structs(size, [[EV_KEY, KEY_A, 1]]);
    await r.sendBytes(press.subarray(0, size - 3));
    await expect(r.port.read({ timeoutMs: 100 })).rejects.toBeInstanceOf(ReadTimeoutError);
    await r.sendBytes(press.subarray(size - 3));
    expect(await r.port.read({ timeoutMs: 2000 })).toEqual([{ code: KEY_A, value: 1 }]);
  });

  it('only EV_KEY passes: EV_SYN, EV_MSC, EV_LED and EV_REP are dropped; autorepeat is passed on as value 2', async () => {
    const r = await rig(size);
    await r.send([
      [EV_MSC, MSC_SCAN, 0x70004],
      [EV_KEY, KEY_A, 1],
      [EV_SYN, SYN_REPORT, 0],
      [EV_LED, LED_CAPSL, 1],
      [EV_REP, 0, 250],
      [EV_KEY, KEY_A, 2],
      [EV_SYN, SYN_REPORT, 0],
      [EV_KEY, KEY_A, 0],
      [EV_SYN, SYN_REPORT, 0],
    ]);
    expect(await collect(r.port, 3)).toEqual([
      { code: KEY_A, value: 1 },
      { code: KEY_A, value: 2 },
      { code: KEY_A, value: 0 },
    ]);
  });

  it('keys lost to a kernel buffer overrun (SYN_DROPPED) make that swipe garbled, not wrong; the next swipe reads', async () => {
    const r = await rig(size);
    const failed = settled(r.reader.waitForSwipe({ signal: new AbortController().signal }));
    const events = typed(`${TRACK2}\r`);
    // The kernel dropped what was queued: a partial packet follows SYN_DROPPED, ignored up to SYN_REPORT.
    const cut = 60;
    await r.send([...events.slice(0, cut), [EV_SYN, SYN_DROPPED, 0], [EV_KEY, 5, 1], [EV_SYN, SYN_REPORT, 0], ...events.slice(cut + 30)]);
    const err = await failed;
    expect(err).toBeInstanceOf(SwipeError);
    expect((err as SwipeError).code).toBe('SWIPE_FRAMING');
    const next = r.reader.waitForSwipe({ signal: new AbortController().signal });
    await r.send(typed(`${TRACK2}\r`));
    expect((await next).track2).toBe(TRACK2);
  });

  it('the reader unplugged (the stream ends) is a typed DeviceError through the port, after the keys it did send', async () => {
    const r = await rig(size);
    await r.send(report(KEY_A, 0x04, 1));
    await sleep(20);
    await r.unplug();
    expect(await r.port.read({ timeoutMs: 2000 })).toEqual([{ code: KEY_A, value: 1 }]);
    const err = await r.port.read({ timeoutMs: 2000 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect(err).toMatchObject({ code: 'KEY_EVENTS_UNPLUGGED' });
    expect((err as Error).message).toMatch(/went away/);
    // And again on the next read: the port stays failed, it does not hang or crash.
    await expect(r.port.read({ timeoutMs: 2000 })).rejects.toMatchObject({ code: 'KEY_EVENTS_UNPLUGGED' });
  });

  it('a swipe waiting when the reader goes ends with that DeviceError, not a SwipeError', async () => {
    const r = await rig(size);
    const next = settled(r.reader.waitForSwipe({ signal: new AbortController().signal }));
    await r.send(typed(';4761'));
    await sleep(20);
    await r.unplug();
    const err = await next;
    expect(err).toBeInstanceOf(DeviceError);
    expect(err).toMatchObject({ code: 'KEY_EVENTS_UNPLUGGED' });
  });

  it('close() ends a waiting read with PortClosedError and closes the device: nothing reads it any more', async () => {
    const r = await rig(size);
    const waiting = r.port.read({ timeoutMs: 10_000 });
    await r.port.close();
    await expect(waiting).rejects.toBeInstanceOf(PortClosedError);
    await expect(r.port.read({ timeoutMs: 100 })).rejects.toBeInstanceOf(PortClosedError);
    // With the port's end closed the FIFO has no reader left: a write fails with EPIPE.
    await expect(r.send(report(KEY_A, 0x04, 1))).rejects.toMatchObject({ code: 'EPIPE' });
  });
});

describe('opening the device', () => {
  it('a missing device names the fix: plug the reader in, list /dev/input/by-id', async () => {
    const err = await EvdevKeyEvents.open('/dev/input/by-id/usb-nothing-event-kbd', clock).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect(err).toMatchObject({ code: 'KEY_EVENTS_NOT_FOUND' });
    expect((err as Error).message).toContain('/dev/input/by-id/usb-nothing-event-kbd: no such input device (ENOENT)');
    expect((err as Error).message).toContain('ls -l /dev/input/by-id/');
  });

  it("a device the user may not read names the 'input' group", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const device = join(dir, 'event7');
    writeFileSync(device, '');
    chmodSync(device, 0o600);
    let result: { code?: string; message?: string };
    if (process.getuid?.() !== 0) {
      const err = await EvdevKeyEvents.open(device, clock).then(() => null, (e: unknown) => e);
      result = { code: (err as DeviceError).code, message: (err as Error).message };
    } else {
      // Root reads any file: open it as the unprivileged user nobody instead, in a child process.
      result = await asNobody(device);
    }
    expect(result.code).toBe('KEY_EVENTS_PERMISSION');
    expect(result.message).toContain(`${device}: permission denied (EACCES)`);
    expect(result.message).toContain("must be in the 'input' group");
  });

  it('what is not an input event device is refused with why: /dev/null, a directory, a regular file', async () => {
    const dir = tempDir();
    const file = join(dir, 'event3');
    writeFileSync(file, structs(24, [[EV_KEY, KEY_A, 1]]));
    mkdirSync(join(dir, 'by-id'));
    const cases: [string, RegExp][] = [
      ['/dev/null', /character device of major 1, not the input subsystem's 13/],
      [join(dir, 'by-id'), /a directory/],
      [file, /a regular file/],
    ];
    for (const [path, why] of cases) {
      const err = await EvdevKeyEvents.open(path, clock).then(() => null, (e: unknown) => e);
      expect(err, path).toBeInstanceOf(DeviceError);
      expect(err, path).toMatchObject({ code: 'KEY_EVENTS_NOT_INPUT' });
      expect((err as Error).message).toMatch(why);
    }
  });
});

describe('the Linux ports', () => {
  it('offer key events (hasKeyEvents), open the wedge by its path, and close it with the rest', async () => {
    const ports = openLinuxPorts(rpi, clock);
    cleanups.push(() => ports.close());
    expect(hasKeyEvents(ports)).toBe(true);
    const fifo = join(tempDir(), 'event4');
    execFileSync('mkfifo', [fifo]);
    const port = await ports.keyEvents(fifo);
    const writer = await open(fifo, 'w');
    cleanups.push(() => writer.close());
    await writer.write(structs(inputEventLayout().size, [[EV_KEY, KEY_ENTER, 1], [EV_SYN, SYN_REPORT, 0]]));
    expect(await port.read({ timeoutMs: 2000 })).toEqual([{ code: KEY_ENTER, value: 1 }]);
    const waiting = port.read({ timeoutMs: 10_000 });
    await ports.close();
    await expect(waiting).rejects.toBeInstanceOf(PortClosedError);
    await expect(ports.keyEvents('/nonexistent/event9')).rejects.toMatchObject({ code: 'KEY_EVENTS_NOT_FOUND' });
  });

  it('an open port does not keep the process from exiting once closed, and closes at once while idle', async () => {
    const fifo = join(tempDir(), 'event5');
    execFileSync('mkfifo', [fifo]);
    // A writer that never writes: a blocking read would wait for ever, and with it close() and exit.
    const writer = await open(fifo, 'r+');
    cleanups.push(() => writer.close());
    const out = await runTs(
      `import { EvdevKeyEvents } from ${JSON.stringify(join(root, 'src/hal/linux/evdev.ts'))};
       import { RealClock } from ${JSON.stringify(join(root, 'src/hal/clock.ts'))};
       const port = await EvdevKeyEvents.open(${JSON.stringify(fifo)}, new RealClock());
       const waiting = port.read({ timeoutMs: 60000 }).catch((e) => e.code);
       const t0 = performance.now();
       await port.close();
       console.log(JSON.stringify({ read: await waiting, closeMs: performance.now() - t0 }));`,
      {},
    );
    expect(out.status).toBe(0);
    const r = JSON.parse(out.stdout) as { read: string; closeMs: number };
    expect(r.read).toBe('PORT_CLOSED');
    expect(r.closeMs).toBeLessThan(1000);
  });
});

/** Runs a module with tsx in a child process; resolves with its exit status and output (killed after 15 s). */
function runTs(code: string, options: { uid?: number; gid?: number }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function asNobody(device: string): Promise<{ code?: string; message?: string }> {
  const out = await runTs(
    `import { EvdevKeyEvents } from ${JSON.stringify(join(root, 'src/hal/linux/evdev.ts'))};
     import { RealClock } from ${JSON.stringify(join(root, 'src/hal/clock.ts'))};
     try { await EvdevKeyEvents.open(${JSON.stringify(device)}, new RealClock()); console.log('{}'); }
     catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    { uid: 65534, gid: 65534 },
  );
  if (out.status !== 0) throw new Error(`the child as nobody failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout) as { code?: string; message?: string };
}
