import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { Pn532CardReader } from '../../../src/hal/pn532/card-reader.js';
import { Pn532HsuLink } from '../../../src/hal/pn532/hsu-link.js';
import { Pn532 } from '../../../src/hal/pn532/pn532.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { Pn532Emulator } from '../../../simulator/devices/pn532/emulator.js';
import { SerialLinkDevicePort } from '../../../simulator/devices/pn532/serial-bridge.js';
import { testCard, testCards } from '../../../simulator/devices/pn532/test-cards.js';
import { createSerialPair } from '../../../simulator/ports/serial-pair.js';
import { VirtualClock } from '../../../simulator/ports/virtual-clock.js';
import { drive } from '../../hal/pn532/harness.js';

/**
 * The bridge `pos emulate` puts between a SerialLink and the emulator, tried on the
 * in-memory pair (read-based, like LinuxSerialLink) with the real driver at the other end;
 * and the named test cards `--card` offers.
 */

function bridged() {
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock, { paths: ['sim:host', 'sim:pn532'] });
  const port = new SerialLinkDevicePort(device, { idleReadMs: 1000 });
  const emu = new Pn532Emulator({ clock });
  emu.connectSerial(port);
  return { clock, host, device, port, emu };
}

const SELECT = fromHex('00A4040007A000000003101000');

describe('SerialLinkDevicePort', () => {
  it('carries the driver\'s whole dialog to the emulator and back, idle reads and all', async () => {
    const b = bridged();
    const pn = await drive(b.clock, Pn532.open({ link: new Pn532HsuLink(b.host), clock: b.clock }));
    expect(pn.firmware.ic).toBe(0x32);
    // Quiet for a while: the read loop times out and reads again, losing nothing.
    await b.clock.advance(5000);
    b.emu.placeCard(testCard('iso-dep-a'));
    const reader = new Pn532CardReader(pn, { clock: b.clock });
    const s = await drive(b.clock, reader.poll({ signal: new AbortController().signal }));
    expect(toHex(s.uid)).toBe('04A1B2C3D4E5F6');
    expect(toHex(await drive(b.clock, s.transmit(SELECT)))).toBe('6A82');
    expect(b.emu.misuse).toEqual([]);
    const wire = (chunks: Uint8Array[]) => chunks.reduce((n, c) => n + c.length, 0);
    expect(b.port.counts).toEqual({ in: wire(b.host.written), out: wire(b.device.written) });
  });

  it('ends its read loop when the link closes, with no failure to report', async () => {
    const b = bridged();
    await b.clock.advance(10);
    await b.port.close();
    await b.port.ended;
    expect(b.port.failure).toBeNull();
    expect(b.device.isOpen).toBe(false);
  });

  it('closes cleanly even when nobody ever listened', async () => {
    const clock = new VirtualClock();
    const [, device] = createSerialPair(clock);
    const port = new SerialLinkDevicePort(device);
    await port.close();
    await port.ended;
    expect(port.failure).toBeNull();
  });

  it('keeps writes in order without overlapping them', async () => {
    const clock = new VirtualClock();
    const [host, device] = createSerialPair(clock, { timing: true });
    const port = new SerialLinkDevicePort(device);
    const got: string[] = [];
    host.onData((d) => got.push(toHex(d)));
    const writes = [port.write(fromHex('0102')), port.write(fromHex('03')), port.write(fromHex('0405'))];
    await clock.advance(10);
    await Promise.all(writes);
    expect(got).toEqual(['0102', '03', '0405']);
  });
});

describe('the test cards of `pos emulate --card`', () => {
  it('each is a card the emulator accepts and a reader activates', async () => {
    for (const info of testCards()) {
      const b = bridged();
      const pn = await drive(b.clock, Pn532.open({ link: new Pn532HsuLink(b.host), clock: b.clock }));
      const card = info.make();
      b.emu.placeCard(card);
      const s = await drive(b.clock, new Pn532CardReader(pn, { clock: b.clock }).poll({ signal: new AbortController().signal }));
      expect({ id: info.id, type: s.type, uid: toHex(s.uid) }).toEqual({ id: info.id, type: card.type, uid: toHex(card.uid) });
      expect(info.note).toContain(card.type === 'A' ? 'type A' : 'type B');
    }
  });

  it('iso-dep-a knows no application: SELECT answers 6A82, other instructions 6D00', () => {
    const c = testCard('iso-dep-a');
    expect(toHex(c.transceive(SELECT))).toBe('6A82');
    expect(toHex(c.transceive(fromHex('80A8000002830000')))).toBe('6D00');
    expect(toHex(c.transceive(fromHex('00')))).toBe('6D00');
  });

  it('uid-only has no ISO-DEP: no ATS, SAK 00, and it never answers an APDU', () => {
    const c = testCard('uid-only');
    expect(c.ats).toBeUndefined();
    expect(() => c.transceive(SELECT)).toThrow();
  });

  it('echo-a answers with the command and 9000; each call makes a new card', () => {
    expect(toHex(testCard('echo-a').transceive(fromHex('00B0000004')))).toBe('00B00000049000');
    expect(testCard('echo-a')).not.toBe(testCard('echo-a'));
  });

  it('an unknown id is a ValidationError that lists the ids there are', () => {
    const e = (() => {
      try {
        testCard('visa-ok');
      } catch (x) {
        return x;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).code).toBe('UNKNOWN_CARD');
    expect((e as ValidationError).message).toBe("unknown card 'visa-ok' (test cards: iso-dep-a, iso-dep-a4, iso-dep-b, uid-only, echo-a)");
  });
});
