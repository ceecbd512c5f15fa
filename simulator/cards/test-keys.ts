/**
 * The simulator's test PKI as KeyObjects, read once from keys/test-keys.json (made by
 * make-keys.ts). The CA's public half is in src/emv/ca-keys/simulator-test-ca.json.
 */
import { createPrivateKey, privateEncrypt, constants, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../src/errors.js';
import { fromHex } from '../../src/hex.js';
import type { StoredKey } from './make-keys.js';

export interface TestKey {
  name: string;
  modulus: Uint8Array;
  exponent: Uint8Array;
  private: KeyObject;
}

interface KeyFile {
  ca: StoredKey & { index: number; expiry: string };
  issuers: Record<string, StoredKey>;
  iccs: Record<string, StoredKey>;
}

let file: KeyFile | undefined;
const cache = new Map<string, TestKey>();

function load(): KeyFile {
  file ??= JSON.parse(readFileSync(new URL('./keys/test-keys.json', import.meta.url), 'utf8')) as KeyFile;
  return file;
}

function key(name: string, stored: StoredKey | undefined): TestKey {
  const hit = cache.get(name);
  if (hit) return hit;
  if (!stored) throw new ValidationError(`test key '${name}' is not in simulator/cards/keys/test-keys.json`);
  const k = { name, modulus: fromHex(stored.modulus), exponent: fromHex(stored.exponent), private: createPrivateKey(stored.privateKey) };
  cache.set(name, k);
  return k;
}

export function testCa(): TestKey & { index: number } {
  const f = load();
  return { ...key('ca', f.ca), index: f.ca.index };
}

export function issuerKey(name: string): TestKey {
  return key(`issuer:${name}`, load().issuers[name]);
}

export function iccKey(name: string): TestKey {
  return key(`icc:${name}`, load().iccs[name]);
}

/** The raw RSA private operation (EMV signatures carry no PKCS padding, Book 2 Annex A2.1). */
export function rsaSign(k: TestKey, message: Uint8Array): Uint8Array {
  if (message.length !== k.modulus.length) throw new ValidationError(`RSA sign: ${message.length} bytes for a ${k.modulus.length}-byte key`);
  return new Uint8Array(privateEncrypt({ key: k.private, padding: constants.RSA_NO_PADDING }, message));
}
