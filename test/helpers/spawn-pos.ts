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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [POS, 'start', '--http', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pos start did not come up; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /"event":"http\.listening","url":"([^"]+)"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => stderr });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`pos start exited with ${code}; stderr: ${stderr}`));
    });
  });
}
