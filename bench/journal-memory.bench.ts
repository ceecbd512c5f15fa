/**
 * What a transaction costs the terminal's memory in its journal, one JSON object a line:
 *  - journal_heap_per_open_record: a sale of the open batch (everything a void or a
 *    reversal needs: the request's fields with the chip data of field 55, the sealed card;
 *    the receipt's chip data a reprint prints, and its printed marks);
 *  - journal_heap_per_settled_record: the same sale once its batch is settled (the journal
 *    lets go of the request's fields: Journal.retire);
 *  - journal_heap_per_settled_record_reopened: the settled sales folded back from disk at
 *    start-up, as a terminal that restarts after months holds them.
 * The heap is measured after a full GC (V8's heapUsed), so the figures are the live bytes,
 * without the RSS's GC slack. The records have the sizes of a real soak's contactless sale
 * (docs/host-spec.md fields; field 55 as mc-ok sends it). BENCH_JOURNAL_RECORDS sets N.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Journal, type NewRecord } from '../src/store/journal.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const N = Number(process.env.BENCH_JOURNAL_RECORDS ?? 5_000);

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();

function sale(j: Journal, i: number): NewRecord {
  const stan = String(j.reserveStan()).padStart(6, '0');
  const time = new Date(Date.UTC(2026, 10, 22, 4, 0, 0) + i * 9_000).toISOString();
  const localTime = time.slice(11, 19).replaceAll(':', '');
  return {
    id: `12345678-${stan}-1122-${localTime}`,
    stan,
    type: 'sale',
    amount: 100 + (i % 30_000),
    currency: 'CNY',
    batch: j.batch,
    time,
    localDate: '1122',
    localTime,
    entryMode: 'contactless-chip',
    maskedPan: `541333******${String(i % 10_000).padStart(4, '0')}`,
    panHash: hex(32),
    sealedCard: randomBytes(64).toString('base64'),
    reversal: {
      fields: {
        '3': '000000',
        '4': String(100 + i).padStart(12, '0'),
        '11': stan,
        '12': localTime,
        '13': '1122',
        '22': '071',
        '23': '001',
        '25': '00',
        '41': '12345678',
        '42': '123456789012345',
        '49': '156',
        // Field 55 as a contactless M/Chip sale sends it: 165 bytes of TLV.
        '55': hex(165),
        '60': '000001',
      },
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-journal-mem-'));
try {
  const file = join(dir, 'journal.log');
  let j: Journal | null = await Journal.open({ file });
  const before = heap();
  for (let i = 0; i < N; i++) {
    const r = await j.begin(sale(j, i));
    await j.update(r.id, { status: 'approved', rrn: `1122${String(i + 1).padStart(8, '0')}`, authCode: String(i % 1_000_000).padStart(6, '0'), responseCode: '00', responseText: 'Approved' });
    // What the receipt printed, kept for a reprint (as the sale flow does after an approval).
    await j.setChip(r.id, { aid: 'A0000000041010', appLabel: 'MASTERCARD', cryptogram: { type: 'ARQC', value: hex(8) }, tvr: '0000008000', tsi: 'E800' });
    // The receipt's marks (started, each copy out), so a receipt cut by a power loss is printed again.
    for (const mark of ['started', 'merchant', 'customer'] as const) await j.markReceipt(r.id, mark);
  }
  const open = heap();
  await j.closeBatch();
  const settled = heap();
  await j.close();
  j = null;
  const empty = heap();
  const again = await Journal.open({ file });
  const reopened = heap();
  const tags = { records: N, note: 'V8 heapUsed after a full GC, per approved sale' };
  emit('journal_heap_per_open_record', Math.round((open - before) / N), 'bytes', tags);
  emit('journal_heap_per_settled_record', Math.round((settled - before) / N), 'bytes', tags);
  emit('journal_heap_per_settled_record_reopened', Math.round((reopened - empty) / N), 'bytes', tags);
  await again.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
