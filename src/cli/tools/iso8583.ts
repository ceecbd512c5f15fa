/**
 * `pos tool iso8583 decode HEX` and `pos tool iso8583 encode JSON`, in the terminal's host
 * specification (docs/host-spec.md).
 *
 * decode takes the message from its MTI, or with the 2-byte length header in front. The
 * first two bytes are taken as that header when, read big-endian, they equal the number of
 * bytes after them and the rest decodes; otherwise the whole input is the message. (Both
 * readings can hold for the same bytes only by coincidence; the header reading wins then.)
 *
 * The PAN (field 2) and track 2 (field 35) are masked unless --reveal is given.
 */
import { ValidationError } from '../../errors.js';
import { fromHex, toHex } from '../../hex.js';
import { MessageFormatError } from '../../host/errors.js';
import { fromJson, pack, toJson, unpack, type IsoJson, type IsoMessage } from '../../host/iso8583.js';
import { maskPan } from '../../security/pan.js';
import { parseArgs } from '../args.js';
import type { ToolCommand } from './tool-command.js';

const USAGE = 'iso8583 decode HEX [--reveal] | iso8583 encode JSON [--reveal]';

function masked(json: IsoJson): IsoJson {
  const fields = { ...json.fields };
  if (fields['2'] !== undefined) fields['2'] = maskPan(fields['2']);
  const t2 = fields['35'];
  if (t2 !== undefined) {
    const sep = t2.indexOf('=');
    fields['35'] = sep < 0 ? '*'.repeat(t2.length) : `${maskPan(t2.slice(0, sep))}=${'*'.repeat(t2.length - sep - 1)}`;
  }
  return { mti: json.mti, fields };
}

/** The message in `bytes`, with or without the length header (see the file comment). */
export function decodeFramed(bytes: Uint8Array): IsoMessage {
  const headerFits = bytes.length >= 2 && ((bytes[0]! << 8) | bytes[1]!) === bytes.length - 2;
  let headerError: unknown;
  if (headerFits) {
    try {
      return unpack(bytes.subarray(2));
    } catch (e) {
      headerError = e;
    }
  }
  try {
    return unpack(bytes);
  } catch (e) {
    throw headerFits ? headerError : e;
  }
}

/** The 2-byte big-endian length header of the transport, in front of the message. */
export function withLengthHeader(message: Uint8Array): Uint8Array {
  if (message.length > 0xffff) throw new ValidationError(`message of ${message.length} bytes does not fit a 2-byte length header`);
  const out = new Uint8Array(message.length + 2);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}

function asValidation(e: unknown): unknown {
  return e instanceof MessageFormatError ? new ValidationError(e.message, e.code) : e;
}

const tool: ToolCommand = {
  name: 'iso8583',
  usage: USAGE,
  run(args: string[]) {
    const parsed = parseArgs(args, { switches: ['reveal'] });
    const [verb, ...rest] = parsed.positional;
    const reveal = parsed.flags.has('reveal');
    const show = (json: IsoJson) => (reveal ? json : masked(json));
    if (verb === 'decode') {
      if (rest.length === 0) throw new ValidationError(`iso8583 decode needs the message in hex; usage: ${USAGE}`);
      const bytes = fromHex(rest.join(''), 'HEX');
      try {
        return show(toJson(decodeFramed(bytes)));
      } catch (e) {
        throw asValidation(e);
      }
    }
    if (verb === 'encode') {
      if (rest.length !== 1) throw new ValidationError(`iso8583 encode needs one JSON argument; usage: ${USAGE}`);
      let value: unknown;
      try {
        value = JSON.parse(rest[0]!);
      } catch (e) {
        throw new ValidationError(`JSON: ${(e as Error).message.split('\n')[0]}`);
      }
      const message = fromJson(value);
      const bytes = pack(message);
      return { ...show(toJson(message)), hex: toHex(bytes), framed: toHex(withLengthHeader(bytes)) };
    }
    throw new ValidationError(`iso8583: unknown or missing subcommand${verb ? ` '${verb}'` : ''}; usage: ${USAGE}`);
  },
};

export default tool;
