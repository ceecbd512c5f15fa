/**
 * `pos tool dukpt`: host-side DUKPT keys from a BDK and a KSN, TDES (ANSI X9.24-1:2009) or,
 * with --aes, AES (ANSI X9.24-3:2017). For technicians with test keys: it prints keys.
 */
import { ValidationError } from '../../errors.js';
import { fromHex, toHex } from '../../hex.js';
import { parseArgs, required } from '../args.js';
import { tdesDukptHostKeys } from '../../security/dukpt-tdes.js';
import { AES_DUKPT_KEY_TYPES, aesDukptHostKeys, isAesDukptKeyType } from '../../security/dukpt-aes.js';
import type { ToolCommand } from './tool-command.js';

const dukpt: ToolCommand = {
  name: 'dukpt',
  usage: 'dukpt [--aes] --bdk HEX --ksn HEX [--key-type AES128|AES192|AES256|TDES2|TDES3]   (key type: --aes only; default: the BDK\'s type)',
  run(args: string[]) {
    const parsed = parseArgs(args, { flags: ['bdk', 'ksn', 'key-type'], switches: ['aes'] });
    if (parsed.positional.length > 0) throw new ValidationError('dukpt takes no positional arguments');
    const bdk = fromHex(required(parsed, 'bdk'), '--bdk');
    const ksn = fromHex(required(parsed, 'ksn'), '--ksn');
    const keyType = parsed.flags.get('key-type');
    if (!parsed.flags.has('aes')) {
      if (keyType !== undefined) throw new ValidationError('--key-type applies to AES DUKPT only (add --aes)');
      if (bdk.length !== 16) throw new ValidationError(`--bdk: ${bdk.length} bytes; a TDES DUKPT BDK is 16 bytes`);
      if (ksn.length !== 10) throw new ValidationError(`--ksn: ${ksn.length} bytes; a TDES DUKPT KSN is 10 bytes (use --aes for a 12-byte KSN)`);
      const k = tdesDukptHostKeys(bdk, ksn);
      return {
        ipek: toHex(k.ipek),
        transactionKey: toHex(k.transactionKey),
        pinKey: toHex(k.pinKey),
        macRequestKey: toHex(k.macRequestKey),
        macResponseKey: toHex(k.macResponseKey),
        dataRequestKey: toHex(k.dataRequestKey),
        dataResponseKey: toHex(k.dataResponseKey),
      };
    }
    const type = keyType?.toUpperCase();
    if (type !== undefined && !isAesDukptKeyType(type)) {
      throw new ValidationError(`--key-type: '${type.slice(0, 10)}' is not one of ${AES_DUKPT_KEY_TYPES.join(', ')}`);
    }
    if (bdk.length !== 16 && bdk.length !== 24 && bdk.length !== 32) {
      throw new ValidationError(`--bdk: ${bdk.length} bytes; an AES DUKPT BDK is 16, 24 or 32 bytes`);
    }
    if (ksn.length !== 12) throw new ValidationError(`--ksn: ${ksn.length} bytes; an AES DUKPT KSN is 12 bytes`);
    const k = aesDukptHostKeys(bdk, ksn, type);
    return {
      initialKey: toHex(k.initialKey),
      pinKey: toHex(k.pinKey),
      macGenerationKey: toHex(k.macGenerationKey),
      macVerificationKey: toHex(k.macVerificationKey),
      dataEncryptionKey: toHex(k.dataEncryptionKey),
      dataDecryptionKey: toHex(k.dataDecryptionKey),
    };
  },
};

export default dukpt;
