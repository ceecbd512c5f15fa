/**
 * `pos keys`: the terminal's key store (src/security/key-store.ts).
 *
 *   pos keys inject --ipek HEX --ksn HEX [--key-type T] [--data DIR] [--board NAME|FILE]
 *   pos keys inject --bdk HEX --ksn HEX ...      (test set-ups: the IPEK is derived here)
 *   pos keys status [--data DIR] [--board NAME|FILE]
 *
 * A 10-byte KSN is TDES DUKPT (ANSI X9.24-1:2009), a 12-byte one AES DUKPT (X9.24-3:2017;
 * --ipek is then the initial key, --key-type the working key type). The KSN is the initial
 * one, counter zero. Output: JSON on stdout (KSN and check values, never a key); bad input
 * or a refused store: one line on stderr, exit 2. The board decides the serial the store is
 * bound to, so pass the same --board as `pos start`.
 */
import { resolve } from 'node:path';
import { ValidationError, PosError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';
import { zeroize } from '../security/bytes.js';
import { AES_DUKPT_KEY_TYPES, aesDukptInitialKey, isAesDukptKeyType, type AesDukptKeyType } from '../security/dukpt-aes.js';
import { deriveIpek } from '../security/dukpt-tdes.js';
import { keyCheckValue } from '../security/key-check-value.js';
import { boardSerial, KeyStore } from '../security/key-store.js';
import { parseArgs } from './args.js';
import { loadBoard } from './board-loader.js';

export const KEYS_USAGE = 'pos keys inject (--ipek HEX | --bdk HEX) --ksn HEX [--key-type AES128|AES192|AES256|TDES2|TDES3] [--data DIR] [--board NAME|FILE]\n  pos keys status [--data DIR] [--board NAME|FILE]';

async function openStore(flags: Map<string, string>): Promise<KeyStore> {
  const board = await loadBoard(flags.get('board') ?? 'sim');
  return new KeyStore({ dataDir: resolve(flags.get('data') ?? './data'), serial: await boardSerial(board.kind) });
}

async function inject(args: string[]): Promise<unknown> {
  const a = parseArgs(args, { flags: ['ipek', 'bdk', 'ksn', 'key-type', 'data', 'board'] });
  if (a.positional.length) throw new ValidationError(`unexpected argument '${a.positional[0]!.slice(0, 20)}'`);
  const ipekHex = a.flags.get('ipek');
  const bdkHex = a.flags.get('bdk');
  if ((ipekHex === undefined) === (bdkHex === undefined)) throw new ValidationError('give exactly one of --ipek and --bdk');
  const ksnHex = a.flags.get('ksn');
  if (ksnHex === undefined) throw new ValidationError('--ksn is required');
  const ksn = fromHex(ksnHex, '--ksn');
  const aes = ksn.length === 12;
  if (!aes && ksn.length !== 10) throw new ValidationError(`--ksn: ${ksn.length} bytes; a TDES DUKPT KSN is 10 bytes, an AES DUKPT KSN 12`);
  const keyTypeFlag = a.flags.get('key-type')?.toUpperCase();
  let keyType: AesDukptKeyType | undefined;
  if (keyTypeFlag !== undefined) {
    if (!aes) throw new ValidationError('--key-type applies to AES DUKPT (a 12-byte KSN) only');
    if (!isAesDukptKeyType(keyTypeFlag)) throw new ValidationError(`--key-type: '${keyTypeFlag.slice(0, 10)}' is not one of ${AES_DUKPT_KEY_TYPES.join(', ')}`);
    keyType = keyTypeFlag;
  }
  const flag = ipekHex !== undefined ? '--ipek' : '--bdk';
  const given = fromHex((ipekHex ?? bdkHex)!, flag);
  const lengths = aes ? [16, 24, 32] : [16];
  if (!lengths.includes(given.length)) {
    zeroize(given);
    throw new ValidationError(`${flag}: ${given.length} bytes; ${aes ? 'AES DUKPT keys are 16, 24 or 32 bytes' : 'a TDES DUKPT key is 16 bytes'}`);
  }
  const store = await openStore(a.flags);
  let initialKey: Uint8Array | null = null;
  let bdkKcv: string | undefined;
  try {
    if (bdkHex !== undefined) {
      bdkKcv = toHex(keyCheckValue(given, aes ? 'aes' : 'tdes').kcv);
      initialKey = aes ? aesDukptInitialKey(given, ksn.subarray(0, 8)) : deriveIpek(given, ksn);
    }
    const key = initialKey ?? given;
    const status = aes ? await store.injectAes(key, ksn, keyType) : await store.injectTdes(key, ksn);
    return { injected: true, ...(bdkKcv ? { bdkKcv } : {}), ...status };
  } finally {
    zeroize(given, initialKey);
  }
}

async function status(args: string[]): Promise<unknown> {
  const a = parseArgs(args, { flags: ['data', 'board'] });
  if (a.positional.length) throw new ValidationError(`unexpected argument '${a.positional[0]!.slice(0, 20)}'`);
  return (await openStore(a.flags)).status();
}

/** `pos keys ...`: exit 0 with JSON, or 2 with one line on stderr. */
export async function keys(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    let out: unknown;
    if (sub === 'inject') out = await inject(rest);
    else if (sub === 'status') out = await status(rest);
    else throw new ValidationError(`${sub ? `unknown subcommand '${sub.slice(0, 20)}'` : 'a subcommand is needed'}; usage: ${KEYS_USAGE.split('\n')[0]}`);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof PosError)) throw e;
    process.stderr.write(`pos keys${sub === 'inject' || sub === 'status' ? ` ${sub}` : ''}: ${e.message.split('\n')[0]}\n`);
    return 2;
  }
}
