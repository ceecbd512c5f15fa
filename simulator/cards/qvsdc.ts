/**
 * The card side of Visa qVSDC (EMV Contactless Book C-3) and UnionPay qPBOC (Book C-7):
 * the card decides at GET PROCESSING OPTIONS. From the reader's TTQ (9F66) it sets its CTQ
 * (9F6C): online PIN when it wants one and the reader offers it; then it answers with an
 * ARQC, or with a TC signed for fDDA when the reader allows offline approval and the amount
 * is within the card's offline limit.
 */
import { encodeTlv, type TlvInput } from '../../src/emv/tlv.js';
import { answer, amountOf, atcBytes, dolValues, type ApplicationState } from './application-state.js';
import { cardRandom } from './card-random.js';
import { signDynamicData } from './certificates.js';
import { applicationCryptogram, cryptogramInput } from './cryptogram-data.js';

const t = (tag: number, value: Uint8Array): TlvInput => ({ tag, value });

export function qvsdcGpo(s: ApplicationState, pdolData: Uint8Array): Uint8Array {
  const app = s.app;
  const d = app.desc;
  const values = dolValues(app.pdol, pdolData);
  if (!values) return answer(undefined, 0x6700);
  s.atc = (s.atc + 1) & 0xffff;
  s.transaction = { pdolData, values, generateAcDone: false };
  const atc = atcBytes(s.atc);
  const ttq = values.get(0x9f66) ?? new Uint8Array(4);
  const amount = amountOf(values);
  const onlineRequired = (ttq[1]! & 0x80) !== 0;
  const cvmRequired = (ttq[1]! & 0x40) !== 0;
  const ctq = Uint8Array.of(0x00, 0x00);
  const wantsPin = d.cvm === 'online-pin-always' || (d.cvm === 'online-pin-above-limit' && cvmRequired);
  if (wantsPin && (ttq[0]! & 0x04) !== 0) ctq[0] = ctq[0]! | 0x80;
  else if (cvmRequired && (ttq[0]! & 0x02) !== 0) ctq[0] = ctq[0]! | 0x40;
  // CTQ byte 1 b6: go online if offline data authentication fails; b4: if the application has expired.
  ctq[0] = ctq[0]! | 0x20;
  if (d.goOnlineIfExpired) ctq[0] = ctq[0]! | 0x08;
  const offline = !onlineRequired && (ctq[0]! & 0x80) === 0 && amount <= d.offlineLimit;
  const cid = offline ? 0x40 : 0x80;
  const input = cryptogramInput((tag) => (tag === 0x82 ? app.aip : tag === 0x9f36 ? atc : values.get(tag)));
  const ac = applicationCryptogram(d.imk, d.pan, d.psn, atc, input);
  // 9F69 Card Authentication Related Data: fDDA version 01, the card's unpredictable number, the CTQ.
  const cardAuth = Uint8Array.of(0x01, ...cardRandom(d.pan, s.atc, 'card-un', 4), ...ctq);
  const objects: TlvInput[] = [
    t(0x82, app.aip),
    t(0x94, app.afl),
    t(0x57, app.track2),
    t(0x5f34, Uint8Array.of(Number.parseInt(d.psn, 16))),
    t(0x9f10, app.iad),
    t(0x9f26, ac),
    t(0x9f27, Uint8Array.of(cid)),
    t(0x9f36, atc),
    t(0x9f6c, ctq),
    t(0x9f6e, Uint8Array.of(0x20, 0x70, 0x00, 0x00)),
    t(0x9f69, cardAuth),
  ];
  if (offline) {
    // fDDA version 01 (Book C-3): the ICC Dynamic Number is the ATC; the terminal data is
    // UN, amount, currency and 9F69.
    const un = values.get(0x9f37) ?? new Uint8Array(4);
    const signedUn = d.faults?.wrongDynamicSignature ? un.map((b) => b ^ 0xff) : un;
    const terminalData = Uint8Array.from([...signedUn, ...(values.get(0x9f02) ?? []), ...(values.get(0x5f2a) ?? []), ...cardAuth]);
    objects.push(t(0x9f4b, signDynamicData(app.icc, Uint8Array.of(0x02, ...atc), terminalData)));
  }
  return answer(encodeTlv([{ tag: 0x77, children: objects }]), 0x9000);
}
