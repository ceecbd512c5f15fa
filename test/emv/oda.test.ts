/**
 * Offline data authentication (EMV 4.4 Book 2 chapters 5 and 6; fDDA of Book C-3):
 * published vectors of a Mastercard test card, every check of the certificate chain made
 * to fail on its own with the simulator's test PKI, and the kernels' reaction to each
 * failure (TVR bits, outcome).
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { shippedCaKeys, type CaPublicKey } from '../../src/emv/ca-keys.js';
import { recoverIccKey, recoverIssuerKey, sha1 } from '../../src/emv/oda-certificates.js';
import { recoverDynamicSignature, verifyCda, verifyFdda } from '../../src/emv/oda-dynamic.js';
import { encodeCn } from '../../src/emv/formats.js';
import { tvrBits } from '../../src/emv/tvr.js';
import { cardDescription } from '../../simulator/cards/catalog.js';
import type { CardDescription, CardFaults } from '../../simulator/cards/card-description.js';
import { signDynamicData } from '../../simulator/cards/certificates.js';
import { iccKey, issuerKey, rsaSign, testCa } from '../../simulator/cards/test-keys.js';
import { VirtualCard } from '../../simulator/cards/virtual-card.js';
import * as V from './helpers/oda-vectors.js';
import { offlineConfig, run } from './helpers/kernel-harness.js';

const DATE = 20260315;

function caKey(rid: string, index: number): CaPublicKey {
  const k = shippedCaKeys().find(fromHex(rid), index);
  if (!k) throw new Error(`no CA key ${rid}/${index}`);
  return k;
}

describe('published vectors: Mastercard test card under test CA key F1 (openemv/emv-utils)', () => {
  const ca = caKey(V.MC_TEST_RID, V.MC_TEST_CA_INDEX);

  it('recovers the issuer public key, with identifier, expiry and serial', () => {
    const r = recoverIssuerKey({ caKey: ca, certificate: fromHex(V.ISSUER_CERT), exponent: fromHex('03'), pan: V.MC_TEST_PAN, date: V.VECTOR_DATE });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(toHex(r.value.modulus)).toBe(toHex(fromHex(V.ISSUER_MODULUS)));
    expect(r.value.issuerIdentifier).toBe('541333');
    expect(r.value.expiry).toBe(20271231);
    expect(toHex(r.value.serial)).toBe('000001');
  });

  it('the same certificate is refused after its expiry (12/27) and for another issuer', () => {
    const input = { caKey: ca, certificate: fromHex(V.ISSUER_CERT), exponent: fromHex('03') };
    const expired = recoverIssuerKey({ ...input, pan: V.MC_TEST_PAN, date: 20280101 });
    expect(expired.ok || expired.failure.check).toBe('ISSUER_CERT_EXPIRED');
    const other = recoverIssuerKey({ ...input, pan: '5555555555554444', date: V.VECTOR_DATE });
    expect(other.ok || other.failure.check).toBe('ISSUER_ID_MISMATCH');
  });

  it('recovers the ICC certificate up to its hash, which covers static data the vector does not publish', () => {
    const issuer = { modulus: fromHex(V.ISSUER_MODULUS), exponent: fromHex('03') };
    const r = recoverIccKey({
      issuerKey: issuer,
      certificate: fromHex(V.ICC_CERT),
      remainder: fromHex(V.ICC_REMAINDER),
      exponent: fromHex('03'),
      pan: V.MC_TEST_PAN,
      staticData: new Uint8Array(0),
      date: V.VECTOR_DATE,
    });
    // Header, trailer, format and remainder length passed: only the hash is left to fail.
    expect(r.ok || r.failure.check).toBe('ICC_CERT_HASH');
  });

  it('verifies the signed dynamic data over UN 8B55633B and recovers its dynamic data; one changed bit fails', () => {
    const icc = { modulus: fromHex(V.ICC_MODULUS), exponent: fromHex('03') };
    const r = recoverDynamicSignature(icc, fromHex(V.SDAD), fromHex(V.SDAD_UN));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(toHex(r.value.iccDynamicData)).toBe(toHex(fromHex(V.SDAD_DYNAMIC_DATA)));
    expect(toHex(r.value.iccDynamicNumber)).toBe('537EB5E03CC433C8');
    const other = recoverDynamicSignature(icc, fromHex(V.SDAD), fromHex('8B55633C'));
    expect(other.ok || other.failure.check).toBe('SDAD_HASH');
    const bad = fromHex(V.SDAD);
    bad[bad.length - 1] = 0x47;
    const broken = recoverDynamicSignature(icc, bad, fromHex(V.SDAD_UN));
    expect(broken.ok).toBe(false);
  });

  it('as CDA: the signed CID must be the one answered, then the transaction data hash code is checked', () => {
    const icc = { modulus: fromHex(V.ICC_MODULUS), exponent: fromHex('03') };
    const input = { unpredictableNumber: fromHex(V.SDAD_UN), pdolData: new Uint8Array(0), cdolData: new Uint8Array(0), response: [] };
    const cid = verifyCda(icc, fromHex(V.SDAD), { ...input, cid: 0x80 });
    expect(cid.ok || cid.failure.check).toBe('SDAD_CID_MISMATCH');
    const tdhc = verifyCda(icc, fromHex(V.SDAD), { ...input, cid: 0x00 });
    expect(tdhc.ok || tdhc.failure.check).toBe('SDAD_TRANSACTION_DATA_HASH');
  });
});

/** An issuer certificate of the simulator's test CA with any field overridden (Book 2 Table 13). */
function issuerCert(o: { header?: number; format?: number; hashAlg?: number; keyAlg?: number; trailer?: number; expiry?: string; id?: string; badHash?: boolean } = {}) {
  const ca = testCa();
  const issuer = issuerKey('visa-issuer');
  const room = ca.modulus.length - 36;
  const field = issuer.modulus.slice(0, room);
  const remainder = issuer.modulus.slice(room);
  const data = Uint8Array.from([
    o.format ?? 0x02,
    ...encodeCn(o.id ?? '476173', 4),
    ...fromHex(o.expiry ?? '1239'),
    0x00,
    0x00,
    0x01,
    o.hashAlg ?? 0x01,
    o.keyAlg ?? 0x01,
    issuer.modulus.length,
    issuer.exponent.length,
    ...field,
  ]);
  const hash = sha1(data, remainder, issuer.exponent);
  if (o.badHash) hash[0] = hash[0]! ^ 0x01;
  const certificate = rsaSign(ca, Uint8Array.from([o.header ?? 0x6a, ...data, ...hash, o.trailer ?? 0xbc]));
  return { certificate, remainder, exponent: issuer.exponent, issuer };
}

describe('the issuer certificate: each check of Book 2 6.3 fails on its own', () => {
  const ca = caKey('A000000003', testCa().index);
  const check = (o: Parameters<typeof issuerCert>[0], patch: (c: ReturnType<typeof issuerCert>) => Partial<Parameters<typeof recoverIssuerKey>[0]> = () => ({})) => {
    const c = issuerCert(o);
    const r = recoverIssuerKey({ caKey: ca, certificate: c.certificate, remainder: c.remainder, exponent: c.exponent, pan: '4761739001010010', date: DATE, ...patch(c) });
    return r.ok ? 'ok' : r.failure.check;
  };

  it('a well-made certificate gives the issuer key, remainder joined', () => {
    const c = issuerCert();
    const r = recoverIssuerKey({ caKey: ca, certificate: c.certificate, remainder: c.remainder, exponent: c.exponent, pan: '4761739001010010', date: DATE });
    expect(r.ok && toHex(r.value.modulus)).toBe(toHex(c.issuer.modulus));
  });

  it.each([
    ['ISSUER_CERT_LENGTH', {}, (c: ReturnType<typeof issuerCert>) => ({ certificate: c.certificate.subarray(1) })],
    ['ISSUER_CERT_TRAILER', { trailer: 0xbd }],
    ['ISSUER_CERT_HEADER', { header: 0x6b }],
    ['ISSUER_CERT_FORMAT', { format: 0x04 }],
    ['ISSUER_CERT_HASH_ALGORITHM', { hashAlg: 0x02 }],
    ['ISSUER_REMAINDER_LENGTH', {}, () => ({ remainder: undefined })],
    ['ISSUER_CERT_HASH', { badHash: true }],
    ['ISSUER_CERT_HASH', {}, () => ({ exponent: fromHex('010001') })],
    ['ISSUER_ID_MISMATCH', { id: '543210' }],
    ['ISSUER_CERT_EXPIRED', { expiry: '0226' }],
    ['ISSUER_CERT_EXPIRED', { expiry: '1326' }],
    ['ISSUER_KEY_ALGORITHM', { keyAlg: 0x02 }],
  ] as const)('%s', (name, o, patch?: (c: ReturnType<typeof issuerCert>) => object) => {
    expect(check(o, patch)).toBe(name);
  });

  it('an expiry of the current month is still valid (through its last day)', () => {
    expect(check({ expiry: '0326' })).toBe('ok');
  });
});

describe('the ICC certificate and the dynamic signature (Book 2 6.4, 6.5.2)', () => {
  const issuer = issuerKey('visa-issuer');
  const icc = iccKey('icc-visa-ok');
  const staticData = fromHex('5A0847617390010100105F24033012319F4A0182');
  function iccCert(o: { pan?: string; expiry?: string; format?: number; staticData?: Uint8Array } = {}) {
    const room = issuer.modulus.length - 42;
    const field = icc.modulus.slice(0, room);
    const remainder = icc.modulus.slice(room);
    const data = Uint8Array.from([o.format ?? 0x04, ...encodeCn(o.pan ?? '4761739001010010', 10), ...fromHex(o.expiry ?? '1230'), 0, 0, 2, 1, 1, icc.modulus.length, icc.exponent.length, ...field]);
    const hash = sha1(data, remainder, icc.exponent, o.staticData ?? staticData);
    return { certificate: rsaSign(issuer, Uint8Array.from([0x6a, ...data, ...hash, 0xbc])), remainder };
  }
  const recover = (o: Parameters<typeof iccCert>[0], data = staticData) => {
    const c = iccCert(o);
    const r = recoverIccKey({ issuerKey: issuer, certificate: c.certificate, remainder: c.remainder, exponent: icc.exponent, pan: '4761739001010010', staticData: data, date: DATE });
    return r.ok ? 'ok' : r.failure.check;
  };

  it('checks the PAN, the expiry, the format and the hash over the signed records', () => {
    expect(recover({})).toBe('ok');
    expect(recover({ pan: '4761739001010036' })).toBe('ICC_PAN_MISMATCH');
    expect(recover({ expiry: '0126' })).toBe('ICC_CERT_EXPIRED');
    expect(recover({ format: 0x02 })).toBe('ICC_CERT_FORMAT');
    expect(recover({}, fromHex('5A0847617390010100105F24033012319F4A0183'))).toBe('ICC_CERT_HASH');
  });

  it('fDDA version 01 signs UN, amount, currency and 9F69; version 00 the UN alone', () => {
    const key = { modulus: icc.modulus, exponent: icc.exponent };
    const input = { unpredictableNumber: fromHex('11223344'), amount: fromHex('000000000100'), currency: fromHex('0156'), cardAuthenticationData: fromHex('01AABBCCDD0000') };
    const v01 = signDynamicData(icc, fromHex('020011'), fromHex('11223344' + '000000000100' + '0156' + '01AABBCCDD0000'));
    expect(verifyFdda(key, v01, input).ok).toBe(true);
    const otherAmount = verifyFdda(key, v01, { ...input, amount: fromHex('000000000200') });
    expect(otherAmount.ok || otherAmount.failure.check).toBe('SDAD_HASH');
    const v00 = signDynamicData(icc, fromHex('020011'), fromHex('11223344'));
    expect(verifyFdda(key, v00, { ...input, cardAuthenticationData: undefined }).ok).toBe(true);
  });

  it('a signature in another format, or too long for the key, is refused by name', () => {
    const key = { modulus: icc.modulus, exponent: icc.exponent };
    const n = icc.modulus.length;
    const wrongFormat = rsaSign(icc, Uint8Array.from([0x6a, 0x03, ...new Uint8Array(n - 3).fill(0xbb), 0xbc]));
    const r = recoverDynamicSignature(key, wrongFormat, fromHex('11223344'));
    expect(r.ok || r.failure.check).toBe('SDAD_FORMAT');
    const long = recoverDynamicSignature(key, new Uint8Array(n + 1), fromHex('11223344'));
    expect(long.ok || long.failure.check).toBe('SDAD_LENGTH');
  });
});

function faulty(id: string, faults: CardFaults): VirtualCard {
  const d = cardDescription(id);
  const desc: CardDescription = { ...d, applications: d.applications.map((a) => ({ ...a, faults })) };
  return new VirtualCard(desc);
}

describe('the kernels on a failed ODA', () => {
  it.each([
    ['bad issuer certificate', { corruptIssuerCertificate: true }, 'ISSUER_CERT_'],
    ['expired issuer certificate', { issuerCertificateExpiry: '1225' }, 'ISSUER_CERT_EXPIRED'],
    ['ICC certificate over other data (wrong hash)', { iccCertificateWrongStaticData: true }, 'ICC_CERT_HASH'],
    ['ICC certificate of another PAN', { iccCertificatePan: '4761730000000029' }, 'ICC_PAN_MISMATCH'],
    ['CA key the terminal lacks', { caIndex: 0x01 }, 'CA_KEY_NOT_FOUND'],
    ['signature over another UN', { wrongDynamicSignature: true }, 'SDAD_HASH'],
  ] as const)('Visa offline approval, %s: fDDA fails by name, the CTQ sends it online', async (_, faults, check) => {
    const { result } = await run(faulty('visa-ok', faults), 100, offlineConfig());
    expect(result.cryptogram?.type).toBe('TC');
    expect(result.oda.method).toBe('fDDA');
    expect(result.oda.result).toBe('failed');
    expect(result.oda.failure?.check.startsWith(check)).toBe(true);
    expect(result.outcome).toBe('online-request');
  });

  it.each([
    ['bad issuer certificate', { corruptIssuerCertificate: true }, 'ISSUER_CERT_'],
    ['expired issuer certificate', { issuerCertificateExpiry: '1225' }, 'ISSUER_CERT_EXPIRED'],
    ['ICC certificate over other data (wrong hash)', { iccCertificateWrongStaticData: true }, 'ICC_CERT_HASH'],
  ] as const)('Mastercard, %s: TVR "CDA failed", no CDA asked, the TAC sends it online', async (_, faults, check) => {
    const { result, commands } = await run(faulty('mc-ok', faults), 100, offlineConfig());
    expect(result.oda.failure?.check.startsWith(check)).toBe(true);
    expect(tvrBits(result.tvr)).toEqual(['cdaFailed']);
    // P1 80: an ARQC, without the CDA bit.
    expect(commands.at(-1)!.slice(0, 8)).toBe('80AE8000');
    expect(result.outcome).toBe('online-request');
  });

  it('Mastercard whose CDA signature fails after GENERATE AC: TVR "CDA failed", declined', async () => {
    const { result, commands } = await run(faulty('mc-ok', { wrongDynamicSignature: true }), 100, offlineConfig());
    expect(commands.at(-1)!.slice(0, 8)).toBe('80AE5000');
    expect(result.oda.failure?.check).toBe('SDAD_HASH');
    expect(tvrBits(result.tvr)).toEqual(['cdaFailed']);
    expect(result.outcome).toBe('declined');
  });

  it('a CA key index the terminal lacks: CDA failed, without "ICC data missing" (the card gave its data)', async () => {
    const { result } = await run(faulty('mc-ok', { caIndex: 0x01 }), 100, offlineConfig());
    expect(result.oda.failure?.check).toBe('CA_KEY_NOT_FOUND');
    expect(tvrBits(result.tvr)).toEqual(['cdaFailed']);
  });
});
