/**
 * The durable log: records come back as written, a torn tail is cut and reported, damage
 * with data after it is saved aside, and a process killed with SIGKILL in the middle of
 * appending loses nothing it had acknowledged.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/crc32.js';
import { DurableLog, DurableLogError, encodeRecord, scanRecords } from '../../src/store/durable-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));

/** The records of a log file as text, the log closed again. */
async function reread(path: string): Promise<string[]> {
  const { log, records } = await DurableLog.open(path);
  await log.close();
  return records.map(text);
}

describe('CRC-32', () => {
  it('gives the check value of the standard ("123456789" -> CBF43926)', () => {
    expect(crc32(bytes('123456789')).toString(16).toUpperCase()).toBe('CBF43926');
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('DurableLog', () => {
  it('creates the file, appends in order and reads back after a reopen', async () => {
    const path = join(dir, 'a.log');
    const first = await DurableLog.open(path);
    expect(first.records).toEqual([]);
    expect(existsSync(path)).toBe(true);
    await Promise.all(['one', 'two', '', 'three'].map((s) => first.log.append(bytes(s))));
    await first.log.close();
    const again = await DurableLog.open(path);
    expect(again.records.map(text)).toEqual(['one', 'two', '', 'three']);
    expect(again.report).toMatchObject({ records: 4, tornTail: null, damaged: null });
    expect(again.log.size).toBe(statSync(path).size);
    await again.log.close();
  });

  it('writes each record once at the end: the bytes added per append do not depend on the file size', async () => {
    const path = join(dir, 'cost.log');
    const { log } = await DurableLog.open(path);
    const sizes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const before = statSync(path).size;
      await log.append(bytes('same record'));
      sizes.push(statSync(path).size - before);
    }
    expect(new Set(sizes)).toEqual(new Set([8 + 11]));
    await log.close();
  });

  it('cuts a torn last record (incomplete header, incomplete payload, or bad CRC at the end) and reports it', async () => {
    const good = [encodeRecord(bytes('alpha')), encodeRecord(bytes('beta'))];
    const whole = Buffer.concat(good);
    const last = encodeRecord(bytes('gamma-gamma'));
    const cases: [string, Uint8Array][] = [
      ['half a header', last.subarray(0, 5)],
      ['half a payload', last.subarray(0, 12)],
      ['a flipped byte in the last record', Uint8Array.from(last).map((b, i) => (i === last.length - 1 ? b ^ 0x40 : b))],
    ];
    for (const [what, tail] of cases) {
      const path = join(dir, `${what.replace(/ /g, '-')}.log`);
      writeFileSync(path, Buffer.concat([whole, tail]));
      const { log, records, report } = await DurableLog.open(path);
      expect(records.map(text), what).toEqual(['alpha', 'beta']);
      expect(report.tornTail, what).toMatchObject({ offset: whole.length, bytes: tail.length });
      expect(report.damaged).toBeNull();
      expect(statSync(path).size, what).toBe(whole.length);
      // Appending after the cut continues the log cleanly.
      await log.append(bytes('delta'));
      await log.close();
      expect(await reread(path)).toEqual(['alpha', 'beta', 'delta']);
    }
  });

  it('saves a file damaged in the middle aside before cutting it, and says so', async () => {
    const recs = ['r0', 'r1', 'r2', 'r3'].map((s) => encodeRecord(bytes(s)));
    const data = Buffer.concat(recs);
    const at = recs[0]!.length + 9; // the payload of r1
    data[at]! ^= 0xff;
    const path = join(dir, 'damaged.log');
    writeFileSync(path, data);
    const { log, records, report } = await DurableLog.open(path);
    expect(records.map(text)).toEqual(['r0']);
    expect(report.damaged).toMatchObject({ offset: recs[0]!.length, savedAs: `${path}.damaged-1` });
    expect(readFileSync(`${path}.damaged-1`)).toEqual(data);
    await log.close();
  });

  it('never throws for content: garbage, zeros and an absurd length read as a torn tail', async () => {
    for (const [name, content] of [
      ['zeros', Buffer.alloc(64)],
      ['garbage', Buffer.from('this is not a log at all, just text')],
      ['huge length', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2, 3])],
    ] as const) {
      const path = join(dir, `${name}.log`);
      writeFileSync(path, content);
      const { log, records, report } = await DurableLog.open(path);
      expect(records, name).toEqual([]);
      expect(report.tornTail ?? report.damaged, name).not.toBeNull();
      await log.close();
    }
  });

  it('refuses a record over the maximum and keeps working', async () => {
    const { log } = await DurableLog.open(join(dir, 'max.log'), { maxRecordBytes: 16 });
    await expect(log.append(new Uint8Array(17))).rejects.toBeInstanceOf(DurableLogError);
    await log.append(bytes('fits'));
    await log.close();
    await expect(log.append(bytes('closed'))).rejects.toMatchObject({ code: 'LOG_CLOSED' });
  });

  it('rewrites (compacts) atomically to exactly the records given', async () => {
    const path = join(dir, 'compact.log');
    const { log } = await DurableLog.open(path);
    for (let i = 0; i < 10; i++) await log.append(bytes(`old ${i}`));
    await log.rewrite([bytes('kept 1'), bytes('kept 2')]);
    await log.append(bytes('new'));
    await log.close();
    expect(await reread(path)).toEqual(['kept 1', 'kept 2', 'new']);
    expect(existsSync(join(dir, '.compact.log.tmp'))).toBe(false);
  });

  it('scanRecords reads appended bytes whatever the split, and stops at a torn end', () => {
    const all = Buffer.concat(['a', 'bb', 'ccc'].map((s) => encodeRecord(bytes(s))));
    for (let cut = 0; cut <= all.length; cut++) {
      const scan = scanRecords(all.subarray(0, cut));
      expect(scan.validBytes).toBeLessThanOrEqual(cut);
      expect(scan.bad === null || scan.bad.tail).toBe(true);
    }
  });

  it('loses nothing acknowledged when the writing process is killed with SIGKILL mid-append', async () => {
    const path = join(dir, 'killed.log');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/append-forever.ts', import.meta.url)), path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acknowledged = -1;
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop()!;
        for (const l of lines) acknowledged = Number(l);
        if (acknowledged >= 60) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => {
        if (acknowledged < 60) reject(new Error(`the writer ended early (${code}): ${err}`));
      });
    });
    await new Promise((r) => child.once('close', r));
    // A torn write can also be made by hand: a partial record after the last one.
    appendFileSync(path, encodeRecord(bytes('{"i":-1}')).subarray(0, 6));
    const { log, records, report } = await DurableLog.open(path);
    const ids = records.map((r) => (JSON.parse(text(r)) as { i: number }).i);
    expect(ids.length).toBeGreaterThanOrEqual(acknowledged + 1);
    expect(ids).toEqual(ids.map((_, i) => i));
    expect(report.tornTail).not.toBeNull();
    expect(report.damaged).toBeNull();
    await log.close();
    truncateSync(path, 0);
  });
});
