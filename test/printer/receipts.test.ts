import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { toHex } from '../../src/hex.js';
import { formatAmount } from '../../src/money.js';
import type { PrintDocument } from '../../src/printer/document.js';
import { CSN_A2, GENERIC_80MM, type PrinterProfile } from '../../src/printer/profile.js';
import { settlementReceipt, testPage, transactionListReceipt, transactionReceipt } from '../../src/printer/receipts/index.js';
import type { Language } from '../../src/ui/messages.js';
import { FULL_PAN, MASKED_PAN, MERCHANT, MERCHANT_EN, rig, sale, settleOn } from './harness.js';

/** Prints the documents through the queue to the emulator; returns the receipts' texts and what went on the wire. */
async function print(docs: PrintDocument[], profile: PrinterProfile = CSN_A2) {
  const r = rig({ profile });
  const tickets = docs.map((d) => r.queue.submit(d));
  await settleOn(r.clock, Promise.all(tickets.map((t) => t.done)));
  await r.clock.advance(100);
  await r.queue.close();
  expect(r.emu.idle).toBe(true); // the queue said done only once the paper was out
  expect(r.emu.errors).toEqual([]);
  expect(r.emu.torn).toEqual([]);
  const wire = toHex(Uint8Array.from(r.host.written.flatMap((c) => [...c])));
  return { texts: r.emu.receipts.map((x) => x.text), wire, emu: r.emu };
}

/** Printer columns of a text line: ASCII one, anything else two (the GB18030 font's width). */
const columns = (line: string) => [...line].reduce((n, ch) => n + (ch.codePointAt(0)! < 0x80 ? 1 : 2), 0);

const langs: Language[] = ['zh-CN', 'en'];

describe('sale, void and refund receipts, printed and read back from the emulator', () => {
  for (const lang of langs) {
    it(`sale (${lang}): merchant copy then customer copy, masked PAN only, amounts and codes`, async () => {
      const merchant = lang === 'en' ? MERCHANT_EN : MERCHANT;
      const copies = transactionReceipt(sale({ merchant }), { lang, paper: 58 });
      const { texts, wire } = await print([copies.merchant, copies.customer]);
      expect(texts).toHaveLength(2);
      const [m, c] = texts as [string, string];
      expect(m).toContain(lang === 'zh-CN' ? '商户存根 MERCHANT COPY' : 'MERCHANT COPY');
      expect(c).toContain(lang === 'zh-CN' ? '持卡人存根 CARDHOLDER COPY' : 'CARDHOLDER COPY');
      for (const t of texts) {
        expect(t).toContain(MASKED_PAN);
        expect(t).not.toContain(FULL_PAN);
        expect(t).not.toContain(FULL_PAN.slice(6, 15)); // none of the hidden digits
        expect(t).toContain('CNY 1,234.56');
        expect(t).toContain('A1B2C3');
        expect(t).toContain('601512345678');
        expect(t).toMatch(/VOUCHER NO\.\s+000123/);
        expect(t).toMatch(/BATCH NO\.\s+000007/);
        expect(t).toContain('AID: A000000333010101');
        expect(t).toContain('TC: 1122334455667788');
        expect(t).toContain('TVR: 0000008000');
        expect(t).toContain('2026/01/15 09:30:05'); // 01:30:05 UTC in Shanghai
        expect(t).not.toContain('REPRINT');
        for (const line of t.split('\n')) expect(columns(line)).toBeLessThanOrEqual(32);
      }
      // The signature line only on the merchant copy, and only because the CVM asked for it.
      expect(m).toContain(lang === 'zh-CN' ? '持卡人签名 CARDHOLDER SIGNATURE' : 'CARDHOLDER SIGNATURE');
      expect(c).not.toContain('SIGNATURE');
      if (lang === 'zh-CN') {
        expect(m).toContain('商户名称 MERCHANT NAME');
        expect(m).toContain('交易类型 TRANS TYPE');
        expect(m).toContain('消费 SALE');
        // FS & then GB18030: 商户名称 is C9CC BBA7 C3FB B3C6.
        expect(wire).toContain('1C26');
        expect(wire).toContain('C9CCBBA7C3FBB3C6');
      } else {
        expect(m).not.toMatch(/[\u4e00-\u9fff]/);
        expect(wire).not.toContain('1C26'); // never in Chinese mode
        expect(wire).toContain('1C2E1B7400'); // FS . then ESC t 0 (PC437)
      }
    });

    it(`void and refund (${lang}): the kind, a minus sign and the original's references`, async () => {
      const v = transactionReceipt(sale({ kind: 'void', trace: '000124', original: { trace: '000123' }, cvm: 'online-pin' }), { lang, paper: 58 });
      const r = transactionReceipt(sale({ kind: 'refund', trace: '000125', amount: 5000, original: { rrn: '601400000001', date: '2026/01/14' }, entryMode: 'contactless', chip: undefined, cvm: 'none' }), { lang, paper: 58 });
      const { texts } = await print([v.merchant, v.customer, r.merchant, r.customer]);
      expect(texts).toHaveLength(4);
      const [vm, vc, rm, rc] = texts as [string, string, string, string];
      for (const t of [vm, vc]) {
        expect(t).toContain(lang === 'zh-CN' ? '撤销 VOID' : 'VOID');
        expect(t).toContain('CNY -1,234.56');
        expect(t).toMatch(/ORIG\. VOUCHER\s+000123/);
      }
      expect(vm).toContain('PIN VERIFIED');
      expect(vm).not.toContain('CARDHOLDER SIGNATURE');
      for (const t of [rm, rc]) {
        expect(t).toContain(lang === 'zh-CN' ? '退货 REFUND' : 'REFUND');
        expect(t).toContain('CNY -50.00');
        expect(t).toContain('601400000001');
        expect(t).toContain('2026/01/14');
        expect(t).not.toContain('AID:');
        expect(t).toContain(lang === 'zh-CN' ? '挥卡 CONTACTLESS' : 'CONTACTLESS');
      }
      expect(rm).toContain('NO SIGNATURE REQUIRED');
    });
  }

  it('80 mm paper: 48 columns, label and value on one line, the QR code by GS ( k', async () => {
    const copies = transactionReceipt(sale({ qr: 'https://receipts.example/000123' }), { lang: 'zh-CN', paper: 80 });
    expect(copies.merchant.columns).toBe(48);
    const { texts, wire } = await print([copies.merchant, copies.customer], GENERIC_80MM);
    expect(texts[0]).toMatch(/商户编号 MERCHANT NO\. +123456789012345/);
    expect(texts[0]).toMatch(/日期时间 DATE\/TIME +2026\/01\/15 09:30:05/);
    for (const t of texts) for (const line of t.split('\n')) expect(columns(line)).toBeLessThanOrEqual(48);
    expect(texts[1]).toContain('[QR https://receipts.example/000123]');
    expect(wire).toContain('1D286B0400314132'); // GS ( k fn 65: model 2
    expect(wire).toContain('1D286B0300315130'); // GS ( k fn 81: print
    expect(wire).not.toContain('1D7630'); // no raster image needed
  });

  it('refuses a card number that is not masked, without echoing it', () => {
    for (const bad of [FULL_PAN, `${FULL_PAN}=2512101`, '6222021234567', '622202123456*1234', '']) {
      try {
        transactionReceipt(sale({ maskedPan: bad }), { lang: 'zh-CN', paper: 58 });
        expect.unreachable(`accepted ${bad.length} characters`);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).code).toBe('RECEIPT_PAN_NOT_MASKED');
        if (bad) expect((e as Error).message).not.toContain(bad);
      }
    }
    expect(() => transactionReceipt(sale({ batch: '7' }), { lang: 'en', paper: 58 })).toThrow(ValidationError);
    expect(() => transactionReceipt(sale({ amount: 1.5 }), { lang: 'en', paper: 58 })).toThrow(ValidationError);
  });

  it('text carrying ESC/POS commands is refused in receipt data and neutralised in any document', async () => {
    expect(() => transactionReceipt(sale({ merchant: { ...MERCHANT_EN, name: 'Evil\x1bd\x09Shop' } }), { lang: 'en', paper: 58 })).toThrow(ValidationError);
    const doc: PrintDocument = { title: 'x', lang: 'en', columns: 32, charset: 'single-byte', blocks: [{ kind: 'text', text: 'Evil\x1bd\x09Shop\x1dV\x00' }, { kind: 'cut' }] };
    const { texts, wire } = await print([doc]);
    expect(texts[0]).toBe('Evil d Shop V');
    expect(wire).not.toContain('1B6409');
    expect(wire).not.toContain('1D5600');
  });
});

describe('settlement, transaction list and the test page', () => {
  for (const lang of langs) {
    it(`settlement (${lang}): counts, amounts, net and the host's verdict`, async () => {
      const doc = settlementReceipt(
        { merchant: MERCHANT, batch: '000007', time: Date.UTC(2026, 0, 15, 12, 0, 0), currency: 'CNY', sale: { count: 12, amount: 1_234_500 }, void: { count: 1, amount: 2000 }, refund: { count: 2, amount: 34_500 }, result: 'balanced' },
        { lang, paper: 58 },
      );
      const { texts } = await print([doc]);
      const t = texts[0]!;
      expect(t).toContain(lang === 'zh-CN' ? '结算总计单' : 'SETTLEMENT');
      expect(t).toMatch(/SALE\s+12\s+CNY 12,345.00/);
      expect(t).toMatch(/VOID\s+1\s+CNY -20.00/);
      expect(t).toMatch(/REFUND\s+2\s+CNY -345.00/);
      expect(t).toMatch(/CNY 12,000.00/); // net: sales less refunds
      expect(t).toContain(lang === 'zh-CN' ? '对账平 BALANCED' : 'BALANCED');
      expect(t).toContain('2026/01/15 20:00:00');
    });

    it(`settlement (${lang}): every count ends on one column and every amount on the right edge, heading included, at 32 and 48 columns`, async () => {
      const kinds = lang === 'zh-CN' ? ['消费', '撤销', '退货'] : ['SALE', 'VOID', 'REFUND'];
      const cases = [
        { sale: { count: 12, amount: 1_234_500 }, void: { count: 1, amount: 2000 }, refund: { count: 2, amount: 34_500 } },
        { sale: { count: 999, amount: 99_999_999 }, void: { count: 0, amount: 0 }, refund: { count: 10, amount: 5 } },
        // Amounts too wide for one line with the kind and count on 58 mm paper.
        { sale: { count: 7, amount: 123_456_789_012 }, void: { count: 100, amount: 1_000_000_000 }, refund: { count: 0, amount: 0 } },
      ];
      for (const paper of [58, 80] as const) {
        const width = paper === 80 ? 48 : 32;
        for (const totals of cases) {
          const doc = settlementReceipt({ merchant: MERCHANT, batch: '000007', time: Date.UTC(2026, 0, 15, 12, 0, 0), currency: 'CNY', ...totals, result: 'balanced' }, { lang, paper });
          const lines = (await print([doc], paper === 80 ? GENERIC_80MM : CSN_A2)).texts[0]!.split('\n');
          const where = `${paper} mm ${JSON.stringify(totals)}:\n${lines.join('\n')}`;
          const countEnds: number[] = [];
          const amountEnds: number[] = [];
          kinds.forEach((kind, i) => {
            const at = lines.findIndex((l) => l.startsWith(kind));
            const k = (['sale', 'void', 'refund'] as const)[i]!;
            const m = /^(.*?\s)(\d+)(?:\s+(CNY -?[\d,.]+))?$/.exec(lines[at] ?? '');
            expect(m, where).not.toBeNull();
            expect(Number(m![2]), where).toBe(totals[k].count);
            countEnds.push(columns(m![1]! + m![2]!));
            // The amount on the same line, or alone on the next one.
            const amountLine = m![3] ? lines[at]! : lines[at + 1]!;
            expect(m![3] ?? amountLine.trim(), where).toBe(`CNY ${k === 'sale' || totals[k].amount === 0 ? '' : '-'}${formatAmount(totals[k].amount, 'CNY')}`);
            amountEnds.push(columns(amountLine));
          });
          // The heading's count label ends where the counts do.
          const heading = lines.filter((l) => /COUNT|笔数/.test(l));
          expect(heading.length, where).toBeGreaterThan(0);
          for (const h of heading) {
            const label = /笔数 COUNT|COUNT|笔数/.exec(h)!;
            countEnds.push(columns(h.slice(0, label.index + label[0].length)));
          }
          expect(new Set(countEnds).size, where).toBe(1);
          expect(amountEnds.every((e) => e === width), where).toBe(true);
          for (const l of lines) expect(columns(l), where).toBeLessThanOrEqual(width);
        }
      }
    });

    it(`transaction list (${lang}): every entry with its masked PAN, and the total`, async () => {
      const entries = [
        { trace: '000121', kind: 'sale' as const, maskedPan: '476173******0010', amount: 1000, authCode: '111111', time: Date.UTC(2026, 0, 15, 1, 0) },
        { trace: '000122', kind: 'sale' as const, maskedPan: '543210******9999', amount: 2500, voided: true, time: Date.UTC(2026, 0, 15, 1, 5) },
        { trace: '000123', kind: 'void' as const, maskedPan: '543210******9999', amount: 2500, time: Date.UTC(2026, 0, 15, 1, 6) },
        { trace: '000124', kind: 'refund' as const, maskedPan: MASKED_PAN, amount: 300, time: Date.UTC(2026, 0, 15, 1, 7) },
      ];
      for (const paper of [58, 80] as const) {
        const doc = transactionListReceipt({ merchant: MERCHANT, batch: '000007', time: Date.UTC(2026, 0, 15, 2, 0), currency: 'CNY', entries }, { lang, paper });
        const { texts } = await print([doc], paper === 80 ? GENERIC_80MM : CSN_A2);
        const t = texts[0]!;
        for (const e of entries) {
          expect(t).toContain(e.trace);
          expect(t).toContain(e.maskedPan);
        }
        expect(t).toMatch(/000121 (消费|SALE)\s+.*10\.00/);
        expect(t).toContain(lang === 'zh-CN' ? '(已撤销)' : '(VOIDED)');
        expect(t).toContain('-3.00');
        expect(t).toMatch(/TOTAL 4\s+CNY 7.00/); // 10.00 - 3.00: the voided sale and its void do not count
        expect(t).not.toContain(FULL_PAN);
      }
    });

    it(`test page (${lang}): ruler, styles, alignment and a QR code`, async () => {
      const doc = testPage({ merchant: MERCHANT_EN, time: Date.UTC(2026, 0, 15, 1, 30), software: '0.1.0', printer: { name: CSN_A2.name, dots: 384, columns: 32, baudRate: 19200, qr: 'raster' } }, { lang, paper: 58 });
      const { texts, emu } = await print([doc]);
      const t = texts[0]!;
      expect(t).toContain('12345678901234567890123456789012');
      expect(t).toMatch(/^ +CENTER$/m);
      expect(t).toMatch(/^ {27}RIGHT$/m);
      expect(t).toMatch(/\[IMAGE \d+x\d+\]/); // the CSN-A2 has no GS ( k: raster fallback
      if (lang === 'zh-CN') expect(t).toContain('中文打印测试');
      expect(emu.receipts[0]!.png().subarray(1, 4)).toEqual(new TextEncoder().encode('PNG'));
    });
  }
});
