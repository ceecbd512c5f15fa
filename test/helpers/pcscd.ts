/**
 * pcsc-lite's daemon for a test, with vsmartcard's vpcd as its only reader driver: a reader
 * whose card is whatever program connects to vpcd's TCP port (simulator/devices/contact-slot/
 * vpcd-card.ts). Needs the Debian packages pcscd and vsmartcard-vpcd, and root (or the right
 * to make a mount namespace).
 *
 * pcscd 1.9 puts its socket at a fixed path (/run/pcscd/pcscd.comm) and would share it with a
 * pcscd the machine already runs, or with the same test run by someone else at the same time.
 * So each test's pcscd runs in a mount namespace of its own (unshare) where /run is a
 * temporary folder: the socket lands in that folder, and the test's PC/SC client reaches it
 * by PCSCLITE_CSOCK_NAME, which libpcsclite reads once, at the first PC/SC call of the
 * process. Its reader.conf.d is another temporary folder, naming a free TCP port for vpcd.
 * pcscd runs in the foreground (-f) as the test's child: no systemd.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VPCD_CONF = '/etc/reader.conf.d/vpcd';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';

/** The vpcd driver as the vsmartcard-vpcd package installed it. */
function vpcdDriver(): string | undefined {
  if (existsSync(VPCD_CONF)) {
    const m = /^\s*LIBPATH\s+(\S+)/m.exec(readFileSync(VPCD_CONF, 'utf8'));
    if (m && existsSync(m[1]!)) return m[1]!;
  }
  return existsSync(VPCD_DRIVER) ? VPCD_DRIVER : undefined;
}

function runs(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** What is missing for a pcscd + vpcd test on this machine (empty: nothing). */
export async function pcscdMissing(): Promise<string[]> {
  const missing: string[] = [];
  try {
    await import('smartcard' as string);
  } catch {
    missing.push("the PC/SC binding (npm package 'smartcard', built against libpcsclite-dev)");
  }
  if (!runs('pcscd', ['--version'])) missing.push('pcscd');
  if (!vpcdDriver()) missing.push('vsmartcard-vpcd');
  if (!runs('unshare', ['--mount', '--propagation', 'private', 'true'])) missing.push('a mount namespace (unshare --mount needs root)');
  return missing;
}

/** Resolves with a port p such that p and p + 1 are free: vpcd opens one per slot, CHANNELID and the next. */
async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<number | null>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '0.0.0.0', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  for (let i = 0; i < 20; i++) {
    const p = await listen(0);
    if (p !== null && p < 65535 && (await listen(p + 1)) !== null) return p;
  }
  throw new Error('no two free TCP ports in a row for vpcd');
}

export interface Pcscd {
  /** Where the PC/SC client must look: PCSCLITE_CSOCK_NAME. */
  socket: string;
  /** vpcd's TCP port for the virtual card. */
  vpcdPort: number;
  /** The reader vpcd's first slot is, as PC/SC names it. */
  reader: string;
  /** Starts the daemon; resolves once it says it is ready. */
  start(): Promise<void>;
  /** What the daemon logged so far (--debug). */
  log(): string;
  /** Stops the daemon (SIGTERM, then SIGKILL); harmless when it is not running. */
  stop(): Promise<void>;
  /** Stops it and removes its folders. */
  dispose(): Promise<void>;
}

/** Prepares a pcscd with its own socket folder and a vpcd reader on a free port; start() runs it. */
export async function preparePcscd(): Promise<Pcscd> {
  const dir = mkdtempSync(join(tmpdir(), 'pos-pcscd-'));
  const run = join(dir, 'run');
  const conf = join(dir, 'reader.conf.d');
  mkdirSync(run);
  mkdirSync(conf);
  const vpcdPort = await freePortPair();
  const hex = `0x${vpcdPort.toString(16).toUpperCase()}`;
  // reader.conf(5): DEVICENAME /dev/null makes vpcd listen rather than connect out.
  writeFileSync(join(conf, 'vpcd'), `FRIENDLYNAME "POS test vpcd"\nDEVICENAME /dev/null:${hex}\nLIBPATH ${vpcdDriver()}\nCHANNELID ${hex}\n`);
  let child: ChildProcess | null = null;
  let out = '';
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return {
    socket: join(run, 'pcscd', 'pcscd.comm'),
    vpcdPort,
    reader: 'POS test vpcd 00 00',
    log: () => out,
    start() {
      if (child) return Promise.resolve();
      // In the namespace /run is `run`; `exec` leaves pcscd itself as the child to signal.
      const c = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /run && exec pcscd --foreground --debug --config "$2"', 'sh', run, conf], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      c.stdout!.on('data', (d) => (out += d));
      c.stderr!.on('data', (d) => (out += d));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => fail(new Error(`pcscd not ready within 10 s: ${out.slice(-2000)}`)), 10_000);
        const check = () => {
          if (!/daemon ready/.test(out)) return;
          clearTimeout(timer);
          c.stdout!.off('data', check);
          resolve();
        };
        const fail = (e: Error) => {
          clearTimeout(timer);
          void stop();
          reject(e);
        };
        c.stdout!.on('data', check);
        c.once('exit', (code) => fail(new Error(`pcscd exited (${code}) before it was ready: ${out.slice(-2000)}`)));
      });
    },
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
