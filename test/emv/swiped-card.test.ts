/**
 * From the assembled tracks to what a sale goes on with: the service code rule (a chip card
 * swiped goes to the chip reader unless fallback is allowed), the PIN a swipe gets, the
 * tracks checked against each other, track 2 kept as tag 57's layout and never shown.
 */
import { describe, expect, it } from 'vitest';
import { createMagstripeCard } from '../../simulator/cards/catalog.js';
import { TrackError } from '../../src/emv/errors.js';
import { readSwipedCard } from '../../src/emv/swiped-card.js';
import { toHex } from '../../src/hex.js';

const MAGSTRIPE_OK = createMagstripeCard('magstripe-ok');
const CHIP_OK = createMagstripeCard('chip-ok');

describe('readSwipedCard', () => {
  it('magstripe-ok (service code 101, no chip): proceed, online PIN, track 2 as tag 57 layout', () => {
    const r = readSwipedCard(MAGSTRIPE_OK);
    expect(r.outcome).toBe('proceed');
    if (r.outcome !== 'proceed') return;
    expect(r.fallback).toBe(false);
    expect(r.maskedPan).toBe('621234******1257');
    expect(r.expiry).toBe('3012');
    expect(r.serviceCode.code).toBe('101');
    expect(r.serviceCode.chip).toBe(false);
    expect(r.name).toBe('TEST/MAGSTRIPE');
    expect(r.cvm).toBe('online-pin');
    expect(r.sensitive.pan).toBe('6212345678901257');
    expect(toHex(r.sensitive.track2!)).toBe('6212345678901257D30121010000012300000F');
    expect(JSON.stringify(r)).not.toContain('6212345678901257');
  });

  it('chip-ok swiped (service code 201) at a terminal with a chip reader: use the chip', () => {
    const r = readSwipedCard(CHIP_OK);
    expect(r).toEqual({ outcome: 'use-chip', reason: 'service code 201: the card has a chip; insert or tap it', maskedPan: '476173******0052', serviceCode: '201' });
  });

  it('chip-ok swiped after its chip failed, where the acquirer allows fallback: proceed, marked fallback', () => {
    const r = readSwipedCard(CHIP_OK, { fallbackAllowed: true });
    expect(r.outcome === 'proceed' && r.fallback).toBe(true);
  });

  it('a chip card at a terminal without a chip reader proceeds as a stripe', () => {
    const r = readSwipedCard(CHIP_OK, { chipReader: false });
    expect(r.outcome === 'proceed' && !r.fallback).toBe(true);
  });

  it('PIN by the service code: 101 asks for none (signature), x06 and x00 for PIN', () => {
    expect(readSwipedCard(MAGSTRIPE_OK, { pin: 'service-code' })).toMatchObject({ cvm: 'signature' });
    const t2 = MAGSTRIPE_OK.track2.replace('=3012101', '=3012106');
    expect(readSwipedCard({ track2: t2 }, { pin: 'service-code' })).toMatchObject({ cvm: 'online-pin' });
  });

  it('track 1 misread: ignored, the name is lost; tracks that disagree: TrackError', () => {
    const r = readSwipedCard({ track1: '%B6212?', track2: MAGSTRIPE_OK.track2 });
    expect(r.outcome === 'proceed' && r.name).toBe(undefined);
    const other = CHIP_OK.track1!;
    expect(() => readSwipedCard({ track1: other, track2: MAGSTRIPE_OK.track2 })).toThrow(TrackError);
    expect(() => readSwipedCard({ track1: other, track2: MAGSTRIPE_OK.track2 })).toThrow(/disagree/);
  });

  it('a garbled track 2 is a TrackError naming a position, never the digits', () => {
    const bad = MAGSTRIPE_OK.track2.replace('62123', '62124');
    try {
      readSwipedCard({ track2: bad });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TrackError);
      expect((e as TrackError).code).toBe('TRACK_LUHN');
      expect((e as Error).message).not.toContain('6212');
    }
  });
});
