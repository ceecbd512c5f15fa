/**
 * Personalisation of a virtual contact chip application, as an issuer's data preparation
 * does it: the FCI, the entry of the PSE directory, the AIP and AFL, the records (EMV 4.4
 * Book 3 Annex A1 data objects, CDOL1 and CDOL2, CVM list, action codes, velocity limits)
 * and what offline data authentication needs (Book 2: issuer certificate, and the Signed
 * Static Application Data for SDA or the ICC certificate for DDA and CDA, both over the
 * static data of the records the AFL marks; for an enciphered offline PIN under a key of its
 * own, the ICC PIN Encipherment Public Key Certificate of Book 2 7.1).
 */
import { concat } from '../../src/bytes.js';
import { encodeCn, encodeN } from '../../src/emv/formats.js';
import { decodeTlv, encodeTlv, type TlvInput } from '../../src/emv/tlv.js';
import { fromHex } from '../../src/hex.js';
import { iccCertificate, issuerCertificate, signStaticData } from './certificates.js';
import type { ContactApplicationDescription } from './contact-description.js';
import { MCHIP_CDOL1 } from './personalisation.js';
import { iccKey, issuerKey, testCa, type TestKey } from './test-keys.js';

export interface PersonalisedContact {
  desc: ContactApplicationDescription;
  aid: Uint8Array;
  /** The SELECT answer's data: 6F template. */
  fci: Uint8Array;
  /** The Application Template (61) of the PSE directory. */
  directoryEntry: TlvInput;
  aip: Uint8Array;
  afl: Uint8Array;
  pdol?: Uint8Array;
  cdol1: Uint8Array;
  cdol2: Uint8Array;
  ddol: Uint8Array;
  /** Records by "SFI/record", each a 70 template. */
  records: Map<string, Uint8Array>;
  icc: TestKey;
  /** The key an enciphered offline PIN comes under (Book 2 7.1): the separate PIN key, or the ICC key. */
  pinKey: TestKey;
  iad: Uint8Array;
}

const t = (tag: number, value: Uint8Array | string): TlvInput => ({ tag, value: typeof value === 'string' ? fromHex(value) : value });
const text = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'ascii'));

/** The data every application's cryptogram covers (simulator/host/arqc.ts), the same for the TC. */
const CRYPTOGRAM_DATA = '9F02069F03069F1A0295055F2A029A039C019F3704';
/** CDOL2 of a card that checks the ARPC itself: the ARC, the Issuer Authentication Data, then the cryptogram's data. */
export const CDOL2_WITH_ISSUER_DATA = '8A02910A' + CRYPTOGRAM_DATA;
/** CDOL2 of a card checked by EXTERNAL AUTHENTICATE. */
export const CDOL2_WITHOUT_ISSUER_DATA = '8A02' + CRYPTOGRAM_DATA;
export const CONTACT_DDOL = '9F3704';

/** Book 3 Annex C1, AIP byte 1: b7 SDA, b6 DDA, b5 cardholder verification, b4 terminal risk management, b3 issuer authentication, b1 CDA. */
function aipOf(d: ContactApplicationDescription): Uint8Array {
  const oda = d.oda === 'SDA' ? 0x40 : d.oda === 'DDA' ? 0x20 : d.oda === 'CDA' ? 0x21 : 0x00;
  const issuer = d.issuerAuthentication === 'external-authenticate' ? 0x04 : 0x00;
  return Uint8Array.of(oda | 0x10 | 0x08 | issuer, 0x00);
}

function track2(d: ContactApplicationDescription): Uint8Array {
  const nibbles = `${d.pan}D${d.expiry.slice(0, 4)}${d.serviceCode}00000123000`;
  return fromHex(nibbles.length % 2 ? nibbles + 'F' : nibbles);
}

export function personaliseContact(d: ContactApplicationDescription): PersonalisedContact {
  const aid = fromHex(d.aid);
  const aip = aipOf(d);
  const dynamic = d.oda === 'DDA' || d.oda === 'CDA';
  // SFI 1 record 1 is signed; SFI 2 holds the certificates (and SDA's signature, in a
  // record of its own: a record holds at most 254 bytes), which cannot sign themselves.
  const pinKeyName = d.offlinePin?.pinKey;
  const sfi2Records = (d.oda === 'none' ? 0 : 2) + (pinKeyName ? (d.oda === 'none' ? 2 : 1) : 0);
  const afl = fromHex('08010101' + (sfi2Records ? `1001${sfi2Records.toString(16).padStart(2, '0')}00` : ''));
  const pdol = d.pdol ? fromHex(d.pdol) : undefined;
  const cdol1 = fromHex(MCHIP_CDOL1);
  const cdol2 = fromHex(d.issuerAuthentication === 'in-cdol2' ? CDOL2_WITH_ISSUER_DATA : CDOL2_WITHOUT_ISSUER_DATA);
  const ddol = fromHex(CONTACT_DDOL);
  const api = d.priority !== undefined || d.confirmationRequired ? Uint8Array.of((d.confirmationRequired ? 0x80 : 0) | (d.priority ?? 0)) : undefined;

  const proprietary: TlvInput[] = [t(0x50, text(d.label))];
  if (api) proprietary.push(t(0x87, api));
  if (pdol) proprietary.push(t(0x9f38, pdol));
  proprietary.push(t(0x5f2d, text('zhen')));
  if (d.preferredName) proprietary.push(t(0x9f12, text(d.preferredName)));
  const fci = encodeTlv([{ tag: 0x6f, children: [t(0x84, aid), { tag: 0xa5, children: proprietary }] }]);
  const entry: TlvInput[] = [t(0x4f, aid), t(0x50, text(d.label))];
  if (d.preferredName) entry.push(t(0x9f12, text(d.preferredName)));
  if (api) entry.push(t(0x87, api));

  const account: TlvInput[] = [
    t(0x57, track2(d)),
    t(0x5a, encodeCn(d.pan)),
    t(0x5f24, d.expiry),
    t(0x5f25, d.effective),
    t(0x5f28, encodeN(d.issuerCountry, 2)),
    t(0x5f30, encodeN(d.serviceCode, 2)),
    t(0x5f34, d.psn),
    t(0x5f20, text(d.cardholderName)),
    t(0x9f07, d.auc ?? 'FF00'),
    t(0x9f08, d.appVersion),
    t(0x9f42, encodeN(d.currency, 2)),
    t(0x8c, cdol1),
    t(0x8d, cdol2),
    t(0x8e, d.cvmList),
    t(0x9f0d, d.iac.default),
    t(0x9f0e, d.iac.denial),
    t(0x9f0f, d.iac.online),
  ];
  if (d.velocity) account.push(t(0x9f14, Uint8Array.of(d.velocity.lower)), t(0x9f23, Uint8Array.of(d.velocity.upper)));
  if (dynamic) account.push(t(0x9f49, ddol));
  account.push(t(0x9f4a, '82'));
  const record1 = encodeTlv([{ tag: 0x70, children: account }]);
  const records = new Map<string, Uint8Array>([['1/1', record1]]);

  const icc = iccKey(d.iccKey);
  const pinKey = pinKeyName ? iccKey(pinKeyName) : icc;
  const mmyy = d.expiry.slice(2, 4) + d.expiry.slice(0, 2);
  if (d.oda !== 'none' || pinKeyName) {
    const ca = testCa();
    const issuer = issuerKey(d.issuerKey);
    const issuerCert = issuerCertificate(ca, issuer, d.pan.slice(0, 6), '1239', Uint8Array.of(0x00, 0x00, 0x01));
    const issuerRecord: TlvInput[] = [t(0x8f, Uint8Array.of(ca.index)), t(0x90, issuerCert.certificate)];
    if (issuerCert.remainder.length) issuerRecord.push(t(0x92, issuerCert.remainder));
    issuerRecord.push(t(0x9f32, issuer.exponent));
    records.set('2/1', encodeTlv([{ tag: 0x70, children: issuerRecord }]));
    if (pinKeyName) {
      // Book 2 7.1: the ICC PIN Encipherment Public Key Certificate is signed as the ICC Public
      // Key Certificate is, with no static data in its hash.
      const pinCert = iccCertificate(issuer, pinKey, d.pan, mmyy, Uint8Array.of(0x00, 0x00, 0x03), new Uint8Array(0));
      const pinRecord: TlvInput[] = [t(0x9f2d, pinCert.certificate), t(0x9f2e, pinKey.exponent)];
      if (pinCert.remainder.length) pinRecord.push(t(0x9f2f, pinCert.remainder));
      records.set(`2/${sfi2Records}`, encodeTlv([{ tag: 0x70, children: pinRecord }]));
    }
  }
  if (d.oda !== 'none') {
    // Book 2 5.4: for SFI 1-10 the signed data is the record template's value; then the AIP (9F4A).
    const staticData = concat(decodeTlv(record1)[0]!.value, aip);
    const issuer = issuerKey(d.issuerKey);
    if (d.oda === 'SDA') records.set('2/2', encodeTlv([{ tag: 0x70, children: [t(0x93, signStaticData(issuer, fromHex('DAC1'), staticData))] }]));
    if (dynamic) {
      const iccCert = iccCertificate(issuer, icc, d.pan, mmyy, Uint8Array.of(0x00, 0x00, 0x02), staticData);
      const iccRecord: TlvInput[] = [t(0x9f46, iccCert.certificate), t(0x9f47, icc.exponent)];
      if (iccCert.remainder.length) iccRecord.push(t(0x9f48, iccCert.remainder));
      records.set('2/2', encodeTlv([{ tag: 0x70, children: iccRecord }]));
    }
  }
  return {
    desc: d,
    aid,
    fci,
    directoryEntry: { tag: 0x61, children: entry },
    aip,
    afl,
    ...(pdol ? { pdol } : {}),
    cdol1,
    cdol2,
    ddol,
    records,
    icc,
    pinKey,
    // Visa's IAD format with CVN 10 (the cryptogram version is the simulator's own).
    iad: fromHex('06010A03A00000'),
  };
}
