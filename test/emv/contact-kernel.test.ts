/**
 * chip-ok through the contact kernel, inserted into the simulated slot behind the PC/SC
 * driver (T=0 unless said otherwise): the whole exchange with the card, procedure answers
 * included, for the first GENERATE AC and for the second with an ARPC this test makes with
 * src/security; the issuer's approval and decline, a bad ARPC, no answer at all (Y3, Z3),
 * EXTERNAL AUTHENTICATE, issuer scripts, SDA and CDA, T=1, online PIN bypassed with the CVM
 * rule's b7 set and clear (Book 3 10.5), the terminal exception file, and the card pulled out.
 * Offline PIN: contact-offline-pin.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { contactCardDescription, T1_ATR } from '../../simulator/cards/contact-catalog.js';
import { AccountBook, loadDefaultAccounts } from '../../simulator/host/accounts.js';
import { checkCryptogram } from '../../simulator/host/arqc.js';
import { CaKeyStore } from '../../src/emv/ca-keys.js';
import { DEFAULT_CONTACT_AIDS, defaultContactConfig, type ContactAidConfig } from '../../src/emv/contact-config.js';
import { decodeTlv, encodeTlv } from '../../src/emv/tlv.js';
import { tsiBits, tvrBits } from '../../src/emv/tvr.js';
import { exceptionFileEntry, hashedExceptionFile } from '../../src/emv/exception-file.js';
import { CancelledError, ValidationError } from '../../src/errors.js';
import { contactEmvConfig } from '../../src/payments.js';
import { panLookupHash } from '../../src/security/pan.js';
import { DEFAULT_SETTINGS } from '../../src/store/config.js';
import { CardRemovedError } from '../../src/hal/reader.js';
import { fromHex, toHex } from '../../src/hex.js';
import { chipOk, expectExchange, insertAndRun, issuerAuthenticationData, issuerIccData, type ContactRun, type ContactScript } from './helpers/contact-harness.js';
import { UN } from './helpers/kernel-harness.js';

const book = new AccountBook(loadDefaultAccounts());
const account = book.account(contactCardDescription('chip-ok').applications[0]!.pan)!;

/** CDOL1 data (MCHIP_CDOL1): amount, other, country, TVR, currency, date, type, UN, terminal type, CVM Results. */
const cdol1 = (tvr: string, amount = '000000000100', cvm = '420300') => `${amount} 000000000000 0156 ${tvr} 0156 260315 00 ${UN} 22 ${cvm}`;
/** CDOL2 data of chip-ok: ARC, Issuer Authentication Data (10), then the cryptogram's data. */
const cdol2 = (arc: string, iad: string, tvr: string, amount = '000000000100') => `${arc} ${iad} ${amount} 000000000000 0156 ${tvr} 0156 260315 00 ${UN}`;

/** chip-ok at 1.00 over T=0, up to and including the first GENERATE AC. */
const FIRST_HALF: ContactScript = [
  ['00A404000E 315041592E5359532E4444463031 00', '611E', 'SELECT PSE; T=0: 30 bytes wait'],
  ['00C0000 01E', '9000', 'GET RESPONSE: the PSE FCI (SFI 1)'],
  ['00B2010C00', '6C1D', 'READ RECORD SFI 1 record 1, Le 00: wrong length, 29 bytes'],
  ['00B2010C1D', '9000', 'the same with Le 1D: the directory (one application)'],
  ['00B2020C00', '6A83', 'READ RECORD SFI 1 record 2: end of the directory'],
  ['00A4040007 A0000000031010 00', '6124', 'final SELECT of the Visa application'],
  ['00C0000024', '9000', 'GET RESPONSE: its FCI (no PDOL)'],
  ['80A80000 02 8300 00', '610C', 'GPO with empty PDOL data'],
  ['00C000000C', '9000', 'GET RESPONSE: format 1, AIP 3800, AFL'],
  ['00B2010C00', '6CC8', 'READ RECORD SFI 1 record 1'],
  ['00B2010CC8', '9000', 'record 1/1 (signed): account data, CDOLs, CVM list, action codes'],
  ['00B2011400', '6CC3', 'READ RECORD SFI 2 record 1'],
  ['00B20114C3', '9000', 'issuer certificate'],
  ['00B2021400', '6CB8', 'READ RECORD SFI 2 record 2'],
  ['00B20214B8', '9000', 'ICC certificate'],
  [`0088000004 ${UN} 00`, '6183', 'INTERNAL AUTHENTICATE with the DDOL data (UN): DDA'],
  ['00C0000083', '9000', 'GET RESPONSE: the signed dynamic data'],
  ['80CA9F3600', '6C05', 'GET DATA ATC (velocity checking)'],
  ['80CA9F3605', '9000', 'ATC 0021'],
  ['80CA9F1300', '6C05', 'GET DATA Last Online ATC Register'],
  ['80CA9F1305', '9000', 'LOATC 0020'],
  [`80AE8000 21 ${cdol1('0000048000')} 00`, '6114', 'GENERATE AC: ARQC'],
  ['00C0000014', '9000', 'GET RESPONSE: format 1, CID 80'],
];

function tags(iccData: Uint8Array): string[] {
  return decodeTlv(iccData).map((t) => t.tag.toString(16).toUpperCase());
}

/** The TC (or AAC) of the completion's field 55 verifies with the account's key over the same data, once read as an ARQC. */
function cryptogramVerifies(iccData: Uint8Array): boolean {
  const asArqc = encodeTlv(decodeTlv(iccData).map((t) => (t.tag === 0x9f27 ? { tag: t.tag, value: Uint8Array.of(0x80) } : { tag: t.tag, value: t.value })));
  return checkCryptogram(asArqc, account).kind === 'ok';
}

async function online(run: ContactRun, responseCode: string, approved: boolean, iad?: Uint8Array) {
  const r = run.result;
  const data = iad ?? issuerAuthenticationData(run.card, r.cryptogram!.value, r.cryptogram!.atc, responseCode);
  return { iad: data, final: await r.complete!({ kind: 'online', approved, responseCode, iccData: issuerIccData(data) }) };
}

describe('chip-ok over T=0: the first GENERATE AC', () => {
  it('PSE, final selection, GPO, records, DDA, velocity, online PIN, ARQC: the whole exchange', async () => {
    const run = await insertAndRun(chipOk(), 100);
    expectExchange(run, FIRST_HALF);
    const r = run.result;
    expect(run.session.protocol).toBe('T=0');
    expect(r.outcome).toBe('online-request');
    expect(r.interface).toBe('contact');
    expect(toHex(r.aid!)).toBe('A0000000031010');
    expect(r.label).toBe('VISA CREDIT');
    expect(r.maskedPan).toBe('476173******0052');
    expect(r.sensitive?.pan).toBe('4761730000000052');
    expect(JSON.stringify(r)).not.toContain('4761730000000052');
    expect(r.expiry).toBe('3012');
    expect(r.panSequence).toBe('01');
    expect(r.cvm).toBe('online-pin');
    expect(toHex(r.cvmResults)).toBe('420300');
    expect(r.oda).toEqual({ method: 'DDA', result: 'success' });
    expect(tvrBits(r.tvr)).toEqual(['onlinePinEntered', 'floorLimitExceeded']);
    expect(tsiBits(r.tsi)).toEqual(['odaPerformed', 'cardholderVerificationPerformed', 'cardRiskManagementPerformed', 'terminalRiskManagementPerformed']);
    expect(r.cryptogram?.type).toBe('ARQC');
    expect(toHex(r.cryptogram!.atc)).toBe('0021');
    expect(r.exchanges).toBe(FIRST_HALF.length);
    expect(typeof r.complete).toBe('function');
    expect(tags(r.iccData)).toEqual(['9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A', '9F03', '9F33', '9F34', '9F35', '9F1E', '84', '9F09', '5F34']);
    // The acquirer simulator verifies the ARQC from field 55 alone.
    expect(checkCryptogram(r.iccData, account).kind).toBe('ok');
  });

  it('over T=1 the same commands go without procedure answers', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const t1 = await insertAndRun(chipOk((d) => (d.atr = T1_ATR)), 100);
    expect(t1.session.protocol).toBe('T=1');
    expectExchange(t1, [
      ['00A404000E 315041592E5359532E4444463031 00', '9000', 'SELECT PSE'],
      ['00B2010C00', '9000', 'READ RECORD SFI 1 record 1: the directory'],
      ['00B2020C00', '6A83', 'end of the directory'],
      ['00A4040007 A0000000031010 00', '9000', 'final SELECT'],
      ['80A80000 02 8300 00', '9000', 'GPO'],
      ['00B2010C00', '9000', 'record 1/1'],
      ['00B2011400', '9000', 'record 2/1'],
      ['00B2021400', '9000', 'record 2/2'],
      [`0088000004 ${UN} 00`, '9000', 'INTERNAL AUTHENTICATE'],
      ['80CA9F3600', '9000', 'GET DATA ATC'],
      ['80CA9F1300', '9000', 'GET DATA LOATC'],
      [`80AE8000 21 ${cdol1('0000048000')} 00`, '9000', 'GENERATE AC'],
    ]);
    expect(run.commands().length).toBe(FIRST_HALF.length);
    expect(t1.result.outcome).toBe('online-request');
    expect(checkCryptogram(t1.result.iccData, account).kind).toBe('ok');
  });
});

describe('chip-ok: the second GENERATE AC', () => {
  it('the issuer approves (00) with a good ARPC: the card checks it from CDOL2 and gives a TC', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const { iad, final } = await online(run, '00', true);
    expectExchange(run, [
      ...FIRST_HALF,
      [`80AE4000 29 ${cdol2('3030', toHex(iad), '0000048000')} 00`, '6114', 'second GENERATE AC: TC, ARC 00 and the ARPC in the CDOL2 data'],
      ['00C0000014', '9000', 'GET RESPONSE: format 1, CID 40'],
    ]);
    expect(final.outcome).toBe('approved');
    expect(final.cryptogram?.type).toBe('TC');
    expect(toHex(final.cryptogram!.atc)).toBe('0021');
    expect(final.authorisationResponseCode).toBe('00');
    expect(final.issuerAuthentication).toBe('by-card');
    expect(final.reversalRequired).toBe(false);
    expect(final.scriptResults.length).toBe(0);
    expect(final.maskedPan).toBe('476173******0052');
    expect(cryptogramVerifies(final.iccData)).toBe(true);
    // The card took the issuer's word: its Last Online ATC Register moved up to this ATC.
    const again = await insertAndRun(run.card, 100);
    expect(again.commands()).toContain('80CA9F1305');
    const loatc = again.slot.exchanges.find((e) => toHex(e.c) === '80CA9F1305')!;
    expect(toHex(loatc.r)).toBe('9F130200219000');
  });

  it('the issuer declines (51): the terminal asks for an AAC and the card gives one', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const { iad, final } = await online(run, '51', false);
    expect(run.commands().at(-2)).toBe(`80AE000029${cdol2('3531', toHex(iad), '0000048000').replace(/\s/g, '')}00`);
    expect(final.outcome).toBe('declined');
    expect(final.cryptogram?.type).toBe('AAC');
    expect(final.reason).toBe('declined by the issuer (AAC)');
    expect(final.authorisationResponseCode).toBe('51');
    expect(final.reversalRequired).toBe(false);
    expect(cryptogramVerifies(final.iccData)).toBe(true);
  });

  it('an ARPC that does not verify: the card declines although the issuer approved, and the sale must be reversed', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const bad = issuerAuthenticationData(run.card, run.result.cryptogram!.value, run.result.cryptogram!.atc, '00');
    bad[0] = bad[0]! ^ 0x01;
    const { final } = await online(run, '00', true, bad);
    expect(final.outcome).toBe('declined');
    expect(final.cryptogram?.type).toBe('AAC');
    expect(final.reversalRequired).toBe(true);
    expect(final.reason).toMatch(/issuer approved but the card declined/);
  });

  it('unable to go online: the default action codes hit the TVR, so AAC with Z3', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const final = await run.result.complete!({ kind: 'unable-to-go-online' });
    expect(run.commands().at(-2)).toBe(`80AE000029${cdol2('5A33', '00000000000000000000', '0000048000').replace(/\s/g, '')}00`);
    expect(final.outcome).toBe('declined');
    expect(final.authorisationResponseCode).toBe('Z3');
    expect(final.reason).toMatch(/Z3/);
    expect(final.reversalRequired).toBe(false);
  });

  it('unable to go online with default codes that allow it: TC with Y3', async () => {
    const aids = DEFAULT_CONTACT_AIDS.map((a): ContactAidConfig => ({ ...a, tacDefault: new Uint8Array(5) }));
    const run = await insertAndRun(chipOk((d) => (d.applications[0]!.iac.default = '0000000000')), 100, defaultContactConfig({ aids }));
    const final = await run.result.complete!({ kind: 'unable-to-go-online' });
    expect(run.commands().at(-2)).toContain('80AE4000295933');
    expect(final.outcome).toBe('approved');
    expect(final.cryptogram?.type).toBe('TC');
    expect(final.authorisationResponseCode).toBe('Y3');
  });

  it('complete() runs once; a bad response code is the caller\'s mistake', async () => {
    const run = await insertAndRun(chipOk(), 100);
    await expect(run.result.complete!({ kind: 'online', approved: true, responseCode: '0' })).rejects.toThrow(/two printable characters/);
    const other = await insertAndRun(chipOk(), 100);
    await other.result.complete!({ kind: 'unable-to-go-online' });
    await expect(other.result.complete!({ kind: 'unable-to-go-online' })).rejects.toThrow(/already called/);
  });

  it('issuer data that is not BER-TLV counts as none: the card approves without issuer authentication', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const final = await run.result.complete!({ kind: 'online', approved: true, responseCode: '00', iccData: fromHex('9F') });
    expect(final.outcome).toBe('approved');
    expect(final.issuerAuthentication).toBe('not-performed');
    expect(final.reason).toMatch(/could not be read/);
  });
});

describe('issuer authentication by EXTERNAL AUTHENTICATE, and issuer scripts', () => {
  const external = () => chipOk((d) => (d.applications[0]!.issuerAuthentication = 'external-authenticate'));

  it('AIP says the card supports it: EXTERNAL AUTHENTICATE with tag 91, then the TC', async () => {
    const run = await insertAndRun(external(), 100);
    const { iad, final } = await online(run, '00', true);
    expect(run.script().slice(-3)).toEqual([
      `008200000A${toHex(iad)} -> 9000`,
      `80AE40001F${cdol2('3030', '', '0000048000').replace(/\s/g, '')}00 -> 6114`,
      '00C0000014 -> 9000',
    ]);
    expect(final.outcome).toBe('approved');
    expect(final.issuerAuthentication).toBe('success');
    expect(tsiBits(final.tsi)).toContain('issuerAuthenticationPerformed');
  });

  it('EXTERNAL AUTHENTICATE fails (6300): TVR issuer authentication failed, the card declines', async () => {
    const run = await insertAndRun(external(), 100);
    const bad = issuerAuthenticationData(run.card, run.result.cryptogram!.value, run.result.cryptogram!.atc, '00');
    bad[9] = 0x31; // ARC 01 inside 91 while the ARPC was made for 00
    const { final } = await online(run, '00', true, bad);
    expect(run.script().at(-3)).toBe(`008200000A${toHex(bad)} -> 6300`);
    expect(final.issuerAuthentication).toBe('failed');
    expect(tvrBits(final.tvr)).toContain('issuerAuthenticationFailed');
    expect(final.outcome).toBe('declined');
    expect(final.reversalRequired).toBe(true);
  });

  it('scripts: template 71 before the second GENERATE AC, 72 after; results in 9F5B and field 55', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const r = run.result;
    const iad = issuerAuthenticationData(run.card, r.cryptogram!.value, r.cryptogram!.atc, '00');
    const scripts = [
      { tag: 0x71, children: [{ tag: 0x9f18, value: fromHex('00000001') }, { tag: 0x86, value: fromHex('841E000004A1B2C3D4') }] },
      { tag: 0x72, children: [{ tag: 0x9f18, value: fromHex('00000002') }, { tag: 0x86, value: fromHex('04DA9F580703A1B2C3D4E5F6') }, { tag: 0x86, value: fromHex('84FF000000') }, { tag: 0x86, value: fromHex('04DA9F580703A1B2C3D4E5F7') }] },
    ];
    const final = await r.complete!({ kind: 'online', approved: true, responseCode: '00', iccData: issuerIccData(iad, scripts) });
    expect(run.script().slice(FIRST_HALF.length)).toEqual([
      '841E000004A1B2C3D4 -> 9000',
      `80AE400029${cdol2('3030', toHex(iad), '0000048000').replace(/\s/g, '')}00 -> 6114`,
      '00C0000014 -> 9000',
      '04DA9F580703A1B2C3D4E5F6 -> 9000',
      '84FF000000 -> 6D00',
    ]);
    expect(toHex(final.scriptResults)).toBe('20000000011200000002');
    expect(tvrBits(final.tvr)).toContain('scriptFailedAfterFinalAc');
    expect(tsiBits(final.tsi)).toContain('scriptProcessingPerformed');
    expect(tags(final.iccData)).toContain('9F5B');
    // APPLICATION BLOCK did its work: the next insertion finds the application blocked.
    expect(run.card.isBlocked()).toBe(true);
    const next = await insertAndRun(run.card, 100);
    expect(next.result.outcome).toBe('end-application');
    expect(next.result.reason).toMatch(/blocked \(SELECT answered 6283\)/);
  });
});

describe('offline data authentication and the other steps', () => {
  it('SDA: no INTERNAL AUTHENTICATE; the Signed Static Application Data verifies', async () => {
    const run = await insertAndRun(chipOk((d) => (d.applications[0]!.oda = 'SDA')), 100);
    expect(run.commands().some((c) => c.startsWith('0088'))).toBe(false);
    expect(run.commands().filter((c) => c.startsWith('00B2'))).toEqual(['00B2010C00', '00B2010C1D', '00B2020C00', '00B2010C00', '00B2010CC2', '00B2011400', '00B20114C3', '00B2021400', '00B2021496']);
    expect(run.result.oda).toEqual({ method: 'SDA', result: 'success' });
    expect(run.result.outcome).toBe('online-request');
  });

  it('SDA without the CA key: SDA failed in the TVR, and the transaction goes on online', async () => {
    const run = await insertAndRun(chipOk((d) => (d.applications[0]!.oda = 'SDA')), 100, defaultContactConfig({ caKeys: new CaKeyStore() }));
    expect(run.result.oda.result).toBe('failed');
    expect(run.result.oda.failure?.check).toBe('CA_KEY_NOT_FOUND');
    expect(tvrBits(run.result.tvr)).toContain('sdaFailed');
    expect(run.result.outcome).toBe('online-request');
  });

  it('CDA: GENERATE AC asks for the signature (P1 90, then 50) and both verify', async () => {
    const run = await insertAndRun(chipOk((d) => (d.applications[0]!.oda = 'CDA')), 100);
    expect(run.commands().some((c) => c.startsWith('0088'))).toBe(false);
    expect(run.commands().find((c) => c.startsWith('80AE'))).toMatch(/^80AE9000/);
    expect(run.result.oda).toEqual({ method: 'CDA', result: 'success' });
    expect(checkCryptogram(run.result.iccData, account).kind).toBe('ok');
    const { final } = await online(run, '00', true);
    expect(run.commands().filter((c) => c.startsWith('80AE')).at(-1)).toMatch(/^80AE5000/);
    expect(final.outcome).toBe('approved');
    expect(final.oda).toEqual({ method: 'CDA', result: 'success' });
  });

  it('online PIN bypassed, b7 set (chip-ok: 42 03): PIN not entered, and the next rule applies: signature', async () => {
    let asked = 0;
    const run = await insertAndRun(chipOk(), 100, undefined, {
      onlinePin: async () => {
        asked++;
        return 'bypassed';
      },
    });
    expect(asked).toBe(1);
    // Book 3 10.5: the rule 1E 03 after it is performed; CVM processing has not failed.
    expect(run.result.cvm).toBe('signature');
    expect(toHex(run.result.cvmResults)).toBe('1E0300');
    expect(tvrBits(run.result.tvr)).toEqual(['pinNotEntered', 'floorLimitExceeded']);
    expect(run.commands().find((c) => c.startsWith('80AE'))).toBe(`80AE800021${cdol1('0000088000', '000000000100', '1E0300').replace(/\s/g, '')}00`);
  });

  it('online PIN bypassed, b7 clear (02 03): PIN not entered, CVM failed, and the cryptogram covers it', async () => {
    const run = await insertAndRun(chipOk((d) => (d.applications[0]!.cvmList = '000000000000000002031E031F03')), 100, undefined, { onlinePin: async () => 'bypassed' });
    expect(run.result.cvm).toBe('none');
    expect(toHex(run.result.cvmResults)).toBe('020301');
    expect(tvrBits(run.result.tvr)).toEqual(['cvmNotSuccessful', 'pinNotEntered', 'floorLimitExceeded']);
    expect(run.commands().find((c) => c.startsWith('80AE'))).toBe(`80AE800021${cdol1('0000888000', '000000000100', '020301').replace(/\s/g, '')}00`);
  });

  it('online PIN entered with b7 clear: the rule succeeds, nothing else is tried', async () => {
    const run = await insertAndRun(chipOk((d) => (d.applications[0]!.cvmList = '000000000000000002031E031F03')), 100, undefined, { onlinePin: async () => 'entered' });
    expect(run.result.cvm).toBe('online-pin');
    expect(toHex(run.result.cvmResults)).toBe('020300');
    expect(tvrBits(run.result.tvr)).toEqual(['onlinePinEntered', 'floorLimitExceeded']);
  });

  it('under a floor limit with codes that allow it: random selection sends some online, the rest are approved offline (TC)', async () => {
    const zero = new Uint8Array(5);
    const aids = DEFAULT_CONTACT_AIDS.map((a): ContactAidConfig => ({ ...a, floorLimit: 10_000, tacOnline: zero, tacDefault: zero, randomSelection: { targetPercent: 20, maxTargetPercent: 50, thresholdValue: 5_000 } }));
    const config = defaultContactConfig({ aids });
    const card = () => chipOk((d) => Object.assign(d.applications[0]!, { offlineLimit: 5_000, iac: { default: '0000000000', denial: '0000000000', online: '0000001000' } }));
    const offline = await insertAndRun(card(), 100, config, { random: () => 0.5 }); // 50 > 20: not selected
    expect(tvrBits(offline.result.tvr)).not.toContain('randomlySelectedOnline');
    expect(offline.result.outcome).toBe('approved');
    expect(offline.result.cryptogram?.type).toBe('TC');
    expect(offline.result.complete).toBeUndefined();
    const selected = await insertAndRun(card(), 100, config, { random: () => 0.1 }); // 10 <= 20
    expect(tvrBits(selected.result.tvr)).toContain('randomlySelectedOnline');
    expect(selected.result.outcome).toBe('online-request');
    // Above the threshold the percentage rises towards 50 at the floor limit: 7,500 gives 35.
    const biased = await insertAndRun(card(), 7_500, config, { random: () => 0.34 }); // 34 <= 35
    expect(tvrBits(biased.result.tvr)).toContain('randomlySelectedOnline');
  });

  it('velocity: more offline transactions than the lower limit since the last online one', async () => {
    const run = await insertAndRun(chipOk((d) => (d.applications[0]!.velocity = { lower: 0, upper: 5 })), 100);
    expect(tvrBits(run.result.tvr)).toContain('lowerOfflineLimitExceeded');
    expect(tvrBits(run.result.tvr)).not.toContain('upperOfflineLimitExceeded');
  });

  it('a card without velocity limits is not asked for its counters', async () => {
    const run = await insertAndRun(chipOk((d) => delete d.applications[0]!.velocity), 100);
    expect(run.commands().some((c) => c.startsWith('80CA'))).toBe(false);
  });
});

describe('the terminal exception file (Book 3 10.6, TVR byte 1 b5)', () => {
  const hashKey = new Uint8Array(32).fill(0x5a);
  const pan = contactCardDescription('chip-ok').applications[0]!.pan;
  const listing = (...entries: string[]) => defaultContactConfig({ exceptionFile: hashedExceptionFile(hashKey, entries) });

  it('a listed card gets the bit; with the default Visa codes the TAC-Online (DC...) sends it online, the bit in the TVR the ARQC covers', async () => {
    const run = await insertAndRun(chipOk(), 100, listing(exceptionFileEntry(hashKey, pan)));
    expect(tvrBits(run.result.tvr)).toEqual(['exceptionFile', 'onlinePinEntered', 'floorLimitExceeded']);
    expect(run.result.outcome).toBe('online-request');
    expect(toHex(run.result.tvr)).toBe('1000048000');
    expect(run.commands().find((c) => c.startsWith('80AE'))).toBe(`80AE800021${cdol1('1000048000').replace(/\s/g, '')}00`);
    expect(checkCryptogram(run.result.iccData, account).kind).toBe('ok');
  });

  it('an acquirer whose TAC-Denial holds the bit (10 00 00 00 00): AAC, declined without going online', async () => {
    const aids = DEFAULT_CONTACT_AIDS.map((a): ContactAidConfig => ({ ...a, tacDenial: fromHex('1000000000') }));
    const run = await insertAndRun(chipOk(), 100, { ...listing(exceptionFileEntry(hashKey, pan)), aids });
    expect(run.commands().find((c) => c.startsWith('80AE'))).toMatch(/^80AE0000/);
    expect(run.result.outcome).toBe('declined');
    expect(run.result.reason).toBe('declined by terminal action analysis (AAC)');
    // Not listed, the same codes let it go online.
    const clean = await insertAndRun(chipOk(), 100, { ...defaultContactConfig(), aids });
    expect(clean.result.outcome).toBe('online-request');
  });

  it('an entry for another PAN sequence number, or another card, leaves it alone; the same PSN lists it', async () => {
    const other = await insertAndRun(chipOk(), 100, listing(exceptionFileEntry(hashKey, pan, '02'), exceptionFileEntry(hashKey, '4761730000000011')));
    expect(tvrBits(other.result.tvr)).not.toContain('exceptionFile');
    expect(other.result.outcome).toBe('online-request');
    const same = await insertAndRun(chipOk(), 100, listing(exceptionFileEntry(hashKey, pan, '01')));
    expect(tvrBits(same.result.tvr)).toContain('exceptionFile');
  });

  it('entries are the journal\'s keyed PAN hashes, never PANs: another key does not match, a PAN is refused', async () => {
    const entry = exceptionFileEntry(hashKey, pan);
    expect(entry).toBe(toHex(panLookupHash(hashKey, pan)));
    expect(entry).not.toContain(pan);
    const elsewhere = await insertAndRun(chipOk(), 100, defaultContactConfig({ exceptionFile: hashedExceptionFile(new Uint8Array(32).fill(1), [entry]) }));
    expect(tvrBits(elsewhere.result.tvr)).not.toContain('exceptionFile');
    expect(() => hashedExceptionFile(hashKey, [pan])).toThrow(/exceptionFile\[0\] must be a keyed PAN hash/);
    expect(() => hashedExceptionFile(hashKey, [`${entry}/1`])).toThrow(ValidationError);
  });

  it('the settings reach the kernel through the payment configuration, with the key store\'s hash key', () => {
    const settings = { ...DEFAULT_SETTINGS, exceptionFile: [exceptionFileEntry(hashKey, pan)] };
    expect(contactEmvConfig(settings, hashKey).exceptionFile?.lists(pan)).toBe(true);
    expect(contactEmvConfig(settings).exceptionFile).toBeUndefined();
    expect(contactEmvConfig(DEFAULT_SETTINGS, hashKey).exceptionFile).toBeUndefined();
  });
});

describe('the card pulled out', () => {
  it('in the middle of reading records: the kernel rejects with CardRemovedError, the session says removed', async () => {
    const card = chipOk();
    const attempt = insertAndRun(card, 100, undefined, { prepare: (slot) => slot.pullOutAtCommand(11) });
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardRemovedError);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).reason).toBe('card-removed');
  });

  it('between the first and the second GENERATE AC: completion rejects, nothing is sent', async () => {
    const run = await insertAndRun(chipOk(), 100);
    const removed = run.session.removed();
    run.slot.remove();
    await removed;
    const sent = run.slot.exchanges.length;
    await expect(run.result.complete!({ kind: 'online', approved: true, responseCode: '00' })).rejects.toBeInstanceOf(CardRemovedError);
    expect(run.slot.exchanges.length).toBe(sent);
    await expect(run.session.transmit(fromHex('80CA9F3600'))).rejects.toBeInstanceOf(CardRemovedError);
  });
});
