/**
 * The card side of Mastercard M/Chip (EMV Contactless Book C-2, EMV mode) and American
 * Express Expresspay (Book C-4): GET PROCESSING OPTIONS gives AIP and AFL; the card decides
 * at GENERATE AC (EMV 4.4 Book 3 6.5.5): never more than the terminal asked for (AAC <
 * ARQC < TC), a TC only within its offline limit; with CDA asked for (P1 b5) it signs the
 * cryptogram and the transaction data hash code (Book 2 6.6.1).
 */
import { encodeTlv, type TlvInput } from '../../src/emv/tlv.js';
import { answer, amountOf, atcBytes, dolValues, type ApplicationState } from './application-state.js';
import { cdaAnswer } from './cda-answer.js';
import { applicationCryptogram, cryptogramInput } from './cryptogram-data.js';

const t = (tag: number, value: Uint8Array): TlvInput => ({ tag, value });

export function mchipGpo(s: ApplicationState, pdolData: Uint8Array): Uint8Array {
  const values = dolValues(s.app.pdol, pdolData);
  if (!values) return answer(undefined, 0x6700);
  s.atc = (s.atc + 1) & 0xffff;
  s.transaction = { pdolData, values, generateAcDone: false };
  return answer(encodeTlv([{ tag: 0x77, children: [t(0x82, s.app.aip), t(0x94, s.app.afl)] }]), 0x9000);
}

export function mchipGenerateAc(s: ApplicationState, p1: number, cdolData: Uint8Array): Uint8Array {
  const app = s.app;
  const d = app.desc;
  const txn = s.transaction;
  if (!txn || txn.generateAcDone) return answer(undefined, 0x6985);
  const asked = p1 & 0xc0;
  if (asked === 0xc0 || (p1 & 0x2f) !== 0) return answer(undefined, 0x6a86);
  const values = dolValues(app.cdol1, cdolData);
  if (!values) return answer(undefined, 0x6700);
  txn.generateAcDone = true;
  const amount = amountOf(values);
  const cid = asked === 0x00 ? 0x00 : asked === 0x40 && amount <= d.offlineLimit ? 0x40 : 0x80;
  const atc = atcBytes(s.atc);
  const input = cryptogramInput((tag) => (tag === 0x82 ? app.aip : tag === 0x9f36 ? atc : values.get(tag)));
  const ac = applicationCryptogram(d.imk, d.pan, d.psn, atc, input);
  const cda = (p1 & 0x10) !== 0 && cid !== 0x00;
  if (!cda) {
    const objects = [t(0x9f27, Uint8Array.of(cid)), t(0x9f36, atc), t(0x9f26, ac), t(0x9f10, app.iad)];
    return answer(encodeTlv([{ tag: 0x77, children: objects }]), 0x9000);
  }
  const un = values.get(0x9f37) ?? new Uint8Array(4);
  const data = cdaAnswer({ icc: app.icc, pan: d.pan, atc: s.atc, cid, ac, iad: app.iad, pdolData: txn.pdolData, cdolData, unpredictableNumber: un, wrongSignature: d.faults?.wrongDynamicSignature ?? false });
  return answer(data, 0x9000);
}
