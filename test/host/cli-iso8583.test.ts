/**
 * `pos tool iso8583`: run through the ToolCommand as the dispatcher does (the dispatcher
 * itself is the lead's). Inputs are messages built here or taken from docs/host-spec.md.
 */
import { describe, expect, it } from 'vitest';
import tool, { decodeFramed, withLengthHeader } from '../../src/cli/tools/iso8583.js';
import { ValidationError } from '../../src/errors.js';
import { toHex } from '../../src/hex.js';
import { pack } from '../../src/host/iso8583.js';
import { buildEcho, buildSale, packWithMac } from '../../src/host/messages.js';
import { AT, PAN, TERMINAL, requestMac, saleInput } from './helpers.js';

const echo = pack(buildEcho({ ...TERMINAL, stan: 42, at: AT }));
const sale = packWithMac(buildSale(saleInput()), requestMac);

function refused(args: string[]): string {
  try {
    tool.run(args);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ValidationError');
}

describe('pos tool iso8583 decode', () => {
  const expected = { mti: '0800', fields: { '11': '000042', '12': '144103', '13': '0531', '41': 'TERM0001', '42': '898310048160001', '70': '301' } };

  it('decodes the message from its MTI, upper or lower case, spaces allowed', () => {
    expect(tool.run(['decode', toHex(echo)])).toEqual(expected);
    expect(tool.run(['decode', toHex(echo).toLowerCase()])).toEqual(expected);
    expect(tool.run(['decode', ...toHex(echo).match(/../g)!])).toEqual(expected);
  });

  it('decodes the message with its 2-byte length header', () => {
    expect(tool.run(['decode', toHex(withLengthHeader(echo))])).toEqual(expected);
  });

  it('masks the PAN and track 2 unless --reveal', () => {
    const out = tool.run(['decode', toHex(withLengthHeader(sale))]) as { fields: Record<string, string> };
    expect(out.fields['2']).toBe('621234******1232');
    expect(out.fields['35']).toBe('621234******1232=*****************');
    expect(JSON.stringify(out)).not.toContain(PAN);
    const open = tool.run(['decode', toHex(sale), '--reveal']) as { fields: Record<string, string> };
    expect(open.fields['2']).toBe(PAN);
    expect(open.fields['52']).toBe('1A2B3C4D5E6F7081');
  });

  it('takes the whole input as the message when the first two bytes only look like a header', () => {
    // MTI 0100 is 01 00 = 256: with 256 bytes after it, both readings fit the length rule,
    // but only the whole input decodes.
    const m = pack({ mti: '0100', fields: { 55: new Uint8Array(246).fill(0x5a) } });
    expect(m.length).toBe(258);
    expect(decodeFramed(m).mti).toBe('0100');
  });

  it('refuses bad input with a one-line ValidationError naming field and offset', () => {
    expect(refused(['decode', '02002000000000000000'])).toBe('field 3 (Processing code) at offset 10: a value of 6 digits needs 3 bytes, only 0 left');
    expect(refused(['decode', '0G'])).toContain("'G' at position 1");
    expect(refused(['decode'])).toContain('needs the message in hex');
    // A length header that fits but a body that does not decode: the header reading's error.
    expect(refused(['decode', toHex(withLengthHeader(echo.subarray(0, 20)))])).toMatch(/^field 11 \(Systems trace audit number\) at offset 18: /);
  });
});

describe('pos tool iso8583 encode', () => {
  it('packs the JSON form and gives the hex with and without the length header', () => {
    const json = JSON.stringify({ mti: '0800', fields: { '11': '000042', '12': '144103', '13': '0531', '41': 'TERM0001', '42': '898310048160001', '70': '301' } });
    const out = tool.run(['encode', json]) as { hex: string; framed: string; mti: string };
    expect(out.hex).toBe(toHex(echo));
    expect(out.framed).toBe('0033' + toHex(echo));
    expect(out.mti).toBe('0800');
  });

  it('round trips with decode --reveal', () => {
    const decoded = tool.run(['decode', toHex(sale), '--reveal']);
    const out = tool.run(['encode', JSON.stringify(decoded)]) as { hex: string };
    expect(out.hex).toBe(toHex(sale));
  });

  it('refuses bad JSON, undefined fields and bad values in one line', () => {
    expect(refused(['encode', '{"mti":'])).toMatch(/^JSON: /);
    expect(refused(['encode', '{"mti":"0200","fields":{"5":"1"}}'])).toBe('field 5: is not defined in the specification');
    expect(refused(['encode', '{"mti":"0200","fields":{"3":"12"}}'])).toBe('field 3 (Processing code): has 2 digits; the field is fixed at 6');
    expect(refused(['encode'])).toContain('needs one JSON argument');
    expect(refused(['frobnicate'])).toContain("unknown or missing subcommand 'frobnicate'");
    expect(refused(['decode', '00', '--nope'])).toContain('unknown option --nope');
  });
});
