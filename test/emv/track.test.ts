import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/hex.js';
import { TrackError } from '../../src/emv/errors.js';
import {
  lrc,
  luhnValid,
  parseTrack,
  parseTrack1,
  parseTrack2,
  parseTrack2Equivalent,
  readServiceCode,
  swipeDecision,
} from '../../src/emv/track.js';
import * as S from './helpers/samples.js';

/**
 * Track samples are built for these tests by the layout of ISO/IEC 7813 around public test
 * PANs (4761739001010119, the Visa test card PAN in openemv/emv-utils' kernel C-3 tests;
 * 5555555555554444 and 4111111111111111, the usual brand test numbers). Their LRCs were
 * computed separately (a four-line Python XOR), not with the code under test.
 */
const PAN = '4761739001010119';
const T1 = `%B${PAN}^TEST/CARD 01              ^2212201000000000000000000000?`;
const T1_LRC = 'T';
const T2 = `;${PAN}=22122011758928889?`;
const T2_LRC = '8';

function fails(parse: () => unknown): TrackError {
  try {
    parse();
  } catch (e) {
    expect(e).toBeInstanceOf(TrackError);
    // Card data stays out of messages: no PAN, no run of digits that could be one.
    expect((e as Error).message).not.toMatch(/[0-9]{6,}/);
    return e as TrackError;
  }
  throw new Error('no error');
}

describe('track 1 (ISO/IEC 7813 format B)', () => {
  it('reads PAN, name, expiry, service code and discretionary data', () => {
    expect(parseTrack1(T1)).toEqual({
      track: 1,
      pan: PAN,
      name: 'TEST/CARD 01',
      expiry: '2212',
      serviceCode: '201',
      discretionary: '000000000000000000000',
    });
  });

  it('checks the LRC when it follows the end sentinel', () => {
    expect(lrc(T1, 1)).toBe(T1_LRC);
    expect(parseTrack1(T1 + T1_LRC).pan).toBe(PAN);
    const e = fails(() => parseTrack1(T1 + 'U'));
    expect(e.code).toBe('TRACK_LRC');
    expect(e.position).toBe(T1.length);
  });

  it('reads a track without sentinels, and a two-character name with a space (as Mastercard cards carry)', () => {
    const t = parseTrack1('B5555555555554444^ /^30121010000000000');
    expect(t.name).toBe(' /');
    expect(t.expiry).toBe('3012');
    expect(t.serviceCode).toBe('101');
    expect(t.discretionary).toBe('0000000000');
  });

  it.each([
    ['%A4761739001010119^A/B^2212201?', 'TRACK_FORMAT_CODE', 1],
    ['%B47617390010101X9^A/B^2212201?', 'TRACK_PAN', 2],
    ['%B47617390010^A/B^2212201?', 'TRACK_PAN_LENGTH', 2],
    ['%B4761739001010118^A/B^2212201?', 'TRACK_LUHN', 2],
    ['%B4761739001010119^A^2212201?', 'TRACK_NAME', 19],
    [`%B4761739001010119^${'N'.repeat(27)}^2212201?`, 'TRACK_NAME', 19],
    ['%B4761739001010119^A/B2212201?', 'TRACK_SEPARATOR', undefined],
    ['%B4761739001010119^A/B^22^1?', 'TRACK_SEPARATOR', undefined],
    ['%B4761739001010119^A/B^2213201?', 'TRACK_EXPIRY', 25],
    ['%B4761739001010119^A/B^2212?', 'TRACK_EXPIRY', 23],
    ['%B4761739001010119^A/B^2212201', 'TRACK_END_SENTINEL', 30],
    ['%B4761739001010119^A/B^2212201?XY', 'TRACK_TRAILING', 31],
    ['B4761739001010119^A/B^2212201?X', 'TRACK_LRC', 30],
    ['%B4761739001010119^a/b^2212201?', 'TRACK_CHARACTER', 19],
    ['%B4761739001010119^A?B^2212201?', 'TRACK_TRAILING', 21], // the first '?' ends the track
    [`%B4761739001010119^A/B^2212201${'0'.repeat(49)}?`, 'TRACK_TOO_LONG', undefined],
  ])('refuses %s: %s at %s', (text, code, position) => {
    const e = fails(() => parseTrack1(text));
    expect(e.code).toBe(code);
    expect(e.position).toBe(position);
  });
});

describe('track 2 (ISO/IEC 7813)', () => {
  it('reads PAN, expiry, service code and discretionary data, with and without sentinels', () => {
    const want = { track: 2, pan: PAN, expiry: '2212', serviceCode: '201', discretionary: '1758928889' };
    expect(parseTrack2(T2)).toEqual(want);
    expect(parseTrack2(T2.slice(1, -1))).toEqual(want);
    expect(lrc(T2, 2)).toBe(T2_LRC);
    expect(parseTrack2(T2 + T2_LRC)).toEqual(want);
    expect(parseTrack2(';4111111111111111=3012101?').discretionary).toBe('');
  });

  it.each([
    [';4761739001010119=2212201A?', 'TRACK_CHARACTER', 25],
    [';4761739001010119D2212201?', 'TRACK_CHARACTER', 17],
    [';47617390010101192212201?', 'TRACK_SEPARATOR', undefined],
    [';4761739001010119=22122011:?', 'TRACK_CHARACTER', 25],
    [';4761739001010119=2200201?', 'TRACK_EXPIRY', 20],
    [';4761739001010119=22122011758928889?9', 'TRACK_LRC', 36],
    [';4761739001010118=2212201?', 'TRACK_LUHN', 1],
    [`;${PAN}=2212201${'0'.repeat(16)}?`, 'TRACK_TOO_LONG', undefined],
  ])('refuses %s: %s at %s', (text, code, position) => {
    const e = fails(() => parseTrack2(text));
    expect(e.code).toBe(code);
    expect(e.position).toBe(position);
  });
});

describe('track 2 equivalent data (tag 57)', () => {
  it('reads the Visa test card value of openemv/emv-utils (kernel C-3 tests)', () => {
    expect(parseTrack2Equivalent(fromHex('4761739001010119D22122011758928889'))).toEqual({
      track: 2,
      pan: PAN,
      expiry: '2212',
      serviceCode: '201',
      discretionary: '1758928889',
    });
  });

  it('reads tag 57 of the published Visa GPO answer, with its F pad', () => {
    const hex = S.VISA_GPO_FORMAT2.slice(S.VISA_GPO_FORMAT2.indexOf('5713') + 4).slice(0, 38);
    expect(parseTrack2Equivalent(fromHex(hex))).toEqual({
      track: 2,
      pan: PAN,
      expiry: '2507',
      serviceCode: '221',
      discretionary: '1328662101000',
    });
  });

  it("refuses ID TECH's illustrative value 1234567890009876D2410201...: its PAN fails the Luhn check", () => {
    // From the ID TECH knowledge base answer on tag 57 (idtechproducts.atlassian.net).
    const e = fails(() => parseTrack2Equivalent(fromHex('1234567890009876D24102010000032000001F')));
    expect(e.code).toBe('TRACK_LUHN');
  });

  it.each([
    ['4761739001010119D2212F0117', 'TRACK_PADDING', 21],
    ['47617390010101192212201117', 'TRACK_SEPARATOR', undefined],
    ['4761739001010119D22A2201', 'TRACK_CHARACTER', 19],
    ['4761739001010119D2212201D1', 'TRACK_SEPARATOR', 24],
    ['', 'TRACK_LENGTH', undefined],
    ['47'.repeat(20), 'TRACK_LENGTH', undefined],
  ])('refuses %s: %s at nibble %s', (hex, code, position) => {
    const e = fails(() => parseTrack2Equivalent(fromHex(hex)));
    expect(e.code).toBe(code);
    expect(e.position).toBe(position);
  });
});

describe('telling the tracks apart', () => {
  it('by start sentinel, format code or separator', () => {
    expect(parseTrack(T1).track).toBe(1);
    expect(parseTrack(T1.slice(1)).track).toBe(1);
    expect(parseTrack(T2).track).toBe(2);
    expect(parseTrack(T2.slice(1)).track).toBe(2);
    expect(fails(() => parseTrack('47617390')).code).toBe('TRACK_UNKNOWN');
  });
});

describe('the Luhn check (ISO/IEC 7812-1 Annex B)', () => {
  it.each(['4761739001010119', '5555555555554444', '4111111111111111', '378282246310005', '6011111111111117'])(
    '%s is valid',
    (pan) => expect(luhnValid(pan)).toBe(true),
  );
  it.each(['4761739001010118', '4111111111111112', '1234567890009876', '', '4', '47617390010101 9', 'abc'])(
    '%j is not',
    (pan) => expect(luhnValid(pan)).toBe(false),
  );
});

describe('service codes and what a swipe should do', () => {
  it('reads the three digits', () => {
    expect(readServiceCode('201')).toEqual({
      code: '201',
      interchange: 'international',
      chip: true,
      authorisation: 'normal',
      services: 'any',
      pin: 'none',
    });
    expect(readServiceCode('101')).toMatchObject({ chip: false, interchange: 'international' });
    expect(readServiceCode('620')).toMatchObject({ chip: true, interchange: 'national', authorisation: 'issuer', services: 'any', pin: 'required' });
    expect(readServiceCode('226')).toMatchObject({ pin: 'if-pin-pad', services: 'any' });
    expect(readServiceCode('523')).toMatchObject({ chip: false, services: 'atm-only', pin: 'required' });
    expect(readServiceCode('745')).toMatchObject({ interchange: 'private', authorisation: 'issuer-unless-bilateral', services: 'goods-and-services', pin: 'required' });
    expect(readServiceCode('998')).toMatchObject({ interchange: 'test', authorisation: 'reserved', services: 'reserved', pin: 'none' });
    expect(fails(() => readServiceCode('2O1')).code).toBe('TRACK_SERVICE_CODE');
  });

  it('sends a chip card back to the chip reader unless fallback is allowed', () => {
    expect(swipeDecision('201')).toMatchObject({ action: 'use-chip' });
    expect(swipeDecision('601')).toMatchObject({ action: 'use-chip' });
    expect(swipeDecision('201', { fallbackAllowed: true })).toMatchObject({ action: 'proceed', fallback: true });
    expect(swipeDecision('201', { chipReader: false })).toMatchObject({ action: 'proceed', fallback: false });
    expect(swipeDecision('101')).toMatchObject({ action: 'proceed', fallback: false });
    expect(swipeDecision('101', { fallbackAllowed: true })).toMatchObject({ action: 'proceed', fallback: false });
  });
});
