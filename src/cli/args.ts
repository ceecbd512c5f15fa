import { ValidationError } from '../errors.js';

export interface ParsedArgs {
  /** --name value and --name=value; a flag with no value is "true". */
  flags: Map<string, string>;
  positional: string[];
}

/**
 * Parses `--name value`, `--name=value` and bare `--switch` (listed in `switches`).
 * Unknown flags are refused by name, so a typo never silently does something else.
 */
export function parseArgs(args: string[], options: { flags?: string[]; switches?: string[] } = {}): ParsedArgs {
  const known = new Set(options.flags ?? []);
  const switches = new Set(options.switches ?? []);
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (switches.has(name)) {
      if (eq >= 0) throw new ValidationError(`--${name} takes no value`);
      flags.set(name, 'true');
      continue;
    }
    if (!known.has(name)) throw new ValidationError(`unknown option --${name}`);
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else value = args[++i];
    if (value === undefined) throw new ValidationError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { flags, positional };
}

/** The value of a flag that must be there. */
export function required(parsed: ParsedArgs, name: string): string {
  const v = parsed.flags.get(name);
  if (v === undefined) throw new ValidationError(`--${name} is required`);
  return v;
}

/** "127.0.0.1:7070" (or "[::1]:7070") -> host and port, refused by name when malformed. */
export function parseHostPort(s: string, flag: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ValidationError(`${flag} must be HOST:PORT, e.g. 127.0.0.1:7070 (got '${s}')`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}
