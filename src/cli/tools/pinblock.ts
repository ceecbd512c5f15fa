/**
 * `pos tool pinblock`: builds an ISO 9564-1 PIN block for a technician with test keys. This
 * prints a PIN block on purpose (CONTRACT.md); nothing else in the runtime does.
 */
import { ValidationError } from '../../errors.js';
import { fromHex, toHex } from '../../hex.js';
import { parseArgs, required } from '../args.js';
import { encipherPinBlock4, encodePinBlock, encryptPinBlock } from '../../security/pin-block.js';
import { zeroize } from '../../security/bytes.js';
import { checkPan } from '../../security/pan.js';
import type { ToolCommand } from './tool-command.js';

const pinblock: ToolCommand = {
  name: 'pinblock',
  usage: 'pinblock --format 0|1|3|4 --pin PIN --pan PAN [--key HEX]   (format 4 needs an AES key; with a TDES key, formats 0/1/3 are enciphered)',
  run(args: string[]) {
    const parsed = parseArgs(args, { flags: ['format', 'pin', 'pan', 'key'] });
    if (parsed.positional.length > 0) throw new ValidationError('pinblock takes no positional arguments');
    const format = required(parsed, 'format');
    if (format !== '0' && format !== '1' && format !== '3' && format !== '4') {
      throw new ValidationError(`--format: '${format.slice(0, 8)}' is not 0, 1, 3 or 4`);
    }
    const pin = required(parsed, 'pin');
    // Format 1 does not use the PAN (ISO 9564-1:2017 9.3); the others need it.
    const panText = format === '1' ? parsed.flags.get('pan') : required(parsed, 'pan');
    const pan = panText === undefined ? undefined : checkPan(panText, '--pan');
    const keyText = parsed.flags.get('key');
    const key = keyText === undefined ? undefined : fromHex(keyText, '--key');
    try {
      if (format === '4') {
        if (!key) throw new ValidationError('--key is required for format 4 (an AES key of 16, 24 or 32 bytes)');
        return { pinBlock: toHex(encipherPinBlock4(pin, pan ?? '', key)) };
      }
      if (key && key.length !== 16 && key.length !== 24) {
        throw new ValidationError(`--key: ${key.length} bytes; formats 0, 1 and 3 are enciphered with a TDES key of 16 or 24 bytes`);
      }
      const clear = encodePinBlock(Number(format) as 0 | 1 | 3, pin, pan);
      const out = key ? encryptPinBlock(clear, key) : clear.slice();
      zeroize(clear);
      return { pinBlock: toHex(out) };
    } finally {
      zeroize(key);
    }
  },
};

export default pinblock;
