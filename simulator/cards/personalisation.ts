/**
 * Personalisation of a virtual card application: its FCI, PPSE entry, records and
 * certificates, built from its description the way an issuer's data preparation does
 * (EMV 4.4 Book 3 Annex A1 data objects; Book 2 for the certificates, whose ICC certificate
 * signs the static data of the records the AFL marks for offline data authentication).
 */
import { concat } from '../../src/bytes.js';
import { encodeCn, encodeN } from '../../src/emv/formats.js';
import { decodeTlv, encodeTlv, type TlvInput } from '../../src/emv/tlv.js';
import { fromHex } from '../../src/hex.js';
import type { ApplicationDescription } from './card-description.js';
import { iccCertificate, issuerCertificate } from './certificates.js';
import { iccKey, issuerKey, testCa, type TestKey } from './test-keys.js';

export interface Personalised {
  desc: ApplicationDescription;
  aid: Uint8Array;
  /** The SELECT answer's data: 6F template. */
  fci: Uint8Array;
  /** The Directory Entry (61) of the PPSE. */
  ppseEntry: TlvInput;
  aip: Uint8Array;
  afl: Uint8Array;
  pdol?: Uint8Array;
  cdol1?: Uint8Array;
  /** Records by "SFI/record", each a 70 template. */
  records: Map<string, Uint8Array>;
  icc: TestKey;
  iad: Uint8Array;
  track2: Uint8Array;
}

const t = (tag: number, value: Uint8Array | string): TlvInput => ({ tag, value: typeof value === 'string' ? fromHex(value) : value });
const text = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'ascii'));

/** Book C-3 / C-7: the PDOL a qVSDC or qPBOC card asks for (as the published cards do). */
export const QVSDC_PDOL = '9F66049F02069F03069F1A0295055F2A029A039C019F3704';
/** The CDOL1 of the virtual M/Chip and Expresspay cards: Table 26's data plus terminal type and CVM Results. */
export const MCHIP_CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F3403';
/** Amex Expresspay cards ask for the reader's capabilities (9F6E, Book C-4). */
export const EXPRESSPAY_PDOL = '9F6E04';

function track2(d: ApplicationDescription): Uint8Array {
  // Book 3 Annex A1 (57): PAN, D, YYMM, service code, discretionary data, F to a whole byte.
  const nibbles = `${d.pan}D${d.expiry.slice(0, 4)}${d.serviceCode}00000123000`;
  return fromHex(nibbles.length % 2 ? nibbles + 'F' : nibbles);
}

function mmyyOf(yymmdd: string): string {
  return yymmdd.slice(2, 4) + yymmdd.slice(0, 2);
}

export function personalise(d: ApplicationDescription): Personalised {
  const aid = fromHex(d.aid);
  const qvsdc = d.profile === 'qvsdc';
  const amex = d.aid.startsWith('A000000025');
  const aip = fromHex(d.aip ?? (qvsdc ? '2000' : '1980'));
  // SFI 1 record 1 is signed (static data); SFI 2 holds the certificates, which cannot sign themselves.
  const afl = fromHex('08010101' + '10010200');
  const pdol = qvsdc ? fromHex(QVSDC_PDOL) : amex ? fromHex(EXPRESSPAY_PDOL) : undefined;
  const cdol1 = qvsdc ? undefined : fromHex(MCHIP_CDOL1);
  const t2 = track2(d);

  const fciProprietary: TlvInput[] = [t(0x50, text(d.label))];
  if (d.priority !== undefined) fciProprietary.push(t(0x87, Uint8Array.of(d.priority)));
  if (pdol) fciProprietary.push(t(0x9f38, pdol));
  fciProprietary.push(t(0x5f2d, text('zhen')));
  const fci = encodeTlv([{ tag: 0x6f, children: [t(0x84, aid), { tag: 0xa5, children: fciProprietary }] }]);
  const entry: TlvInput[] = [t(0x4f, aid), t(0x50, text(d.label))];
  if (d.priority !== undefined) entry.push(t(0x87, Uint8Array.of(d.priority)));
  if (d.kernelIdentifier) entry.push(t(0x9f2a, d.kernelIdentifier));

  const account: TlvInput[] = [
    t(0x5a, encodeCn(d.pan)),
    t(0x5f24, d.expiry),
    t(0x5f25, d.effective),
    t(0x5f28, encodeN(d.issuerCountry, 2)),
    t(0x9f07, 'FFC0'),
    t(0x5f20, text(d.cardholderName)),
  ];
  if (!qvsdc) {
    const iac = d.iac ?? { default: 'B450840000', denial: '0000000000', online: 'B470848000' };
    const cvmList = typeof d.cvm === 'object' ? d.cvm.cvmList : '000000000000000042031E031F03';
    account.unshift(t(0x57, t2));
    account.push(
      t(0x5f34, d.psn),
      t(0x9f08, d.appVersion ?? '0002'),
      t(0x9f42, encodeN(d.currency, 2)),
      t(0x8c, cdol1!),
      t(0x8d, '8A029F3704'),
      t(0x8e, cvmList),
      t(0x9f0d, iac.default),
      t(0x9f0e, iac.denial),
      t(0x9f0f, iac.online),
    );
  }
  account.push(t(0x9f4a, '82'));
  const record1 = encodeTlv([{ tag: 0x70, children: account }]);
  // Book 2 5.4: for SFI 1-10 the signed data is the record template's value; then the AIP (9F4A).
  const staticData = concat(decodeTlv(record1)[0]!.value, aip);

  const ca = testCa();
  const issuer = issuerKey(d.issuerKey);
  const icc = iccKey(d.iccKey);
  const f = d.faults ?? {};
  const issuerCert = issuerCertificate(ca, issuer, d.pan.slice(0, 6), f.issuerCertificateExpiry ?? '1239', Uint8Array.of(0x00, 0x00, 0x01));
  if (f.corruptIssuerCertificate) issuerCert.certificate[20] = issuerCert.certificate[20]! ^ 0x01;
  const signed = f.iccCertificateWrongStaticData ? concat(staticData, Uint8Array.of(0x00)) : staticData;
  const iccCert = iccCertificate(issuer, icc, f.iccCertificatePan ?? d.pan, mmyyOf(d.expiry), Uint8Array.of(0x00, 0x00, 0x02), signed);
  const issuerRecord: TlvInput[] = [t(0x8f, Uint8Array.of(f.caIndex ?? ca.index)), t(0x90, issuerCert.certificate)];
  if (issuerCert.remainder.length) issuerRecord.push(t(0x92, issuerCert.remainder));
  issuerRecord.push(t(0x9f32, issuer.exponent));
  const iccRecord: TlvInput[] = [t(0x9f46, iccCert.certificate), t(0x9f47, icc.exponent)];
  if (iccCert.remainder.length) iccRecord.push(t(0x9f48, iccCert.remainder));

  const records = new Map<string, Uint8Array>([
    ['1/1', record1],
    ['2/1', encodeTlv([{ tag: 0x70, children: issuerRecord }])],
    ['2/2', encodeTlv([{ tag: 0x70, children: iccRecord }])],
  ]);
  return {
    desc: d,
    aid,
    fci,
    ppseEntry: { tag: 0x61, children: entry },
    aip,
    afl,
    ...(pdol ? { pdol } : {}),
    ...(cdol1 ? { cdol1 } : {}),
    records,
    icc,
    // Visa's IAD as the published cards show it (format with CVN 18); M/Chip's 18-byte form.
    iad: fromHex(qvsdc ? '06011203A00000' : '0110A00003220000000000000000000000FF'),
    track2: t2,
  };
}
