import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from\s+|import\s*\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Where each relative import of `file` lands, relative to the repository root. */
function targets(file: string): string[] {
  return imports(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(root, join(file, '..', s)));
}

describe('dependencies point down (DESIGN.md)', () => {
  it('nothing in src/ imports simulator/, but the composition roots of `pos start`, `pos host` and `pos emulate`', () => {
    const roots = ['start.ts', 'host.ts', 'emulate.ts'].map((f) => join('src', 'cli', f));
    const offenders = files(join(root, 'src'))
      .filter((f) => !roots.includes(relative(root, f)))
      .filter((f) => targets(f).some((t) => t.startsWith('simulator')));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it('device drivers use only the ports, errors and their own folder', () => {
    // linux/ adapts libraries to the ports; devices.ts assembles drivers (the printer's lives in src/printer).
    const assembly = [join('src', 'hal', 'linux'), join('src', 'hal', 'devices.ts')];
    const drivers = files(join(root, 'src', 'hal')).filter((f) => !assembly.some((a) => relative(root, f).startsWith(a)));
    const allowed = /^src\/(hal\/|errors\.ts|hex\.ts|bytes\.ts)/;
    const offenders = drivers.flatMap((f) => targets(f).filter((t) => !allowed.test(t.replace(/\.js$/, '.ts'))).map((t) => `${relative(root, f)} -> ${t}`));
    expect(offenders).toEqual([]);
  });

  it('the runtime does not reach up into flows', () => {
    const offenders = files(join(root, 'src', 'runtime')).flatMap((f) => targets(f).filter((t) => t.startsWith('src/flows')));
    expect(offenders).toEqual([]);
  });
});
