import { createReadStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PosError } from '../errors.js';
import type { JournalApiRecord } from '../store/journal.js';
import { zonedTime } from '../time.js';

/**
 * The technician's view of the logs (the last lines of <data>/logs/terminal.log) and the
 * export of the logs and the masked journal to a directory: a USB stick's mount point, or
 * <data>/export.
 */

/** Export could not be done: EXPORT_NO_TARGET (the stick is not mounted), EXPORT_IO. */
export class ExportError extends PosError {}

export interface LogEntry {
  /** Epoch ms, or null when the line had no time. */
  time: number | null;
  /** pino's level name: trace, debug, info, warn, error, fatal. */
  level: string;
  /** The event name and the message, as one line of text. */
  text: string;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * Masks every run of 13 to 19 digits (the lengths of a PAN, ISO/IEC 7812) but its first 6
 * and last 4. The logger already redacts card fields by name; this is the second line of
 * defence for what leaves the terminal or reaches its screen: a number that slipped into a
 * message. A timestamp in ms is masked too; nothing of it is needed on the stick.
 */
export function maskDigitRuns(text: string): string {
  return text.replace(/\d{13,19}/g, (d) => `${d.slice(0, 6)}${'*'.repeat(d.length - 10)}${d.slice(-4)}`);
}

function entryOf(line: string): LogEntry | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const t = typeof o.time === 'string' ? Date.parse(o.time) : typeof o.time === 'number' ? o.time : NaN;
  const level = typeof o.level === 'number' ? (LEVELS[o.level] ?? String(o.level)) : typeof o.level === 'string' ? o.level : '?';
  const parts = [o.event, o.msg].filter((x): x is string => typeof x === 'string' && x.length > 0);
  return { time: Number.isFinite(t) ? t : null, level, text: maskDigitRuns(parts.join(': ')) };
}

/**
 * The last `count` entries of a JSON-lines log, newest first. Reads only the file's last
 * `maxBytes` (a log of months must not be read whole on a Pi to show a screenful); lines
 * that are not JSON are skipped. A missing file has no entries.
 */
export async function readLogTail(file: string, count: number, maxBytes = 64 * 1024): Promise<LogEntry[]> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // cut in the middle: not a whole line
    const entries: LogEntry[] = [];
    for (let i = lines.length - 1; i >= 0 && entries.length < count; i--) {
      const e = lines[i]!.trim() ? entryOf(lines[i]!) : null;
      if (e) entries.push(e);
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** HH:MM:SS in the merchant's time zone; '--:--:--' without a time. */
export function clockTime(epochMs: number | null, timeZone: string): string {
  if (epochMs === null) return '--:--:--';
  const z = zonedTime(epochMs, timeZone);
  return [z.hour, z.minute, z.second].map((n) => String(n).padStart(2, '0')).join(':');
}

export interface ExportOptions {
  /** The configured directory (settings.exportDir); '' for <data>/export. */
  exportDir: string;
  dataDir: string;
  logFile: string | null;
  /** The masked journal (GET /api/journal's form), or null on a terminal without one. */
  journal: readonly JournalApiRecord[] | null;
  terminalId: string;
  now: number;
  timeZone: string;
}

export interface ExportResult {
  /** The directory made for this export. */
  dir: string;
  files: string[];
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes lines to `file` and syncs it: "export done" must mean it is on the stick, not in the page cache. */
async function writeSynced(file: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const fh = await open(file, 'wx', 0o600);
  try {
    await write(fh);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Copies the log (every line through maskDigitRuns) and the masked journal into a new
 * directory pos-<terminal ID>-<YYYYMMDD>-<HHMMSS> under the export directory. A configured
 * directory must already exist (the stick is mounted there; making it would write to the SD
 * card instead); the default one is made. Nothing of the key store or the sealed card data
 * is exported.
 */
export async function exportDiagnostics(o: ExportOptions): Promise<ExportResult> {
  const base = o.exportDir || join(o.dataDir, 'export');
  try {
    if (o.exportDir) {
      const s = await stat(base).catch(() => null);
      if (!s?.isDirectory()) throw new ExportError('EXPORT_NO_TARGET', `${base} is not there: is the USB stick mounted?`);
    } else {
      await mkdir(base, { recursive: true });
    }
    const z = zonedTime(o.now, o.timeZone);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const stamp = `${z.year}${p2(z.month)}${p2(z.day)}-${p2(z.hour)}${p2(z.minute)}${p2(z.second)}`;
    const safeId = o.terminalId.replace(/[^A-Za-z0-9]/g, '_');
    let dir = join(base, `pos-${safeId}-${stamp}`);
    for (let n = 2; ; n++) {
      try {
        await mkdir(dir);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n > 99) throw e;
        dir = join(base, `pos-${safeId}-${stamp}-${n}`);
      }
    }
    const files: string[] = [];
    if (o.logFile && (await stat(o.logFile).catch(() => null))?.isFile()) {
      await writeSynced(join(dir, 'terminal.log'), async (fh) => {
        const lines = createInterface({ input: createReadStream(o.logFile!), crlfDelay: Infinity });
        for await (const line of lines) await fh.write(`${maskDigitRuns(line)}\n`);
      });
      files.push('terminal.log');
    }
    if (o.journal) {
      await writeSynced(join(dir, 'journal.json'), async (fh) => {
        await fh.write(`${JSON.stringify(o.journal, null, 1)}\n`);
      });
      files.push('journal.json');
    }
    await fsyncDir(dir);
    await fsyncDir(base);
    return { dir, files };
  } catch (e) {
    if (e instanceof ExportError) throw e;
    const code = (e as NodeJS.ErrnoException)?.code;
    throw new ExportError('EXPORT_IO', `export to ${base} failed: ${code ?? (e as Error)?.message ?? 'I/O error'}`, { cause: e });
  }
}
