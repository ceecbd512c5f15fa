/**
 * `pos tool mac`: a retail MAC (ISO 9797-1 algorithm 3 / ANSI X9.19) or a CMAC
 * (NIST SP 800-38B) of hex data.
 */
import { ValidationError } from '../../errors.js';
import { fromHex, toHex } from '../../hex.js';
import { parseArgs, required } from '../args.js';
import { cmac, cmacCipherForKeyLength, retailMac, type CmacCipher } from '../../security/mac.js';
import type { ToolCommand } from './tool-command.js';

const mac: ToolCommand = {
  name: 'mac',
  usage:
    'mac --alg retail|cmac --key HEX --data HEX [--padding 1|2] [--cipher aes|tdes]   (retail: 16-byte key, padding 1 by default; cmac: AES for 16/32-byte keys, TDES for 24, --cipher to choose)',
  run(args: string[]) {
    const parsed = parseArgs(args, { flags: ['alg', 'key', 'data', 'padding', 'cipher'] });
    if (parsed.positional.length > 0) throw new ValidationError('mac takes no positional arguments');
    const alg = required(parsed, 'alg').toLowerCase();
    const key = fromHex(required(parsed, 'key'), '--key');
    const data = fromHex(required(parsed, 'data'), '--data');
    const padding = parsed.flags.get('padding');
    const cipher = parsed.flags.get('cipher');
    if (alg === 'retail') {
      if (cipher !== undefined) throw new ValidationError('--cipher applies to --alg cmac only');
      if (padding !== undefined && padding !== '1' && padding !== '2') throw new ValidationError(`--padding: '${padding.slice(0, 8)}' is not 1 or 2`);
      if (key.length !== 16) throw new ValidationError(`--key: ${key.length} bytes; the retail MAC takes a 16-byte key`);
      return { mac: toHex(retailMac(key, data, padding === '2' ? 2 : 1)) };
    }
    if (alg === 'cmac') {
      if (padding !== undefined) throw new ValidationError('--padding applies to --alg retail only; CMAC pads itself');
      let c: CmacCipher;
      if (cipher === undefined) c = cmacCipherForKeyLength(key.length);
      else if (cipher.toLowerCase() === 'aes' || cipher.toLowerCase() === 'tdes') c = cipher.toLowerCase() as CmacCipher;
      else throw new ValidationError(`--cipher: '${cipher.slice(0, 8)}' is not aes or tdes`);
      return { mac: toHex(cmac(key, data, c)) };
    }
    throw new ValidationError(`--alg: '${alg.slice(0, 10)}' is not retail or cmac`);
  },
};

export default mac;
