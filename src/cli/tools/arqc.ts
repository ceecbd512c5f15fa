/**
 * `pos tool arqc`: EMV option A ICC master key, the common session key of an ATC, and the
 * ARQC of the given transaction data (EMV 4.4 Book 2 A1.4.1, A1.3.1, 8.1.2).
 */
import { ValidationError } from '../../errors.js';
import { fromHex, toHex } from '../../hex.js';
import { parseArgs, required } from '../args.js';
import { deriveAcSessionKey } from '../../security/emv-keys.js';
import { generateArqc } from '../../security/emv-cryptogram.js';
import { checkPan } from '../../security/pan.js';
import type { ToolCommand } from './tool-command.js';

const arqc: ToolCommand = {
  name: 'arqc',
  usage: 'arqc --imk HEX --pan PAN --psn NN --atc HEX --data HEX   (--psn defaults to 00)',
  run(args: string[]) {
    const parsed = parseArgs(args, { flags: ['imk', 'pan', 'psn', 'atc', 'data'] });
    if (parsed.positional.length > 0) throw new ValidationError('arqc takes no positional arguments');
    const imk = fromHex(required(parsed, 'imk'), '--imk');
    if (imk.length !== 16) throw new ValidationError(`--imk: ${imk.length} bytes; an issuer master key is 16 bytes`);
    const pan = checkPan(required(parsed, 'pan'), '--pan');
    const psn = parsed.flags.get('psn') ?? '00';
    if (!/^[0-9]{2}$/.test(psn)) throw new ValidationError(`--psn: '${psn.slice(0, 4)}' is not two digits`);
    const atc = fromHex(required(parsed, 'atc'), '--atc');
    if (atc.length !== 2) throw new ValidationError(`--atc: ${atc.length} bytes; the ATC is 2 bytes (4 hex digits)`);
    const data = fromHex(required(parsed, 'data'), '--data');
    const { iccMasterKey, sessionKey } = deriveAcSessionKey(imk, pan, psn, atc);
    return { iccMasterKey: toHex(iccMasterKey), sessionKey: toHex(sessionKey), arqc: toHex(generateArqc(sessionKey, data)) };
  },
};

export default arqc;
