import { DeviceError, ValidationError } from '../src/errors.js';
import type { BoardDescription } from '../src/hal/board.js';
import type { BoardPorts } from '../src/hal/board-ports.js';
import type { KeyName } from '../src/hal/keypad/keys.js';
import type { Clock, Direction, Level } from '../src/hal/ports.js';
import { Hd44780Emulator } from './devices/display/hd44780-emulator.js';
import { createChipCard, createContactlessCard, createMagstripeCard, type ChipCard } from './cards/catalog.js';
import type { PcscPorts } from '../src/hal/contact/pcsc.js';
import type { KeyEventPorts } from '../src/hal/magstripe/keyboard-wedge.js';
import { ContactSlotEmulator } from './devices/contact-slot/contact-slot.js';
import type { Garble } from './devices/magstripe/garble.js';
import { SerialMagstripeEmulator } from './devices/magstripe/serial-msr.js';
import { WedgeKeyboardEmulator } from './devices/magstripe/wedge-keyboard.js';
import type { VirtualCard } from './cards/virtual-card.js';
import { ContactChipCard } from './cards/contact-card.js';
import { readTextRows } from './devices/display/readback.js';
import { Ssd1306Emulator } from './devices/display/ssd1306-emulator.js';
import { MatrixKeypadEmulator } from './devices/keypad/matrix-keypad.js';
import { Pcf8574KeypadEmulator } from './devices/keypad/pcf8574-keypad.js';
import { Pn532Emulator } from './devices/pn532/emulator.js';
import { PrinterEmulator } from './devices/printer/emulator.js';
import { CSN_A2, GENERIC_80MM } from '../src/printer/profile.js';
import { SimGpioChip, type Pull } from './ports/gpio.js';
import { SimI2cBus } from './ports/i2c-bus.js';
import { createSerialPair, type SimSerialEnd } from './ports/serial-pair.js';

/**
 * The simulated board: the in-memory ports of a board description with a byte-level
 * emulator at the far end of each, as the hardware would have. The terminal gets `ports`
 * and cannot tell it from a Pi; the simulator API and tests use the emulators.
 */
export class SimBoard {
  readonly gpio = new SimGpioChip();
  readonly i2c = new Map<string, SimI2cBus>();
  /** The device side of each serial port, where the emulators listen. */
  readonly deviceEnds = new Map<string, SimSerialEnd>();
  private readonly terminalEnds = new Map<string, SimSerialEnd>();
  /** The key contacts a finger presses: the GPIO matrix or the PCF8574 expander's. */
  readonly keypad: MatrixKeypadEmulator | Pcf8574KeypadEmulator;
  /** The display module on the I2C bus, as the board names it. */
  readonly display: Ssd1306Emulator | Hd44780Emulator;
  /** The receipt printer: its receipts, paper and cover. */
  readonly printer: PrinterEmulator;
  /** The NFC reader chip; cards are placed in its field and removed. */
  readonly pn532: Pn532Emulator;
  /** The contact chip reader's slot (a PC/SC reader to the terminal), when the board has one. */
  readonly contactSlot: ContactSlotEmulator | undefined;
  /** The magnetic stripe reader: serial, or a keyboard wedge, as the board says. */
  readonly magstripe: SerialMagstripeEmulator | WedgeKeyboardEmulator | undefined;
  readonly ports: BoardPorts & PcscPorts & KeyEventPorts;
  /** Virtual cards presented so far, by catalog id. */
  private readonly wallet = new Map<string, VirtualCard>();
  /** Contact chip cards inserted so far, by catalog id: one card object each, so its ATC counts. */
  private readonly chipWallet = new Map<string, ChipCard>();
  /** Keys are pressed one press at a time, whoever asks. */
  private keyChain: Promise<void> = Promise.resolve();

  constructor(
    readonly board: BoardDescription,
    readonly clock: Clock,
    options: {
      serialTiming?: boolean;
      /**
       * How much of what the emulators record (bytes on each wire, display commands, PN532
       * commands and card exchanges, APDU logs, printed receipts) is kept: everything (tests
       * inspect it), or about the newest `keep` entries of each and the newest `receipts`
       * receipts (each holds its dots: ~0.4 MB for a 58 mm sale copy), trimmed after each
       * receipt is cut and each card presented (`pos start`, which runs for days).
       */
      recordings?: 'all' | { keep: number; receipts?: number };
    } = {},
  ) {
    const d = board.devices;
    // The electrical set-up of the board: pull-ups on the keypad columns and the PN532 IRQ.
    const pulls = new Map<number, Pull>();
    if (d.keypad.driver === 'matrix-gpio') for (const c of d.keypad.columns) pulls.set(c, 'up');
    else pulls.set(d.keypad.int, 'up');
    if (d.reader.irq !== undefined) pulls.set(d.reader.irq, 'up');
    for (const [line, pull] of pulls) this.gpio.line(`GPIO${line}`, { pull });

    for (const [name] of Object.entries(board.i2c)) this.i2c.set(name, new SimI2cBus(`sim:${name}`, { record: false }));
    for (const [name, s] of Object.entries(board.serial)) {
      // The printer's wire is always timed: its pacing and buffer model only mean something
      // when bytes take the time they take at 19200 baud.
      const timing = name === d.printer.port || (options.serialTiming ?? false);
      const [term, dev] = createSerialPair(clock, { paths: [s.path, `${s.path}#device`], baudRate: s.baudRate, timing });
      this.terminalEnds.set(name, term);
      this.deviceEnds.set(name, dev);
    }

    const dd = d.display;
    this.display =
      dd.driver === 'ssd1306'
        ? new Ssd1306Emulator({ height: dd.height as 64 | 32 })
        : new Hd44780Emulator({ columns: dd.width as 20 | 16, rows: dd.height as 4 | 2, clock });
    this.i2c.get(dd.port)?.attach(dd.address, this.display);

    this.printer = new PrinterEmulator({ clock, dots: d.printer.dots, printRowsPerSecond: d.printer.dots === 576 ? GENERIC_80MM.printRowsPerSecond : CSN_A2.printRowsPerSecond });
    this.printer.connect(this.deviceEnds.get(d.printer.port)!);

    this.pn532 = new Pn532Emulator({ clock, irq: d.reader.irq !== undefined ? this.gpio.line(`GPIO${d.reader.irq}`) : undefined });
    if (d.reader.link === 'hsu') this.pn532.connectSerial(this.deviceEnds.get(d.reader.port)!);
    else this.pn532.connectI2c(this.i2c.get(d.reader.port)!, d.reader.address);
    if (d.reader.reset !== undefined) this.pn532.connectReset(this.gpio.line(`GPIO${d.reader.reset}`));

    const kp = d.keypad;
    if (kp.driver === 'matrix-gpio') {
      const rows = kp.rows.map((n) => this.gpio.line(`GPIO${n}`, { direction: 'out', initial: 0 }));
      const cols = kp.columns.map((n) => this.gpio.line(`GPIO${n}`));
      this.keypad = new MatrixKeypadEmulator(rows, cols, kp.keymap);
    } else {
      this.keypad = new Pcf8574KeypadEmulator(kp.keymap, this.gpio.line(`GPIO${kp.int}`), kp.rowPins, kp.columnPins);
      this.i2c.get(kp.port)?.attach(kp.address, this.keypad);
    }

    this.contactSlot = d.contact ? new ContactSlotEmulator({ name: 'sim:contact' }) : undefined;
    const m = d.magstripe;
    this.magstripe =
      m?.driver === 'serial-msr'
        ? new SerialMagstripeEmulator(this.deviceEnds.get(m.port)!, { lrc: m.lrc ?? false })
        : m?.driver === 'keyboard-wedge'
          ? new WedgeKeyboardEmulator(clock, { name: `sim:${m.device}` })
          : undefined;

    const rec = options.recordings ?? 'all';
    if (rec !== 'all') {
      this.keep = Math.max(1, rec.keep);
      this.keepReceipts = Math.max(1, rec.receipts ?? rec.keep);
      this.printer.onReceipt(() => this.trimRecordings());
    }

    this.ports = {
      pcsc: async (reader: string) => {
        if (!this.contactSlot) throw new DeviceError('BOARD_PORT', `board ${board.name} has no contact chip reader`);
        if (reader !== '' && !this.contactSlot.name.includes(reader)) throw new DeviceError('BOARD_PORT', `no PC/SC reader named like '${reader}' (have: ${this.contactSlot.name})`);
        return this.contactSlot;
      },
      keyEvents: async (device: string) => {
        if (!(this.magstripe instanceof WedgeKeyboardEmulator)) throw new DeviceError('BOARD_PORT', `board ${board.name} has no keyboard wedge at ${device}`);
        return this.magstripe;
      },
      gpio: async (line: number, direction: Direction, opts: { initial?: Level } = {}) => {
        const [lo, hi] = board.gpioRange;
        if (line < lo || line > hi) throw new DeviceError('GPIO_RANGE', `GPIO${line}: board ${board.name} has GPIO${lo}-GPIO${hi}`);
        const l = this.gpio.line(`GPIO${line}`);
        await l.setDirection(direction, opts.initial ?? 0);
        return l;
      },
      i2c: async (name: string) => {
        const bus = this.i2c.get(name);
        if (!bus) throw new DeviceError('BOARD_PORT', `board ${board.name} has no I2C bus '${name}'`);
        return bus;
      },
      serial: async (name: string) => {
        const end = this.terminalEnds.get(name);
        if (!end) throw new DeviceError('BOARD_PORT', `board ${board.name} has no serial port '${name}'`);
        return end;
      },
      close: async () => {
        for (const e of this.terminalEnds.values()) await e.close();
      },
    };
  }

  /** The newest entries kept of each recording; Infinity keeps them all. */
  private readonly keep: number = Infinity;
  private readonly keepReceipts: number = Infinity;

  /**
   * Cuts each recording back to its newest `keep` entries once it holds twice that many (so
   * the cost is spread out, and what a test or the page reads last is still there).
   */
  private trimRecordings(): void {
    const n = this.keep;
    if (n === Infinity) return;
    for (const list of [this.printer.receipts, this.printer.torn]) if (list.length >= 2 * this.keepReceipts) list.splice(0, list.length - this.keepReceipts);
    const lists: unknown[][] = [this.pn532.commands, this.pn532.exchanges, this.pn532.misuse];
    for (const e of [...this.deviceEnds.values(), ...this.terminalEnds.values()]) lists.push(e.written);
    const d = this.display;
    lists.push(d instanceof Ssd1306Emulator ? d.commands : d.instructions);
    if (this.contactSlot) lists.push(this.contactSlot.exchanges);
    for (const c of this.wallet.values()) lists.push(c.log);
    for (const c of this.chipWallet.values()) if (c instanceof ContactChipCard) lists.push(c.log, c.scriptCommands);
    for (const list of lists) if (list.length >= 2 * n) list.splice(0, list.length - n);
  }

  /** Presses keys in order as a finger would: held 50 ms, 30 ms between keys. */
  pressKeys(keys: readonly KeyName[], timing: { holdMs?: number; gapMs?: number } = {}): Promise<void> {
    const run = this.keyChain.then(async () => {
      for (const k of keys) await this.keypad.press(k, this.clock, { holdMs: timing.holdMs ?? 50, gapMs: timing.gapMs ?? 30 });
    });
    this.keyChain = run.catch(() => {});
    return run;
  }

  /**
   * The display's text as read back from the module itself: the SSD1306's pixels matched
   * against the font, or the HD44780's DDRAM. Never the UI's own idea of the screen.
   */
  displayText(): string[] {
    const d = this.display;
    if (d instanceof Ssd1306Emulator) return readTextRows((x, y) => d.pixel(x, y), d.width, d.height);
    return d.text().map((l) => l.trimEnd());
  }

  /**
   * Presents a catalog card, as a customer would: tapped into the PN532's field, inserted
   * into the contact slot, or swiped through the stripe reader; 'remove' takes it out of the
   * field and the slot. The same card object is kept per id for the life of the board, so
   * its ATC counts up from transaction to transaction as a real card's does. A swipe runs
   * on its own (swipeCard() to wait for it).
   */
  presentCard(action: 'tap' | 'insert' | 'swipe' | 'remove', id?: string): void {
    if (action === 'remove') {
      this.pn532.removeCard();
      this.contactSlot?.remove();
      return;
    }
    if (!id) throw new DeviceError('NO_CARD', 'which card? give "card": ID from /api/cards');
    if (action === 'insert') {
      this.insertCard(id);
      return;
    }
    if (action === 'swipe') {
      // Checked now, so the caller hears of a missing reader or stripe; the bytes go on their own.
      this.stripeOf(id);
      this.swipeCard(id).catch(() => {});
      return;
    }
    let card = this.wallet.get(id);
    if (!card) {
      card = this.card(id, () => createContactlessCard(id));
      this.wallet.set(id, card);
    }
    this.pn532.removeCard();
    this.pn532.placeCard(card.rfCard());
    this.trimRecordings();
  }

  /** Inserts a catalog card into the contact slot (a card already there comes out first). */
  insertCard(id: string): ChipCard {
    const slot = this.contactSlot;
    if (!slot) throw new DeviceError('NO_READER', `board ${this.board.name} has no contact chip reader: tap or swipe the card`);
    let card = this.chipWallet.get(id);
    if (!card) {
      card = this.card(id, () => createChipCard(id));
      this.chipWallet.set(id, card);
    }
    slot.remove();
    slot.insert(card);
    this.trimRecordings();
    return card;
  }

  /** Swipes a catalog card's stripe through the reader; `garble` spoils one track (a bad read). */
  async swipeCard(id: string, options: { garble?: Garble } = {}): Promise<void> {
    const stripe = this.stripeOf(id);
    const m = this.magstripe!;
    if (m instanceof WedgeKeyboardEmulator) m.swipe(stripe, options);
    else await m.swipe(stripe, options);
  }

  private stripeOf(id: string) {
    if (!this.magstripe) throw new DeviceError('NO_READER', `board ${this.board.name} has no magnetic stripe reader: tap or insert the card`);
    return this.card(id, () => createMagstripeCard(id));
  }

  /** A catalog card by a factory; a card without that interface is the reader's complaint (501 to the page). */
  private card<T>(id: string, make: () => T): T {
    try {
      return make();
    } catch (e) {
      if (e instanceof ValidationError) throw new DeviceError('NO_INTERFACE', e.message);
      throw e;
    }
  }

  /** The buzzer as sounding or not, read off its line (same polarity as the LEDs). */
  buzzer(): boolean {
    const { buzzer, activeHigh } = this.board.devices.indicators;
    const l = this.gpio.get(`GPIO${buzzer}`);
    if (!l || l.direction !== 'out') return false;
    return (l.level() === 1) === activeHigh;
  }

  /**
   * Calls `fn` with the LEDs and the buzzer whenever one of their lines changes level or
   * direction, as the hardware would show it (the page's live lights and beeps). Returns a
   * function that stops it.
   */
  onIndicators(fn: (s: { leds: boolean[]; buzzer: boolean }) => void): () => void {
    const { leds, buzzer } = this.board.devices.indicators;
    const tell = () => fn({ leds: this.leds(), buzzer: this.buzzer() });
    const stops = [...leds, buzzer].map((n) => this.gpio.line(`GPIO${n}`).observe(tell));
    return () => stops.forEach((stop) => stop());
  }

  /** The four status LEDs as lit or not, read off their lines. */
  leds(): boolean[] {
    const { leds, activeHigh } = this.board.devices.indicators;
    return leds.map((n) => {
      const l = this.gpio.get(`GPIO${n}`);
      if (!l || l.direction !== 'out') return false;
      return (l.level() === 1) === activeHigh;
    });
  }
}
