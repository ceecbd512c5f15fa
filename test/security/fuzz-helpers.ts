import { prng } from '../helpers/prng.js';
import { expect } from 'vitest';
import { PosError } from '../../src/errors.js';

/** mulberry32: a small seeded generator, so a failing fuzz case can be replayed. */
export function seeded(seed: number): () => number {
  return prng(seed).next;
}

export function randomBytes(next: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

export function randomInt(next: () => number, max: number): number {
  return Math.floor(next() * max);
}

/** Flips, replaces, drops or appends a few bytes. */
export function mutate(next: () => number, input: Uint8Array): Uint8Array {
  let b = input.slice();
  const edits = 1 + randomInt(next, 3);
  for (let e = 0; e < edits; e++) {
    const kind = randomInt(next, 4);
    if (kind === 0 && b.length > 0) b[randomInt(next, b.length)]! ^= 1 << randomInt(next, 8);
    else if (kind === 1 && b.length > 0) b[randomInt(next, b.length)] = randomInt(next, 256);
    else if (kind === 2 && b.length > 0) b = b.slice(0, randomInt(next, b.length));
    else {
      const c = new Uint8Array(b.length + 1);
      c.set(b);
      c[b.length] = randomInt(next, 256);
      b = c;
    }
  }
  return b;
}

/** Runs fn; it may return anything or throw one of our typed errors, and nothing else. */
export function onlyTypedErrors(fn: () => unknown): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof PosError)) {
      expect.fail(`an untyped error escaped: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    expect(e.code).toMatch(/^[A-Z_]+$/);
    expect(e.message.length).toBeGreaterThan(0);
    return 'error';
  }
}
