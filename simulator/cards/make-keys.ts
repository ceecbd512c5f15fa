/**
 * Makes the simulator's test PKI: one test Certification Authority, an issuer key per test
 * issuer and an ICC key per virtual card application (and a PIN encipherment key where a
 * card has one of its own). Run it only to replace them:
 *
 *   npx tsx simulator/cards/make-keys.ts
 *
 * or, to add the keys of new cards and leave every existing key as it is:
 *
 *   npx tsx simulator/cards/make-keys.ts --missing
 *
 * It writes the private keys to simulator/cards/keys/test-keys.json (test keys: they sign
 * nothing outside the simulator) and the CA's public half, under every RID the virtual cards
 * use, to src/emv/ca-keys/simulator-test-ca.json, the file the kernel reads. Sizes follow
 * EMV 4.4 Book 2 11.2.1: the CA key (1408 bits) is longer than the issuer keys (1152), which
 * are longer than the ICC keys (1024), so certificates need remainders, as on real cards.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toHex } from '../../src/hex.js';
import { caKeyChecksum } from '../../src/emv/ca-keys.js';

export interface StoredKey {
  bits: number;
  modulus: string;
  exponent: string;
  /** PKCS#8 PEM. */
  privateKey: string;
}

/** The index (8F) of the simulator's test CA under each RID: not used by any payment system's test keys. */
export const TEST_CA_INDEX = 0xe7;
export const TEST_CA_EXPIRY = '2040-12-31';
export const TEST_CA_RIDS = ['A000000003', 'A000000004', 'A000000025', 'A000000333'];

const ISSUERS = ['visa-issuer', 'mastercard-issuer', 'amex-issuer', 'unionpay-issuer'];
const ICCS = [
  'icc-visa-ok',
  'icc-visa-nsf',
  'icc-visa-expired',
  'icc-mc-ok',
  'icc-mc-wrongpin',
  'icc-unionpay-ok',
  'icc-two-apps-visa',
  'icc-two-apps-unionpay',
  'icc-amex-ok',
  'icc-chip-ok',
  'icc-chip-offlinepin',
  // chip-offlinepin's ICC PIN Encipherment key (Book 2 7.1), apart from its ICC key.
  'pin-chip-offlinepin',
];

/** ICC keys alternate between the two exponents EMV allows (Book 2 11.2.1). */
const iccExponent = (i: number) => (i % 2 ? 3 : 65537);

/** --missing: the keys named above that keys/test-keys.json lacks are made and added; nothing else changes. */
function addMissing(keysFile: string): void {
  const file = JSON.parse(readFileSync(keysFile, 'utf8')) as { iccs: Record<string, StoredKey> } & Record<string, unknown>;
  const added = ICCS.filter((n) => !file.iccs[n]);
  for (const n of added) file.iccs[n] = make(1024, iccExponent(ICCS.indexOf(n)));
  writeFileSync(keysFile, JSON.stringify(file, null, 2) + '\n');
  process.stdout.write(`added ${added.length ? added.join(', ') : 'nothing'} to ${keysFile}\n`);
}

function make(bits: number, e: number): StoredKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: e });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    bits,
    modulus: toHex(Buffer.from(jwk.n!, 'base64url')),
    exponent: toHex(Buffer.from(jwk.e!, 'base64url')),
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

function main(): void {
  if (process.argv.includes('--missing')) {
    addMissing(fileURLToPath(new URL('./keys/test-keys.json', import.meta.url)));
    return;
  }
  const ca = make(1408, 3);
  const issuers = Object.fromEntries(ISSUERS.map((n) => [n, make(1152, 3)]));
  const iccs = Object.fromEntries(ICCS.map((n, i) => [n, make(1024, iccExponent(i))]));
  const keysFile = fileURLToPath(new URL('./keys/test-keys.json', import.meta.url));
  writeFileSync(
    keysFile,
    JSON.stringify(
      {
        note: 'TEST KEYS of the simulator (simulator/cards/make-keys.ts). Never use them for anything real.',
        ca: { index: TEST_CA_INDEX, expiry: TEST_CA_EXPIRY, ...ca },
        issuers,
        iccs,
      },
      null,
      2,
    ) + '\n',
  );
  const modulus = Buffer.from(ca.modulus, 'hex');
  const exponent = Buffer.from(ca.exponent, 'hex');
  const caFile = fileURLToPath(new URL('../../src/emv/ca-keys/simulator-test-ca.json', import.meta.url));
  writeFileSync(
    caFile,
    JSON.stringify(
      {
        description: "The simulator's test CA (simulator/cards/make-keys.ts), under the RIDs of the virtual cards. Test only.",
        keys: TEST_CA_RIDS.map((rid) => ({
          rid,
          index: toHex(Uint8Array.of(TEST_CA_INDEX)),
          modulus: ca.modulus,
          exponent: ca.exponent,
          expiry: TEST_CA_EXPIRY,
          hashAlgorithm: '01',
          keyAlgorithm: '01',
          checksum: toHex(caKeyChecksum(Buffer.from(rid, 'hex'), TEST_CA_INDEX, modulus, exponent)),
        })),
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`wrote ${keysFile}\nwrote ${caFile}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
