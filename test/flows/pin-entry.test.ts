import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import boardSim from '../../board/sim.js';
import { CancelledError, TimeoutError } from '../../src/errors.js';
import { enterPin, type PinEntryOptions, type PinEntryResult } from '../../src/flows/pin-entry.js';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import { fromHex, toHex } from '../../src/hex.js';
import { aesDukptHostKeys, AesDukptTerminal } from '../../src/security/dukpt-aes.js';
import { memoryPinEncryptor, type PinEncryptor } from '../../src/security/dukpt-pin.js';
import { TdesDukptTerminal, tdesDukptHostKeys } from '../../src/security/dukpt-tdes.js';
import { KeyStore, SIM_BOARD_SERIAL } from '../../src/security/key-store.js';
import { decipherPinBlock4, decodePinBlock, decryptPinBlock, encodePinBlock } from '../../src/security/pin-block.js';
import { DEFAULT_SETTINGS, loadSettings, type TerminalSettings } from '../../src/store/config.js';
import { Terminal } from '../../src/terminal.js';
import type { Language } from '../../src/ui/messages.js';
import { pinScreen } from '../../src/ui/screens.js';
import { PanError, PinBlockError } from '../../src/security/errors.js';
import { SimBoard } from '../../simulator/sim-board.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';
import { runUntil } from '../helpers/sim-terminal.js';

// ANSI X9.24-1:2009 A.4 test BDK and initial KSN; X9.24-3-2017 AES-128 test BDK.
const BDK = fromHex('0123456789ABCDEFFEDCBA9876543210');
const IKSN = fromHex('FFFF9876543210E00000');
const IPEK = fromHex('6AC292FAA1315B4D858AB3A3D7D5933A');
const AES_BDK = fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1');
const AES_IK = fromHex('1273671EA26AC29AFA4D1084127652A1');
const PAN = '4012345678909';

type Settings = Partial<Omit<TerminalSettings, 'timeouts'>> & { timeouts?: Partial<TerminalSettings['timeouts']> };

/**
 * The terminal of the sim board (keypad emulator, display, virtual time) with its main loop
 * not started, so the PIN prompt is the one reading keys, as it will be inside a sale.
 * Everything the test can observe is kept: each screen shown and each log line.
 */
async function pinTerminal(options: { lang?: Language; settings?: Settings } = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 15, 1, 30, 0));
  const board = new SimBoard(boardSim, clock);
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  const settings: TerminalSettings = {
    ...DEFAULT_SETTINGS,
    ...options.settings,
    timeouts: { ...DEFAULT_SETTINGS.timeouts, ...options.settings?.timeouts },
  };
  const terminal = await runUntil(clock, Terminal.open({ board: boardSim, ports: board.ports, clock, log, settings, lang: options.lang ?? 'en' }), 10_000, 1);
  const screens: string[][] = [];
  terminal.ctx.screen.onChange((lines) => screens.push([...lines]));
  return {
    clock,
    board,
    terminal,
    logLines,
    screens,
    display: () => [...terminal.ctx.screen.lines],
    press: (...keys: KeyName[]) => runUntil(clock, board.pressKeys(keys)),
    stop: () => terminal.stop(),
    /** Starts PIN entry; the outcome is captured so a rejection is never left unhandled. */
    pin(opts: Partial<PinEntryOptions> & { encrypt: PinEncryptor }, signal = new AbortController().signal) {
      const p = enterPin(terminal.ctx, signal, { pan: PAN, amount: 1234, currency: 'CNY', pinBlockFormat: 0, ...opts });
      const outcome = p.then(
        (value) => ({ value, error: null }),
        (error: unknown) => ({ value: null, error }),
      );
      return { outcome, settled: () => outcome };
    },
  };
}

type T = Awaited<ReturnType<typeof pinTerminal>>;
let term: T | null = null;
const dirs: string[] = [];
async function open(options: Parameters<typeof pinTerminal>[0] = {}) {
  term = await pinTerminal(options);
  await term.clock.advance(0);
  return term;
}
afterEach(async () => {
  await term?.stop();
  term = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tdes = () => memoryPinEncryptor(TdesDukptTerminal.load(IPEK, IKSN));

/** Host side: the PIN inside a TDES DUKPT block, as the digits typed. */
function hostPin(r: PinEntryResult | null, format: 0 | 1 | 3 = 0): string {
  if (!r || r.kind !== 'pin') throw new Error(`no PIN block: ${JSON.stringify(r)}`);
  const clear = decryptPinBlock(r.pinBlock, tdesDukptHostKeys(BDK, r.ksn).pinKey);
  return [...decodePinBlock(format, clear, PAN)].join('');
}

async function keyStore(): Promise<KeyStore> {
  const d = mkdtempSync(join(tmpdir(), 'pin-ks-'));
  dirs.push(d);
  const s = new KeyStore({ dataDir: d, serial: SIM_BOARD_SERIAL });
  await s.injectTdes(IPEK, IKSN);
  return s;
}

describe('PIN entry on the sim terminal', () => {
  it('shows the amount and one * per digit, never a digit; ENTER gives a block the host opens with the BDK', async () => {
    const t = await open();
    const store = await keyStore();
    const run = t.pin({ encrypt: store.pinEncryptor() });
    await t.clock.advance(0);
    expect(t.display()).toEqual(['Enter PIN', '       CNY 12.34', '', 'ENTER when done']);
    await t.press('7');
    expect(t.display()[2]).toBe('       *');
    await t.press('3', '9', '5');
    expect(t.display()).toEqual(['Enter PIN', '       CNY 12.34', '      ****', 'ENTER when done']);
    await t.press('ENTER');
    const { value, error } = await run.settled();
    expect(error).toBeNull();
    expect(value).toMatchObject({ kind: 'pin', format: 0 });
    expect(toHex((value as { ksn: Uint8Array }).ksn)).toBe('FFFF9876543210E00001');
    expect(hostPin(value)).toBe('7395');
    // The key store moved on durably: the next transaction has the next KSN.
    expect((await store.status()).ksn).toBe('FFFF9876543210E00002');
  });

  it('in Chinese', async () => {
    const t = await open({ lang: 'zh-CN' });
    const run = t.pin({ encrypt: tdes() });
    await t.press('1', '2');
    expect(t.display()).toEqual(['请输入密码', '       CNY 12.34', '       **', '输完按确认键']);
    await t.press('CANCEL');
    expect((await run.settled()).error).toBeInstanceOf(CancelledError);
  });

  it('CLEAR takes back the last digit; CLEAR on no digits does nothing', async () => {
    const t = await open();
    const run = t.pin({ encrypt: tdes() });
    await t.press('CLEAR', 'CLEAR', '1', '2', '3');
    expect(t.display()[2]).toBe('      ***');
    await t.press('CLEAR');
    expect(t.display()[2]).toBe('       **');
    await t.press('CLEAR', 'CLEAR', 'CLEAR');
    expect(t.display()[2]).toBe('');
    await t.press('4', '5', '6', '7', 'CLEAR', '8', 'ENTER');
    expect(hostPin((await run.settled()).value)).toBe('4568');
  });

  it('CANCEL ends with CancelledError and spends no DUKPT counter', async () => {
    const t = await open();
    const store = await keyStore();
    const run = t.pin({ encrypt: store.pinEncryptor() });
    await t.press('1', '2', '3', '4', 'CANCEL');
    const { error } = await run.settled();
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).reason).toBe('cancel-key');
    expect((await store.status()).counter).toBe(1);
  });

  it('no key for pinEntryTimeout (30 s by default, counted from the last key): TimeoutError', async () => {
    expect(DEFAULT_SETTINGS.timeouts.pinEntryMs).toBe(30_000);
    const t = await open();
    const run = t.pin({ encrypt: tdes() });
    let done = false;
    void run.outcome.then(() => (done = true));
    await t.clock.advance(20_000);
    await t.press('1', '2');
    await t.clock.advance(29_000);
    expect(done).toBe(false);
    expect(t.display()[2]).toBe('       **');
    await t.clock.advance(1_000);
    const { error } = await run.settled();
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutName).toBe('pinEntryTimeout');
  });

  it('takes the timeout from the settings', async () => {
    const t = await open({ settings: { timeouts: { pinEntryMs: 5_000 } } });
    const run = t.pin({ encrypt: tdes() });
    await t.clock.advance(5_000);
    expect(((await run.settled()).error as TimeoutError).timeoutName).toBe('pinEntryTimeout');
  });

  it('fewer than 4 digits: a message, and the prompt stays with the digits typed', async () => {
    const t = await open();
    const run = t.pin({ encrypt: tdes() });
    await t.press('1', '2', '3', 'ENTER');
    expect(t.display()).toEqual(['Enter PIN', '       CNY 12.34', '      ***', 'PIN: 4-12 digits']);
    await t.press('4');
    expect(t.display()[3]).toBe('ENTER when done');
    await t.press('ENTER');
    expect(hostPin((await run.settled()).value)).toBe('1234');
  });

  it('takes 12 digits and refuses a 13th', async () => {
    const t = await open();
    const run = t.pin({ encrypt: tdes() });
    const twelve = '918273645546'.split('') as KeyName[];
    await t.press(...twelve, '0');
    expect(t.display()[2]).toBe('  ************');
    expect(t.display()[3]).toBe('PIN: 4-12 digits');
    await t.press('ENTER');
    expect(hostPin((await run.settled()).value)).toBe('918273645546');
  });

  it('bypass off (the default): ENTER on no digits asks for the PIN and stays', async () => {
    expect(DEFAULT_SETTINGS.pinBypassAllowed).toBe(false);
    const t = await open();
    const run = t.pin({ encrypt: tdes() });
    expect(t.display()[3]).toBe('ENTER when done');
    await t.press('ENTER');
    expect(t.display()[3]).toBe('PIN required');
    await t.press('5', '5', '5', '5', 'ENTER');
    expect(hostPin((await run.settled()).value)).toBe('5555');
  });

  it('bypass on: the hint says so and ENTER on no digits bypasses; a flow may still forbid it', async () => {
    const t = await open({ settings: { pinBypassAllowed: true } });
    const run = t.pin({ encrypt: tdes() });
    await t.clock.advance(0);
    expect(t.display()[3]).toBe('No PIN: ENTER');
    await t.press('1');
    expect(t.display()[3]).toBe('ENTER when done');
    await t.press('CLEAR', 'ENTER');
    expect((await run.settled()).value).toEqual({ kind: 'bypassed' });
    expect(t.logLines.some((l) => JSON.parse(l).event === 'pin.bypassed')).toBe(true);

    const strict = t.pin({ encrypt: tdes(), allowBypass: false });
    await t.press('ENTER');
    expect(t.display()[3]).toBe('PIN required');
    await t.press('CANCEL');
    expect((await strict.settled()).error).toBeInstanceOf(CancelledError);
  });

  it('drops keys typed before it started', async () => {
    const t = await open();
    await t.press('9', '9', 'ENTER'); // nobody reads: the key queue keeps them
    const run = t.pin({ encrypt: tdes() });
    await t.clock.advance(0);
    expect(t.display()[2]).toBe('');
    await t.press('2', '4', '6', '8', 'ENTER');
    expect(hostPin((await run.settled()).value)).toBe('2468');
  });

  it('zeroes the digit buffer once the block is made', async () => {
    const t = await open();
    const inner = tdes();
    let seen: Uint8Array | null = null;
    const run = t.pin({
      encrypt: async (pin, pan, format) => {
        seen = pin;
        expect([...pin]).toEqual([3, 1, 4, 1, 5]);
        return inner(pin, pan, format);
      },
    });
    await t.press('3', '1', '4', '1', '5', 'ENTER');
    expect(hostPin((await run.settled()).value)).toBe('31415');
    expect(seen).not.toBeNull();
    expect([...seen!]).toEqual([0, 0, 0, 0, 0]);
    expect(new Uint8Array(seen!.buffer)).toEqual(new Uint8Array(12)); // the whole 12-digit buffer
  });

  it('AES DUKPT: a format 4 block the host opens with the AES BDK', async () => {
    const t = await open();
    const run = t.pin({ encrypt: memoryPinEncryptor(AesDukptTerminal.load(AES_IK, fromHex('123456789012345600000000'))), pinBlockFormat: 4 });
    await t.press('8', '6', '4', '2', '0', 'ENTER');
    const r = (await run.settled()).value;
    if (r?.kind !== 'pin') throw new Error('no PIN');
    expect(r.format).toBe(4);
    expect([...decipherPinBlock4(r.pinBlock, PAN, aesDukptHostKeys(AES_BDK, r.ksn).pinKey)].join('')).toBe('86420');
  });

  it('a retry notice first, when the issuer refused the last PIN', async () => {
    const t = await open();
    const run = t.pin({ encrypt: tdes(), notice: 'retry' });
    await t.clock.advance(0);
    expect(t.display()[3]).toBe('Wrong PIN, again');
    await t.press('CANCEL');
    await run.settled();
  });

  it('asked again after the issuer\'s 55: the title says so, in both languages (one line of 16 cells)', async () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const t = await open({ lang });
      const run = t.pin({ encrypt: tdes(), again: true });
      await t.press('5');
      expect(t.display()).toEqual(lang === 'en' ? ['Enter PIN again', '       CNY 12.34', '       *', 'ENTER when done'] : ['请重新输入密码', '       CNY 12.34', '       *', '输完按确认键']);
      await t.press('CANCEL');
      expect((await run.settled()).error).toBeInstanceOf(CancelledError);
      if (lang === 'en') await t.stop(); // the last one is stopped by afterEach
    }
    const two = { lang: 'zh-CN' as const, columns: 16, rows: 2 };
    expect(pinScreen(two, { amount: 1234, currency: 'CNY', digits: 0, again: true }).lines).toEqual(['       CNY 12.34', '请重新输入密码']);
  });

  it('no clear PIN, clear PIN block or full PAN in anything shown or logged', async () => {
    const t = await open();
    const store = await keyStore();
    const pins = ['7395', '80642'];
    for (const p of pins) {
      const run = t.pin({ encrypt: store.pinEncryptor() });
      await t.press(...(p.split('') as KeyName[]), 'CLEAR', p.at(-1) as KeyName, 'ENTER');
      expect(hostPin((await run.settled()).value)).toBe(p);
    }
    const shown = t.screens.map((s) => s.join('\n')).join('\n');
    const logged = t.logLines.join('\n');
    expect(t.screens.length).toBeGreaterThan(8);
    expect(t.logLines.filter((l) => JSON.parse(l).event === 'pin.entered')).toHaveLength(2);
    for (const seen of [shown, logged]) {
      for (const needle of ['7395', '80642', '7,3,9,5', '8,0,6,4,2']) expect(seen).not.toContain(needle);
      expect(seen).not.toContain(PAN);
      for (const p of pins) expect(seen.toUpperCase()).not.toContain(toHex(encodePinBlock(0, p, PAN)));
    }
    // Digits on screen are the amount's only.
    for (const s of t.screens) expect(s.filter((line) => /[0-9]/.test(line)).every((line) => line.includes('CNY 12.34'))).toBe(true);
  });
});

describe('PIN entry for an offline PIN (the card verifies it)', () => {
  it('ENTER hands the digits to the kernel\'s submit from the buffer, which is zeroed right after; nothing is logged but the event', async () => {
    const t = await open();
    let handed: Uint8Array | null = null;
    let copy: number[] = [];
    const p = enterPin(t.terminal.ctx, new AbortController().signal, {
      amount: 1234,
      currency: 'CNY',
      offline: {
        submit: async (digits) => {
          handed = digits;
          copy = [...digits];
        },
      },
    });
    await t.press('2', '7', '1', '8', 'ENTER');
    expect(await p).toEqual({ kind: 'submitted' });
    expect(copy).toEqual([2, 7, 1, 8]);
    expect([...handed!]).toEqual([0, 0, 0, 0]);
    expect(new Uint8Array(handed!.buffer)).toEqual(new Uint8Array(12));
    const logged = t.logLines.join('\n');
    expect(logged).not.toContain('2718');
    expect(t.logLines.map((l) => JSON.parse(l).event)).toContain('pin.offline');
  });

  it('after a wrong PIN it says so with the tries the card has left; a failing submit still zeroes the buffer', async () => {
    const t = await open({ lang: 'zh-CN' });
    let handed: Uint8Array | null = null;
    const p = enterPin(t.terminal.ctx, new AbortController().signal, {
      amount: 1234,
      currency: 'CNY',
      notice: 'retry',
      triesLeft: 2,
      offline: {
        submit: async (digits) => {
          handed = digits;
          throw new Error('card gone');
        },
      },
    });
    const outcome = p.then(
      () => null,
      (e: unknown) => e,
    );
    await t.clock.advance(0);
    expect(t.display()[3]).toBe('密码错误 剩余2次');
    await t.press('5', '5', '5', '5', 'ENTER');
    expect(((await outcome) as Error).message).toBe('card gone');
    expect([...handed!]).toEqual([0, 0, 0, 0]);
  });

  it('bypass where allowed: nothing is submitted', async () => {
    const t = await open({ settings: { pinBypassAllowed: true } });
    let submitted = false;
    const p = enterPin(t.terminal.ctx, new AbortController().signal, {
      amount: 1234,
      currency: 'CNY',
      offline: {
        submit: async () => {
          submitted = true;
        },
      },
    });
    await t.press('ENTER');
    expect(await p).toEqual({ kind: 'bypassed' });
    expect(submitted).toBe(false);
  });
});

describe('PIN entry: its screen and its arguments', () => {
  it('keeps the amount and the echo (or the message) on a two-line display', () => {
    const l = { lang: 'en' as const, columns: 16, rows: 2 };
    expect(pinScreen(l, { amount: 1234, currency: 'CNY', digits: 0 }).lines).toEqual(['       CNY 12.34', 'Enter PIN']);
    expect(pinScreen(l, { amount: 1234, currency: 'CNY', digits: 3 }).lines).toEqual(['       CNY 12.34', '      ***']);
    expect(pinScreen(l, { amount: 1234, currency: 'CNY', digits: 3, note: 'PIN: 4-12 digits' }).lines).toEqual(['       CNY 12.34', 'PIN: 4-12 digits']);
  });

  it('refuses a bad PAN or format before asking for the PIN', async () => {
    const t = await open();
    await expect(enterPin(t.terminal.ctx, new AbortController().signal, { pan: '4012', amount: 1, currency: 'CNY', pinBlockFormat: 0, encrypt: tdes() })).rejects.toThrow(PanError);
    await expect(enterPin(t.terminal.ctx, new AbortController().signal, { pan: PAN, amount: 1, currency: 'CNY', pinBlockFormat: 2 as 0, encrypt: tdes() })).rejects.toThrow(PinBlockError);
    expect(t.screens).toEqual([]);
  });
});

describe('PIN settings', () => {
  it('pinBypassAllowed and timeouts.pinEntryMs are checked in config.json; older files get the defaults', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pin-cfg-'));
    dirs.push(d);
    writeFileSync(join(d, 'config.json'), JSON.stringify({ merchantName: 'Tea House', timeouts: { menuMs: 5000 } }));
    const s = await loadSettings(d);
    expect(s.pinBypassAllowed).toBe(false);
    expect(s.timeouts.pinEntryMs).toBe(30_000);
    writeFileSync(join(d, 'config.json'), JSON.stringify({ pinBypassAllowed: 'yes', timeouts: { pinEntryMs: 50 } }));
    await expect(loadSettings(d)).rejects.toThrow('config.json: pinBypassAllowed must be true or false; timeouts.pinEntryMs must be from 100 to 600000 ms');
  });
});
