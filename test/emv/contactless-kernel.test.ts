/**
 * The catalog's contactless cards through the kernel: each reaches its outcome, and the
 * commands sent are exactly the script the kernel is meant to follow (EMV Contactless Book
 * B selection, then the kernel of Book C-2, C-3, C-4 or C-7). Cards are the simulator's
 * virtual cards, in-process.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/hex.js';
import { tvrBits, tsiBits } from '../../src/emv/tvr.js';
import { decodeTlv } from '../../src/emv/tlv.js';
import { createContactlessCard, createVirtualCard } from '../../simulator/cards/catalog.js';
import { expectScript, offlineConfig, qvsdcGpo, run, SELECT_PPSE, UN } from './helpers/kernel-harness.js';

const VISA_SELECT: [string, string] = ['00A4040007 A0000000031010 00', 'SELECT Visa'];
const MC_SELECT: [string, string] = ['00A4040007 A0000000041010 00', 'SELECT Mastercard'];
const UNIONPAY_SELECT: [string, string] = ['00A4040008 A000000333010101 00', 'SELECT UnionPay debit'];
const QVSDC_RECORDS: [string, string][] = [
  ['00B2010C00', 'READ RECORD SFI 1 record 1 (signed)'],
  ['00B2011400', 'READ RECORD SFI 2 record 1 (issuer certificate)'],
  ['00B2021400', 'READ RECORD SFI 2 record 2 (ICC certificate)'],
];
const MCHIP_RECORDS = QVSDC_RECORDS;
/** CDOL1 data: amount, other amount, country, TVR, currency, date, type, UN, terminal type 22, CVM Results. */
const cdol1 = (tvr: string, cvmResults: string, amount = '000000000100') => `${amount} 000000000000 0156 ${tvr} 0156 260315 00 ${UN} 22 ${cvmResults}`;

function tags(iccData: Uint8Array): string[] {
  return decodeTlv(iccData).map((t) => t.tag.toString(16).toUpperCase());
}

describe('Kernel 3 (Visa qVSDC)', () => {
  it('visa-ok, 1.00: online request with no CVM, after PPSE, SELECT, GPO and three records', async () => {
    const { result, commands } = await run(createContactlessCard('visa-ok'), 100);
    expectScript(commands, [SELECT_PPSE, VISA_SELECT, [qvsdcGpo('36804000'), 'GPO, TTQ: online cryptogram required'], ...QVSDC_RECORDS]);
    expect(result.outcome).toBe('online-request');
    expect(result.kernel).toBe(3);
    expect(toHex(result.aid!)).toBe('A0000000031010');
    expect(result.label).toBe('VISA CREDIT');
    expect(result.maskedPan).toBe('476173******0011');
    expect(result.sensitive?.pan).toBe('4761730000000011');
    expect(result.expiry).toBe('3012');
    expect(result.panSequence).toBe('01');
    expect(result.cvm).toBe('no-cvm');
    expect(toHex(result.cvmResults)).toBe('1F0002');
    expect(result.cryptogram?.type).toBe('ARQC');
    expect(toHex(result.cryptogram!.atc)).toBe('0011');
    expect(result.oda).toEqual({ method: 'none', result: 'not-performed' });
    // The TVR stays as sent in the PDOL: the ARQC covers it.
    expect(toHex(result.tvr)).toBe('0000000000');
    expect(tags(result.iccData)).toEqual(['9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A', '9F03', '9F33', '9F34', '9F35', '9F1E', '84', '9F09', '9F66', '9F6C', '9F6E', '5F34']);
    expect(result.exchanges).toBe(6);
  });

  it('visa-ok, 2,000.00: the reader requires a CVM and the card asks for online PIN', async () => {
    const { result, commands } = await run(createContactlessCard('visa-ok'), 200_000);
    expectScript(commands, [SELECT_PPSE, VISA_SELECT, [qvsdcGpo('36C04000', '000000200000'), 'GPO, TTQ: online cryptogram and CVM required'], ...QVSDC_RECORDS]);
    expect(result.outcome).toBe('online-request');
    expect(result.cvm).toBe('online-pin');
    expect(toHex(result.cvmResults)).toBe('020000');
  });

  it('visa-ok under a floor limit: the card approves offline (TC) and fDDA succeeds', async () => {
    const { result, commands } = await run(createContactlessCard('visa-ok'), 100, offlineConfig());
    expectScript(commands, [SELECT_PPSE, VISA_SELECT, [qvsdcGpo('36004000'), 'GPO, TTQ: offline allowed'], ...QVSDC_RECORDS]);
    expect(result.outcome).toBe('approved');
    expect(result.cryptogram?.type).toBe('TC');
    expect(result.oda).toEqual({ method: 'fDDA', result: 'success' });
    expect(tsiBits(result.tsi)).toContain('odaPerformed');
  });

  it('visa-nsf: the card goes online like any other (the issuer, not the card, answers 51)', async () => {
    const { result, commands } = await run(createContactlessCard('visa-nsf'), 100);
    expectScript(commands, [SELECT_PPSE, VISA_SELECT, [qvsdcGpo('36804000'), 'GPO'], ...QVSDC_RECORDS]);
    expect(result.outcome).toBe('online-request');
    expect(result.maskedPan).toBe('476173******0029');
  });

  it('visa-expired: online, Kernel 3 leaves the expiry to the issuer; the expiry read is 2312', async () => {
    const { result, commands } = await run(createContactlessCard('visa-expired'), 100);
    expectScript(commands, [SELECT_PPSE, VISA_SELECT, [qvsdcGpo('36804000'), 'GPO'], ...QVSDC_RECORDS]);
    expect(result.outcome).toBe('online-request');
    expect(result.expiry).toBe('2312');
  });

  it('visa-expired offline: its ICC certificate expired with it, fDDA fails and the card asks to go online', async () => {
    const { result } = await run(createContactlessCard('visa-expired'), 100, offlineConfig());
    expect(result.cryptogram?.type).toBe('TC');
    expect(result.oda.result).toBe('failed');
    expect(result.oda.failure?.check).toBe('ICC_CERT_EXPIRED');
    expect(result.outcome).toBe('online-request');
  });

  it('visa-blocked: SELECT answers 6A81, no other candidate: end application after two commands', async () => {
    const { result, commands } = await run(createContactlessCard('visa-blocked'), 100);
    expectScript(commands, [SELECT_PPSE, VISA_SELECT]);
    expect(result.outcome).toBe('end-application');
    expect(result.reason).toMatch(/blocked.*6A81/);
    expect(result.maskedPan).toBeUndefined();
    expect(result.sensitive).toBeUndefined();
    expect(result.iccData.length).toBe(0);
  });
});

describe('Kernel 7 (UnionPay qPBOC)', () => {
  it('unionpay-ok: online request with online PIN at any amount', async () => {
    const { result, commands } = await run(createContactlessCard('unionpay-ok'), 100);
    expectScript(commands, [SELECT_PPSE, UNIONPAY_SELECT, [qvsdcGpo('36804000'), 'GPO'], ...QVSDC_RECORDS]);
    expect(result.outcome).toBe('online-request');
    expect(result.kernel).toBe(7);
    expect(result.cvm).toBe('online-pin');
    expect(result.maskedPan).toBe('621234******1232');
    expect(result.label).toBe('PBOC DEBIT');
  });

  it('unionpay-ok under a floor limit: still online, the card wants its PIN checked online', async () => {
    const { result } = await run(createContactlessCard('unionpay-ok'), 100, offlineConfig());
    expect(result.outcome).toBe('online-request');
    expect(result.cryptogram?.type).toBe('ARQC');
  });
});

describe('Kernel 2 (Mastercard M/Chip)', () => {
  it('mc-ok, 1.00: CDA, TVR floor limit exceeded, ARQC asked and signed: online request with no CVM', async () => {
    const { result, commands } = await run(createContactlessCard('mc-ok'), 100);
    expectScript(commands, [
      SELECT_PPSE,
      MC_SELECT,
      ['80A8000002830000', 'GPO, no PDOL'],
      ...MCHIP_RECORDS,
      [`80AE9000 21 ${cdol1('0000008000', '1F0302')} 00`, 'GENERATE AC: ARQC with CDA'],
    ]);
    expect(result.outcome).toBe('online-request');
    expect(result.kernel).toBe(2);
    expect(result.cvm).toBe('no-cvm');
    expect(toHex(result.cvmResults)).toBe('1F0302');
    expect(result.oda).toEqual({ method: 'CDA', result: 'success' });
    expect(tvrBits(result.tvr)).toEqual(['floorLimitExceeded']);
    expect(tsiBits(result.tsi)).toEqual(['odaPerformed', 'cardholderVerificationPerformed', 'cardRiskManagementPerformed', 'terminalRiskManagementPerformed']);
    expect(result.cryptogram?.type).toBe('ARQC');
    // The cryptogram came inside the CDA signature; field 55 carries it as 9F26.
    expect(tags(result.iccData)).toContain('9F26');
    expect(tags(result.iccData)).not.toContain('9F66');
    expect(result.maskedPan).toBe('541333******0019');
    expect(result.panSequence).toBe('01');
  });

  it('mc-ok, 2,000.00: the CVM list gives online PIN (42 03) with the CVM-required capability', async () => {
    const { result, commands } = await run(createContactlessCard('mc-ok'), 200_000);
    expect(commands.at(-1)).toBe(`80AE9000 21 ${cdol1('0000048000', '420300', '000000200000')} 00`.replace(/\s+/g, ''));
    expect(result.outcome).toBe('online-request');
    expect(result.cvm).toBe('online-pin');
    expect(tvrBits(result.tvr)).toEqual(['onlinePinEntered', 'floorLimitExceeded']);
  });

  it('mc-ok under a floor limit: TC asked with CDA, approved offline', async () => {
    const { result, commands } = await run(createContactlessCard('mc-ok'), 100, offlineConfig());
    expect(commands.at(-1)).toBe(`80AE5000 21 ${cdol1('0000000000', '1F0302')} 00`.replace(/\s+/g, ''));
    expect(result.outcome).toBe('approved');
    expect(result.cryptogram?.type).toBe('TC');
    expect(result.oda.result).toBe('success');
  });

  it('two-apps: the PPSE lists UnionPay (priority 2) first; Mastercard (priority 1) is the one selected', async () => {
    const { result, commands } = await run(createContactlessCard('two-apps'), 100);
    expectScript(commands, [
      SELECT_PPSE,
      MC_SELECT,
      ['80A8000002830000', 'GPO'],
      ...MCHIP_RECORDS,
      [`80AE9000 21 ${cdol1('0000008000', '1F0302')} 00`, 'GENERATE AC: ARQC with CDA'],
    ]);
    expect(toHex(result.aid!)).toBe('A0000000041010');
    expect(result.label).toBe('MC CREDIT');
    expect(result.outcome).toBe('online-request');
    expect(result.maskedPan).toBe('541333******0035');
  });

  it('mc-wrongpin: online PIN at or above the CVM limit, none below it', async () => {
    const low = await run(createContactlessCard('mc-wrongpin'), 100);
    expect(low.result.outcome).toBe('online-request');
    expect(low.result.cvm).toBe('no-cvm');
    const high = await run(createContactlessCard('mc-wrongpin'), 100_000);
    expectScript(high.commands, [
      SELECT_PPSE,
      MC_SELECT,
      ['80A8000002830000', 'GPO'],
      ...MCHIP_RECORDS,
      [`80AE9000 21 ${cdol1('0000048000', '420300', '000000100000')} 00`, 'GENERATE AC: ARQC with CDA'],
    ]);
    expect(high.result.cvm).toBe('online-pin');
  });
});

describe('Kernel 4 (American Express Expresspay)', () => {
  it('the Amex test card: the PDOL asks for 9F6E; CDA; online request', async () => {
    const { result, commands } = await run(createVirtualCard('amex-test'), 100);
    expectScript(commands, [
      SELECT_PPSE,
      ['00A4040008 A000000025010801 00', 'SELECT Amex'],
      ['80A80000 06 8304 D8E00000 00', 'GPO with the reader capabilities 9F6E'],
      ...MCHIP_RECORDS,
      [`80AE9000 21 ${cdol1('0000008000', '1F0302')} 00`, 'GENERATE AC: ARQC with CDA'],
    ]);
    expect(result.outcome).toBe('online-request');
    expect(result.kernel).toBe(4);
    expect(result.oda.result).toBe('success');
    expect(result.maskedPan).toBe('37424******0001');
  });
});

describe('Entry Point', () => {
  it('an amount at the contactless transaction limit of every application: try another interface, no APDU', async () => {
    const { result, commands } = await run(createContactlessCard('visa-ok'), 10_000_000);
    expect(commands).toEqual([]);
    expect(result.outcome).toBe('try-another-interface');
  });

  it('no application configured: try another interface; none matching the card: end application after the PPSE', async () => {
    const { result, commands } = await run(createContactlessCard('visa-ok'), 100, { ...offlineConfig(), aids: [] });
    expect(commands.length).toBe(0);
    expect(result.outcome).toBe('try-another-interface');
    const onlyMc = await run(createContactlessCard('visa-ok'), 100, { ...offlineConfig(), aids: offlineConfig().aids.filter((a) => a.kernel === 2) });
    expectScript(onlyMc.commands, [SELECT_PPSE]);
    expect(onlyMc.result.outcome).toBe('end-application');
  });

  it('Select Next: the chosen application refuses GPO; the next candidate is selected and used', async () => {
    const card = createContactlessCard('two-apps');
    let gpos = 0;
    const refusing = {
      transceive: (apdu: Uint8Array) => (apdu[0] === 0x80 && apdu[1] === 0xa8 && gpos++ === 0 ? Uint8Array.of(0x69, 0x85) : card.transceive(apdu)),
    };
    const { result, commands } = await run(refusing, 100);
    expectScript(commands, [
      SELECT_PPSE,
      MC_SELECT,
      ['80A8000002830000', 'GPO: 6985, Kernel 2 selects next'],
      UNIONPAY_SELECT,
      [qvsdcGpo('36804000'), 'GPO'],
      ...QVSDC_RECORDS,
    ]);
    expect(toHex(result.aid!)).toBe('A000000333010101');
    expect(result.outcome).toBe('online-request');
  });

  it('a qVSDC card answering GPO with 6986 asks for another interface', async () => {
    const card = createContactlessCard('visa-ok');
    const refusing = { transceive: (apdu: Uint8Array) => (apdu[1] === 0xa8 ? Uint8Array.of(0x69, 0x86) : card.transceive(apdu)) };
    const { result, commands } = await run(refusing, 100);
    expectScript(commands, [SELECT_PPSE, VISA_SELECT, [qvsdcGpo('36804000'), 'GPO: 6986']]);
    expect(result.outcome).toBe('try-another-interface');
  });

  it('the ATC counts up with every transaction', async () => {
    const card = createContactlessCard('visa-ok');
    const atcs: string[] = [];
    for (let i = 0; i < 3; i++) atcs.push(toHex((await run(card, 100)).result.cryptogram!.atc));
    expect(atcs).toEqual(['0011', '0012', '0013']);
  });

  it('an aborted signal stops the kernel with its reason before the next command', async () => {
    const card = createContactlessCard('visa-ok');
    const ac = new AbortController();
    const { runContactlessTransaction } = await import('../../src/emv/contactless-kernel.js');
    const { defaultContactlessConfig } = await import('../../src/emv/kernel-config.js');
    const { transaction } = await import('./helpers/kernel-harness.js');
    let sent = 0;
    const p = runContactlessTransaction({
      transmit: async (apdu) => {
        if (++sent === 2) ac.abort(new Error('card removed'));
        return card.transceive(apdu);
      },
      config: defaultContactlessConfig(),
      transaction: transaction(100),
      signal: ac.signal,
    });
    await expect(p).rejects.toThrow('card removed');
    expect(sent).toBe(2);
  });
});
