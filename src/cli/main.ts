import { PosError } from '../errors.js';
import { TOOLS } from './tools/index.js';

const USAGE = `usage: pos <command>
  pos start [--board NAME|FILE] [--data DIR] [--http HOST:PORT] [--host URL] [--lang zh-CN|en] [--time-scale K]
  pos host  [--listen HOST:PORT] [--http HOST:PORT] [--data DIR] [--time-scale K]
  pos emulate pn532 --serial PATH [--card ID] [--baud N]   (a device emulator on a real tty)
  pos emulate contact [--vpcd HOST:PORT] [--card ID]        (a chip card in pcscd's virtual reader, vsmartcard-vpcd)
  pos tool <subcommand> ...   (${Object.keys(TOOLS).join(', ') || 'none yet'})
  pos keys inject|status ...  (the DUKPT key store: inject (--ipek|--bdk) HEX --ksn HEX, status; [--data DIR] [--board B])`;

/** `pos tool`: JSON on stdout and exit 0, or one line on stderr and exit 2 (CONTRACT.md). */
async function tool(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const load = name ? TOOLS[name] : undefined;
  if (!load) {
    process.stderr.write(`pos tool: ${name ? `unknown subcommand '${name}'` : 'a subcommand is needed'} (have: ${Object.keys(TOOLS).join(', ') || 'none yet'})\n`);
    return 2;
  }
  try {
    const out = await (await load()).default.run(rest);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`pos tool ${name}: ${msg.split('\n')[0]}\n`);
    return 2;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await (await import('./start.js')).start(rest);
      case 'host':
        return await (await import('./host.js')).host(rest);
      case 'emulate':
        return await (await import('./emulate.js')).emulate(rest);
      case 'tool':
        return await tool(rest);
      case 'keys':
        return await (await import('./keys.js')).keys(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`pos: unknown command '${command}'\n${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    // A person's mistake (bad flag, bad board) is one clear message; anything else is a bug.
    if (e instanceof PosError) {
      process.stderr.write(`pos ${command}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
