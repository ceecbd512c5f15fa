import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { POS, runPos } from '../helpers/spawn-pos.js';

/**
 * `pos emulate pn532` on one end of a socat pty pair, libnfc's own tools on the other:
 * the emulator has to be faithful enough for software we did not write. Needs the Debian
 * packages socat, libnfc-bin (nfc-list) and libnfc-examples (nfc-poll).
 */

function which(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = ['socat', 'nfc-list', 'nfc-poll'].filter((t) => !which(t));
const skipNote = missing.length ? ` (skipped: ${missing.join(', ')} not installed; apt-get install socat libnfc-bin libnfc-examples)` : '';

const children: ChildProcess[] = [];
let dir: string | null = null;
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves when `re` matches stdout or stderr; rejects if the process ends first or after `ms`. */
  waitFor: (re: RegExp, ms?: number) => Promise<void>;
  exited: Promise<number | null>;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d) => {
    out += d;
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (d) => {
    err += d;
    for (const w of [...waiters]) w();
  });
  const waitFor = (re: RegExp, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (re.test(out) || re.test(err)) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${cmd}: no ${re} within ${ms} ms; stdout: ${out}; stderr: ${err.slice(-2000)}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        const i = waiters.indexOf(check);
        if (i >= 0) waiters.splice(i, 1);
      };
      waiters.push(check);
      void exited.then(() => {
        if (!waiters.includes(check)) return;
        done();
        if (re.test(out) || re.test(err)) resolve();
        else reject(new Error(`${cmd} exited before ${re}; stdout: ${out}; stderr: ${err.slice(-2000)}`));
      });
      check();
    });
  return { child, out: () => out, err: () => err, waitFor, exited };
}

/** A socat pty pair; resolves with its two ends once both exist. */
async function ptyPair(): Promise<[string, string]> {
  dir = mkdtempSync(join(tmpdir(), 'pos-emulate-'));
  const a = join(dir, 'pn532');
  const b = join(dir, 'host');
  const socat = start('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  await socat.waitFor(/starting data transfer loop/);
  expect(existsSync(a) && existsSync(b)).toBe(true);
  return [a, b];
}

async function emulator(path: string, card: string): Promise<Proc> {
  const p = start(process.execPath, [POS, 'emulate', 'pn532', '--serial', path, '--card', card]);
  await p.waitFor(/"event":"emulate\.ready"/, 15_000);
  return p;
}

/** libnfc on our pty only: no USB scan, no intrusive probing. */
const libnfcEnv = (host: string) => ({ LIBNFC_DEVICE: `pn532_uart:${host}`, LIBNFC_AUTO_SCAN: 'false', LIBNFC_INTRUSIVE_SCAN: 'false' });

function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe(`pos emulate pn532 with libnfc's tools${skipNote}`, () => {
  it.skipIf(missing.length > 0)('nfc-list finds the emulated type A card and names its UID, ATQA, SAK and ATS', async () => {
    const [pn532, host] = await ptyPair();
    const emu = await emulator(pn532, 'iso-dep-a');
    const list = start('nfc-list', [], libnfcEnv(host));
    expect(await list.exited).toBe(0);
    const out = list.out();
    expect(out).toMatch(/1 ISO14443A passive target\(s\) found/);
    expect(out).toMatch(/UID \(NFCID1\): 04 {2}a1 {2}b2 {2}c3 {2}d4 {2}e5 {2}f6/);
    // A PN532 reports SENS_RES high byte first: 00 44 for a 7-byte UID.
    expect(out).toMatch(/ATQA \(SENS_RES\): 00 {2}44/);
    expect(out).toMatch(/SAK \(SEL_RES\): 20/);
    expect(out).toMatch(/ATS: 78 {2}80 {2}70 {2}02/);

    emu.child.kill('SIGTERM');
    expect(await emu.exited).toBe(0);
    const log = logLines(emu.err());
    const commands = log.filter((l) => l.event === 'pn532.command').map((l) => l.name);
    // What libnfc's pn532_uart driver sent, each one answered as UM0701-02 says.
    for (const name of ['SAMConfiguration', 'Diagnose', 'GetFirmwareVersion', 'SetParameters', 'ReadRegister', 'WriteRegister', 'RFConfiguration', 'InListPassiveTarget', 'InDeselect', 'InCommunicateThru', 'InRelease']) {
      expect(commands).toContain(name);
    }
    expect(log.filter((l) => l.event === 'pn532.error-frame')).toEqual([]);
    // The only things not modelled that libnfc asks for: FeliCa and Jewel polls, which find nothing.
    const misuse = log.filter((l) => l.event === 'pn532.misuse').map((l) => l.detail as string);
    expect(misuse.every((d) => /FeliCa|InAutoPoll types/.test(d))).toBe(true);
    expect(log.at(-1)).toMatchObject({ event: 'emulate.stop', signal: 'SIGTERM' });
  });

  it.skipIf(missing.length > 0)('nfc-poll finds a type B card, then sees it leave on SIGUSR1', async () => {
    const [pn532, host] = await ptyPair();
    const emu = await emulator(pn532, 'iso-dep-b');
    const poll = start('nfc-poll', [], libnfcEnv(host));
    // The first presence check answered: nfc-poll now waits for the card to leave.
    await emu.waitFor(/"name":"InCommunicateThru","status":"0x00"/);
    expect(poll.out()).toMatch(/ISO\/IEC 14443-4B \(106 kbps\) target:/);
    expect(poll.out()).toMatch(/PUPI: 1a {2}2b {2}3c {2}4d/);
    emu.child.kill('SIGUSR1');
    expect(await poll.exited).toBe(0);
    expect(poll.out()).toMatch(/done\.$/m);
    emu.child.kill('SIGTERM');
    expect(await emu.exited).toBe(0);
    const log = logLines(emu.err());
    expect(log.map((l) => l.event)).toContain('emulate.card-removed');
    // The presence check is a raw R(NAK) through InCommunicateThru, answered until the card left.
    const thru = log.filter((l) => l.event === 'pn532.answer' && l.name === 'InCommunicateThru').map((l) => l.status);
    expect(thru).toContain('0x00');
    expect(thru.at(-1)).toBe('0x01');
  });

  it.skipIf(missing.length > 0)('ends with exit 1 and says so when the far end of the tty goes away', async () => {
    const [pn532] = await ptyPair();
    const emu = await emulator(pn532, 'uid-only');
    const socat = children[0]!;
    socat.kill('SIGTERM');
    expect(await emu.exited).toBe(1);
    expect(logLines(emu.err()).at(-1)).toMatchObject({ event: 'emulate.link-lost', serial: pn532 });
  });
});

describe('pos emulate: bad input', () => {
  it('refuses an unknown card with one line and exit 2, before opening anything', async () => {
    const r = await runPos(['emulate', 'pn532', '--serial', '/nonexistent/tty', '--card', 'visa-gold']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("pos emulate: unknown card 'visa-gold' (test cards: iso-dep-a, iso-dep-a4, iso-dep-b, uid-only, echo-a)\n");
    expect(r.stdout).toBe('');
  });

  it('names what is missing or wrong', async () => {
    const cases: [string[], string][] = [
      [['emulate'], 'pos emulate: which device? (have: pn532, contact)\n'],
      [['emulate', 'pn533', '--serial', 'x'], "pos emulate: unknown device 'pn533' (have: pn532, contact)\n"],
      [['emulate', 'pn532'], 'pos emulate: --serial is required\n'],
      [['emulate', 'pn532', '--serial', 'x', '--baud', 'fast'], "pos emulate: --baud must be a line speed such as 115200 (got 'fast')\n"],
      [['emulate', 'pn532', '--serial', 'x', '--vpcd', '127.0.0.1:35963'], 'pos emulate: --vpcd is not an option of pn532 (it takes --serial, --card, --baud)\n'],
      [['emulate', 'contact', '--serial', 'x'], 'pos emulate: --serial is not an option of contact (it takes --vpcd, --card)\n'],
      [['emulate', 'contact', '--vpcd', 'localhost'], "pos emulate: --vpcd must be HOST:PORT, e.g. 127.0.0.1:7070 (got 'localhost')\n"],
      [['emulate', 'contact', '--card', 'visa-ok'], "pos emulate: card 'visa-ok' has no contact chip interface\n"],
    ];
    for (const [args, err] of cases) {
      const r = await runPos(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: err });
    }
    const r = await runPos(['emulate', 'pn532', '--serial', '/nonexistent/tty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pos emulate: \/nonexistent\/tty: cannot open .*\n$/);
  });
});
