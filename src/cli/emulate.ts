import { existsSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import { RealClock } from '../hal/clock.js';
import { LinuxSerialLink } from '../hal/linux/serial.js';
import { toHex } from '../hex.js';
import { createLogger, type Logger } from '../log.js';
import { parseArgs, parseHostPort, required, type ParsedArgs } from './args.js';

/** Devices `pos emulate` can put on a real port. */
const DEVICES = ['pn532', 'contact'];

/** The options each device takes: any other is refused by name. */
const OPTIONS: Record<string, string[]> = { pn532: ['serial', 'card', 'baud'], contact: ['vpcd', 'card'] };

/** The PN532's HSU speed after reset (UM0701-02 7.2.8); libnfc's pn532_uart opens at it too. */
const DEFAULT_BAUD = 115200;

const IN_DATA_EXCHANGE = 0x40;
const IN_COMMUNICATE_THRU = 0x42;

/**
 * `pos emulate pn532 --serial PATH [--card ID] [--baud N]`: the PN532 emulator of the sim
 * board on a real serial device, so other NFC software (libnfc's nfc-list, nfc-poll) can
 * be tried against it. `pos emulate contact` puts a chip card into pcscd's virtual reader
 * (emulateContact below). Like `pos start` this is a composition root: it loads simulator/,
 * dynamically, and nothing else in src/ reaches it through here.
 */
export async function emulate(args: string[]): Promise<number> {
  const a = parseArgs(args, { flags: ['serial', 'card', 'baud', 'vpcd'] });
  const [device, ...extra] = a.positional;
  if (device === undefined) throw new ValidationError(`which device? (have: ${DEVICES.join(', ')})`);
  if (!DEVICES.includes(device)) throw new ValidationError(`unknown device '${device}' (have: ${DEVICES.join(', ')})`);
  if (extra.length > 0) throw new ValidationError(`unexpected argument '${extra[0]}'`);
  const foreign = [...a.flags.keys()].find((f) => !OPTIONS[device]!.includes(f));
  if (foreign !== undefined) throw new ValidationError(`--${foreign} is not an option of ${device} (it takes ${OPTIONS[device]!.map((o) => `--${o}`).join(', ')})`);
  if (device === 'contact') return emulateContact(a);
  const path = required(a, 'serial');
  const baud = parseBaud(a.flags.get('baud'));
  const cardId = a.flags.get('card');

  const { testCard } = await import('../../simulator/devices/pn532/test-cards.js');
  // Refused before the port is opened: a typo in the card never half-starts the emulator.
  const card = cardId === undefined ? undefined : testCard(cardId);

  const { Pn532Emulator, pn532CommandName } = await import('../../simulator/devices/pn532/emulator.js');
  const { SerialLinkDevicePort } = await import('../../simulator/devices/pn532/serial-bridge.js');
  const { log, flush } = createLogger();
  const clock = new RealClock();
  const link = await LinuxSerialLink.open(path, baud, clock);
  const port = new SerialLinkDevicePort(link);
  // No recording: an emulator left running under nfc-poll would otherwise grow without end.
  const emu = new Pn532Emulator({ clock, record: false });
  const events = new EventLog(log, pn532CommandName);
  emu.observe((e) => events.add(e));
  emu.connectSerial(port);
  if (card) emu.placeCard(card);
  log.info(
    { event: 'emulate.ready', device, serial: path, baud, card: cardId ?? null, uid: card ? toHex(card.uid) : null },
    `PN532 emulator on ${path}${card ? ` with card ${cardId} in the field` : ', field empty'}`,
  );

  // SIGUSR1 takes the card out of the field and puts it back, so a reader's removal
  // handling (nfc-poll's "Waiting for card removing") can be tried too.
  const toggle = () => {
    if (!card) return;
    const inField = emu.field.includes(card);
    events.flush();
    if (inField) emu.removeCard(card);
    else emu.placeCard(card);
    log.info({ event: inField ? 'emulate.card-removed' : 'emulate.card-placed', card: cardId }, inField ? 'card taken out of the field' : 'card put back in the field');
  };
  process.on('SIGUSR1', toggle);
  const stopped = new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  // @serialport/bindings-cpp reads again at once when read() gives 0 bytes, which is what
  // a tty gives once its far end is gone (bindings-cpp issue #162): the read then spins
  // and the close is never reported. The device node goes at the same moment (a pty's
  // when socat exits, a USB adapter's when unplugged), so a look once a second ends it.
  let watchdog: NodeJS.Timeout | undefined;
  const vanished = new Promise<string>((done) => {
    watchdog = setInterval(() => {
      if (!existsSync(path)) done('vanished');
    }, 1000);
  });
  const why = await Promise.race([stopped, vanished, port.ended.then(() => 'link')]);
  clearInterval(watchdog);
  process.off('SIGUSR1', toggle);
  events.flush();
  if (why === 'link' || why === 'vanished') {
    const detail = why === 'vanished' ? 'the device is gone' : (port.failure?.message ?? 'the port closed');
    log.error({ event: 'emulate.link-lost', serial: path, detail, bytes: port.counts }, `${path}: ${detail}`);
    if (why === 'vanished') await port.close();
    flush();
    return 1;
  }
  log.info({ event: 'emulate.stop', signal: why, bytes: port.counts }, 'stopping');
  await port.close();
  flush();
  return 0;
}

/**
 * `pos emulate contact [--vpcd HOST:PORT] [--card ID]`: a contact chip card of the catalog
 * (chip-ok unless told) in pcscd's virtual reader, through vsmartcard's vpcd driver
 * (simulator/devices/contact-slot/vpcd-card.ts), so PC/SC software (the terminal on the
 * Linux ports, pcsc_scan) can be tried against it without a reader. SIGUSR1 takes the card
 * out and puts it back.
 */
async function emulateContact(a: ParsedArgs): Promise<number> {
  const { VPCD_DEFAULT_PORT, VpcdCard } = await import('../../simulator/devices/contact-slot/vpcd-card.js');
  const { host, port } = parseHostPort(a.flags.get('vpcd') ?? `127.0.0.1:${VPCD_DEFAULT_PORT}`, '--vpcd');
  const cardId = a.flags.get('card') ?? 'chip-ok';
  const { createChipCard } = await import('../../simulator/cards/catalog.js');
  // Refused before connecting: a typo in the card never half-starts the emulator. One card
  // object for the whole run, so its counters (ATC) go on across insertions as a real card's.
  const chip = createChipCard(cardId);
  const { log, flush } = createLogger();
  const where = `${host}:${port}`;
  // pcscd asks for the ATR every few hundred ms to see the card is there: counted, not logged.
  let atrAsked = 0;
  const onEvent = (e: import('../../simulator/devices/contact-slot/vpcd-card.js').VpcdEvent) => {
    if (e.kind === 'atr') atrAsked++;
    // APDUs by length and status word only: their data carries the card number (DESIGN.md).
    else if (e.kind === 'apdu') log.info({ event: 'vpcd.apdu', commandBytes: e.commandBytes, responseBytes: e.responseBytes, sw: e.sw.toString(16).padStart(4, '0').toUpperCase() }, 'APDU');
    else if (e.kind === 'misuse') log.warn({ event: 'vpcd.misuse', detail: e.detail }, e.detail);
    else log.info({ event: `vpcd.${e.kind}` }, e.kind);
  };
  // vpcd closing the connection on a card not taken out: pcscd stopped.
  let linkLost!: (why: string) => void;
  const lost = new Promise<string>((resolve) => (linkLost = resolve));
  const watched = (c: import('../../simulator/devices/contact-slot/vpcd-card.js').VpcdCard) => {
    void c.closed.then((why) => {
      if (why.reason !== 'removed') linkLost(why.detail);
    });
    return c;
  };
  let card = watched(await VpcdCard.connect(chip, { host, port, onEvent }));
  log.info({ event: 'emulate.ready', device: 'contact', vpcd: where, card: cardId, atr: toHex(chip.atr) }, `card ${cardId} in vpcd's reader at ${where}`);

  let toggling = false;
  const toggle = () => {
    if (toggling) return;
    toggling = true;
    const inserting = !card.connected;
    const step = inserting ? VpcdCard.connect(chip, { host, port, onEvent }).then((c) => void (card = watched(c))) : card.remove();
    step
      .then(
        () => log.info({ event: inserting ? 'emulate.card-inserted' : 'emulate.card-removed', card: cardId }, inserting ? 'card inserted' : 'card taken out'),
        (e: unknown) => linkLost(e instanceof Error ? e.message : String(e)),
      )
      .finally(() => (toggling = false));
  };
  process.on('SIGUSR1', toggle);
  const stopped = new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  // With the card out no socket is open, and signal handlers do not keep Node running.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const why = await Promise.race([stopped, lost.then((detail) => ({ detail }))]);
  clearInterval(keepAlive);
  process.off('SIGUSR1', toggle);
  if (typeof why !== 'string') {
    log.error({ event: 'emulate.link-lost', vpcd: where, detail: why.detail, atrAsked }, `${where}: ${why.detail}`);
    flush();
    return 1;
  }
  await card.remove();
  log.info({ event: 'emulate.stop', signal: why, apdus: card.counts.apdu, atrAsked }, 'stopping');
  flush();
  return 0;
}

function parseBaud(s: string | undefined): number {
  if (s === undefined) return DEFAULT_BAUD;
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1200 || n > 1_288_000) throw new ValidationError(`--baud must be a line speed such as 115200 (got '${s}')`);
  return n;
}

type EmulatorEvent = import('../../simulator/devices/pn532/emulator.js').Pn532Event;

/**
 * One JSON line per thing the chip did, except that a command sent again and again with
 * the same bytes and answered the same (libnfc checks presence in a tight loop) is logged
 * once, then counted, and the count is logged when something else happens.
 *
 * What passes between the chip and a card (APDUs, raw frames) is logged by length only:
 * once the card catalog holds EMV cards those bytes carry card numbers, and a PAN is
 * never logged (DESIGN.md).
 */
class EventLog {
  private lastCommand = '';
  private lastParams: { code: number; params: Uint8Array } = { code: 0, params: new Uint8Array(0) };
  private lastAnswer = '';
  private repeating = false;
  private repeats = 0;
  private repeatedName = '';

  constructor(
    private readonly log: Logger,
    private readonly commandName: (code: number) => string,
  ) {}

  add(e: EmulatorEvent): void {
    if (e.kind === 'command') {
      const key = `${e.code}:${toHex(e.params)}`;
      if (key === this.lastCommand && this.lastAnswer !== '' && !this.repeating) {
        this.repeating = true;
        this.repeatedName = this.commandName(e.code);
        return;
      }
      this.flush();
      this.lastCommand = key;
      this.lastParams = { code: e.code, params: e.params };
      this.lastAnswer = '';
      this.logCommand(e.code, e.params);
      return;
    }
    if (e.kind === 'answer') {
      const key = `${e.code}:${toHex(e.data)}`;
      if (this.repeating) {
        this.repeating = false;
        if (key === this.lastAnswer) {
          this.repeats++;
          return;
        }
        // The same command got another answer: that is news, command and all.
        this.flush();
        this.logCommand(this.lastParams.code, this.lastParams.params);
      }
      this.lastAnswer = key;
      this.logAnswer(e.code, e.data);
      return;
    }
    this.flush();
    this.lastCommand = '';
    switch (e.kind) {
      case 'error-frame':
        this.log.warn({ event: 'pn532.error-frame' }, 'answered with the error frame (syntax error)');
        return;
      case 'abort':
        this.log.info({ event: 'pn532.abort' }, 'the host aborted the command in progress with an ACK');
        return;
      case 'misuse':
        this.log.warn({ event: 'pn532.misuse', kind: e.misuse.kind, detail: e.misuse.detail }, e.misuse.detail);
    }
  }

  /** Logs how often the last command was repeated, if it was. */
  flush(): void {
    if (this.repeats > 0) {
      this.log.info({ event: 'pn532.repeated', name: this.repeatedName, times: this.repeats }, `${this.repeatedName} repeated ${this.repeats} times, answered the same`);
    }
    this.repeats = 0;
    this.repeating = false;
  }

  private logCommand(code: number, params: Uint8Array): void {
    const name = this.commandName(code);
    if (code === IN_DATA_EXCHANGE) {
      this.log.info({ event: 'pn532.command', code: hex(code), name, tg: params[0] ?? null, dataBytes: Math.max(0, params.length - 1) }, name);
    } else if (code === IN_COMMUNICATE_THRU) {
      this.log.info({ event: 'pn532.command', code: hex(code), name, dataBytes: params.length }, name);
    } else {
      this.log.info({ event: 'pn532.command', code: hex(code), name, params: toHex(params) }, name);
    }
  }

  private logAnswer(code: number, data: Uint8Array): void {
    const name = this.commandName(code - 1);
    if (code - 1 === IN_DATA_EXCHANGE || code - 1 === IN_COMMUNICATE_THRU) {
      this.log.info({ event: 'pn532.answer', code: hex(code), name, status: hex(data[0] ?? 0), dataBytes: Math.max(0, data.length - 1) }, `${name} answered`);
    } else {
      this.log.info({ event: 'pn532.answer', code: hex(code), name, data: toHex(data) }, `${name} answered`);
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;
}
