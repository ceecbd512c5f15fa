/**
 * `pos tool tlv HEX`: the BER-TLV tree of some card data, as CONTRACT.md prints it:
 * [{"tag":"6F","length":N,"value":"HEX","name":"FCI Template","children":[...]}].
 * `name` is left out for a tag the dictionary does not know; `children` is there for
 * constructed objects only. Padding bytes ('00', 'FF') between objects are not shown.
 */
import { ValidationError } from '../../errors.js';
import { fromHex, toHex } from '../../hex.js';
import { CardError } from '../../emv/errors.js';
import { tagName } from '../../emv/tags.js';
import { decodeTlv, tagToHex, type Tlv } from '../../emv/tlv.js';
import { parseArgs } from '../args.js';
import type { ToolCommand } from './tool-command.js';

export interface TlvJson {
  tag: string;
  length: number;
  value: string;
  name?: string;
  children?: TlvJson[];
}

function toJson(o: Tlv): TlvJson {
  const out: TlvJson = { tag: tagToHex(o.tag), length: o.value.length, value: toHex(o.value) };
  const name = tagName(o.tag);
  if (name !== undefined) out.name = name;
  if (o.children) out.children = o.children.map(toJson);
  return out;
}

const tlv: ToolCommand = {
  name: 'tlv',
  usage: 'tlv HEX',
  run(args: string[]): TlvJson[] {
    // Spaces between bytes are allowed, quoted or not: the positional words are one hex text.
    const { positional } = parseArgs(args);
    const text = positional.join('');
    if (text === '') throw new ValidationError('tlv: give the hex to decode (pos tool tlv HEX)');
    const bytes = fromHex(text, 'tlv HEX');
    try {
      return decodeTlv(bytes).map(toJson);
    } catch (e) {
      if (e instanceof CardError) throw new ValidationError(`tlv: ${e.message}`, e.code);
      throw e;
    }
  },
};

export default tlv;
