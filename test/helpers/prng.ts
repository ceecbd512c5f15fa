/** A seeded generator (mulberry32) so a fuzz failure can be replayed from its seed. */
export function prng(seed: number): { next(): number; int(n: number): number; bytes(n: number): Uint8Array } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  return { next, int, bytes };
}

/** One random edit of `input`: flip, set, insert, delete or duplicate bytes, or cut it short. */
export function mutate(input: Uint8Array, r: ReturnType<typeof prng>): Uint8Array {
  const a = Array.from(input);
  const edits = 1 + r.int(3);
  for (let e = 0; e < edits; e++) {
    const at = a.length === 0 ? 0 : r.int(a.length);
    switch (r.int(6)) {
      case 0:
        if (a.length) a[at] = a[at]! ^ (1 << r.int(8));
        break;
      case 1:
        if (a.length) a[at] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff, 0x1f, 0x9f, 0xbf][r.int(11)]!;
        break;
      case 2:
        a.splice(at, 0, r.int(256));
        break;
      case 3:
        a.splice(at, 1 + r.int(3));
        break;
      case 4:
        a.splice(at, 0, ...a.slice(at, at + 1 + r.int(8)));
        break;
      default:
        a.length = r.int(a.length + 1);
    }
  }
  return Uint8Array.from(a);
}
