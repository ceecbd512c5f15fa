/**
 * The Linux PC/SC port end to end, without a reader: the terminal's contact driver
 * (PcscContactReader) on the Linux ports' pcsc() (src/hal/linux/pcsc.ts), through the
 * `smartcard` binding and libpcsclite to a real pcscd, whose reader is vsmartcard's vpcd
 * driver, whose card is chip-ok from the catalog in a process of its own
 * (simulator/devices/contact-slot/vpcd-card.ts). Nothing of ours is replaced: the only
 * stand-in is the card, at the far end, speaking vpcd's protocol.
 *
 * Needs the binding (npm, built against libpcsclite-dev), the Debian packages pcscd and
 * vsmartcard-vpcd, and root for pcscd's own mount namespace (test/helpers/pcscd.ts); skips,
 * saying which is missing, without them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import boardRpi from '../../../board/rpi-pn532-hsu.js';
import { AccountBook, loadDefaultAccounts } from '../../../simulator/host/accounts.js';
import { checkCryptogram } from '../../../simulator/host/arqc.js';
import { contactCardDescription } from '../../../simulator/cards/contact-catalog.js';
import { defaultContactConfig } from '../../../src/emv/contact-config.js';
import { runContactTransaction } from '../../../src/emv/contact-kernel.js';
import { CancelledError, DeviceError } from '../../../src/errors.js';
import { RealClock } from '../../../src/hal/clock.js';
import { hasPcsc, type PcscReaderPort } from '../../../src/hal/contact/pcsc.js';
import { PcscContactReader } from '../../../src/hal/contact/pcsc-reader.js';
import { ContactCardMuteError, ContactReaderUnavailableError } from '../../../src/hal/contact-reader.js';
import { openLinuxPcsc } from '../../../src/hal/linux/pcsc.js';
import { openLinuxPorts } from '../../../src/hal/linux/ports.js';
import { CardRemovedError } from '../../../src/hal/reader.js';
import { toHex } from '../../../src/hex.js';
import { chipOk, insertAndRun, issuerAuthenticationData, issuerIccData } from '../../emv/helpers/contact-harness.js';
import { transaction } from '../../emv/helpers/kernel-harness.js';
import { preparePcscd, pcscdMissing, type Pcscd } from '../../helpers/pcscd.js';
import { POS } from '../../helpers/spawn-pos.js';
import { startVirtualCard, type VirtualCard } from '../../helpers/vpcd-card-process.js';
import { spawn } from 'node:child_process';

const missing = await pcscdMissing();
const skipNote = missing.length
  ? ` (skipped: ${missing.join(', ')} missing; apt-get install libpcsclite-dev pcscd vsmartcard-vpcd, then npm install, as root)`
  : '';

const PAN = contactCardDescription('chip-ok').applications[0]!.pan;
const account = new AccountBook(loadDefaultAccounts()).account(PAN)!;

/** Resolves once the port's state satisfies `ok` (at once if it does), from its watch events. */
function until(port: PcscReaderPort, ok: (s: ReturnType<PcscReaderPort['state']>) => boolean, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ok(port.state())) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`the reader's state did not change as expected within ${ms} ms: ${JSON.stringify(port.state())}`));
    }, ms);
    const stop = port.watch((s) => {
      if (!ok(s)) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

describe('the Linux PC/SC port, whatever is installed', () => {
  it('a binding that is not there: ContactReaderUnavailableError (a DeviceError) naming the package and what to install', async () => {
    const err = await openLinuxPcsc('', { module: 'smartcard-not-installed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContactReaderUnavailableError);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as Error).message).toMatch(/no PC\/SC binding: the optional package 'smartcard-not-installed' is not installed or its native part did not build .*libpcsclite-dev/);
  });

  it('the Linux ports offer pcsc(), so openDevices asks them for the board\'s contact reader', () => {
    const ports = openLinuxPorts(boardRpi, new RealClock());
    expect(hasPcsc(ports)).toBe(true);
  });
});

describe.skipIf(missing.length > 0)(`PC/SC through pcscd and vsmartcard-vpcd${skipNote}`, () => {
  let pcscd: Pcscd;
  let card: VirtualCard;
  const ports = openLinuxPorts(boardRpi, new RealClock());

  beforeAll(async () => {
    pcscd = await preparePcscd();
    // libpcsclite reads it at this process's first PC/SC call (pcscd.ts says why).
    process.env.PCSCLITE_CSOCK_NAME = pcscd.socket;
  });

  /**
   * The reader, once pcscd has seen the last test's card go (it looks at vpcd's reader every
   * 400 ms). Closed after the test, whatever happened, and the card taken out.
   */
  const opened: PcscReaderPort[] = [];
  const open = async () => {
    const port = await ports.pcsc(pcscd.reader);
    opened.push(port);
    await until(port, (s) => !s.present);
    return port;
  };
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.close();
    await card?.remove();
  });

  afterAll(async () => {
    await card?.close();
    await ports.close();
    await pcscd?.dispose();
  });

  it('pcscd not running: a clear ContactReaderUnavailableError, no crash', async () => {
    const err = await ports.pcsc(pcscd.reader).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContactReaderUnavailableError);
    expect((err as Error).message).toMatch(/the PC\/SC daemon pcscd is not running \(PC\/SC service not running \(SCARD_E_NO_SERVICE\)\): start it with/);
  });

  describe('with pcscd running', () => {
    beforeAll(async () => {
      await pcscd.start();
      card = startVirtualCard(pcscd.vpcdPort);
    });

    it('the reader by its name; a name that matches none lists the readers there are', async () => {
      const port = await ports.pcsc('test vpcd 00 00');
      expect(port.name).toBe(pcscd.reader);
      expect(port.state().present).toBe(false);
      await port.close();
      // Opened and closed at once, again and again: close() has to end a SCardGetStatusChange
      // that the binding's worker thread had not even begun when it was called.
      for (let i = 0; i < 30; i++) await (await ports.pcsc(pcscd.reader)).close();
      const err = await ports.pcsc('ACR39U').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContactReaderUnavailableError);
      expect((err as Error).message).toBe(
        "the contact chip reader is not available: no PC/SC reader whose name contains 'ACR39U'; readers: 'POS test vpcd 00 00', 'POS test vpcd 00 01'",
      );
    });

    it('chip-ok inserted: the contact kernel to an ARQC with its PAN, the issuer\'s approval to a TC, release powers it down, removal is seen', async () => {
      const port = await open();
      const reader = new PcscContactReader(port);
      const signal = new AbortController().signal;
      const waiting = reader.waitForCard({ signal });
      await card.insert('chip-ok');
      const session = await waiting;
      expect(reader.name).toBe(pcscd.reader);
      expect(session.protocol).toBe('T=0');
      expect(toHex(session.atr)).toBe('3B65000080318065B0');

      const result = await runContactTransaction({ transmit: (apdu) => session.transmit(apdu), config: defaultContactConfig(), transaction: transaction(100), signal, random: () => 0.999 });
      expect(result.outcome).toBe('online-request');
      expect(result.cryptogram?.type).toBe('ARQC');
      expect(result.sensitive?.pan).toBe(PAN);
      expect(result.maskedPan).toBe('476173******0052');
      // The acquirer simulator verifies the ARQC from field 55 alone.
      expect(checkCryptogram(result.iccData, account).kind).toBe('ok');
      // Through pcscd the card got exactly the dialogue it gets in the sim board's slot,
      // T=0 procedure answers (61xx, 6Cxx) and all.
      const sim = await insertAndRun(chipOk(), 100);
      expect(await card.script()).toEqual(sim.script());

      // The issuer approves with an ARPC (computed with chip-ok's keys, as the host would).
      const iad = issuerAuthenticationData(chipOk(), result.cryptogram!.value, result.cryptogram!.atc, '00');
      const final = await result.complete!({ kind: 'online', approved: true, responseCode: '00', iccData: issuerIccData(iad) });
      expect(final.outcome).toBe('approved');
      expect(final.cryptogram?.type).toBe('TC');
      expect((await card.script()).at(-1)).toBe('00C0000014 -> 9000');

      // SCardDisconnect with SCARD_UNPOWER_CARD (2): pcscd powers the card down at once.
      const off = card.next('power-off');
      await session.release();
      await off;
      expect(pcscd.log()).toMatch(/SCardDisconnect\(\) dwDisposition: 2/);

      const removed = session.removed();
      await card.remove();
      await removed;
      expect(port.state().present).toBe(false);
      await reader.close();
    });

    it('pulled out in the middle of reading records: CardRemovedError, and the session sees it gone', async () => {
      const port = await open();
      const reader = new PcscContactReader(port);
      const signal = new AbortController().signal;
      const waiting = reader.waitForCard({ signal });
      await card.insert('chip-ok');
      const session = await waiting;
      await card.pullOutAtCommand(11);
      const err = await runContactTransaction({ transmit: (apdu) => session.transmit(apdu), config: defaultContactConfig(), transaction: transaction(100), signal, random: () => 0.999 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CardRemovedError);
      expect((err as CancelledError).reason).toBe('card-removed');
      expect((await card.script()).length).toBe(10);
      await session.removed();
      await expect(session.transmit(Uint8Array.from([0x00, 0xc0, 0x00, 0x00, 0x1e]))).rejects.toBeInstanceOf(CardRemovedError);
      await reader.close();
    });

    it('taken out between two commands: the port\'s next exchange is refused with CardRemovedError', async () => {
      const port = await open();
      await card.insert('chip-ok');
      await until(port, (s) => s.present);
      const conn = await port.connect();
      expect(conn.protocol).toBe('T=0');
      const select = Uint8Array.from(Buffer.from('00A404000E315041592E5359532E444446303100', 'hex'));
      expect(toHex(await conn.transmit(select))).toBe('611E');
      await card.remove();
      await expect(conn.transmit(select)).rejects.toBeInstanceOf(CardRemovedError);
      await until(port, (s) => !s.present);
      await expect(conn.transmit(select)).rejects.toBeInstanceOf(CardRemovedError);
      await expect(port.connect()).rejects.toBeInstanceOf(CardRemovedError);
      await conn.disconnect();
      await conn.disconnect();
      await port.close();
    });

    it('a card whose answer to reset does not parse: ContactCardMuteError, the card powered down again', async () => {
      const port = await open();
      const reader = new PcscContactReader(port);
      const waiting = reader.waitForCard({ signal: new AbortController().signal });
      // TS 3B, T0 FF: TA1 to TD1 and 15 historical bytes announced, none of them sent.
      await card.insert('chip-ok', { atr: '3BFF' });
      const off = card.next('power-off');
      const err = await waiting.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContactCardMuteError);
      expect((err as Error).message).toMatch(/the inserted card does not answer \(ATR byte 2/);
      await off;
      await card.remove();
      await reader.close();
    });

    it('`pos emulate contact` puts chip-ok into the reader, SIGUSR1 takes it out, SIGTERM ends it', async () => {
      const port = await open();
      const emu = spawn(process.execPath, [POS, 'emulate', 'contact', '--vpcd', `127.0.0.1:${pcscd.vpcdPort}`, '--card', 'chip-ok'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      emu.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((resolve) => emu.on('close', resolve));
      await until(port, (s) => s.present, 15_000);
      expect(toHex(port.state().atr!)).toBe('3B65000080318065B0');
      emu.kill('SIGUSR1');
      await until(port, (s) => !s.present);
      emu.kill('SIGTERM');
      expect(await exited).toBe(0);
      const events = err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => (JSON.parse(l) as { event: string }).event);
      expect(events).toEqual(expect.arrayContaining(['emulate.ready', 'vpcd.power-on', 'emulate.card-removed', 'emulate.stop']));
      // Card data never reaches the log: no PAN, not even in hex.
      expect(err).not.toContain(PAN);
      expect(err).not.toContain(Buffer.from(PAN).toString('hex'));
      await port.close();
    });

    it('pcscd stops: the reader reports no card, and opening it again says pcscd is not running', async () => {
      const port = await open();
      await card.insert('chip-ok');
      await until(port, (s) => s.present);
      await pcscd.stop();
      await until(port, (s) => !s.present);
      await expect(port.connect()).rejects.toThrow(/pcscd went away/);
      await expect(ports.pcsc(pcscd.reader)).rejects.toThrow(/pcscd is not running/);
      await port.close();
    });
  });
});
