import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import tlv from '../../src/cli/tools/tlv.js';
import track from '../../src/cli/tools/track.js';
import * as S from './helpers/samples.js';

function refused(run: () => unknown): ValidationError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).not.toContain('\n');
    return e as ValidationError;
  }
  throw new Error('no error');
}

describe('pos tool tlv', () => {
  it('is a ToolCommand named tlv', () => {
    expect(tlv.name).toBe('tlv');
    expect(tlv.usage).toBe('tlv HEX');
  });

  it('prints the tree of the published Mastercard PPSE FCI as CONTRACT.md shows it', () => {
    const out = tlv.run([S.MC_PPSE_FCI]);
    expect(JSON.parse(JSON.stringify(out))).toEqual([
      {
        tag: '6F',
        length: 0x3c,
        value: S.MC_PPSE_FCI.slice(4).toUpperCase(),
        name: 'FCI Template',
        children: [
          { tag: '84', length: 14, value: '325041592E5359532E4444463031', name: 'Dedicated File (DF) Name' },
          {
            tag: 'A5',
            length: 0x2a,
            value: S.MC_PPSE_FCI.slice(40).toUpperCase(),
            name: 'FCI Proprietary Template',
            children: [
              {
                tag: 'BF0C',
                length: 0x27,
                value: S.MC_PPSE_FCI.slice(46).toUpperCase(),
                name: 'FCI Issuer Discretionary Data',
                children: [
                  {
                    tag: '61',
                    length: 0x25,
                    value: S.MC_PPSE_FCI.slice(50).toUpperCase(),
                    name: 'Application Template',
                    children: [
                      { tag: '4F', length: 7, value: 'A0000000041010', name: 'Application Identifier (AID) - card' },
                      { tag: '50', length: 16, value: '4465626974204D617374657243617264', name: 'Application Label' },
                      { tag: '87', length: 1, value: '01', name: 'Application Priority Indicator' },
                      { tag: '9F0A', length: 4, value: '00010101', name: 'Application Selection Registered Proprietary Data' },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
    ]);
  });

  it('accepts lower case, spaces, and hex split over several words; leaves out names it does not know', () => {
    expect(tlv.run(['5a 01', '12', 'DF7F0100'])).toEqual([
      { tag: '5A', length: 1, value: '12', name: 'Application PAN' },
      { tag: 'DF7F', length: 1, value: '00' },
    ]);
    expect(tlv.run(['00FF'])).toEqual([]);
  });

  it('refuses bad input with a one-line ValidationError', () => {
    expect(refused(() => tlv.run([])).message).toBe('tlv: give the hex to decode (pos tool tlv HEX)');
    expect(refused(() => tlv.run(['6F0'])).message).toBe('tlv HEX: odd number of hex digits (3)');
    expect(refused(() => tlv.run(['6G00'])).message).toBe("tlv HEX: 'G' at position 1 is not a hex digit");
    const e = refused(() => tlv.run(['6F0584']));
    expect(e.message).toBe('tlv: TLV at offset 0: tag 6F declares 5 value bytes but only 1 remain');
    expect(e.code).toBe('TLV_LENGTH_BEYOND_DATA');
    expect(refused(() => tlv.run(['6F80'])).code).toBe('TLV_INDEFINITE_LENGTH');
    expect(refused(() => tlv.run(['--raw', '6F00'])).message).toBe('unknown option --raw');
  });
});

describe('pos tool track', () => {
  it('is a ToolCommand named track', () => {
    expect(track.name).toBe('track');
    expect(track.usage).toBe('track DATA');
  });

  it('prints track 1, with the name', () => {
    expect(track.run(['%B4761739001010119^TEST/CARD 01^2212201000000?'])).toEqual({
      track: 1,
      pan: '4761739001010119',
      name: 'TEST/CARD 01',
      expiry: '2212',
      serviceCode: '201',
      discretionary: '000000',
    });
  });

  it('rejoins a track 1 the shell split at the space in the name', () => {
    expect(track.run(['%B4761739001010119^TEST/CARD', '01^2212201000000?'])).toMatchObject({ name: 'TEST/CARD 01' });
  });

  it('prints track 2 and tag 57 hex, with a null name', () => {
    const want = { track: 2, pan: '4761739001010119', name: null, expiry: '2212', serviceCode: '201', discretionary: '1758928889' };
    expect(track.run([';4761739001010119=22122011758928889?'])).toEqual(want);
    expect(track.run(['4761739001010119d22122011758928889'])).toEqual(want);
  });

  it('refuses bad input with a one-line ValidationError carrying the card error code', () => {
    expect(refused(() => track.run([])).message).toBe('track: give the track data (pos tool track DATA)');
    const luhn = refused(() => track.run([';4761739001010118=2212201?']));
    expect(luhn.code).toBe('TRACK_LUHN');
    expect(luhn.message).toBe('track: the PAN fails its Luhn check (misread or mistyped) (at position 1)');
    expect(refused(() => track.run(['hello'])).code).toBe('TRACK_UNKNOWN');
    expect(refused(() => track.run(['4761739001010119D2212F01'])).code).toBe('TRACK_PADDING');
  });
});
