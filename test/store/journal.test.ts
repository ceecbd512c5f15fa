/**
 * The transaction journal on its durable log: the latest state of each transaction read
 * back after a reopen, look-ups, the status table, STAN and batch counters that survive a
 * restart, appends that never rewrite the file and whose size does not grow with the
 * journal, torn tails after a power cut, and a writer killed with SIGKILL wherever it is.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/store/durable-log.js';
import { Journal, JournalError, type NewRecord } from '../../src/store/journal.js';
import { prng } from '../helpers/prng.js';

let dir: string;
let file: string;
const open: Journal[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-'));
  file = join(dir, 'journal.log');
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openJournal(firstBatch?: number): Promise<Journal> {
  const j = await Journal.open({ file, ...(firstBatch ? { firstBatch } : {}), now: () => Date.UTC(2026, 0, 15, 9, 30) });
  open.push(j);
  return j;
}

async function reopen(j: Journal): Promise<Journal> {
  await j.close();
  open.splice(open.indexOf(j), 1);
  return openJournal();
}

function sale(j: Journal, over: Partial<NewRecord> = {}): NewRecord {
  const stan = String(j.reserveStan()).padStart(6, '0');
  return {
    id: `TERM0001-${stan}-0115-093000`,
    stan,
    type: 'sale',
    amount: 1234,
    currency: 'CNY',
    batch: j.batch,
    time: '2026-01-15T01:30:00.000Z',
    localDate: '0115',
    localTime: '093000',
    entryMode: 'contactless-chip',
    maskedPan: '476173******0011',
    panHash: 'ab'.repeat(32),
    sealedCard: 'c2VhbGVk',
    reversal: { fields: { '3': '000000', '4': '000000001234', '11': stan } },
    ...over,
  };
}

describe('Journal', () => {
  it('reads back the latest state of each transaction, with look-ups by STAN, RRN, batch and PAN hash', async () => {
    let j = await openJournal();
    const a = await j.begin(sale(j));
    const b = await j.begin(sale(j, { amount: 500, panHash: 'cd'.repeat(32) }));
    const c = await j.begin(sale(j, { amount: 700 }));
    await j.update(a.id, { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3', responseCode: '00', responseText: 'Approved' });
    await j.update(b.id, { status: 'declined', responseCode: '51', responseText: 'Insufficient funds' });
    await j.update(c.id, { status: 'reversal-pending', reversalReason: 'no-response' });
    await j.update(c.id, { status: 'reversed', reversalCode: '00' });

    j = await reopen(j);
    expect(j.all().map((r) => [r.stan, r.status])).toEqual([
      ['000001', 'approved'],
      ['000002', 'declined'],
      ['000003', 'reversed'],
    ]);
    expect(j.get(a.id)).toMatchObject({ rrn: '011500000001', authCode: 'A1B2C3', responseCode: '00', maskedPan: '476173******0011' });
    expect(j.get(c.id)).toMatchObject({ reversalReason: 'no-response', reversalCode: '00' });
    expect(j.byStan(2).map((r) => r.id)).toEqual([b.id]);
    expect(j.byStan('000003', 1).map((r) => r.id)).toEqual([c.id]);
    expect(j.byStan(3, 2)).toEqual([]);
    expect(j.byRrn('011500000001').map((r) => r.id)).toEqual([a.id]);
    expect(j.inBatch(1)).toHaveLength(3);
    expect(j.byPanHash('ab'.repeat(32)).map((r) => r.id)).toEqual([c.id, a.id]);
    expect(j.recovery).toMatchObject({ records: 7, tornTail: null, damaged: null, skipped: 0 });
  });

  it('gives GET /api/journal exactly the fields of CONTRACT.md', async () => {
    const j = await openJournal();
    const a = await j.begin(sale(j));
    await j.update(a.id, { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3', responseCode: '00' });
    expect(j.toApi()).toEqual([
      { stan: '000001', type: 'sale', amount: 1234, currency: 'CNY', status: 'approved', rrn: '011500000001', authCode: 'A1B2C3', maskedPan: '476173******0011', batch: 1, time: '2026-01-15T01:30:00.000Z' },
    ]);
  });

  it('refuses a move the status table does not allow, and a duplicate or malformed record', async () => {
    const j = await openJournal();
    const a = await j.begin(sale(j));
    await j.update(a.id, { status: 'declined', responseCode: '05' });
    await expect(j.update(a.id, { status: 'approved' })).rejects.toMatchObject({ code: 'JOURNAL_BAD_MOVE' });
    await expect(j.update('nope', { status: 'approved' })).rejects.toMatchObject({ code: 'JOURNAL_UNKNOWN' });
    await expect(j.begin({ ...sale(j), id: a.id })).rejects.toBeInstanceOf(JournalError);
    await expect(j.begin(sale(j, { stan: '000000' }))).rejects.toMatchObject({ code: 'JOURNAL_BAD_RECORD' });
    await expect(j.begin(sale(j, { amount: 1.5 }))).rejects.toMatchObject({ code: 'JOURNAL_BAD_RECORD' });
    // advance() is for listeners that may hear the same outcome twice: no error, no second record.
    const b = await j.begin(sale(j));
    const size = statSync(file).size;
    expect(await j.advance(b.id, { status: 'reversed' })).toBe(true);
    const after = statSync(file).size;
    expect(await j.advance(b.id, { status: 'reversed' })).toBe(false);
    expect(await j.advance(b.id, { status: 'pending' })).toBe(false);
    expect(statSync(file).size).toBe(after);
    expect(after).toBeGreaterThan(size);
    expect(j.get(a.id)!.status).toBe('declined');
  });

  it('keeps the STAN counter and the open batch across a restart; STANs wrap from 999999 to 000001', async () => {
    let j = await openJournal(7);
    expect(j.batch).toBe(7);
    const a = await j.begin(sale(j));
    expect(await j.allocateStan()).toBe(2);
    j.reserveStan(); // reserved, never written: may be given again after a restart
    await j.update(a.id, { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3' });
    expect(await j.closeBatch()).toEqual({ closed: 7, opened: 8 });
    j = await reopen(j);
    expect(j.batch).toBe(8);
    expect(j.reserveStan()).toBe(3);
    expect(j.reserveStan()).toBe(4);

    const w = await openJournalAt(join(dir, 'wrap.log'));
    await w.begin(sale(w, { id: 'x', stan: '999998' }));
    expect(w.reserveStan()).toBe(999_999);
    expect(w.reserveStan()).toBe(1);
  });

  it('refuses to close a batch while a transaction of it waits for its outcome; totals count what stands', async () => {
    const j = await openJournal();
    const a = await j.begin(sale(j, { amount: 1000 }));
    const b = await j.begin(sale(j, { amount: 300 }));
    const c = await j.begin(sale(j, { amount: 50 }));
    const r = await j.begin(sale(j, { type: 'refund', amount: 200 }));
    await j.update(a.id, { status: 'approved' });
    await j.update(b.id, { status: 'approved' });
    await j.update(b.id, { status: 'voided' });
    await j.update(r.id, { status: 'approved' });
    await j.update(c.id, { status: 'reversal-pending' });
    await expect(j.closeBatch()).rejects.toMatchObject({ code: 'JOURNAL_BATCH_BUSY' });
    expect(j.totals()).toEqual({ debitCount: 1, debitAmount: 1000, creditCount: 1, creditAmount: 200 });
    await j.update(c.id, { status: 'reversed' });
    expect(await j.closeBatch()).toEqual({ closed: 1, opened: 2 });
    expect(j.totals()).toEqual({ debitCount: 0, debitAmount: 0, creditCount: 0, creditAmount: 0 });
    expect(j.totals(1).debitAmount).toBe(1000);
  });

  it('a settled batch keeps its look-up fields and the sealed card, and lets go of the request fields, before and after a reopen', async () => {
    let j = await openJournal();
    const a = await j.begin(sale(j));
    const open = await j.begin(sale(j, { amount: 77 }));
    await j.update(a.id, { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3' });
    expect(j.get(a.id)).toMatchObject({ sealedCard: 'c2VhbGVk', reversal: { fields: { '11': a.stan } } });
    await j.update(open.id, { status: 'approved', rrn: '011500000002' });
    expect(await j.closeBatch()).toEqual({ closed: 1, opened: 2 });
    const next = await j.begin(sale(j, { amount: 5 }));
    for (const jj of [j, (j = await reopen(j))]) {
      const settled = jj.get(a.id)!;
      expect(settled).toMatchObject({ status: 'approved', rrn: '011500000001', authCode: 'A1B2C3', maskedPan: '476173******0011', panHash: 'ab'.repeat(32), sealedCard: 'c2VhbGVk', amount: 1234, batch: 1 });
      expect(settled.reversal).toBeNull();
      expect(jj.byRrn('011500000001').map((r) => r.id)).toEqual([a.id]);
      // The open batch keeps everything a void or a reversal needs.
      expect(jj.get(next.id)).toMatchObject({ sealedCard: 'c2VhbGVk', reversal: { fields: { '11': next.stan } } });
    }
    // A refund still moves the settled sale on, and that survives a reopen.
    await j.update(a.id, { status: 'refunded' });
    j = await reopen(j);
    expect(j.get(a.id)).toMatchObject({ status: 'refunded', sealedCard: 'c2VhbGVk', reversal: null });
    expect(j.totals(1)).toEqual({ debitCount: 2, debitAmount: 1234 + 77, creditCount: 0, creditAmount: 0 });
  });

  it('keeps a receipt\'s chip data (setChip) through a reopen and a settled batch, out of the API; refuses anything else; a journal without it opens', async () => {
    const chip = { aid: 'A0000000031010', appLabel: 'VISA CREDIT', cryptogram: { type: 'ARQC' as const, value: '1122334455667788' }, tvr: '0000008000', tsi: 'E800' };
    let j = await openJournal();
    const a = await j.begin(sale(j));
    const b = await j.begin(sale(j));
    await j.update(a.id, { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3' });
    await j.update(b.id, { status: 'approved', rrn: '011500000002', authCode: 'D4E5F6' });
    // A journal written before chip data was kept: its records open with none.
    j = await reopen(j);
    expect(j.get(a.id)).not.toHaveProperty('chip');
    expect(j.recovery.skipped).toBe(0);

    expect(await j.setChip(a.id, chip)).toMatchObject({ status: 'approved', chip });
    // Only the receipt's fields are written: a stray field never reaches the disk.
    await j.setChip(b.id, { ...chip, cryptogram: { type: 'TC', value: 'AABBCCDDEEFF0011' }, pan: '4761730000000011' } as never);
    for (const bad of [
      { ...chip, aid: 'A0' },
      { ...chip, appLabel: 'PAN 4761730000000011' },
      { ...chip, cryptogram: { type: 'XX', value: '1122334455667788' } },
      { ...chip, tvr: '00' },
      { ...chip, tsi: 'nothex' },
    ]) {
      await expect(j.setChip(a.id, bad as never), JSON.stringify(bad)).rejects.toMatchObject({ code: 'JOURNAL_BAD_RECORD' });
    }
    await expect(j.setChip('nobody', chip)).rejects.toMatchObject({ code: 'JOURNAL_UNKNOWN' });
    expect(readFileSync(file, 'utf8')).not.toContain('4761730000000011');
    expect(j.toApi()[0]).not.toHaveProperty('chip');

    // Settled: the batch's records let go of the reversal fields and keep the chip data.
    await j.closeBatch();
    for (const jj of [j, (j = await reopen(j))]) {
      expect(jj.get(a.id)).toMatchObject({ reversal: null, chip });
      expect(jj.get(b.id)!.chip).toEqual({ ...chip, cryptogram: { type: 'TC', value: 'AABBCCDDEEFF0011' } });
    }
    expect(j.recovery.skipped).toBe(0);

    // A chip record on disk that is not only chip data is skipped at open.
    await j.close();
    open.splice(open.indexOf(j), 1);
    appendFileSync(file, encodeRecord(Buffer.from(JSON.stringify({ t: 'chip', id: a.id, chip: { ...chip, tvr: 'zz' }, at: '2026-01-15T02:00:00.000Z' }), 'utf8')));
    j = await openJournal();
    expect(j.recovery.skipped).toBe(1);
    expect(j.get(a.id)!.chip).toEqual(chip);
  });

  it('keeps receipt marks (markReceipt) through a reopen: the copies owed, none for a journal without marks; out of the API and the listeners', async () => {
    let j = await openJournal();
    const old = await j.begin(sale(j));
    const a = await j.begin(sale(j));
    const b = await j.begin(sale(j));
    for (const [r, n] of [[old, 1], [a, 2], [b, 3]] as const) await j.update(r.id, { status: 'approved', rrn: `01150000000${n}`, authCode: 'A1B2C3' });
    // A journal written before receipts were marked: nothing owed.
    j = await reopen(j);
    expect(j.recovery.skipped).toBe(0);
    expect(j.receiptsOwed()).toEqual([]);

    const heard: unknown[] = [];
    j.onChange((r) => heard.push(r));
    await j.markReceipt(a.id, 'started', 'online-pin');
    await j.markReceipt(b.id, 'started', 'signature');
    expect(j.receiptsOwed().map((o) => [o.record.id, o.copies])).toEqual([
      [a.id, ['merchant', 'customer']],
      [b.id, ['merchant', 'customer']],
    ]);
    await j.markReceipt(a.id, 'merchant');
    await j.markReceipt(b.id, 'merchant');
    await j.markReceipt(b.id, 'customer');
    for (const jj of [j, (j = await reopen(j))]) {
      expect(jj.receiptsOwed().map((o) => [o.record.id, o.copies])).toEqual([[a.id, ['customer']]]);
      expect(jj.get(a.id)!.receipt).toEqual({ merchant: true, customer: false, cvm: 'online-pin' });
      expect(jj.get(old.id)).not.toHaveProperty('receipt');
    }
    expect(heard).toEqual([]);
    expect(j.recovery.skipped).toBe(0);
    expect(j.toApi()[1]).not.toHaveProperty('receipt');
    await expect(j.markReceipt('nobody', 'started')).rejects.toMatchObject({ code: 'JOURNAL_UNKNOWN' });
    await expect(j.markReceipt(a.id, 'torn' as never)).rejects.toMatchObject({ code: 'JOURNAL_BAD_RECORD' });
    await expect(j.markReceipt(a.id, 'customer', 'signature')).rejects.toMatchObject({ code: 'JOURNAL_BAD_RECORD' });
    // Owed only in the open batch: a settled batch's receipts are not printed again at start.
    await j.closeBatch();
    expect(j.receiptsOwed()).toEqual([]);
  });

  it('only appends: earlier bytes never change, and each update adds the same bytes however long the journal', async () => {
    const j = await openJournal();
    const growth: number[] = [];
    let before = readFileSync(file);
    for (let i = 0; i < 1500; i++) {
      const r = await j.begin(sale(j, { id: `T-${String(i).padStart(5, '0')}` }));
      if (i === 10 || i === 1499) {
        const s0 = statSync(file).size;
        await j.update(r.id, { status: 'declined', responseCode: '05' });
        growth.push(statSync(file).size - s0);
      }
      if (i % 500 === 0) {
        const now = readFileSync(file);
        expect(now.subarray(0, before.length).equals(before)).toBe(true);
        before = now;
      }
    }
    // One record per update, the same size at 11 transactions and at 1500: nothing is rewritten.
    expect(growth[0]).toBe(growth[1]);
    expect(growth[0]).toBeLessThan(400);
  });

  it('recovers from a power cut at any byte of the last record, and skips records that are not its own', async () => {
    const j = await openJournal();
    const a = await j.begin(sale(j));
    await j.update(a.id, { status: 'approved', rrn: '011500000001', authCode: 'A1B2C3' });
    const lastStart = statSync(file).size;
    const b = await j.begin(sale(j));
    await j.close();
    open.length = 0;
    const whole = readFileSync(file);
    for (let cut = lastStart; cut < whole.length; cut++) {
      writeFileSync(file, whole.subarray(0, cut));
      const r = await Journal.open({ file });
      expect(r.all().map((x) => [x.id, x.status])).toEqual([[a.id, 'approved']]);
      expect(r.recovery.tornTail === null).toBe(cut === lastStart);
      // The cut STAN was never acknowledged; the counter continues after the last one on disk.
      expect(r.reserveStan()).toBe(2);
      await r.close();
    }
    writeFileSync(file, whole);
    appendFileSync(file, encodeRecord(Buffer.from('not json', 'utf8')));
    appendFileSync(file, encodeRecord(Buffer.from(JSON.stringify({ t: 'set', id: 'nobody', c: { status: 'approved' } }), 'utf8')));
    appendFileSync(file, encodeRecord(Buffer.from(JSON.stringify({ t: 'tx', r: { id: 'bad', stan: 'x' } }), 'utf8')));
    const r = await openJournal();
    expect(r.size).toBe(2);
    expect(r.recovery.skipped).toBe(3);
    expect(r.get(b.id)!.status).toBe('pending');
  });

  it('loses nothing acknowledged when the writer is killed with SIGKILL at random points, again and again', async () => {
    const acknowledged = new Map<string, string>();
    let lastBatch = 1;
    const r = prng(20260115);
    for (let run = 0; run < 5; run++) {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/journal-writer.ts', import.meta.url)), file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      let killAfter = -1;
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const lines = out.split('\n');
          out = lines.pop()!;
          for (const l of lines) {
            const [kind, a, b] = l.split(' ');
            if (kind === 'ready') killAfter = 20 + r.int(60);
            else if (kind === 'b') acknowledged.set(a!, 'pending');
            else if (kind === 'u') acknowledged.set(a!, b!);
            else if (kind === 'c') lastBatch = Number(a);
            if (killAfter >= 0 && ++seen >= killAfter) {
              // Mid-way through whatever the writer does next: an append, an fsync, a batch close.
              setImmediate(() => child.kill('SIGKILL'));
              killAfter = -1;
            }
          }
        });
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer ended (${code}): ${err}`))));
      });
      const j = await Journal.open({ file });
      for (const [id, status] of acknowledged) {
        const rec = j.get(id);
        expect(rec, id).toBeDefined();
        // The update may have reached the disk just before the kill, unacknowledged.
        if (status === 'pending') expect(['pending', 'approved', 'declined']).toContain(rec!.status);
        else expect(rec!.status).toBe(status);
      }
      expect(j.batch).toBeGreaterThanOrEqual(lastBatch);
      expect(new Set(j.all().map((x) => x.stan)).size).toBe(j.size);
      expect(j.recovery.damaged).toBeNull();
      await j.close();
    }
    expect(acknowledged.size).toBeGreaterThan(50);
  }, 60_000);
});

async function openJournalAt(path: string): Promise<Journal> {
  const j = await Journal.open({ file: path });
  open.push(j);
  return j;
}
