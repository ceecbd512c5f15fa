import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { diagnostics, READER_POLL_TEST_MS } from '../../src/flows/diagnostics.js';
import type { KeyName } from '../../src/hal/keypad/keys.js';
import type { TerminalSettings } from '../../src/store/config.js';
import { Ssd1306Emulator } from '../../simulator/devices/display/ssd1306-emulator.js';
import { simTerminal } from '../helpers/sim-terminal.js';

type T = Awaited<ReturnType<typeof simTerminal>>;
let term: T | null = null;
let flow: { done: Promise<void>; settled: () => boolean; stop: AbortController } | null = null;

afterEach(async () => {
  flow?.stop.abort(new CancelledError('shutdown'));
  await flow?.done.catch(() => undefined);
  flow = null;
  await term?.stop();
  term = null;
});

/**
 * A terminal on the sim board with its payment side and no main loop: the test runs the
 * diagnostics flow itself, as the MENU entry will, in English.
 */
async function open(settings: Partial<TerminalSettings> = {}, lang: 'en' | 'zh-CN' = 'en') {
  term = await simTerminal({ lang, payments: true, start: false, diagnostics: true, settings });
  const stop = new AbortController();
  let settled = false;
  const done = diagnostics(term.diagnostics!.ctx, stop.signal).finally(() => (settled = true));
  done.catch(() => undefined);
  flow = { done, settled: () => settled, stop };
  return term;
}

const until = (t: T, done: () => boolean, maxMs = 60_000) => t.until(done, maxMs);

const shows = (t: T, text: string) => t.shows(text);

/** The supervisor's default password, the must-change notice dismissed, the menu on screen. */
async function login(t: T): Promise<void> {
  await until(t, shows(t, 'Supervisor PW'));
  await t.press('1', '2', '3', '4', '5', '6', 'ENTER');
  await until(t, shows(t, 'Default password'));
  await t.press('ENTER');
  await until(t, shows(t, 'DIAGNOSTICS'));
}

async function item(t: T, key: KeyName, title: string): Promise<void> {
  await t.press(key);
  await until(t, () => t.display()[0]!.startsWith(title));
}

/** Back from a result page to the menu. */
async function back(t: T): Promise<void> {
  await t.press('ENTER');
  await until(t, shows(t, 'DIAGNOSTICS'));
}

/** Every line of every page of a result, paged with DOWN, until the page number stops. */
async function allPages(t: T): Promise<string[]> {
  const out = [...t.display().slice(1)];
  for (let i = 0; i < 10; i++) {
    const m = /(\d+)\/(\d+)$/.exec(t.display()[0]!);
    if (!m || m[1] === m[2]) break;
    await t.press('DOWN');
    await until(t, () => !t.display()[0]!.endsWith(`${m[1]}/${m[2]}`));
    out.push(...t.display().slice(1));
  }
  return out.map((l) => l.trim());
}

describe('diagnostics on the sim board', () => {
  it('opens on the supervisor password, refuses a wrong one, CANCEL in its menu leaves', async () => {
    const t = await open();
    await until(t, shows(t, 'Supervisor PW'));
    await t.press('9', '9', '9', '9', '9', '9', 'ENTER');
    await until(t, shows(t, 'Wrong, 2 left'));
    await t.press('1', '2', '3', '4', '5', '6', 'ENTER');
    await until(t, shows(t, 'Default password'));
    await t.press('ENTER');
    await until(t, shows(t, 'DIAGNOSTICS'));
    expect(t.display()).toEqual(['DIAGNOSTICS  1/4', '1 Reader test', '2 Printer test', '3 Display test']);
    await t.press('CANCEL');
    await until(t, flow!.settled);
    await expect(flow!.done).resolves.toBeUndefined();
    expect(t.logs.some((l) => l.event === 'diagnostics.opened')).toBe(true);
    expect(JSON.stringify(t.logs)).not.toContain('123456"');
  });

  it('reader self-test: firmware, the line test, RF on and off, then no card in the poll, or the card tapped', async () => {
    const t = await open();
    await login(t);
    const before = t.board.pn532.commands.length;
    await item(t, '1', 'Reader test');
    await until(t, shows(t, 'Tap a card (5s)'));
    await until(t, () => t.display()[0] === 'Reader test  1/2', READER_POLL_TEST_MS + 2000);
    expect(await allPages(t)).toEqual(['FW PN532 1.6', 'Comm test: OK', 'RF on/off: OK', 'No card', '', '']);
    const codes = t.board.pn532.commands.slice(before).map((c) => c.code);
    expect(codes).toEqual(expect.arrayContaining([0x02, 0x00, 0x32])); // GetFirmwareVersion, Diagnose, RFConfiguration
    await back(t);

    await item(t, '1', 'Reader test');
    await until(t, shows(t, 'Tap a card'));
    t.board.presentCard('tap', 'visa-ok');
    await until(t, () => t.display()[0] === 'Reader test  1/2');
    expect((await allPages(t))[3]).toBe('Card seen (A)');
    await back(t);

    // A reader that answers nothing: the test says so; the flow goes on.
    t.board.pn532.faults.loseCommands = 100;
    await item(t, '1', 'Reader test');
    await until(t, shows(t, 'FW: no answer'), 30_000);
    expect(t.display()).toContain('Comm test: FAIL');
    t.board.pn532.faults.loseCommands = 0;
    expect(t.board.pn532.misuse).toEqual([]);
  });

  it('printer: the test page comes out; paper out is shown while it waits, and it prints once paper is in', async () => {
    const t = await open();
    await login(t);
    await item(t, '2', 'Printer test');
    await until(t, shows(t, 'Test page done'));
    expect(t.display().map((l) => l.trim())).toEqual(['Printer test', 'Test page done', 'Printer ready', 'CSN-A2 58 mm']);
    expect(t.board.printer.receipts.at(-1)!.text).toContain('PRINTER TEST PAGE');
    await back(t);

    t.board.printer.runOutAfter(0);
    await item(t, '2', 'Printer test');
    await until(t, shows(t, 'Paper out'));
    t.board.printer.loadPaper();
    await until(t, shows(t, 'Test page done'), 120_000);
    expect(t.board.printer.receipts.filter((r) => r.text.includes('PRINTER TEST PAGE')).length).toBeGreaterThanOrEqual(2);
  });

  it('display: every pixel lit, every pixel dark, then the character set', async () => {
    const t = await open();
    await login(t);
    const d = t.board.display as Ssd1306Emulator;
    const lit = () => {
      let n = 0;
      for (let y = 0; y < d.height; y++) for (let x = 0; x < d.width; x++) n += d.pixel(x, y) ? 1 : 0;
      return n;
    };
    await t.press('3');
    await until(t, () => t.display().every((l) => l === ''));
    await t.terminal.ctx.screen.flushed();
    expect(lit()).toBe(d.width * d.height);
    await t.press('ENTER');
    await until(t, () => lit() === 0);
    await t.press('ENTER');
    await until(t, () => lit() === (d.width * d.height) / 2);
    await t.press('ENTER');
    await until(t, shows(t, '0123456789ABCDEF'));
    await t.terminal.ctx.screen.flushed();
    expect(t.board.displayText()[0]).toBe('0123456789ABCDEF');
    await back(t);
  });

  it('keypad: each key shown once pressed; one CANCEL is a key, two in a row leave', async () => {
    const t = await open();
    await login(t);
    await item(t, '4', 'Keypad test');
    expect(t.display().slice(1)).toEqual(['. . . . . . . .', '. . . . . . . .', 'CANCEL x2: exit']);
    await t.press('1', '5', 'ENTER', 'UP');
    expect(t.display().slice(1)).toEqual(['1 . . . . 5 . .', '. . . . ^ . . E', 'Key UP']);
    await t.press('CANCEL');
    expect(t.display()[3]).toBe('CANCEL again');
    await t.press('2', '3', '4', '6', '7', '8', '9', '0', 'CLEAR', 'MENU', 'DOWN');
    expect(t.display().slice(1, 3)).toEqual(['1 2 3 X 4 5 6 <', '7 8 9 M ^ 0 v E']);
    await t.press('CANCEL', 'CANCEL');
    await until(t, shows(t, 'DIAGNOSTICS'));
  });

  it('LEDs and buzzer: LED 1, LEDs 1 and 2, all four with a beep, two beeps, all off', async () => {
    const t = await open();
    await login(t);
    const buzzer = t.board.gpio.get(`GPIO${t.board.board.devices.indicators.buzzer}`)!;
    let beeps = 0;
    buzzer.observe((v) => (beeps += v === 1 ? 1 : 0));
    await item(t, '5', 'LEDs, buzzer');
    expect(t.display()).toContain('    LED 1 on');
    expect(t.board.leds()).toEqual([true, false, false, false]);
    await t.press('ENTER');
    expect(t.board.leds()).toEqual([true, true, false, false]);
    await t.press('ENTER');
    expect(t.board.leds()).toEqual([true, true, true, true]);
    await until(t, () => beeps === 1 && buzzer.level() === 0);
    await t.press('ENTER');
    expect(t.board.leds()).toEqual([false, false, false, false]);
    await until(t, () => beeps === 3 && buzzer.level() === 0);
    await t.press('ENTER');
    expect(t.display()).toContain('    All off');
    await t.press('ENTER');
    await until(t, shows(t, 'DIAGNOSTICS'));
    expect(t.board.leds()).toEqual([false, false, false, false]);
  });

  it('network: an 0800 echo with its round trip; a host that does not answer is named', async () => {
    const t = await open();
    await login(t);
    await item(t, '6', 'Network test');
    await until(t, shows(t, 'Echo: OK'));
    expect(t.display()[1]).toBe('Connect: OK');
    expect(t.display()[3]).toMatch(/^RTT \d+ ms$/);
    expect(t.logs.find((l) => l.event === 'diagnostics.network')).toMatchObject({ responseCode: '00' });
    await back(t);

    t.pay!.host.faults.add({ next: 'timeout', count: 1 });
    await item(t, '6', 'Network test');
    await until(t, shows(t, 'No host answer'), 30_000);
    expect(t.pay!.payments.online.journal.toApi()).toEqual([]); // an echo is no transaction
  });

  it('log lines: newest first, a long number masked on screen', async () => {
    const t = await open();
    t.terminal.ctx.log.warn({ event: 'test.card' }, 'card 4761730000000011 seen');
    await login(t);
    await item(t, '7', 'Log lines');
    const pages: string[][] = [];
    for (let i = 0; i < 30; i++) {
      pages.push([...t.display()]);
      if (pages.at(-1)!.join('|').includes('test.card')) break;
      await t.press('DOWN');
    }
    const page = pages.at(-1)!;
    expect(page[1]).toMatch(/^\d\d:\d\d:\d\d WARN$/); // pino stamps wall-clock time
    expect(page.slice(2).join(' ')).toContain('476173******0011');
    expect(pages.flat().join('|')).not.toContain('4761730000000011');
    expect(pages[0]![2]).toContain('diagnostics.item');
  });

  it('export: logs (masked) and the masked journal to <data>/export, to a stick when one is mounted, "No USB stick" when not', async () => {
    const t = await open();
    t.terminal.ctx.log.info({ event: 'test.card' }, 'card 4761730000000011 seen');
    await login(t);
    await item(t, '8', 'Export logs');
    await until(t, shows(t, 'Exported: 2'));
    const base = join(t.diagnostics!.dataDir, 'export');
    const [dir] = readdirSync(base);
    expect(dir).toMatch(/^pos-12345678-20260115-0930\d\d$/); // the virtual clock's date, in Shanghai
    expect(t.display()[2]).toBe('pos-12345678-202');
    const log = readFileSync(join(base, dir!, 'terminal.log'), 'utf8');
    expect(log).toContain('476173******0011');
    expect(log).not.toContain('4761730000000011');
    expect(JSON.parse(readFileSync(join(base, dir!, 'journal.json'), 'utf8'))).toEqual(t.pay!.payments.online.journal.toApi());
    await back(t);
    await term!.stop();
    term = null;

    const stick = mkdtempSync(join(tmpdir(), 'usb-'));
    const t2 = await open({ exportDir: stick });
    await login(t2);
    await item(t2, '8', 'Export logs');
    await until(t2, shows(t2, 'Exported: 2'));
    expect(readdirSync(stick)).toHaveLength(1);
    await back(t2);
    await term!.stop();

    const t3 = await open({ exportDir: join(stick, 'not-mounted') });
    await login(t3);
    await item(t3, '8', 'Export logs');
    await until(t3, shows(t3, 'No USB stick'));
    expect(existsSync(join(stick, 'not-mounted'))).toBe(false);
  });

  it('configuration and versions; key status with the KSN and check value only', async () => {
    const t = await open();
    await login(t);
    await item(t, '9', 'System info');
    const config = await allPages(t);
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(config).toEqual(
      expect.arrayContaining([`Version ${version}`, `Node ${process.version}`, 'Board sim', 'Screen 16x4', 'TID 12345678', 'MID', '123456789012345', 'Currency CNY', 'Time zone', 'Asia/Shanghai']),
    );
    await back(t);
    await item(t, '0', 'Key status');
    const status = await t.pay!.payments.keyStore.status();
    const keys = await allPages(t);
    expect(status.ksn).toHaveLength(20);
    expect(keys.slice(0, 6)).toEqual(['TDES DUKPT', 'KSN', status.ksn!.slice(0, 16), status.ksn!.slice(16), `KCV ${status.initialKeyKcv}`, `Counter ${status.counter}`]);
    expect(keys.slice(6).every((l) => l === '')).toBe(true);
  });

  it('in Chinese: the menu and a result, every character in the display font', async () => {
    const t = await open({}, 'zh-CN');
    await until(t, shows(t, '主管密码'));
    await t.press('1', '2', '3', '4', '5', '6', 'ENTER');
    await until(t, shows(t, '默认密码'));
    await t.press('ENTER');
    await until(t, shows(t, '诊断'));
    await t.terminal.ctx.screen.flushed();
    expect(t.board.displayText()).toEqual(['诊断         1/4', '1 读卡器自检', '2 打印机自检', '3 显示屏测试']);
    await item(t, '9', '配置与版本');
    await t.terminal.ctx.screen.flushed();
    expect(t.board.displayText()[1]).toMatch(/^版本 /);
  });
});
