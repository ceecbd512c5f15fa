/**
 * The virtual card's side of vsmartcard's vpcd protocol, against a TCP server that speaks
 * vpcd's side as vpcd.c does (a 2-byte big-endian length, then the message; one byte is a
 * control: 00 off, 01 on, 02 reset, 04 ATR; more is an APDU). Runs without pcscd: the
 * end-to-end run through pcscd is test/hal/linux/pcsc.test.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createChipCard } from '../../../simulator/cards/catalog.js';
import { VpcdCard, VpcdError, type VpcdEvent } from '../../../simulator/devices/contact-slot/vpcd-card.js';
import { fromHex, toHex } from '../../../src/hex.js';

/** vpcd's side: accepts one card, sends framed messages, reads framed answers. */
class FakeVpcd {
  private server: Server;
  private socket: Socket | null = null;
  private input = Buffer.alloc(0);
  private waiting: ((m: Buffer) => void)[] = [];
  private answers: Buffer[] = [];
  readonly connected: Promise<void>;
  readonly ended: Promise<void>;
  private endedNow!: () => void;

  constructor() {
    let accepted!: () => void;
    this.connected = new Promise((r) => (accepted = r));
    this.ended = new Promise((r) => (this.endedNow = r));
    this.server = createServer((s) => {
      this.socket = s;
      s.on('data', (d: Buffer) => this.receive(d));
      s.on('end', () => this.endedNow());
      s.on('close', () => this.endedNow());
      accepted();
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)));
  }

  private receive(d: Buffer): void {
    this.input = Buffer.concat([this.input, d]);
    while (this.input.length >= 2 && this.input.length >= 2 + this.input.readUInt16BE(0)) {
      const n = this.input.readUInt16BE(0);
      const m = this.input.subarray(2, 2 + n);
      this.input = this.input.subarray(2 + n);
      const w = this.waiting.shift();
      if (w) w(m);
      else this.answers.push(m);
    }
  }

  /** Sends one message, its length header first; `split` sends it a byte at a time. */
  send(hex: string, split = false): void {
    const m = fromHex(hex);
    const frame = Buffer.alloc(2 + m.length);
    frame.writeUInt16BE(m.length, 0);
    frame.set(m, 2);
    if (!split) this.socket!.write(frame);
    else for (const b of frame) this.socket!.write(Uint8Array.of(b));
  }

  /** The card's next answer, hex. */
  answer(): Promise<string> {
    const a = this.answers.shift();
    if (a) return Promise.resolve(toHex(a));
    return new Promise((resolve) => this.waiting.push((m) => resolve(toHex(m))));
  }

  /** Sends and waits for the answer. */
  async ask(hex: string, split = false): Promise<string> {
    this.send(hex, split);
    return this.answer();
  }

  /** Whether nothing was answered within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.answers.length === 0;
  }

  closeClient(): void {
    this.socket?.destroy();
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const fakes: FakeVpcd[] = [];
const cards: VpcdCard[] = [];
afterEach(async () => {
  for (const c of cards.splice(0)) await c.remove();
  for (const f of fakes.splice(0)) await f.close();
});

async function setUp(atr?: string) {
  const vpcd = new FakeVpcd();
  fakes.push(vpcd);
  const port = await vpcd.listen();
  const events: VpcdEvent[] = [];
  const chip = createChipCard('chip-ok');
  const inserted = atr ? { atr: fromHex(atr), transceive: (a: Uint8Array) => chip.transceive(a) } : chip;
  const card = await VpcdCard.connect(inserted, { port, onEvent: (e) => events.push(e) });
  cards.push(card);
  await vpcd.connected;
  return { vpcd, card, events };
}

const SELECT_PSE = '00A404000E315041592E5359532E444446303100';

describe('VpcdCard: the card side of vpcd', () => {
  it('answers 04 with its ATR, takes 01 as power on, and then answers APDUs as a T=0 card behind a reader', async () => {
    const { vpcd, card, events } = await setUp();
    expect(await vpcd.ask('04')).toBe('3B65000080318065B0');
    vpcd.send('01');
    // T=0 (ISO/IEC 7816-3 12.2): a case 4 command's data comes by GET RESPONSE after 61xx.
    expect(await vpcd.ask(SELECT_PSE)).toBe('611E');
    const fci = await vpcd.ask('00C000001E');
    expect(fci.slice(-4)).toBe('9000');
    expect(fci.length).toBe((0x1e + 2) * 2);
    expect(card.slot.exchanges.map((e) => toHex(e.c))).toEqual([SELECT_PSE, '00C000001E']);
    expect(events.map((e) => e.kind)).toEqual(['atr', 'power-on', 'apdu', 'apdu']);
    expect(events[2]).toEqual({ kind: 'apdu', commandBytes: 20, responseBytes: 2, sw: 0x611e });
    expect(card.counts).toEqual({ powerOn: 1, powerOff: 0, reset: 0, atr: 1, apdu: 2 });
  });

  it('reads messages that arrive a byte at a time, and two in one chunk', async () => {
    const { vpcd } = await setUp();
    vpcd.send('01');
    expect(await vpcd.ask(SELECT_PSE, true)).toBe('611E');
    vpcd.send('04');
    vpcd.send('04');
    expect([await vpcd.answer(), await vpcd.answer()]).toEqual(['3B65000080318065B0', '3B65000080318065B0']);
  });

  it('power off (00) and reset (02) are not answered; after power off an APDU is a misuse answered 6F00', async () => {
    const { vpcd, events } = await setUp();
    vpcd.send('01');
    vpcd.send('02');
    vpcd.send('00');
    expect(await vpcd.silentFor(50)).toBe(true);
    expect(await vpcd.ask(SELECT_PSE)).toBe('6F00');
    expect(events.map((e) => e.kind)).toEqual(['power-on', 'reset', 'power-off', 'misuse']);
  });

  it('an unknown control is a misuse, not answered; a 2-byte message is answered 6700; neither ends the card', async () => {
    const { vpcd, card, events } = await setUp();
    vpcd.send('03');
    expect(await vpcd.silentFor(50)).toBe(true);
    vpcd.send('01');
    expect(await vpcd.ask('00A4')).toBe('6700');
    expect(events.filter((e) => e.kind === 'misuse')).toEqual([
      { kind: 'misuse', detail: 'unknown control byte 0x03' },
      { kind: 'misuse', detail: 'a 2-byte message is neither a control nor a command APDU' },
    ]);
    expect(card.connected).toBe(true);
  });

  it('a card whose ATR does not parse still sends it, and is not powered', async () => {
    const { vpcd, events } = await setUp('3BFF');
    expect(await vpcd.ask('04')).toBe('3BFF');
    vpcd.send('01');
    expect(await vpcd.ask(SELECT_PSE)).toBe('6F00');
    expect(events.filter((e) => e.kind === 'misuse').map((e) => (e as { detail: string }).detail)).toEqual([
      expect.stringMatching(/^the card does not start: the inserted card does not answer \(ATR byte 2/),
      'a command APDU to an unpowered card',
    ]);
  });

  it('pulled out at a command: no answer, the connection closes (vpcd then reports the card gone)', async () => {
    const { vpcd, card } = await setUp();
    vpcd.send('01');
    card.slot.pullOutAtCommand(1);
    vpcd.send(SELECT_PSE);
    await vpcd.ended;
    expect(await card.closed).toEqual({ reason: 'removed', detail: 'the card left the slot' });
    expect(card.connected).toBe(false);
  });

  it('remove() closes the connection; vpcd closing it ends the card with reason vpcd', async () => {
    const a = await setUp();
    await a.card.remove();
    await a.vpcd.ended;
    expect(await a.card.closed).toEqual({ reason: 'removed', detail: 'the card was taken out' });
    const b = await setUp();
    b.vpcd.closeClient();
    expect((await b.card.closed).reason).toBe('vpcd');
  });

  it('nothing listening: VpcdError naming the address and what to check', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    await vpcd.close();
    const err = await VpcdCard.connect(createChipCard('chip-ok'), { port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VpcdError);
    expect((err as Error).message).toBe(`vpcd at 127.0.0.1:${port}: connection refused (is pcscd running with the vsmartcard-vpcd driver?)`);
    await expect(VpcdCard.connect(createChipCard('chip-ok'), { port: 70000 })).rejects.toThrow(/vpcd port must be 1-65535/);
  });
});
