import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Fields that must never reach a log in clear, wherever they appear (two levels deep).
 * This is the second line of defence: code logs masked PANs and never the rest.
 */
const SENSITIVE = ['pan', 'track1', 'track2', 'pin', 'pinBlock', 'key', 'bdk', 'ipek', 'cvv', 'expiry'];
const REDACT_PATHS = SENSITIVE.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LogOptions {
  /** Directory for terminal.log; none: stderr only. */
  dir?: string;
  level?: string;
  /** Also write to stderr (default true); tests turn it off. */
  stderr?: boolean;
}

/**
 * Structured logs: one JSON object a line, with levels, to <data>/logs/terminal.log and to
 * stderr. The technician reads and exports the file from the diagnostics menu.
 */
export function createLogger(options: LogOptions = {}): { log: Logger; file: string | null; flush: () => void } {
  const level = options.level ?? process.env.POS_LOG_LEVEL ?? 'info';
  const streams: { level: pino.Level; stream: pino.DestinationStream }[] = [];
  let file: string | null = null;
  let dest: pino.DestinationStream & { flushSync?: () => void } | null = null;
  if (options.dir) {
    const dir = join(options.dir, 'logs');
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'terminal.log');
    dest = pino.destination({ dest: file, sync: false, mkdir: true });
    streams.push({ level: level as pino.Level, stream: dest });
  }
  if (options.stderr ?? true) streams.push({ level: level as pino.Level, stream: pino.destination(2) });
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    pino.multistream(streams),
  );
  return {
    log,
    file,
    flush: () => {
      try {
        dest?.flushSync?.();
      } catch {
        // Nothing written yet: sonic-boom refuses to flush before its file is open.
      }
    },
  };
}
