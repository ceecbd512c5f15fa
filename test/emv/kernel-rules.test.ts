/**
 * The rules the kernels are built from, one at a time: pre-processing and the candidate
 * list (Book B), the AFL, processing restrictions, CVM lists, CTQ, terminal action analysis
 * (EMV 4.4 Book 3), and the apartness of sensitive card data.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { parseAfl } from '../../src/emv/afl.js';
import { CardData } from '../../src/emv/card-data.js';
import { candidateList, directoryEntries } from '../../src/emv/candidate-list.js';
import { ctqCvm } from '../../src/emv/ctq-cvm.js';
import { processCvmList } from '../../src/emv/cvm-list.js';
import { CardError } from '../../src/emv/errors.js';
import { DEFAULT_AIDS } from '../../src/emv/kernel-config.js';
import { preProcess } from '../../src/emv/pre-processing.js';
import { processingRestrictions } from '../../src/emv/processing-restrictions.js';
import { SensitiveCardData } from '../../src/emv/sensitive-card-data.js';
import { terminalActionAnalysis } from '../../src/emv/terminal-action-analysis.js';
import { decodeTlv } from '../../src/emv/tlv.js';
import { tvrBits } from '../../src/emv/tvr.js';
import * as S from './helpers/samples.js';

const visa = DEFAULT_AIDS.find((a) => a.name === 'Visa')!;
const TTQ = fromHex('36004000');

describe('Entry Point pre-processing (Book B 3.1.1)', () => {
  it('sets the TTQ bits from the limits: online above the floor limit, CVM at or above the CVM limit', () => {
    expect(toHex(preProcess(visa, 100, TTQ).ttq)).toBe('36804000');
    expect(toHex(preProcess({ ...visa, floorLimit: 100 }, 100, TTQ).ttq)).toBe('36004000');
    expect(toHex(preProcess(visa, 100_000, TTQ).ttq)).toBe('36C04000');
    expect(preProcess(visa, 10_000_000, TTQ).notAllowed).toBe(true);
    expect(preProcess(visa, 0, TTQ)).toMatchObject({ notAllowed: true, zeroAmount: true });
    expect(preProcess({ ...visa, zeroAmountAllowed: true }, 0, TTQ)).toMatchObject({ notAllowed: false });
    // The dynamic bits the terminal's TTQ came with are cleared first.
    expect(toHex(preProcess({ ...visa, floorLimit: 500 }, 100, fromHex('36C04000')).ttq)).toBe('36004000');
  });
});

describe('the candidate list (Book B 3.3.2)', () => {
  const ind = (a: typeof visa) => preProcess(a, 100, TTQ);

  it('reads the published Visa and Mastercard PPSEs into one candidate each', () => {
    const v = candidateList(directoryEntries(decodeTlv(fromHex(S.VISA_PPSE_FCI))), DEFAULT_AIDS, ind);
    expect(v.map((c) => [toHex(c.entry.adfName), c.kernel, c.entry.label])).toEqual([['A0000000031010', 3, 'Visa Debit']]);
    const m = candidateList(directoryEntries(decodeTlv(fromHex(S.MC_PPSE_FCI))), DEFAULT_AIDS, ind);
    expect(m.map((c) => [toHex(c.entry.adfName), c.kernel])).toEqual([['A0000000041010', 2]]);
  });

  it('matches a longer ADF name by the configured AID and honours a Kernel Identifier (9F2A)', () => {
    // The published Maestro entry: A0000000043060 C123456789, kernel 02, priority 3.
    const m = candidateList(directoryEntries(decodeTlv(fromHex(S.MAESTRO_PPSE_FCI))), DEFAULT_AIDS, ind);
    expect(m.map((c) => [c.aid.name, c.kernel, c.entry.priority])).toEqual([['Maestro', 2, 3]]);
    // The same entry asking for kernel 3 matches no Maestro configuration.
    const asKernel3 = S.MAESTRO_PPSE_FCI.replace(/9f2a0102$/, '9f2a0103');
    expect(candidateList(directoryEntries(decodeTlv(fromHex(asKernel3))), DEFAULT_AIDS, ind)).toEqual([]);
  });

  it('orders by priority (1 first, none last), then by the order of the PPSE; leaves out what pre-processing forbids', () => {
    const entry = (aid: string, prio?: number) => `61${(9 + aid.length / 2 + (prio ? 3 : 0)).toString(16).padStart(2, '0')}4F${(aid.length / 2).toString(16).padStart(2, '0')}${aid}5005544553543${prio ?? 0}${prio ? `8701${prio.toString(16).padStart(2, '0')}` : ''}`;
    const entries = [entry('A0000000031010'), entry('A000000333010101', 2), entry('A0000000041010', 1)].join('');
    const body = `BF0C${(entries.length / 2).toString(16).padStart(2, '0')}${entries}`;
    const a5 = `A5${(body.length / 2).toString(16).padStart(2, '0')}${body}`;
    const fci = `6F${((a5.length + 32) / 2).toString(16).padStart(2, '0')}840E325041592E5359532E4444463031${a5}`;
    const list = candidateList(directoryEntries(decodeTlv(fromHex(fci))), DEFAULT_AIDS, ind);
    expect(list.map((c) => toHex(c.entry.adfName))).toEqual(['A0000000041010', 'A000000333010101', 'A0000000031010']);
    const noMc = candidateList(directoryEntries(decodeTlv(fromHex(fci))), DEFAULT_AIDS, (a) => ({ ...ind(a), notAllowed: a.kernel === 2 }));
    expect(noMc.map((c) => toHex(c.entry.adfName))).toEqual(['A000000333010101', 'A0000000031010']);
  });
});

describe('the AFL (Book 3 10.2)', () => {
  it('reads entries and refuses each broken rule', () => {
    expect(parseAfl(fromHex('0801010010010201'))).toEqual([
      { sfi: 1, first: 1, last: 1, odaCount: 0 },
      { sfi: 2, first: 1, last: 2, odaCount: 1 },
    ]);
    for (const bad of ['080101', '00010100', '08000100', '08020100', '08010102', 'F8010100', '09010100']) {
      expect(() => parseAfl(fromHex(bad)), bad).toThrow(CardError);
    }
  });
});

describe('processing restrictions (Book 3 10.4)', () => {
  const check = (tags: string, date = 20260315, type = 0x00) => {
    const card = new CardData();
    card.addAll(decodeTlv(fromHex(tags)), 'test');
    const tvr = new Uint8Array(5);
    processingRestrictions({ card, terminalAppVersion: fromHex('0002'), terminalCountry: 156, terminalType: 22, transactionType: type, date, tvr });
    return tvrBits(tvr);
  };
  it('expiry, effective date, version and usage control each set their TVR bit', () => {
    expect(check('5F24033012315F25032401019F080200029F0702FFC05F28020156')).toEqual([]);
    expect(check('5F2403260314')).toEqual(['expiredApplication']);
    expect(check('5F2403260315')).toEqual([]);
    expect(check('5F2503260316')).toEqual(['notYetEffective']);
    expect(check('9F08020003')).toEqual(['differentVersions']);
    // Valid for international goods and services only, at a domestic terminal.
    expect(check('9F07021500' + '5F28020156')).toEqual(['serviceNotAllowed']);
    expect(check('9F07021500' + '5F28020840')).toEqual([]);
    // Not valid at terminals other than ATMs.
    expect(check('9F0702FE00')).toEqual(['serviceNotAllowed']);
    // A cash transaction on a card valid only for goods and services.
    expect(check('9F07023D00' + '5F28020156', 20260315, 0x01)).toEqual(['serviceNotAllowed']);
  });
});

describe('CVM list (Book 3 10.5, Annex C3)', () => {
  const ctx = { amount: 100, inApplicationCurrency: true, capability: 0x68, transactionType: 0x00, unattended: false };
  const list = (x: number, y: number, rules: string) => fromHex(x.toString(16).padStart(8, '0') + y.toString(16).padStart(8, '0') + rules);

  it('takes the first rule whose condition holds and whose CVM the terminal supports', () => {
    expect(processCvmList(list(0, 0, '42031E031F03'), ctx)).toMatchObject({ method: 'online-pin', tvr: ['onlinePinEntered'] });
    expect(toHex(processCvmList(list(0, 0, '42031E031F03'), { ...ctx, capability: 0x08 }).results)).toBe('1F0302');
    expect(processCvmList(list(0, 0, '42031E031F03'), { ...ctx, capability: 0x28 }).method).toBe('signature');
  });

  it('amounts X and Y apply in the application currency only', () => {
    const rules = list(500, 0, '1F06' + '0200');
    expect(processCvmList(rules, ctx).method).toBe('no-cvm');
    expect(processCvmList(rules, { ...ctx, amount: 600 }).method).toBe('online-pin');
    expect(processCvmList(rules, { ...ctx, inApplicationCurrency: false }).method).toBe('online-pin');
  });

  it('fails without b7, moves on with it; an unrecognised CVM is noted', () => {
    const failed = processCvmList(list(0, 0, '01001F00'), ctx);
    expect(failed.method).toBe('none');
    expect(toHex(failed.results)).toBe('010001');
    expect(failed.tvr).toEqual(['cvmNotSuccessful']);
    expect(processCvmList(list(0, 0, '41001F00'), ctx).method).toBe('no-cvm');
    expect(processCvmList(list(0, 0, '4A001F00'), ctx)).toMatchObject({ method: 'no-cvm', tvr: ['unrecognisedCvm'] });
    expect(processCvmList(list(0, 0, '0000'), ctx)).toMatchObject({ method: 'none', tvr: ['cvmNotSuccessful'] });
  });

  it('no rule applies: 3F 00 01; no list: 3F 00 00 and ICC data missing', () => {
    expect(toHex(processCvmList(list(0, 0, '1F05'), ctx).results)).toBe('3F0001');
    expect(processCvmList(undefined, ctx)).toMatchObject({ method: 'none', tvr: ['iccDataMissing'] });
  });
});

describe('CTQ cardholder verification (Book C-3)', () => {
  it('online PIN, consumer device CVM, signature as the card asks; the reader falls back when it required a CVM', () => {
    expect(ctqCvm({ ctq: fromHex('8000'), ttq: fromHex('36004000') }).method).toBe('online-pin');
    expect(ctqCvm({ ctq: fromHex('8000'), ttq: fromHex('32004000') }).method).toBe('no-cvm');
    expect(ctqCvm({ ctq: fromHex('0080'), ttq: fromHex('36004000') }).method).toBe('cdcvm');
    expect(ctqCvm({ ctq: fromHex('4000'), ttq: fromHex('36404000') }).method).toBe('signature');
    expect(ctqCvm({ ctq: fromHex('0000'), ttq: fromHex('36404000') }).method).toBe('signature');
    expect(ctqCvm({ ctq: undefined, ttq: fromHex('34404000') }).method).toBe('online-pin');
    expect(ctqCvm({ ctq: undefined, ttq: fromHex('30404000') })).toMatchObject({ method: 'none', failed: true });
  });
});

describe('terminal action analysis (Book 3 10.7)', () => {
  const z = fromHex('0000000000');
  it('denial, then online or default by the terminal capability; absent IACs as the book says', () => {
    const floor = fromHex('0000008000');
    expect(terminalActionAnalysis(floor, {}, { denial: z, online: z, default: z }, true)).toBe('ARQC');
    expect(terminalActionAnalysis(floor, { online: z }, { denial: z, online: z, default: z }, true)).toBe('TC');
    expect(terminalActionAnalysis(floor, { denial: floor }, { denial: z, online: z, default: z }, true)).toBe('AAC');
    expect(terminalActionAnalysis(floor, { online: z, default: floor }, { denial: z, online: z, default: z }, false)).toBe('AAC');
    expect(terminalActionAnalysis(z, {}, { denial: z, online: z, default: z }, false)).toBe('TC');
  });
});

describe('sensitive card data', () => {
  it('never shows its PAN or track 2 in JSON, inspection or text, and can be wiped', () => {
    const s = new SensitiveCardData('4761739001010010', fromHex('4761739001010010D3012201123F'));
    const result = { maskedPan: '476173******0010', sensitive: s };
    for (const text of [JSON.stringify(result), inspect(result, { depth: 5, showHidden: true }), `${s}`, String(s)]) {
      expect(text).not.toContain('4761739001010010');
      expect(text).toContain('redacted');
    }
    expect(s.pan).toBe('4761739001010010');
    s.wipe();
    expect(s.pan).toBe('');
    expect(s.track2).toBeUndefined();
  });
});
