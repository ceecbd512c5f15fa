/**
 * The virtual cards at APDU level: they answer like cards (status words, never a throw),
 * their ATC counts, and they are the accounts of the acquirer and issuer simulator, which
 * verifies every cryptogram from field 55 alone.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/hex.js';
import { encodeTlv, decodeTlv } from '../../../src/emv/tlv.js';
import { catalogEntries, catalogItem, cardDescription, createContactlessCard, registerCatalogItem } from '../../../simulator/cards/catalog.js';
import { AccountBook, loadDefaultAccounts } from '../../../simulator/host/accounts.js';
import { checkCryptogram } from '../../../simulator/host/arqc.js';
import { offlineConfig, run } from '../../emv/helpers/kernel-harness.js';

const sw = (r: Uint8Array) => toHex(r.subarray(r.length - 2));

describe('the catalog', () => {
  it('lists the cards of CONTRACT.md, each as /api/cards shows it', () => {
    const entries = catalogEntries();
    const ids = entries.map((e) => e.id);
    for (const id of ['visa-ok', 'mc-ok', 'unionpay-ok', 'visa-nsf', 'visa-expired', 'visa-blocked', 'mc-wrongpin', 'two-apps', 'chip-ok', 'magstripe-ok']) expect(ids).toContain(id);
    for (const e of entries) {
      expect(Object.keys(e).sort()).toEqual(e.pinHint ? ['brand', 'id', 'note', 'pinHint', 'technologies'] : ['brand', 'id', 'note', 'technologies']);
      expect(e.note.length).toBeGreaterThan(20);
    }
    expect(entries.filter((e) => e.technologies.includes('contactless')).map((e) => e.id)).toEqual(['visa-ok', 'mc-ok', 'unionpay-ok', 'visa-nsf', 'visa-expired', 'visa-blocked', 'mc-wrongpin', 'two-apps', 'amex-ok']);
    expect(entries.find((e) => e.id === 'chip-ok')?.technologies).toEqual(['chip', 'magstripe']);
    expect(entries.find((e) => e.id === 'chip-offlinepin')).toMatchObject({ brand: 'Mastercard', technologies: ['chip', 'magstripe'], pinHint: '1234' });
    expect(entries.find((e) => e.id === 'amex-ok')).toMatchObject({ brand: 'American Express', technologies: ['contactless'], pinHint: '1234' });
    expect(entries.find((e) => e.id === 'magstripe-ok')?.technologies).toEqual(['magstripe']);
    expect(entries.find((e) => e.id === 'unionpay-ok')?.pinHint).toBe('1234');
  });

  it('every application of every card is an account of the host simulator (PAN, PSN, expiry)', () => {
    const book = new AccountBook(loadDefaultAccounts());
    for (const { id } of catalogEntries().filter((e) => e.technologies.includes('contactless'))) {
      for (const a of cardDescription(id).applications) {
        const account = book.account(a.pan);
        expect(account, `${id} ${a.aid}`).toBeDefined();
        expect(a.psn).toBe(account!.psn);
        expect(a.expiry.slice(0, 4)).toBe(account!.expiry);
        expect(a.imk).toBe(account!.imk);
      }
    }
    expect(book.account(cardDescription('visa-nsf').applications[0]!.pan)?.balance).toBe(0);
  });

  it('is open for other technologies, and refuses what it does not have', () => {
    registerCatalogItem({
      entry: { id: 'stripe-test', brand: 'Visa', technologies: ['magstripe'], pinHint: '1234', note: 'test entry' },
      magstripe: () => ({ track2: ';6212345678901257=30122011234500000000?' }),
    });
    expect(catalogItem('stripe-test')?.magstripe?.().track2).toMatch(/^;6212/);
    expect(() => createContactlessCard('stripe-test')).toThrow(/no contactless interface/);
    expect(() => createContactlessCard('no-such-card')).toThrow(ValidationError);
  });
});

describe('a virtual card at APDU level', () => {
  it('answers what a card answers to commands out of place or unknown', () => {
    const card = createContactlessCard('mc-ok');
    expect(sw(card.transceive(fromHex('80A8000002830000')))).toBe('6985'); // GPO before SELECT
    expect(sw(card.transceive(fromHex('00A4040007A000000003101000')))).toBe('6A82'); // not on this card
    expect(sw(card.transceive(fromHex('00A4040007A000000004101000')))).toBe('9000');
    expect(sw(card.transceive(fromHex('80AE8000020000')))).toBe('6985'); // GENERATE AC before GPO
    expect(sw(card.transceive(fromHex('80A800000483021234')))).toBe('6700'); // PDOL data where none is asked
    expect(sw(card.transceive(fromHex('80A8000002830000')))).toBe('9000');
    expect(sw(card.transceive(fromHex('80AE8000020000')))).toBe('6700'); // CDOL1 data of the wrong length
    expect(sw(card.transceive(fromHex('00B2091400')))).toBe('6A83');
    expect(sw(card.transceive(fromHex('00B2010D00')))).toBe('6A86');
    expect(sw(card.transceive(fromHex('80CA9F3600')))).toBe('9000');
    expect(sw(card.transceive(fromHex('00840000')))).toBe('6D00');
    expect(sw(card.transceive(fromHex('A0A4040000')))).toBe('6E00');
    expect(sw(card.transceive(fromHex('00')))).toBe('6700');
    expect(card.log.length).toBe(13);
  });

  it('a blocked application answers SELECT with 6A81 (Book 1 12.4); the PPSE still lists it', () => {
    const card = createContactlessCard('visa-blocked');
    expect(sw(card.transceive(fromHex('00A404000E325041592E5359532E444446303100')))).toBe('9000');
    expect(toHex(card.transceive(fromHex('00A4040007A000000003101000')))).toBe('6A81');
  });

  it('counts its ATC up at every GPO', async () => {
    const card = createContactlessCard('mc-ok');
    await run(card, 100);
    await run(card, 100);
    expect(card.atcs()).toEqual([0x12]);
  });
});

describe('the host simulator verifies the cryptogram from field 55 alone', () => {
  const book = new AccountBook(loadDefaultAccounts());

  it.each(catalogEntries().filter((e) => e.technologies.includes('contactless')).map((e) => e.id).filter((id) => id !== 'visa-blocked'))('%s', async (id) => {
    for (const offline of [false, true]) {
      const { result } = await run(createContactlessCard(id), 100, offline ? offlineConfig() : undefined);
      const account = book.account(result.sensitive!.pan)!;
      const check = checkCryptogram(result.iccData, account);
      if (result.cryptogram!.type === 'ARQC') {
        expect(check.kind, `${id} offline=${offline}`).toBe('ok');
        // Any change to the data the issuer receives breaks it.
        const tampered = encodeTlv(decodeTlv(result.iccData).map((t) => (t.tag === 0x9f02 ? { tag: t.tag, value: fromHex('000000000101') } : t)));
        expect(checkCryptogram(tampered, account).kind).toBe('bad');
      } else {
        // The host checks ARQCs only; a TC is over the same data with the same key, which
        // shows once its CID is read as an ARQC's.
        expect(result.cryptogram!.type).toBe('TC');
        expect(check.kind).toBe('none');
        const asArqc = encodeTlv(decodeTlv(result.iccData).map((t) => (t.tag === 0x9f27 ? { tag: t.tag, value: Uint8Array.of(0x80) } : t)));
        expect(checkCryptogram(asArqc, account).kind).toBe('ok');
      }
    }
  });
});
