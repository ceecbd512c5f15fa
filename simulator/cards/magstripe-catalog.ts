/**
 * Magnetic stripes of the catalog (CONTRACT.md: `magstripe-ok`), and the stripe a chip card
 * carries: tracks 1 and 2 as ISO/IEC 7813 lays them out, from the host simulator's account
 * of the same id. The service code tells the terminal whether the card has a chip: 101 (no
 * chip, international, no restrictions) for the stripe-only card, 201 for chip cards.
 */
import type { CatalogItem, MagstripeCard } from './catalog.js';
import { hostAccount } from './host-account.js';

export interface StripeData {
  pan: string;
  /** YYMMDD or YYMM: the stripe carries YYMM. */
  expiry: string;
  serviceCode: string;
  cardholderName: string;
}

/**
 * Track 1 (format B) and track 2, start sentinel to end sentinel; the LRC is the reader's to
 * check (the emulator computes it when its reader passes it on).
 */
export function stripeOf(d: StripeData): MagstripeCard {
  const yymm = d.expiry.slice(0, 4);
  const discretionary = '0000012300000';
  return {
    track1: `%B${d.pan}^${d.cardholderName.padEnd(2, ' ')}^${yymm}${d.serviceCode}${discretionary}?`,
    track2: `;${d.pan}=${yymm}${d.serviceCode}${discretionary}?`,
  };
}

/** The stripe of the catalog's magstripe-only card. */
export function magstripeOk(): MagstripeCard {
  const a = hostAccount('magstripe-ok');
  return stripeOf({ pan: a.pan, expiry: a.expiry, serviceCode: '101', cardholderName: 'TEST/MAGSTRIPE' });
}

export const MAGSTRIPE_CATALOG: readonly CatalogItem[] = [
  {
    entry: {
      id: 'magstripe-ok',
      brand: 'UnionPay',
      technologies: ['magstripe'],
      pinHint: '1234',
      note: 'Magnetic stripe only (swipe): tracks 1 and 2, service code 101 (no chip), so the terminal accepts the swipe; online PIN at the host, which approves.',
    },
    magstripe: magstripeOk,
  },
];
