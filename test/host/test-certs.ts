/**
 * Test-only X.509 (RFC 5280) certificates made with node:crypto alone: a self-signed CA and
 * a server certificate for 127.0.0.1 signed by it, ECDSA P-256 with SHA-256. node:crypto
 * signs but has no certificate builder, so the DER is assembled here, field by field.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

function der(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}
const seq = (...parts: Uint8Array[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Uint8Array[]) => der(0x31, Buffer.concat(parts));
const octets = (b: Uint8Array) => der(0x04, b);
const bits = (b: Uint8Array, unused = 0) => der(0x03, Buffer.concat([Buffer.from([unused]), b]));
const bool = (v: boolean) => der(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, inner: Uint8Array) => der(0xa0 + n, inner);

function integer(b: Uint8Array): Buffer {
  return der(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : Buffer.from(b));
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const v of rest) {
    const groups: number[] = [];
    let x = v;
    do {
      groups.unshift(x & 0x7f);
      x >>= 7;
    } while (x > 0);
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return der(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return der(0x17, Buffer.from(s, 'ascii'));
}

const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const ext = (id: string, critical: boolean, value: Uint8Array) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

interface Issued {
  certPem: string;
  keyPem: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  subject: string;
}

function certificate(subject: string, publicKey: KeyObject, issuer: { subject: string; privateKey: KeyObject; publicKey: KeyObject }, ca: boolean): string {
  // Valid from a day before to a day after now: OpenSSL checks validity against the real clock.
  const now = Date.now();
  const extensions = [
    ext('2.5.29.19', true, ca ? seq(bool(true)) : seq()),
    // keyUsage: keyCertSign and cRLSign for the CA, digitalSignature for the server.
    ext('2.5.29.15', true, ca ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0x80]), 7)),
    ext('2.5.29.14', false, octets(keyId(publicKey))),
    ext('2.5.29.35', false, seq(der(0x80, keyId(issuer.publicKey)))),
    ...(ca ? [] : [ext('2.5.29.17', false, seq(der(0x87, Buffer.from([127, 0, 0, 1]))))]),
  ];
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(8)])),
    ECDSA_SHA256,
    name(issuer.subject),
    seq(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 86_400_000))),
    name(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, issuer.privateKey);
  const cert = seq(tbs, ECDSA_SHA256, bits(signature));
  const b64 = cert.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function keys(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** A self-signed CA. */
export function makeCa(subject = 'POS Test Acquirer CA'): Issued {
  const k = keys();
  const self = { subject, ...k };
  return { certPem: certificate(subject, k.publicKey, self, true), keyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, ...k, subject };
}

/** A server certificate for the IP address 127.0.0.1, issued by `ca`. */
export function makeServerCert(ca: Issued, subject = 'acquirer.test'): Issued {
  const k = keys();
  return { certPem: certificate(subject, k.publicKey, ca, false), keyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, ...k, subject };
}
