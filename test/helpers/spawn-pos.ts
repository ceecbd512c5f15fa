import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const POS = fileURLToPath(new URL('../../bin/pos.js', import.meta.url));

/** Runs `pos ARGS` to the end: exit code, stdout, stderr. */
export function runPos(args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [POS, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pos ${args.join(' ')} did not finish; stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `pos start` and resolves once the simulator API listens, with its base URL (the
 * port is chosen by the OS: --http 127.0.0.1:0) and the child process.
 */
export function startPos(args: string[], timeoutMs = 15_000): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  return spawnListening('start', ['--http', '127.0.0.1:0', ...args], /"event":"http\.listening","url":"([^"]+)"/, timeoutMs).then(({ child, m, stderr }) => ({ child, url: m[1]!, stderr }));
}

/**
 * Starts `pos host` (the acquirer simulator alone) on OS-chosen ports; resolves with its
 * ISO 8583 address (tcp://H:P, for `pos start --host`) and its API's base URL.
 */
export function startHost(args: string[], timeoutMs = 15_000): Promise<{ child: ChildProcess; iso: string; url: string; stderr: () => string }> {
  return spawnListening('host', ['--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', ...args], /"event":"host\.listening","iso":"([^"]+)","url":"([^"]+)"/, timeoutMs).then(
    ({ child, m, stderr }) => ({ child, iso: m[1]!, url: m[2]!, stderr }),
  );
}

/** The most of a long-running child's stderr kept once it is up (its log goes on for hours in a soak). */
const STDERR_TAIL = 64 * 1024;

function spawnListening(command: string, args: string[], ready: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; m: RegExpExecArray; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [POS, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let up = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pos ${command} did not come up; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => {
      stderr += d;
      if (up) {
        if (stderr.length > 2 * STDERR_TAIL) stderr = stderr.slice(-STDERR_TAIL);
        return;
      }
      const m = ready.exec(stderr);
      if (m) {
        up = true;
        clearTimeout(timer);
        resolve({ child, m, stderr: () => stderr });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`pos ${command} exited with ${code}; stderr: ${stderr}`));
    });
  });
}
