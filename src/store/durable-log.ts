/**
 * An append-only log of records that survive a crash or a power cut once append() has
 * resolved. Generic: the reversal queue uses it now, the transaction journal later.
 *
 * Each record on disk: length (u32, big-endian) | CRC-32 (u32, big-endian) | payload. The
 * CRC (ISO-HDLC / IEEE 802.3 polynomial, the one of zlib and PNG) covers the length bytes
 * and the payload, so a flipped length is caught as surely as a flipped payload byte.
 *
 * Durability: append() writes one record and fsyncs the file before it resolves. The size
 * of a file is inode metadata that fsync(2) flushes with the data; the directory entry only
 * changes when the file is created, replaced or cut, and the directory is fsynced then
 * (POSIX: a new name is durable only once its directory is). A write costs one write and
 * one fsync whatever the file's size; nothing is rewritten.
 *
 * Recovery, at open: records are read until the first one that is incomplete or fails its
 * CRC. When that is the last thing in the file it is a torn write (the power went during
 * an append that never resolved): it is cut off and reported. When valid-looking bytes
 * follow it, the file was damaged some other way: the file is first copied aside
 * (`<file>.damaged-N`) so nothing is lost, then cut at the damage, and that is reported.
 * Either way open() returns what was good and never throws for the content of the file.
 */
import { crc32 } from '../crc32.js';
import { constants } from 'node:fs';
import { copyFile, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PosError } from '../errors.js';

const HEADER = 8;
/** Default cap on one record: a length above it can only be damage. */
export const DEFAULT_MAX_RECORD = 1 << 20;

/** The log could not be opened, written or closed (the disk, not its content). */
export class DurableLogError extends PosError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface RecoveryReport {
  /** Valid records read. */
  records: number;
  /** The file's size once opened (after any cut). */
  bytes: number;
  /** A partial last record that was cut off. */
  tornTail: { offset: number; bytes: number; reason: string } | null;
  /** Damage with more data after it: the file was saved aside, then cut at `offset`. */
  damaged: { offset: number; bytes: number; reason: string; savedAs: string } | null;
}

export interface DurableLogOptions {
  maxRecordBytes?: number;
}


/** One record as written to disk. */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  out.set(payload, HEADER);
  const crc = crc32(out.subarray(HEADER), crc32(out.subarray(0, 4)));
  view.setUint32(4, crc);
  return out;
}

/** Why the bytes at `pos` are not a record, or null when they are one; with its end. */
function inspect(data: Uint8Array, pos: number, max: number): { end: number } | { bad: string; complete: boolean } {
  const left = data.length - pos;
  if (left < HEADER) return { bad: `a record header needs ${HEADER} bytes, ${left} left`, complete: false };
  const view = new DataView(data.buffer, data.byteOffset + pos, HEADER);
  const length = view.getUint32(0);
  if (length > max) return { bad: `record length ${length} is over the maximum ${max}`, complete: true };
  if (left < HEADER + length) return { bad: `the record announces ${length} bytes, ${left - HEADER} present`, complete: false };
  const crc = crc32(data.subarray(pos + HEADER, pos + HEADER + length), crc32(data.subarray(pos, pos + 4)));
  if (crc !== view.getUint32(4)) return { bad: 'CRC-32 does not match', complete: true };
  return { end: pos + HEADER + length };
}

/** True when some valid record starts somewhere after `from`: the damage is not a torn tail. */
function validDataAfter(data: Uint8Array, from: number, max: number): boolean {
  for (let p = from + 1; p + HEADER <= data.length; p++) {
    const r = inspect(data, p, max);
    if ('end' in r && r.end > p + HEADER) return true;
  }
  return false;
}

/** Reads records from bytes; stops at the first bad one. Pure: the tests use it too. */
export function scanRecords(data: Uint8Array, max = DEFAULT_MAX_RECORD): { records: Uint8Array[]; validBytes: number; bad: { offset: number; reason: string; tail: boolean } | null } {
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos < data.length) {
    const r = inspect(data, pos, max);
    if ('bad' in r) {
      // An incomplete record can only be the last one written; a complete bad one is a torn
      // write too when nothing valid follows it (the sectors reached disk out of order).
      const tail = !r.complete || !validDataAfter(data, pos, max);
      return { records, validBytes: pos, bad: { offset: pos, reason: r.bad, tail } };
    }
    records.push(data.slice(pos + HEADER, r.end));
    pos = r.end;
  }
  return { records, validBytes: pos, bad: null };
}

async function fsyncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export class DurableLog {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private fh: FileHandle,
    private bytes: number,
    private readonly maxRecordBytes: number,
  ) {}

  /** Opens (or creates) the log; returns its valid records and what recovery found. */
  static async open(path: string, options: DurableLogOptions = {}): Promise<{ log: DurableLog; records: Uint8Array[]; report: RecoveryReport }> {
    const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD;
    try {
      const existed = await exists(path);
      const data = existed ? new Uint8Array(await readFile(path)) : new Uint8Array(0);
      const scan = scanRecords(data, max);
      const report: RecoveryReport = { records: scan.records.length, bytes: scan.validBytes, tornTail: null, damaged: null };
      if (scan.bad) {
        const lost = data.length - scan.validBytes;
        if (scan.bad.tail) {
          report.tornTail = { offset: scan.bad.offset, bytes: lost, reason: scan.bad.reason };
        } else {
          const savedAs = await DurableLog.saveAside(path);
          report.damaged = { offset: scan.bad.offset, bytes: lost, reason: scan.bad.reason, savedAs };
        }
      }
      const fh = await open(path, 'a+');
      if (scan.bad) {
        await fh.truncate(scan.validBytes);
        await fh.sync();
      }
      if (!existed) await fsyncDirectory(dirname(path));
      return { log: new DurableLog(path, fh, scan.validBytes, max), records: scan.records, report };
    } catch (e) {
      throw new DurableLogError('LOG_OPEN', `${path}: cannot open the log (${(e as Error).message})`, { cause: e });
    }
  }

  private static async saveAside(path: string): Promise<string> {
    for (let n = 1; ; n++) {
      const target = `${path}.damaged-${n}`;
      if (await exists(target)) continue;
      await copyFile(path, target, constants.COPYFILE_EXCL);
      const fh = await open(target, 'r+');
      await fh.sync();
      await fh.close();
      await fsyncDirectory(dirname(path));
      return target;
    }
  }

  /** The file's size in bytes. */
  get size(): number {
    return this.bytes;
  }

  /** Appends one record; resolves once it is on disk (write + fsync). Appends keep their order. */
  append(payload: Uint8Array): Promise<void> {
    return this.serial(async () => {
      if (payload.length > this.maxRecordBytes) {
        throw new DurableLogError('LOG_RECORD_TOO_LARGE', `${basename(this.path)}: a record of ${payload.length} bytes is over the maximum ${this.maxRecordBytes}`);
      }
      const rec = encodeRecord(payload);
      try {
        await this.fh.write(rec, 0, rec.length);
        await this.fh.sync();
      } catch (e) {
        throw new DurableLogError('LOG_WRITE', `${this.path}: append failed (${(e as Error).message})`, { cause: e });
      }
      this.bytes += rec.length;
    });
  }

  /**
   * Replaces the whole log with `records` (compaction): written to a temporary file,
   * fsynced, renamed over the log, the directory fsynced. A crash leaves the old or the
   * new log, never a mix.
   */
  rewrite(records: readonly Uint8Array[]): Promise<void> {
    return this.serial(async () => {
      const tmp = join(dirname(this.path), `.${basename(this.path)}.tmp`);
      try {
        const out = await open(tmp, 'w');
        let size = 0;
        try {
          for (const r of records) {
            const rec = encodeRecord(r);
            await out.write(rec, 0, rec.length);
            size += rec.length;
          }
          await out.sync();
        } finally {
          await out.close();
        }
        await rename(tmp, this.path);
        await fsyncDirectory(dirname(this.path));
        await this.fh.close();
        this.fh = await open(this.path, 'a+');
        this.bytes = size;
      } catch (e) {
        throw new DurableLogError('LOG_WRITE', `${this.path}: rewrite failed (${(e as Error).message})`, { cause: e });
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      this.closed = true;
      await this.fh.close();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.closed) throw new DurableLogError('LOG_CLOSED', `${this.path}: the log is closed`);
      return fn();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
