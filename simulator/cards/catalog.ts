/**
 * The virtual card catalog of the simulator: what GET /api/cards lists and POST /api/card
 * presents (CONTRACT.md, "The virtual card catalog must hold at least"). Each item carries
 * its public entry and a factory per technology.
 *
 * The issuer's view of each card (PAN, PAN sequence number, expiry, IMK, PIN, balance, how
 * it answers) is the acquirer and issuer simulator's: simulator/host/accounts.json, by
 * account id. The virtual cards take their PAN, PSN, expiry and issuer master key from
 * there, so the host verifies their cryptograms and answers 51, 54, 55 and 75 as its
 * accounts say.
 *
 * Contactless cards are here. Contact chip (chip-ok, contact-catalog.ts) and magstripe
 * (magstripe-ok, magstripe-catalog.ts) cards come from their own modules and are
 * registered below with the others, with the `chip` and `magstripe` factories typed here.
 */
import { ValidationError } from '../../src/errors.js';
import { CONTACT_CATALOG } from './contact-catalog.js';
import { expiryDate, hostAccount } from './host-account.js';
import { MAGSTRIPE_CATALOG } from './magstripe-catalog.js';
import type { ApplicationDescription, CardDescription } from './card-description.js';
import { VirtualCard } from './virtual-card.js';

export type Technology = 'contactless' | 'chip' | 'magstripe';

/** What /api/cards lists, one object a card. */
export interface CatalogEntry {
  id: string;
  brand: string;
  technologies: Technology[];
  /** The PIN the issuer accepts, for whoever presents the card. */
  pinHint?: string;
  note: string;
}

/** A contact chip card, for the contact slot emulator (simulator/devices/contact-slot). */
export interface ChipCard {
  /** The Answer to Reset (ISO/IEC 7816-3 8); an empty one is a mute card. */
  atr: Uint8Array;
  /** The card's answer to a whole C-APDU, status word included (the T=1 view). */
  transceive(apdu: Uint8Array): Uint8Array;
  /** Power-on: the card forgets its selection and the transaction under way. */
  reset?(): void;
}

/**
 * A magnetic stripe, as the swipe reader's emulator reads it: each track from its start
 * sentinel to its end sentinel ('%B...?', ';...?'), without the LRC.
 */
export interface MagstripeCard {
  track1?: string;
  track2: string;
}

export interface CatalogItem {
  entry: CatalogEntry;
  contactless?: () => VirtualCard;
  chip?: () => ChipCard;
  magstripe?: () => MagstripeCard;
}

export { hostAccount };

type Own = Partial<ApplicationDescription> & Pick<ApplicationDescription, 'iccKey'>;

/** An application on the account `account` of the host simulator, Visa qVSDC unless told otherwise. */
function app(account: string, o: Own): ApplicationDescription {
  const a = hostAccount(account);
  return {
    aid: 'A0000000031010',
    label: 'VISA CREDIT',
    priority: 1,
    profile: 'qvsdc',
    pan: a.pan,
    psn: a.psn,
    expiry: expiryDate(a),
    effective: '200101',
    issuerCountry: 156,
    currency: Number(a.currency),
    serviceCode: '201',
    cardholderName: 'TEST/CARD',
    imk: a.imk,
    issuerKey: 'visa-issuer',
    cvm: 'online-pin-above-limit',
    offlineLimit: 5000,
    atc: 0x0010,
    ...o,
  };
}

const UNIONPAY: Partial<ApplicationDescription> = { aid: 'A000000333010101', label: 'PBOC DEBIT', issuerKey: 'unionpay-issuer' };
const MASTERCARD: Partial<ApplicationDescription> = { aid: 'A0000000041010', label: 'MASTERCARD', profile: 'mchip', issuerKey: 'mastercard-issuer' };
/** American Express Expresspay (Book C-4): M/Chip-like, CDA; online PIN at or above the CVM limit, else signature, else no CVM. */
const AMEX: Omit<Own, 'iccKey'> = {
  aid: 'A000000025010801',
  label: 'AMERICAN EXPRESS',
  profile: 'mchip',
  issuerKey: 'amex-issuer',
  cardholderName: 'TEST/AMEX',
  cvm: { cvmList: '000000000000000042031E031F03' },
  appVersion: '0001',
  iac: { default: 'B000000000', denial: '0000000000', online: 'B000008000' },
};

/** Whether a description can be made here (the host's accounts file has its accounts). */
function describe(id: string, brand: string, uid: string, apps: () => ApplicationDescription[]): [string, () => CardDescription] {
  return [id, () => ({ id, brand, uid, applications: apps() })];
}

const DESCRIPTIONS = new Map<string, () => CardDescription>([
  describe('visa-ok', 'Visa', '04A10000000001', () => [app('visa-ok', { iccKey: 'icc-visa-ok' })]),
  describe('mc-ok', 'Mastercard', '04A10000000002', () => [app('mc-ok', { ...MASTERCARD, iccKey: 'icc-mc-ok' })]),
  describe('unionpay-ok', 'UnionPay', '04A10000000003', () => [app('unionpay-ok', { ...UNIONPAY, iccKey: 'icc-unionpay-ok', cvm: 'online-pin-always' })]),
  describe('visa-nsf', 'Visa', '04A10000000004', () => [app('visa-nsf', { iccKey: 'icc-visa-nsf' })]),
  describe('visa-expired', 'Visa', '04A10000000005', () => [app('visa-expired', { iccKey: 'icc-visa-expired' })]),
  describe('visa-blocked', 'Visa', '04A10000000006', () => [app('visa-blocked', { iccKey: 'icc-visa-ok', blocked: true })]),
  describe('mc-wrongpin', 'Mastercard', '04A10000000007', () => [app('mc-wrongpin', { ...MASTERCARD, iccKey: 'icc-mc-wrongpin' })]),
  describe('two-apps', 'Mastercard + UnionPay', '04A10000000008', () => [
    // Listed first in the PPSE but with the lower priority (2): the terminal must not take it.
    app('two-apps-debit', { ...UNIONPAY, iccKey: 'icc-two-apps-unionpay', priority: 2 }),
    app('two-apps-credit', { ...MASTERCARD, label: 'MC CREDIT', iccKey: 'icc-two-apps-visa', priority: 1 }),
  ]),
  describe('amex-ok', 'American Express', '04A1000000000A', () => [app('amex-ok', { ...AMEX, iccKey: 'icc-amex-ok' })]),
]);

/**
 * A card for Kernel 4 tests and the bench: American Express Expresspay (Book C-4), fixed
 * here so their scripts do not move with the host's accounts. The catalog's `amex-ok` is
 * the same card on the host simulator's account of that id (PAN 374245455400001, a public
 * Amex test PAN, and the same IMK), so the host approves it.
 */
export const AMEX_TEST_CARD: CardDescription = Object.freeze({
  id: 'amex-test',
  brand: 'American Express',
  uid: '04A10000000009',
  applications: [
    {
      aid: 'A000000025010801',
      label: 'AMERICAN EXPRESS',
      priority: 1,
      profile: 'mchip',
      pan: '374245455400001',
      psn: '00',
      expiry: '301231',
      effective: '200101',
      issuerCountry: 156,
      currency: 156,
      serviceCode: '201',
      cardholderName: 'TEST/AMEX',
      imk: 'AABBCCDDEEFF00112233445566778899',
      issuerKey: 'amex-issuer',
      iccKey: 'icc-amex-ok',
      cvm: { cvmList: '000000000000000042031E031F03' },
      offlineLimit: 5000,
      atc: 0x0010,
      appVersion: '0001',
      iac: { default: 'B000000000', denial: '0000000000', online: 'B000008000' },
    },
  ],
}) as CardDescription;

/** The description of a catalog card (or of 'amex-test'), fresh: tests may change it. */
export function cardDescription(id: string): CardDescription {
  if (id === AMEX_TEST_CARD.id) return structuredClone(AMEX_TEST_CARD);
  const make = DESCRIPTIONS.get(id);
  if (!make) throw new ValidationError(`no virtual card '${id}'`);
  return make();
}

/** The ids of the virtual contactless cards, catalog order, then the Kernel 4 test card. */
export const VIRTUAL_CARD_IDS: readonly string[] = Object.freeze([...DESCRIPTIONS.keys(), AMEX_TEST_CARD.id]);

const ITEMS = new Map<string, CatalogItem>();

/** Adds (or replaces) a card, e.g. the contact and magstripe cards of their own modules. */
export function registerCatalogItem(item: CatalogItem): void {
  if (!/^[a-z0-9-]+$/.test(item.entry.id)) throw new ValidationError(`catalog id '${item.entry.id}': lower case letters, digits and '-'`);
  ITEMS.set(item.entry.id, item);
}

function contactless(id: string, entry: Omit<CatalogEntry, 'id' | 'brand' | 'technologies'>): CatalogItem {
  return {
    entry: { id, brand: cardDescription(id).brand, technologies: ['contactless'], ...entry },
    contactless: () => new VirtualCard(cardDescription(id)),
  };
}

for (const item of [
  contactless('visa-ok', {
    pinHint: '1234',
    note: 'Visa qVSDC (Kernel 3): online (ARQC), approved; no CVM below the CVM limit, online PIN at or above it. Approves offline with fDDA up to 50.00 where the reader allows it.',
  }),
  contactless('mc-ok', {
    pinHint: '1234',
    note: 'Mastercard M/Chip (Kernel 2) with CDA: online (ARQC), approved; online PIN at or above the CVM limit (CVM list 42 03 1E 03 1F 03).',
  }),
  contactless('unionpay-ok', {
    pinHint: '1234',
    note: 'UnionPay QuickPass qPBOC (Kernel 7): online (ARQC), approved; the card asks for online PIN at any amount.',
  }),
  contactless('visa-nsf', { note: 'Visa qVSDC: the card goes online (ARQC); the issuer declines with 51, insufficient funds.' }),
  contactless('visa-expired', {
    note: 'Visa qVSDC, expired 2023-12-31. Online (Kernel 3 leaves expiry to the issuer), the issuer declines with 54; its ICC certificate expired with it, so an offline approval fails fDDA and goes online.',
  }),
  contactless('visa-blocked', { note: 'Visa: the application is blocked on the card; SELECT answers 6A81 and the kernel ends the application.' }),
  contactless('mc-wrongpin', {
    pinHint: '1234',
    note: 'Mastercard (Kernel 2): online PIN at or above the CVM limit (below it Kernel 2 asks for none); the issuer answers 55 to any PIN but 1234, and 75 from the third wrong one.',
  }),
  contactless('two-apps', {
    note: 'Co-badged card: UnionPay debit (priority 2, listed first in the PPSE) and Mastercard credit (priority 1); the terminal selects Mastercard, the higher priority.',
  }),
  contactless('amex-ok', {
    pinHint: '1234',
    note: 'American Express Expresspay (Kernel 4) with CDA: online (ARQC), approved; online PIN at or above the CVM limit (CVM list 42 03 1E 03 1F 03).',
  }),
  // The contact chip and magstripe cards come from their own modules.
  ...CONTACT_CATALOG,
  ...MAGSTRIPE_CATALOG,
]) {
  registerCatalogItem(item);
}

/** What /api/cards lists, in catalog order. */
export function catalogEntries(): CatalogEntry[] {
  return [...ITEMS.values()].map((i) => ({ ...i.entry, technologies: [...i.entry.technologies] }));
}

export function catalogItem(id: string): CatalogItem | undefined {
  return ITEMS.get(id);
}

/** A fresh contactless card of the catalog (its ATC starts where its description says). */
export function createContactlessCard(id: string): VirtualCard {
  const item = ITEMS.get(id);
  if (!item) throw new ValidationError(`no card '${id}' in the catalog (have: ${[...ITEMS.keys()].join(', ')})`);
  if (!item.contactless) throw new ValidationError(`card '${id}' has no contactless interface`);
  return item.contactless();
}

/** Any virtual contactless card: the catalog's, or the Kernel 4 test card. */
export function createVirtualCard(id: string): VirtualCard {
  return new VirtualCard(cardDescription(id));
}

function itemWith(id: string, technology: Technology): CatalogItem {
  const item = ITEMS.get(id);
  if (!item) throw new ValidationError(`no card '${id}' in the catalog (have: ${[...ITEMS.keys()].join(', ')})`);
  if (!item[technology]) throw new ValidationError(`card '${id}' has no ${technology === 'chip' ? 'contact chip' : technology} interface`);
  return item;
}

/** A fresh contact chip card of the catalog. */
export function createChipCard(id: string): ChipCard {
  return itemWith(id, 'chip').chip!();
}

/** The stripe of a catalog card. */
export function createMagstripeCard(id: string): MagstripeCard {
  return itemWith(id, 'magstripe').magstripe!();
}
