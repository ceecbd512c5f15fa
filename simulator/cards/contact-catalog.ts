/**
 * The contact chip cards of the catalog (CONTRACT.md: `chip-ok`; and `chip-offlinepin`, a
 * card that checks the PIN itself), described from the host simulator's account of the same
 * id so the acquirer simulator verifies their ARQCs and approves, and a stripe for each, as
 * a chip card carries one (service code 201).
 */
import type { ContactCardDescription } from './contact-description.js';
import { ContactChipCard } from './contact-card.js';
import { expiryDate, hostAccount } from './host-account.js';
import type { CatalogItem } from './catalog.js';
import { stripeOf } from './magstripe-catalog.js';

/**
 * EMV basic ATR for T=0 (EMV Contact Interface Specification 8.3: TS 3B, T0 with TB1 and
 * TC1, TB1 00 no programming voltage, TC1 00 no extra guard time), then five historical bytes.
 */
export const T0_ATR = '3B65000080318065B0';

/** ATR bytes with their check byte TCK (ISO/IEC 7816-3 8.2.5: T0 to TCK XOR to zero). */
function withTck(hexWithoutTck: string): string {
  const bytes = Buffer.from(hexWithoutTck, 'hex');
  let x = 0;
  for (const b of bytes.subarray(1)) x ^= b;
  return hexWithoutTck + x.toString(16).padStart(2, '0').toUpperCase();
}

export type ContactCatalogId = 'chip-ok' | 'chip-offlinepin';

/** The description of a catalog contact card, fresh: tests may change it. */
export function contactCardDescription(id: ContactCatalogId): ContactCardDescription {
  return id === 'chip-ok' ? chipOk() : chipOfflinePin();
}

function chipOk(): ContactCardDescription {
  const id = 'chip-ok';
  const a = hostAccount(id);
  return {
    id,
    brand: 'Visa',
    atr: T0_ATR,
    pse: true,
    applications: [
      {
        aid: 'A0000000031010',
        label: 'VISA CREDIT',
        priority: 1,
        pan: a.pan,
        psn: a.psn,
        expiry: expiryDate(a),
        effective: '200101',
        issuerCountry: 156,
        currency: Number(a.currency),
        serviceCode: '201',
        cardholderName: 'TEST/CHIP',
        imk: a.imk,
        issuerKey: 'visa-issuer',
        iccKey: 'icc-chip-ok',
        oda: 'DDA',
        issuerAuthentication: 'in-cdol2',
        // Online PIN if the terminal has it (apply the next rule on failure), else
        // signature, else no CVM: amounts X and Y zero.
        cvmList: '000000000000000042031E031F03',
        iac: { default: 'B450840000', denial: '0000000000', online: 'B470848000' },
        appVersion: '008C',
        velocity: { lower: 5, upper: 10 },
        offlineLimit: 0,
        atc: 0x0020,
      },
    ],
  };
}

/**
 * A Mastercard contact card whose CVM is the enciphered PIN the card checks itself (Book 3
 * 10.5.1), under an ICC PIN Encipherment key of its own (9F2D, Book 2 7.1); PIN 1234, three
 * tries. CVM list: enciphered offline PIN where the terminal supports it, failing CVM
 * processing when it fails (b7 clear); else signature; else no CVM. Its IAC-Denial holds
 * "PIN Try Limit exceeded": with the PIN blocked it declines (AAC) at the first GENERATE AC.
 */
function chipOfflinePin(): ContactCardDescription {
  const id = 'chip-offlinepin';
  const a = hostAccount(id);
  return {
    id,
    brand: 'Mastercard',
    atr: T0_ATR,
    pse: true,
    applications: [
      {
        aid: 'A0000000041010',
        label: 'MASTERCARD',
        priority: 1,
        pan: a.pan,
        psn: a.psn,
        expiry: expiryDate(a),
        effective: '200101',
        issuerCountry: 156,
        currency: Number(a.currency),
        serviceCode: '201',
        cardholderName: 'TEST/OFFLINE PIN',
        imk: a.imk,
        issuerKey: 'mastercard-issuer',
        iccKey: 'icc-chip-offlinepin',
        oda: 'CDA',
        issuerAuthentication: 'in-cdol2',
        cvmList: '000000000000000004031E031F03',
        iac: { default: 'B450840000', denial: '0000200000', online: 'B470848000' },
        appVersion: '0002',
        offlineLimit: 0,
        atc: 0x0040,
        offlinePin: { pin: '1234', tryLimit: 3, pinKey: 'pin-chip-offlinepin' },
      },
    ],
  };
}

/**
 * The same card speaking T=1 (EMV basic ATR for T=1): TD1 81 and TD2 31 (T=1), TA3 FE
 * (IFSC 254), TB3 45 (BWI 4, CWI 5), the historical bytes, then TCK.
 */
export const T1_ATR = withTck('3BE500008131FE4580318065B0');

export const CONTACT_CATALOG: readonly CatalogItem[] = [
  {
    entry: {
      id: 'chip-ok',
      brand: 'Visa',
      technologies: ['chip', 'magstripe'],
      pinHint: '1234',
      note: 'Visa contact chip (insert), T=0: PSE, DDA, online PIN from its CVM list, ARQC; the card checks the issuer\'s ARPC inside the second GENERATE AC and gives a TC: approved. Its stripe says service code 201: swiped, the terminal sends it to the chip reader unless fallback is allowed.',
    },
    chip: () => new ContactChipCard(contactCardDescription('chip-ok')),
    magstripe: () => stripeOf(contactCardDescription('chip-ok').applications[0]!),
  },
  {
    entry: {
      id: 'chip-offlinepin',
      brand: 'Mastercard',
      technologies: ['chip', 'magstripe'],
      pinHint: '1234',
      note: 'Mastercard contact chip (insert), T=0: PSE, CDA; the card checks the PIN itself (offline enciphered PIN, its own PIN encipherment key): a wrong PIN says the tries left (3), the third wrong one blocks it and the card then declines (AAC). Right PIN: ARQC, approved online.',
    },
    chip: () => new ContactChipCard(contactCardDescription('chip-offlinepin')),
    magstripe: () => stripeOf(contactCardDescription('chip-offlinepin').applications[0]!),
  },
];
