/**
 * A keyboard-wedge magstripe reader: a USB HID keyboard that types the tracks and presses
 * Enter. The terminal reads its key events itself (on Linux its evdev device,
 * /dev/input/by-id/...-event-kbd, through src/hal/linux/evdev.ts; not grabbed, so the
 * README of this folder says how to keep a console from reading them too), and turns key codes
 * into characters by the US layout the readers assume: '%' is Shift+5, '?' Shift+/, '^'
 * Shift+6, letters of the name Shift+letter. Key codes are those of Linux
 * include/uapi/linux/input-event-codes.h (the USB HID usage table mapped by the kernel).
 */
import { ReadTimeoutError } from '../../errors.js';
import type { Clock } from '../ports.js';
import type { CharacterSource } from './character-source.js';

/** One EV_KEY event: the key's code; value 1 pressed, 0 released, 2 auto-repeat. */
export interface KeyEvent {
  code: number;
  value: 0 | 1 | 2;
}

/** The port of a keyboard-wedge reader: its key events, in order. */
export interface KeyEventSource {
  readonly name: string;
  /**
   * Resolves with one or more events as soon as any arrive; ReadTimeoutError after
   * `timeoutMs`, the signal's reason when it aborts, PortClosedError once closed.
   */
  read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<KeyEvent[]>;
  close(): Promise<void>;
}

const SHIFT_KEYS = new Set([42, 54]); // KEY_LEFTSHIFT, KEY_RIGHTSHIFT
const CAPS_LOCK = 58;

/** US layout: code -> [plain, shifted]. */
const KEYMAP: ReadonlyMap<number, readonly [string, string]> = new Map<number, [string, string]>([
  ...[...'1234567890'].map((c, i): [number, [string, string]] => [2 + i, [c, '!@#$%^&*()'[i]!]]),
  [12, ['-', '_']],
  [13, ['=', '+']],
  ...[...'qwertyuiop'].map((c, i): [number, [string, string]] => [16 + i, [c, c.toUpperCase()]]),
  [26, ['[', '{']],
  [27, [']', '}']],
  [28, ['\r', '\r']], // KEY_ENTER
  ...[...'asdfghjkl'].map((c, i): [number, [string, string]] => [30 + i, [c, c.toUpperCase()]]),
  [39, [';', ':']],
  [40, ["'", '"']],
  [41, ['`', '~']],
  [43, ['\\', '|']],
  ...[...'zxcvbnm'].map((c, i): [number, [string, string]] => [44 + i, [c, c.toUpperCase()]]),
  [51, [',', '<']],
  [52, ['.', '>']],
  [53, ['/', '?']],
  [55, ['*', '*']], // KEY_KPASTERISK
  [57, [' ', ' ']],
  [74, ['-', '-']], // KEY_KPMINUS
  [78, ['+', '+']], // KEY_KPPLUS
  ...[...'789'].map((c, i): [number, [string, string]] => [71 + i, [c, c]]),
  ...[...'456'].map((c, i): [number, [string, string]] => [75 + i, [c, c]]),
  ...[...'123'].map((c, i): [number, [string, string]] => [79 + i, [c, c]]),
  [82, ['0', '0']],
  [83, ['.', '.']],
  [96, ['\r', '\r']], // KEY_KPENTER
  [98, ['/', '/']], // KEY_KPSLASH
]);

/** The numeric keypad's codes: readers type with the main keys, so emulators do too. */
const KEYPAD = new Set([55, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 96, 98]);

/** What an unknown key becomes: no track accepts it, so the assembler reports the swipe as garbled. */
export const UNKNOWN_KEY = '\uFFFD';

/** The characters a keyboard-wedge reader types. */
export class KeyboardWedgeCharacters implements CharacterSource {
  private shift = 0;
  private caps = false;

  constructor(
    private readonly keys: KeyEventSource,
    private readonly clock: Pick<Clock, 'monotonic'>,
  ) {}

  get name(): string {
    return this.keys.name;
  }

  async read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    // Shift presses alone give no character: keep reading within the same time limit.
    const deadline = this.clock.monotonic() + options.timeoutMs;
    for (;;) {
      const left = Math.max(0, deadline - this.clock.monotonic());
      if (left <= 0) throw new ReadTimeoutError(this.keys.name, options.timeoutMs);
      const events = await this.keys.read({ timeoutMs: left, ...(options.signal ? { signal: options.signal } : {}) });
      let out = '';
      for (const e of events) out += this.character(e);
      if (out.length > 0) return out;
    }
  }

  private character(e: KeyEvent): string {
    if (SHIFT_KEYS.has(e.code)) {
      if (e.value === 1) this.shift++;
      else if (e.value === 0) this.shift = Math.max(0, this.shift - 1);
      return '';
    }
    if (e.code === CAPS_LOCK) {
      if (e.value === 1) this.caps = !this.caps;
      return '';
    }
    if (e.value === 0) return '';
    const k = KEYMAP.get(e.code);
    if (!k) return UNKNOWN_KEY;
    const letter = k[0] >= 'a' && k[0] <= 'z';
    const shifted = letter ? this.shift > 0 !== this.caps : this.shift > 0;
    return shifted ? k[1] : k[0];
  }

  close(): Promise<void> {
    return this.keys.close();
  }
}

/** The key events that type `text` on a US keyboard (for emulators and tests): Shift around shifted characters. */
export function keyEventsFor(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  for (const c of text) {
    let found: [number, boolean] | undefined;
    for (const [code, [plain, shifted]] of KEYMAP) {
      if (KEYPAD.has(code)) continue;
      if (plain === c) found = [code, false];
      else if (shifted === c && !found) found = [code, true];
      if (found && !found[1]) break;
    }
    if (!found) throw new RangeError(`no US key types the character U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const [code, shift] = found;
    if (shift) out.push({ code: 42, value: 1 });
    out.push({ code, value: 1 }, { code, value: 0 });
    if (shift) out.push({ code: 42, value: 0 });
  }
  return out;
}

/**
 * How a board's ports offer key event sources by device path: the sim board's (the wedge
 * emulator) and the Linux ones (an evdev device, src/hal/linux/evdev.ts).
 */
export interface KeyEventPorts {
  keyEvents(device: string): Promise<KeyEventSource>;
}

export function hasKeyEvents(ports: object): ports is KeyEventPorts {
  return typeof (ports as Partial<KeyEventPorts>).keyEvents === 'function';
}
