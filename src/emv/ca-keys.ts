/**
 * Certification Authority public keys: the keys of the payment systems that sign issuer
 * certificates (EMV 4.4 Book 2 5.1 and 11.2). A terminal holds a list of them by RID and
 * index (8F on the card) and must check each one's check sum, SHA-1 over RID || index ||
 * modulus || exponent (Book 2 11.2.2), before trusting it.
 *
 * The list lives in JSON files (format in src/emv/README.md). The shipped files hold test
 * keys only: `ca-keys/simulator-test-ca.json` (the simulator's own test CA) and
 * `ca-keys/emv-test-keys.json` (test keys the payment systems publish for test cards).
 * Production keys come from the acquirer and are loaded from a file given at start-up.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';

export interface CaPublicKey {
  /** Registered Application Provider Identifier, 5 bytes (A000000003 for Visa). */
  rid: Uint8Array;
  /** CA Public Key Index (8F on the card, 9F22 in the terminal). */
  index: number;
  modulus: Uint8Array;
  exponent: Uint8Array;
  /** Last day of validity, yyyymmdd; after it the key is not used (Book 2 11.2.2). */
  expiry: number;
  /** Book 2 Annex B2.3: 01 = SHA-1 (the only one EMV RSA certificates use). */
  hashAlgorithm: number;
  /** Book 2 Annex B2.2: 01 = RSA. */
  keyAlgorithm: number;
  /** Where the key came from, for errors: "file.json key 3". */
  source: string;
}

/** SHA-1 over RID || index || modulus || exponent (Book 2 11.2.2). */
export function caKeyChecksum(rid: Uint8Array, index: number, modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(rid).update(Uint8Array.of(index)).update(modulus).update(exponent).digest());
}

interface KeyJson {
  rid?: unknown;
  index?: unknown;
  modulus?: unknown;
  exponent?: unknown;
  expiry?: unknown;
  checksum?: unknown;
  hashAlgorithm?: unknown;
  keyAlgorithm?: unknown;
}

function hexField(k: KeyJson, name: keyof KeyJson, where: string): Uint8Array {
  const v = k[name];
  if (typeof v !== 'string') throw new ValidationError(`${where}: "${name}" must be a hex string`);
  return fromHex(v, `${where} ${name}`);
}

function byteField(k: KeyJson, name: 'index' | 'hashAlgorithm' | 'keyAlgorithm', where: string, fallback?: number): number {
  if (k[name] === undefined && fallback !== undefined) return fallback;
  const b = hexField(k, name, where);
  if (b.length !== 1) throw new ValidationError(`${where}: "${name}" is one byte (two hex digits)`);
  return b[0]!;
}

/**
 * Parses one key file: `{"keys":[...]}` or a bare array of keys. Every key is checked:
 * RID of 5 bytes, modulus of 64-248 bytes (Book 2 11.2.1: up to 1984 bits), exponent 3 or
 * 2^16+1, a date, SHA-1 hash and RSA algorithm indicators, and its check sum.
 */
export function parseCaKeyFile(json: unknown, source: string): CaPublicKey[] {
  const list = Array.isArray(json) ? json : (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new ValidationError(`${source}: expected {"keys":[...]} or a list of keys`);
  return list.map((raw, i) => {
    const where = `${source} key ${i + 1}`;
    if (typeof raw !== 'object' || raw === null) throw new ValidationError(`${where}: not an object`);
    const k = raw as KeyJson;
    const rid = hexField(k, 'rid', where);
    if (rid.length !== 5) throw new ValidationError(`${where}: a RID is 5 bytes, not ${rid.length}`);
    const index = byteField(k, 'index', where);
    const modulus = hexField(k, 'modulus', where);
    if (modulus.length < 64 || modulus.length > 248) throw new ValidationError(`${where}: modulus of ${modulus.length} bytes; EMV CA keys are 64 to 248`);
    if (modulus[0]! < 0x80) throw new ValidationError(`${where}: the modulus has a leading zero bit; its length would be wrong`);
    const exponent = hexField(k, 'exponent', where);
    const e = toHex(exponent);
    if (e !== '03' && e !== '010001') throw new ValidationError(`${where}: exponent ${e}; EMV allows 3 and 65537 (Book 2 11.2.1)`);
    if (typeof k.expiry !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(k.expiry)) {
      throw new ValidationError(`${where}: "expiry" must be a date YYYY-MM-DD`);
    }
    const expiry = Number(k.expiry.replaceAll('-', ''));
    const hashAlgorithm = byteField(k, 'hashAlgorithm', where, 1);
    const keyAlgorithm = byteField(k, 'keyAlgorithm', where, 1);
    if (hashAlgorithm !== 1) throw new ValidationError(`${where}: hash algorithm ${hashAlgorithm}; only 01 (SHA-1) is defined`);
    if (keyAlgorithm !== 1) throw new ValidationError(`${where}: key algorithm ${keyAlgorithm}; only 01 (RSA) is defined`);
    const checksum = hexField(k, 'checksum', where);
    if (toHex(checksum) !== toHex(caKeyChecksum(rid, index, modulus, exponent))) {
      throw new ValidationError(`${where}: the check sum does not match RID, index, modulus and exponent (a mistyped key?)`);
    }
    return { rid, index, modulus, exponent, expiry, hashAlgorithm, keyAlgorithm, source: where };
  });
}

/** The terminal's list of CA keys, looked up by RID and index. */
export class CaKeyStore {
  private readonly byId = new Map<string, CaPublicKey>();

  constructor(keys: readonly CaPublicKey[] = []) {
    for (const k of keys) {
      const id = `${toHex(k.rid)}/${k.index}`;
      if (this.byId.has(id)) throw new ValidationError(`${k.source}: RID ${toHex(k.rid)} index ${toHex(Uint8Array.of(k.index))} is listed twice`);
      this.byId.set(id, k);
    }
  }

  /** The key, whatever its date; undefined when the terminal does not hold it. */
  find(rid: Uint8Array, index: number): CaPublicKey | undefined {
    return this.byId.get(`${toHex(rid)}/${index}`);
  }

  get size(): number {
    return this.byId.size;
  }

  list(): CaPublicKey[] {
    return [...this.byId.values()];
  }
}

/** Reads and checks key files; a mistake in any of them stops the load with its name. */
export function loadCaKeyFiles(paths: readonly string[]): CaKeyStore {
  const keys: CaPublicKey[] = [];
  for (const p of paths) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(p, 'utf8'));
    } catch (e) {
      throw new ValidationError(`${p}: cannot read the CA key file (${(e as Error).message.split('\n')[0]})`);
    }
    keys.push(...parseCaKeyFile(json, p));
  }
  return new CaKeyStore(keys);
}

/** The key files shipped with the terminal: test keys only. */
export const SHIPPED_CA_KEY_FILES: readonly string[] = Object.freeze(
  ['simulator-test-ca.json', 'emv-test-keys.json'].map((f) => fileURLToPath(new URL(`./ca-keys/${f}`, import.meta.url))),
);

let shipped: CaKeyStore | undefined;

/** The shipped test keys, read once. */
export function shippedCaKeys(): CaKeyStore {
  shipped ??= loadCaKeyFiles(SHIPPED_CA_KEY_FILES);
  return shipped;
}
