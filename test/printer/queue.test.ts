import { describe, expect, it } from 'vitest';
import { CancelledError, ValidationError } from '../../src/errors.js';
import type { PrintDocument } from '../../src/printer/document.js';
import { CSN_A2, type PrinterProfile } from '../../src/printer/profile.js';
import type { PrintQueueState } from '../../src/printer/queue.js';
import { testPage, transactionReceipt } from '../../src/printer/receipts/index.js';
import { reprintMark } from '../../src/printer/render.js';
import { MERCHANT, rig, sale, settleOn } from './harness.js';

const copies = (lang: 'zh-CN' | 'en' = 'zh-CN') => transactionReceipt(sale(), { lang, paper: 58 });

/** What a document prints as when nothing goes wrong. */
async function reference(doc: PrintDocument): Promise<string> {
  const r = rig();
  await settleOn(r.clock, r.queue.submit(doc).done);
  await r.queue.close();
  return r.emu.receipts[0]!.text;
}

const lines = (t: string) => t.split('\n');

describe('print queue: paper out in the middle of a receipt', () => {
  it('stops, waits, and once paper is loaded prints the copy whole with the REPRINT mark; nothing lost, nothing repeated unmarked', async () => {
    const { merchant, customer } = copies();
    const whole = await reference(merchant);
    const r = rig();
    r.emu.runOutAfter(500); // about a third of the merchant copy
    const m = r.queue.submit(merchant);
    const c = r.queue.submit(customer);

    await r.clock.advance(15_000);
    expect(r.queue.status).toMatchObject({ state: 'waiting', problem: 'paper-out', title: 'sale 000123 merchant copy' });
    expect(r.emu.receipts).toHaveLength(0);
    const statesSeen = r.statuses.map((s) => s.state);
    expect(statesSeen).toEqual(['printing', 'waiting']);
    // The driver stopped sending once it saw the paper end: the buffer holds a few lines, not the copy.
    expect(r.emu.buffered).toBeLessThan(400);

    r.emu.loadPaper();
    r.queue.retryNow();
    const [mo, co] = await settleOn(r.clock, Promise.all([m.done, c.done]));
    expect(mo).toMatchObject({ reprinted: true, attempts: 2 });
    expect(co).toMatchObject({ reprinted: false, attempts: 1 });

    // The old roll took the head of the copy with it.
    expect(r.emu.torn).toHaveLength(1);
    const head = lines(r.emu.torn[0]!.text);
    expect(whole.startsWith(head.join('\n'))).toBe(true);

    // On the new roll: what was left in the buffer, marked void; the copy again, whole and
    // marked; then the customer copy, unmarked.
    const [strip, again, cust] = r.emu.receipts;
    expect(r.emu.receipts).toHaveLength(3);
    const stripLines = lines(strip!.text);
    const mark = stripLines.findIndex((l) => l.includes('打印中断 以上作废'));
    expect(mark).toBeGreaterThanOrEqual(0);
    const leftover = stripLines.slice(0, mark).filter((l) => l !== '');
    // Head + leftover is exactly a prefix of the copy: each line came out once, in order.
    const printedOnce = [...head, ...leftover].filter((l) => l !== '');
    expect(lines(whole).filter((l) => l !== '').slice(0, printedOnce.length)).toEqual(printedOnce);
    expect(leftover.length).toBeLessThanOrEqual(6);

    const againLines = lines(again!.text);
    expect(againLines[0]!.trim()).toBe(reprintMark('zh-CN'));
    expect(againLines.slice(1).join('\n')).toBe(whole);
    expect(cust!.text).toContain('持卡人存根 CARDHOLDER COPY');
    expect(cust!.text).not.toContain('REPRINT');
    expect(r.emu.errors).toEqual([]);
    await r.queue.close();
  });

  it('finds the paper loaded on its own, reading the status every retryMs', async () => {
    const r = rig({ queue: { retryMs: 1000 } });
    r.emu.runOutAfter(300);
    const t = r.queue.submit(copies('en').merchant);
    await r.clock.advance(8000);
    expect(r.queue.status).toMatchObject({ state: 'waiting', problem: 'paper-out' });
    r.emu.loadPaper();
    const o = await settleOn(r.clock, t.done, 30_000);
    expect(o.reprinted).toBe(true);
    expect(r.emu.receipts.at(-1)!.text.split('\n')[0]!.trim()).toBe('*** REPRINT ***');
    await r.queue.close();
  });

  it('paper out before anything printed: waits, then prints once, unmarked', async () => {
    const r = rig();
    r.emu.runOutAfter(0);
    const t = r.queue.submit(copies().merchant);
    await r.clock.advance(5000);
    expect(r.queue.status).toMatchObject({ state: 'waiting', problem: 'paper-out' });
    expect(r.host.written.every((c) => c.length === 3 && c[0] === 0x10 && c[1] === 0x04)).toBe(true); // status queries only
    expect(r.emu.buffered).toBe(0);
    r.emu.loadPaper();
    r.queue.retryNow();
    const o = await settleOn(r.clock, t.done);
    expect(o).toMatchObject({ reprinted: false, attempts: 1 });
    expect(r.emu.receipts).toHaveLength(1);
    expect(r.emu.receipts[0]!.text).not.toContain('REPRINT');
    expect(r.emu.torn).toHaveLength(0);
    await r.queue.close();
  });

  it('cover opened mid-copy: the strip so far is marked void, the copy comes again marked', async () => {
    const { merchant } = copies('en');
    const whole = await reference(merchant);
    const r = rig();
    const t = r.queue.submit(merchant);
    await r.clock.advance(1500);
    r.emu.openCover();
    await r.clock.advance(3000);
    expect(r.queue.status).toMatchObject({ state: 'waiting', problem: 'cover-open' });
    r.emu.closeCover();
    r.queue.retryNow();
    await settleOn(r.clock, t.done);
    await r.clock.advance(100);
    const [strip, again] = r.emu.receipts;
    expect(r.emu.receipts).toHaveLength(2);
    const s = lines(strip!.text);
    const mark = s.indexOf('    *** PRINT INTERRUPTED ***');
    expect(mark).toBeGreaterThan(0);
    expect(whole.startsWith(s.slice(0, mark).join('\n'))).toBe(true);
    expect(again!.text).toBe(`         *** REPRINT ***\n${whole}`);
    await r.queue.close();
  });

  it('a printer that does not answer (off, unplugged) holds the job until it does', async () => {
    const r = rig({ connect: false });
    const t = r.queue.submit(copies().merchant);
    await r.clock.advance(5000);
    expect(r.queue.status).toMatchObject({ state: 'waiting', problem: 'not-responding' });
    r.emu.connect(r.device);
    r.queue.retryNow();
    const o = await settleOn(r.clock, t.done);
    expect(o.reprinted).toBe(false);
    expect(r.emu.receipts).toHaveLength(1);
    await r.queue.close();
  });

  it('a GS r printer (silent while offline): paper out shows as no answer, and still ends marked', async () => {
    const profile: PrinterProfile = { ...CSN_A2, status: 'gs-r' };
    const r = rig({ profile });
    r.emu.runOutAfter(400);
    const t = r.queue.submit(copies().merchant);
    await r.clock.advance(15_000);
    expect(r.queue.status).toMatchObject({ state: 'waiting', problem: 'not-responding' });
    r.emu.loadPaper();
    r.queue.retryNow();
    const o = await settleOn(r.clock, t.done);
    expect(o.reprinted).toBe(true);
    expect(r.emu.receipts.at(-1)!.text).toContain(reprintMark('zh-CN'));
    await r.queue.close();
  });
});

describe('print queue state', () => {
  it('is plain JSON; a queue restored from a snapshot taken mid-print prints the job again, marked', async () => {
    const a = rig(); // the restarted terminal's printer; its own queue is not used
    await a.queue.close();
    const { merchant, customer } = copies();
    let saved: PrintQueueState | null = null;
    const r1 = rig({ queue: { onStateChange: (s) => (saved = s) } });
    r1.queue.submit(merchant);
    r1.queue.submit(customer);
    await r1.clock.advance(1500); // the merchant copy is half out: the power goes
    expect(saved).not.toBeNull();
    const json = JSON.stringify(saved);
    expect(json).not.toMatch(/622202\d{6}/); // masked card numbers only
    const state = JSON.parse(json) as PrintQueueState;
    expect(state.jobs.map((j) => j.state)).toEqual(['printing', 'queued']);

    // After the reboot: a new queue on another printer (the same one, restarted).
    const { PrintQueue } = await import('../../src/printer/queue.js');
    const printed: string[] = [];
    const q2 = new PrintQueue({ printer: a.printer, clock: a.clock, state, onPrinted: (o) => printed.push(`${o.title}:${o.reprinted}`) });
    for (let i = 0; i < 600 && printed.length < 2; i++) await a.clock.advance(50);
    expect(printed).toEqual(['sale 000123 merchant copy:true', 'sale 000123 customer copy:false']);
    const texts = a.emu.receipts.map((x) => x.text);
    expect(texts[0]).toContain('INTERRUPTED: VOID ABOVE');
    expect(texts[1]).toContain(reprintMark('zh-CN'));
    expect(texts[2]).not.toContain('REPRINT');
    expect(q2.snapshot().jobs).toEqual([]);
    await q2.close();
    await r1.queue.close();
  });

  it('close() rejects the waiting tickets and keeps their jobs in the snapshot', async () => {
    const r = rig();
    r.emu.runOutAfter(0);
    const t = r.queue.submit(copies().merchant);
    await r.clock.advance(1000);
    await r.queue.close();
    await expect(t.done).rejects.toBeInstanceOf(CancelledError);
    expect(r.queue.snapshot().jobs).toHaveLength(1);
    expect(() => r.queue.submit(copies().customer)).toThrow(CancelledError);
  });

  it('a document the printer cannot take is refused at submit and never blocks the queue', async () => {
    const r = rig();
    const tooLong: PrintDocument = { title: 'bad', lang: 'en', columns: 32, charset: 'single-byte', blocks: [{ kind: 'qr', data: 'x'.repeat(400) }] };
    expect(() => r.queue.submit(tooLong)).toThrow(ValidationError);
    await settleOn(r.clock, r.queue.submit(copies().merchant).done);
    expect(r.emu.receipts).toHaveLength(1);
    await r.queue.close();
  });
});

describe('pacing a printer with no flow control', () => {
  const page = testPage({ merchant: MERCHANT, time: 0, software: '0.1.0', printer: { name: 'CSN-A2', dots: 384, columns: 32, baudRate: 19200, qr: 'raster' } }, { lang: 'zh-CN', paper: 58 });

  it('paced by the estimated print time, a raster QR and a receipt fit a 1 KB buffer', async () => {
    const r = rig({ emulator: { bufferBytes: 1024 } });
    let most = 0;
    const t = r.queue.submit(page);
    const c = r.queue.submit(copies().merchant);
    for (let i = 0; i < 2000 && !r.emu.receipts[1]; i++) {
      await r.clock.advance(10);
      most = Math.max(most, r.emu.buffered);
    }
    await settleOn(r.clock, Promise.all([t.done, c.done]));
    expect(r.emu.errors).toEqual([]);
    expect(r.emu.bytesLost).toBe(0);
    expect(most).toBeLessThan(1024);
    expect(r.emu.receipts[0]!.text).toMatch(/\[IMAGE \d+x\d+\]/);
    await r.queue.close();
  });

  it('the same job sent as fast as the wire goes overruns that buffer (what pacing prevents)', async () => {
    // A profile that believes the mechanism is 100 times faster: no effective pacing.
    const r = rig({ profile: { ...CSN_A2, printRowsPerSecond: 40_000, feedRowsPerSecond: 40_000 }, emulator: { bufferBytes: 1024, printRowsPerSecond: 400 } });
    r.queue.submit(page);
    r.queue.submit(copies().merchant);
    await r.clock.advance(30_000);
    expect(r.emu.errors.some((e) => e.kind === 'overflow')).toBe(true);
    expect(r.emu.bytesLost).toBeGreaterThan(0);
    await r.queue.close();
  });
});

describe('documents and printers that do not match', () => {
  it('an 80 mm layout is refused by a 58 mm printer at submit', async () => {
    const r = rig();
    const wide = transactionReceipt(sale(), { lang: 'en', paper: 80 }).merchant;
    expect(() => r.queue.submit(wide)).toThrow(/48 columns.*has 32/);
    await r.queue.close();
  });

  it('a printer without a Chinese font gets single-byte text, never GB18030 bytes in PC437 mode', async () => {
    const r = rig({ profile: { ...CSN_A2, chinese: false } });
    await settleOn(r.clock, r.queue.submit(copies('zh-CN').merchant).done);
    await r.queue.close();
    const wire = Buffer.concat(r.host.written).toString('hex').toUpperCase();
    expect(wire).not.toContain('1C26');
    expect(wire).not.toContain('C9CCBBA7');
    expect(r.emu.errors).toEqual([]);
    expect(r.emu.receipts[0]!.text).toContain('???? MERCHANT NAME');
  });
});
