/**
 * The virtual contact cards at APDU level (T=1 view, no slot): offline PIN (GET CHALLENGE,
 * VERIFY plaintext and enciphered, the PIN Try Counter), the directory tree with DDFs, and
 * the catalog's contact cards as accounts of the host simulator.
 */
import { constants, publicEncrypt, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { catalogEntries, createChipCard } from '../../../simulator/cards/catalog.js';
import { ContactChipCard } from '../../../simulator/cards/contact-card.js';
import { contactCardDescription, type ContactCatalogId } from '../../../simulator/cards/contact-catalog.js';
import { iccKey } from '../../../simulator/cards/test-keys.js';
import { AccountBook, loadDefaultAccounts } from '../../../simulator/host/accounts.js';
import { decodeTlv, findPath } from '../../../src/emv/tlv.js';
import { fromHex, toHex } from '../../../src/hex.js';

const sw = (r: Uint8Array) => toHex(r.subarray(r.length - 2));
const data = (r: Uint8Array) => r.subarray(0, r.length - 2);
const send = (card: ContactChipCard, hex: string) => card.transceive(fromHex(hex.replace(/\s/g, '')));
const SELECT_MC = '00A4040007A000000004101000';
const PTC = '80CA9F1700';

/** VERIFY with a plaintext offline PIN block: 2, length, digits, F filler. */
const plain = (pin: string) => `0020008008${`2${pin.length.toString(16)}${pin}`.padEnd(16, 'F')}`;

/** The enciphered PIN of Book 2 7.2 under the card's PIN key, with this challenge. */
function enciphered(pin: string, challenge: Uint8Array): string {
  const k = iccKey('pin-chip-offlinepin');
  const block = Buffer.alloc(k.modulus.length, 0x55);
  block[0] = 0x7f;
  block.set(fromHex(`2${pin.length.toString(16)}${pin}`.padEnd(16, 'F')), 1);
  block.set(challenge, 9);
  const pub = createPublicKey({ key: { kty: 'RSA', n: Buffer.from(k.modulus).toString('base64url'), e: Buffer.from(k.exponent).toString('base64url') }, format: 'jwk' });
  const out = publicEncrypt({ key: pub, padding: constants.RSA_NO_PADDING }, block);
  return `00200088${out.length.toString(16).padStart(2, '0')}${toHex(out)}`;
}

function offlinePinCard(): ContactChipCard {
  const c = new ContactChipCard(contactCardDescription('chip-offlinepin'));
  expect(sw(send(c, SELECT_MC))).toBe('9000');
  return c;
}

describe('offline PIN on the card (Book 3 6.5.6, 6.5.12)', () => {
  it('the PIN Try Counter counts wrong plaintext PINs down (63Cx), a right one sets it back, at 0 VERIFY answers 6983', () => {
    const c = offlinePinCard();
    expect(toHex(send(c, PTC))).toBe('9F1701039000');
    expect(sw(send(c, plain('9999')))).toBe('63C2');
    expect(toHex(send(c, PTC))).toBe('9F1701029000');
    expect(sw(send(c, plain('1234')))).toBe('9000');
    expect(c.pinTriesLeft()).toBe(3);
    expect(sw(send(c, plain('0000')))).toBe('63C2');
    expect(sw(send(c, plain('0000')))).toBe('63C1');
    expect(sw(send(c, plain('0000')))).toBe('63C0');
    expect(sw(send(c, plain('1234')))).toBe('6983'); // blocked: the right PIN no longer helps
    expect(toHex(send(c, PTC))).toBe('9F1701009000');
  });

  it('a block that is not format 2 counts as a wrong PIN; a VERIFY of the wrong length or P2 is refused without a try', () => {
    const c = offlinePinCard();
    expect(sw(send(c, '0020008008 141234FFFFFFFFFF'))).toBe('63C2'); // control field 1, not 2
    expect(sw(send(c, '0020008008 241234FFFFFFFF00'))).toBe('63C1'); // filler not F
    expect(sw(send(c, '0020008004 241234FF'))).toBe('6700');
    expect(sw(send(c, '0020008108 241234FFFFFFFFFF'))).toBe('6A86');
    expect(c.pinTriesLeft()).toBe(1);
  });

  it('GET CHALLENGE gives 8 bytes, new each time; the enciphered PIN must carry the last one, once', () => {
    const c = offlinePinCard();
    const r1 = send(c, '0084000008');
    const r2 = send(c, '0084000008');
    expect(sw(r1)).toBe('9000');
    expect(data(r1).length).toBe(8);
    expect(toHex(data(r1))).not.toBe(toHex(data(r2)));
    expect(sw(send(c, enciphered('1234', data(r1))))).toBe('63C2'); // the earlier challenge: wrong
    const r3 = send(c, '0084000008');
    const right = enciphered('1234', data(r3));
    expect(sw(send(c, right))).toBe('9000');
    expect(sw(send(c, right))).toBe('6985'); // the challenge was used: GET CHALLENGE first
    expect(c.pinTriesLeft()).toBe(3);
  });

  it('a card without offline PIN: GET CHALLENGE and VERIFY are not supported, GET DATA 9F17 finds nothing', () => {
    const c = new ContactChipCard(contactCardDescription('chip-ok'));
    expect(sw(send(c, '0084000008'))).toBe('6985'); // nothing selected
    send(c, '00A4040007A000000003101000');
    expect(sw(send(c, '0084000008'))).toBe('6D00');
    expect(sw(send(c, plain('1234')))).toBe('6D00');
    expect(sw(send(c, PTC))).toBe('6A88');
  });

  it('the PIN key certificate (9F2D, 9F2E, 9F2F) is in SFI 2 record 3, which the AFL names', () => {
    const c = offlinePinCard();
    const gpo = data(send(c, '80A8000002830000'));
    expect(toHex(gpo).slice(-16)).toBe('0801010110010300'); // AFL: SFI 1 record 1 (signed), SFI 2 records 1-3
    const rec = decodeTlv(data(send(c, '00B2031400')))[0]!.children!;
    expect(rec.map((t) => t.tag.toString(16).toUpperCase())).toEqual(['9F2D', '9F2E', '9F2F']);
    expect(rec[0]!.value.length).toBe(144); // signed by the 1152-bit issuer key
  });
});

describe('the directory tree', () => {
  const DDF = toHex(Uint8Array.from(Buffer.from('1PAY.SYS.DDF02', 'ascii')));

  it('a DDF answers SELECT with an FCI naming its own directory SFI; its records list its entries', () => {
    const d = contactCardDescription('chip-ok');
    d.directory = [[{ ddf: { name: DDF, records: [[{ application: 0 }]] } }]];
    const c = new ContactChipCard(d);
    send(c, '00A404000E315041592E5359532E444446303100');
    const pseRecord = decodeTlv(data(send(c, '00B2010C00')));
    expect(toHex(findPath(pseRecord, 0x70, 0x61, 0x9d)!.value)).toBe(DDF);
    expect(sw(send(c, '00B2011400'))).toBe('6A82'); // the PSE has no SFI 2
    const fci = decodeTlv(data(send(c, `00A404000E${DDF}00`)));
    expect(toHex(findPath(fci, 0x6f, 0xa5, 0x88)!.value)).toBe('02');
    const ddfRecord = decodeTlv(data(send(c, '00B2011400')));
    expect(toHex(findPath(ddfRecord, 0x70, 0x61, 0x4f)!.value)).toBe('A0000000031010');
    expect(sw(send(c, '00B2021400'))).toBe('6A83');
  });

  it('a directory naming an application the card does not have is a mistake in the description', () => {
    const d = contactCardDescription('chip-ok');
    d.directory = [[{ application: 3 }]];
    expect(() => new ContactChipCard(d)).toThrow(/application 3/);
  });
});

describe('the catalog\'s contact cards', () => {
  it('each application is an account of the host simulator (PAN, PSN, expiry, IMK)', () => {
    const book = new AccountBook(loadDefaultAccounts());
    const ids = catalogEntries().filter((e) => e.technologies.includes('chip')).map((e) => e.id);
    expect(ids).toEqual(['chip-ok', 'chip-offlinepin']);
    for (const id of ids) {
      expect(createChipCard(id)).toBeInstanceOf(ContactChipCard);
      for (const a of contactCardDescription(id as ContactCatalogId).applications) {
        const account = book.account(a.pan)!;
        expect(account, id).toBeDefined();
        expect(account.id).toBe(id);
        expect([a.psn, a.expiry.slice(0, 4), a.imk]).toEqual([account.psn, account.expiry, account.imk]);
      }
    }
  });
});
