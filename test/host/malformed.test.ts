/**
 * Every way the unpacker refuses bytes, each with the field and offset it must name.
 * Messages are written out by hand from docs/host-spec.md section 3; offsets count from
 * the first byte of the MTI (MTI 0-1, primary bitmap 2-9, first field at 10).
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/hex.js';
import { MessageFormatError, type FormatErrorCode } from '../../src/host/errors.js';
import { unpack } from '../../src/host/iso8583.js';

function refused(hexText: string, code: FormatErrorCode, field: MessageFormatError['field'], offset: number): MessageFormatError {
  try {
    unpack(fromHex(hexText));
  } catch (e) {
    expect(e).toBeInstanceOf(MessageFormatError);
    const err = e as MessageFormatError;
    expect({ code: err.code, field: err.field, offset: err.offset }).toEqual({ code, field, offset });
    expect(err.message).not.toContain('\n');
    return err;
  }
  throw new Error(`expected ${code} for ${hexText}`);
}

// Primary bitmaps used below.
const F2 = '4000000000000000'; // field 2
const F3 = '2000000000000000'; // field 3
const F22 = '0000040000000000'; // field 22
const F35 = '0000000020000000'; // field 35
const F39 = '0000000002000000'; // field 39
const F41 = '0000000000800000'; // field 41
const F55 = '0000000000000200'; // field 55

describe('unpack refuses, naming field and offset', () => {
  it('nothing at all: the MTI is truncated', () => {
    const e = refused('', 'ISO_TRUNCATED', 'MTI', 0);
    expect(e.message).toBe('MTI at offset 0: the MTI needs 2 bytes, only 0 left');
  });

  it('a non-BCD nibble in the MTI', () => {
    refused('02A0' + F3 + '000000', 'ISO_BAD_NIBBLE', 'MTI', 1);
  });

  it('a truncated primary bitmap', () => {
    const e = refused('0200' + '2000000000', 'ISO_TRUNCATED', 'bitmap', 2);
    expect(e.message).toBe('primary bitmap at offset 2: the primary bitmap needs 8 bytes, only 5 left');
  });

  it('a truncated secondary bitmap', () => {
    refused('0800' + '8020000000000000' + '04000000', 'ISO_TRUNCATED', 1, 10);
  });

  it('a secondary bitmap that names no field', () => {
    refused('0800' + '8020000000000000' + '0000000000000000' + '000042', 'ISO_BAD_BITMAP', 1, 10);
  });

  it('a non-BCD nibble in a fixed n field', () => {
    const e = refused('0200' + F3 + '00B000', 'ISO_BAD_NIBBLE', 3, 11);
    expect(e.message).toBe('field 3 (Processing code) at offset 11: nibble B is not a BCD digit');
  });

  it('a fixed field cut short', () => {
    refused('0200' + F3 + '0000', 'ISO_TRUNCATED', 3, 10);
  });

  it('an LLVAR length past the end of the message', () => {
    const e = refused('0200' + F2 + '16' + '400012', 'ISO_TRUNCATED', 2, 11);
    expect(e.message).toBe('field 2 (Primary account number) at offset 11: a value of 16 digits needs 8 bytes, only 3 left');
  });

  it('an LLVAR length over the maximum', () => {
    const e = refused('0200' + F2 + '20' + '40001234567890123456', 'ISO_TOO_LONG', 2, 10);
    expect(e.message).toBe('field 2 (Primary account number) at offset 10: length 20 is over the maximum of 19 digits');
  });

  it('a non-BCD nibble in a length prefix', () => {
    refused('0200' + F2 + '1A' + '4000123456789010', 'ISO_BAD_NIBBLE', 2, 10);
  });

  it('a missing length prefix', () => {
    refused('0200' + F55, 'ISO_TRUNCATED', 55, 10);
  });

  it('an LLLVAR length over the maximum (b counts bytes)', () => {
    refused('0200' + F55 + '0256' + '00'.repeat(256), 'ISO_TOO_LONG', 55, 10);
  });

  it('an LLLVAR prefix with a lead nibble other than 0 is over any maximum', () => {
    refused('0200' + F55 + '1001' + '00', 'ISO_TOO_LONG', 55, 10);
  });

  it('a pad nibble other than 0 in front of an odd fixed n', () => {
    const e = refused('0200' + F22 + '1071', 'ISO_BAD_PAD', 22, 10);
    expect(e.message).toContain('must be 0, not 1');
  });

  it('a pad nibble other than 0 behind an odd variable n', () => {
    refused('0200' + F2 + '15' + '4000123456789015', 'ISO_BAD_PAD', 2, 18);
  });

  it('a nibble other than D in track 2, and D as the pad', () => {
    refused('0200' + F35 + '09' + '1234A56780', 'ISO_BAD_NIBBLE', 35, 13);
    refused('0200' + F35 + '09' + '1234D5678D', 'ISO_BAD_PAD', 35, 15);
  });

  it('a byte outside an', () => {
    refused('0210' + F39 + '3000', 'ISO_BAD_CHAR', 39, 11);
  });

  it('a byte outside ans', () => {
    refused('0210' + F41 + '5445524D8030303031'.slice(0, 16), 'ISO_BAD_CHAR', 41, 14);
  });

  it('a field the specification does not define (its length cannot be known)', () => {
    const e = refused('0200' + '0800000000000000' + '000000000001', 'ISO_UNDEFINED_FIELD', 5, 10);
    expect(e.message).toBe('field 5 at offset 10: is not defined in the specification');
  });

  it('field 65 (a third bitmap) in the secondary bitmap', () => {
    refused('0800' + '8000000000000000' + '8000000000000000' + '00'.repeat(8), 'ISO_UNDEFINED_FIELD', 65, 18);
  });

  it('bytes after the last field', () => {
    const e = refused('0200' + F3 + '000000' + 'FFFF', 'ISO_TRAILING_BYTES', 3, 13);
    expect(e.message).toBe('field 3 (Processing code) at offset 13: 2 bytes follow the last field');
  });

  it('never quotes the PAN or track in an error', () => {
    const pan = '4000123456789010';
    const e = refused('0200' + F2 + '16' + pan + 'AA', 'ISO_TRAILING_BYTES', 2, 19);
    expect(e.message).not.toContain('4000');
    const t = refused('0200' + F35 + '17' + '4000123456789010D5', 'ISO_BAD_PAD', 35, 19);
    expect(t.message).not.toContain('4000');
  });
});
