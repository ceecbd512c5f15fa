/**
 * The acquirer simulator answers each response code exactly when its condition holds
 * (simulator/host/README.md), over real TCP through the terminal's channel, with requests
 * built by src/host/messages.ts and MACed with TDES DUKPT keys from the test BDK.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/hex.js';
import { pack } from '../../../src/host/iso8583.js';
import { tdesDukptMacs } from '../../../src/host/mac-keys.js';
import { packWithMac, readFinancialResponse, readReversalResponse, readSettlementResponse, buildReversal } from '../../../src/host/messages.js';
import { decodeTlv, findTag } from '../../../src/emv/tlv.js';
import { verifyArpcMethod1 } from '../../../src/security/emv-cryptogram.js';
import { deriveAcSessionKey } from '../../../src/security/emv-keys.js';
import { luhnCheckDigit } from '../../../src/security/pan.js';
import { account, hostRig, type HostRig } from './helpers.js';

let rig: HostRig;
beforeEach(async () => {
  rig = await hostRig();
});
afterEach(async () => rig.close());

async function sale(accountId: string, amount: number, options: Parameters<HostRig['terminal']['sale']>[2] = {}) {
  const s = rig.terminal.sale(accountId, amount, options);
  const response = await rig.send(s);
  return { sent: s, response, result: readFinancialResponse(response) };
}

/** Closes the terminal's batch at the host (totals as the host has them) and opens the next. */
async function settle() {
  const t = rig.sim.ledger.totals('TERM0001', rig.terminal.batch);
  const r = readSettlementResponse(await rig.send(rig.terminal.settlement(t)));
  expect(r.outcome).toBe('balanced');
  rig.terminal.batch++;
}

describe('sales', () => {
  it('00: approves a good chip sale with the right PIN, with RRN, approval code and an ARPC the card accepts', async () => {
    const { result, sent } = await sale('visa-ok', 1234, { pin: '1234' });
    expect(result).toMatchObject({ responseCode: '00', approved: true, amount: 1234 });
    expect(result.rrn).toMatch(/^[0-9]{12}$/);
    expect(result.authCode).toMatch(/^[0-9]{6}$/);
    // The card's side of EMV Book 2 8.2.1: ARPC = TDES_SK(ARQC xor ARC).
    const iad = findTag(decodeTlv(result.iccData!), 0x91)!.value;
    const acc = account('visa-ok');
    const icc = decodeTlv(sent.request.fields[55] as Uint8Array);
    const { sessionKey } = deriveAcSessionKey(fromHex(acc.imk), acc.pan, acc.psn, findTag(icc, 0x9f36)!.value);
    expect(verifyArpcMethod1(sessionKey, findTag(icc, 0x9f26)!.value, iad.subarray(8), iad.subarray(0, 8))).toBe(true);
    expect(Buffer.from(iad.subarray(8)).toString('ascii')).toBe('00');
    expect(rig.sim.ledger.account('visa-ok').balance).toBe(acc.balance - 1234);
  });

  it('05: the issuer does not honour the card, or the ARQC does not verify (then no ARPC)', async () => {
    expect((await sale('do-not-honour', 100)).result.responseCode).toBe('05');
    const bad = await sale('visa-ok', 100, { tamper: true });
    expect(bad.result.responseCode).toBe('05');
    expect(bad.result.iccData).toBeUndefined();
  });

  it('12: a currency that is not the account\'s', async () => {
    expect((await sale('visa-ok', 100, { currency: '840' })).result.responseCode).toBe('12');
  });

  it('14: a PAN that no account has, or one failing the Luhn check', async () => {
    const unknown = '476173999999999' + luhnCheckDigit('476173999999999');
    expect((await sale('visa-ok', 100, { pan: unknown })).result.responseCode).toBe('14');
    const notLuhn = unknown.slice(0, -1) + String((Number(unknown.slice(-1)) + 1) % 10);
    expect((await sale('visa-ok', 100, { pan: notLuhn })).result.responseCode).toBe('14');
  });

  it('51: more than the balance', async () => {
    expect((await sale('visa-nsf', 100)).result.responseCode).toBe('51');
  });

  it('54: the card expired (the account\'s date, or field 14)', async () => {
    expect((await sale('visa-expired', 100)).result.responseCode).toBe('54');
    expect((await sale('visa-ok', 100, { expiry: '2512' })).result.responseCode).toBe('54');
    expect((await sale('visa-ok', 100, { expiry: '2601' })).result.responseCode).toBe('00');
  });

  it('55 then 75: a wrong PIN uses a try; the last try and every PIN after it give 75', async () => {
    expect((await sale('mc-wrongpin', 100, { pin: '9999' })).result.responseCode).toBe('55');
    expect((await sale('mc-wrongpin', 100, { pin: '1234' })).result.responseCode).toBe('00');
    expect((await sale('mc-wrongpin', 100, { pin: '1111' })).result.responseCode).toBe('55');
    expect((await sale('mc-wrongpin', 100, { pin: '2222' })).result.responseCode).toBe('55');
    expect((await sale('mc-wrongpin', 100, { pin: '3333' })).result.responseCode).toBe('75');
    expect((await sale('mc-wrongpin', 100, { pin: '1234' })).result.responseCode).toBe('75');
    expect(rig.sim.ledger.account('mc-wrongpin').pinTriesLeft).toBe(0);
  });

  it('61: over the per-transaction limit, or over the daily limit', async () => {
    expect((await sale('low-limit', 10_001)).result.responseCode).toBe('61');
    expect((await sale('low-limit', 10_000)).result.responseCode).toBe('00');
    expect((await sale('low-limit', 10_000)).result.responseCode).toBe('00');
    expect((await sale('low-limit', 1)).result.responseCode).toBe('61');
  });

  it('62, 91, 96: a restricted card, an issuer that is down, an issuer system failing', async () => {
    expect((await sale('restricted', 100)).result.responseCode).toBe('62');
    expect((await sale('issuer-down', 100)).result.responseCode).toBe('91');
    expect((await sale('malfunction', 100)).result.responseCode).toBe('96');
  });

  it('94: a request whose STAN and terminal ID were seen that day, not processed again', async () => {
    const first = await sale('visa-ok', 500);
    expect(first.result.responseCode).toBe('00');
    // The same request again, with a fresh KSN and MAC but the same STAN.
    const tx = rig.terminal.dukpt.nextTransaction();
    const again = { ...first.sent.request, fields: { ...first.sent.request.fields, 53: tx.ksn } };
    const r = readFinancialResponse(await rig.channel.send(again, { mac: tdesDukptMacs(tx) }));
    expect(r.responseCode).toBe('94');
    expect(r.rrn).toBeUndefined();
    expect(rig.sim.ledger.account('visa-ok').balance).toBe(account('visa-ok').balance - 500);
  });

  it('A0: a request whose MAC does not verify, answered under the response key; 30: a field missing', async () => {
    const s = rig.terminal.sale('visa-ok', 100);
    const wrong = { request: () => new Uint8Array(8), response: s.mac.response };
    expect(readFinancialResponse(await rig.channel.send(s.request, { mac: wrong })).responseCode).toBe('A0');
    const t = rig.terminal.sale('visa-ok', 100);
    delete t.request.fields[25];
    expect(readFinancialResponse(await rig.send(t)).responseCode).toBe('30');
  });
});

describe('voids', () => {
  it('00 within the open batch; 12 once voided; 13 for another amount; 25 for an unknown RRN', async () => {
    const s = await sale('visa-ok', 2_000);
    const balance = rig.sim.ledger.account('visa-ok').balance;
    expect(readFinancialResponse(await rig.send(rig.terminal.void(s.sent.request, s.response, { amount: 1_999 }))).responseCode).toBe('13');
    expect(readFinancialResponse(await rig.send(rig.terminal.void(s.sent.request, s.response, { withCard: true }))).responseCode).toBe('00');
    expect(rig.sim.ledger.account('visa-ok').balance).toBe(balance + 2_000);
    expect(readFinancialResponse(await rig.send(rig.terminal.void(s.sent.request, s.response))).responseCode).toBe('12');
    const ghost = { ...s.response, fields: { ...s.response.fields, 37: '999999999999' } };
    expect(readFinancialResponse(await rig.send(rig.terminal.void(s.sent.request, ghost))).responseCode).toBe('25');
  });

  it('12 once the sale\'s batch is settled', async () => {
    const s = await sale('visa-ok', 2_000);
    await settle();
    expect(readFinancialResponse(await rig.send(rig.terminal.void(s.sent.request, s.response))).responseCode).toBe('12');
  });
});

describe('refunds', () => {
  it('only of a settled sale, by RRN and date, cumulative at most the sale, within the window', async () => {
    const s = await sale('visa-ok', 10_000);
    const original = { rrn: s.result.rrn!, mmdd: String(s.sent.request.fields[13]) };
    const refund = async (amount: number, orig = original, acc = 'visa-ok') => readFinancialResponse(await rig.send(rig.terminal.refund(acc, amount, orig))).responseCode;
    expect(await refund(1_000)).toBe('12'); // not settled yet: void it instead
    await settle();
    expect(await refund(1_000, { ...original, mmdd: '0116' })).toBe('25'); // wrong date
    expect(await refund(1_000, { ...original, rrn: '000000000000' })).toBe('25');
    expect(await refund(1_000, original, 'mc-ok')).toBe('25'); // another card
    expect(await refund(6_000)).toBe('00');
    expect(await refund(4_001)).toBe('13');
    expect(await refund(4_000)).toBe('00');
    expect(await refund(1)).toBe('13');
    const after = await sale('visa-ok', 500);
    await settle();
    await rig.clock.advance(31 * 86_400_000);
    expect(await refund(100, { rrn: after.result.rrn!, mmdd: String(after.sent.request.fields[13]) })).toBe('12');
  });

  it('57: a card that takes no refunds', async () => {
    const s = await sale('no-refund', 1_000);
    await settle();
    expect(readFinancialResponse(await rig.send(rig.terminal.refund('no-refund', 100, { rrn: s.result.rrn!, mmdd: String(s.sent.request.fields[13]) }))).responseCode).toBe('57');
  });
});

describe('reversals', () => {
  it('00 undoes an approval; a repeated 0400 gets 94 and a 0401 gets 00, without undoing twice; 25 when unknown', async () => {
    const s = await sale('visa-ok', 3_000);
    const reverse = async (repeat: boolean, original = s.sent.request) => {
      const tx = rig.terminal.dukpt.nextTransaction();
      const req = buildReversal(original, { reason: 'no-response', repeat, ksn: tx.ksn });
      return readReversalResponse(await rig.channel.send(req, { mac: tdesDukptMacs(tx) })).responseCode;
    };
    expect(await reverse(false)).toBe('00');
    expect(rig.sim.ledger.account('visa-ok').balance).toBe(account('visa-ok').balance);
    expect(await reverse(false)).toBe('94');
    expect(await reverse(true)).toBe('00');
    expect(rig.sim.ledger.account('visa-ok').balance).toBe(account('visa-ok').balance);
    const never = rig.terminal.sale('visa-ok', 100).request;
    expect(await reverse(false, never)).toBe('25');
    expect(rig.sim.ledger.view().find((t) => t.stan === String(s.sent.request.fields[11]))).toMatchObject({ reversed: true, status: 'approved' });
  });
});

describe('settlement', () => {
  it('00 when the totals agree; 95 with the host\'s totals when not; then uploads and 960000 close the batch', async () => {
    const a = await sale('visa-ok', 1_000);
    const b = await sale('mc-ok', 2_500);
    const wrong = { debitCount: 1, debitAmount: 1_000, creditCount: 0, creditAmount: 0 };
    const r = readSettlementResponse(await rig.send(rig.terminal.settlement(wrong)));
    expect(r).toMatchObject({ outcome: 'upload', responseCode: '95', hostTotals: { debitCount: 2, debitAmount: 3_500 } });
    for (const x of [a, b]) {
      const up = await rig.send(rig.terminal.upload(x.sent.request, x.response));
      expect(up.fields[39]).toBe('00');
    }
    const totals = { debitCount: 2, debitAmount: 3_500, creditCount: 0, creditAmount: 0 };
    expect(readSettlementResponse(await rig.send(rig.terminal.settlement(totals, true))).outcome).toBe('balanced');
    expect(rig.sim.ledger.isClosed('TERM0001', 1)).toBe(true);
    // The same batch settled again with the same totals (a lost 0510): 00, nothing changes.
    expect(readSettlementResponse(await rig.send(rig.terminal.settlement(totals))).responseCode).toBe('00');
    const settlements = rig.sim.ledger.view().filter((t) => t.type === 'settlement');
    expect(settlements.map((s) => s.status)).toEqual(['out-of-balance', 'closed-after-upload']);
  });
});

describe('the answers themselves', () => {
  it('carry only what the presence table of docs/host-spec.md 5.2 allows, with every mandatory field', async () => {
    const { checkPresence } = await import('../../../src/host/messages.js');
    const a = await sale('visa-ok', 1_000, { pin: '1234' });
    expect(checkPresence(a.response, 'financial-response')).toEqual([]);
    expect(checkPresence((await sale('visa-nsf', 1_000)).response, 'financial-response')).toEqual([]);
    const up = await rig.send(rig.terminal.upload(a.sent.request, a.response));
    expect(checkPresence(up, 'batch-upload-response')).toEqual([]);
    const st = await rig.send(rig.terminal.settlement({ debitCount: 9, debitAmount: 1, creditCount: 0, creditAmount: 0 }));
    expect(st.fields[39]).toBe('95');
    expect(checkPresence(st, 'settlement-response')).toEqual([]);
    const tx = rig.terminal.dukpt.nextTransaction();
    const rev = await rig.channel.send(buildReversal(a.sent.request, { reason: 'terminal-failure', ksn: tx.ksn }), { mac: tdesDukptMacs(tx) });
    expect(checkPresence(rev, 'reversal-response')).toEqual([]);
  });
});

describe('other requests', () => {
  it('answers a sign-on with the host time (62) and an echo, unMACed', async () => {
    const { buildSignOn, buildEcho, readNetworkResponse } = await import('../../../src/host/messages.js');
    const at = { month: 1, day: 15, hour: 17, minute: 30, second: 0 };
    const on = readNetworkResponse(await rig.channel.send(buildSignOn({ terminalId: 'TERM0001', merchantId: '898310048160001', stan: 900, at })));
    expect(on).toMatchObject({ ok: true, kind: 'sign-on', hostTime: { year: 2026, month: 1, day: 15, hour: 17, minute: 30 } });
    const echo = readNetworkResponse(await rig.channel.send(buildEcho({ terminalId: 'TERM0001', merchantId: '898310048160001', stan: 901, at })));
    expect(echo).toMatchObject({ ok: true, kind: 'echo' });
  });

  it('answers 12 to a processing code it does not take and ignores bytes that do not unpack', async () => {
    const tx = rig.terminal.dukpt.nextTransaction();
    const s = rig.terminal.sale('visa-ok', 100);
    const odd = packWithMac({ mti: '0200', fields: { ...s.request.fields, 3: '310000', 53: tx.ksn } }, tdesDukptMacs(tx).request);
    const a = await rig.sim.processor.handle(odd);
    expect(a?.response.fields[39]).toBe('12');
    expect(await rig.sim.processor.handle(Uint8Array.from([0xff, 0xff, 1]))).toBeNull();
    expect(pack(a!.response).length).toBeGreaterThan(0);
  });
});
