import { describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/errors.js';
import type { KeyName, KeySource } from '../../src/hal/keypad/keys.js';
import { KeyQueue } from '../../src/runtime/key-queue.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';

/** A key source fed by the test: KeyQueue's only input is this interface. */
function source() {
  let listener: ((k: KeyName) => void) | null = null;
  const s: KeySource = {
    onKey: (l) => {
      listener = l;
      return () => (listener = null);
    },
    close: async () => {},
  };
  return { s, press: (k: KeyName) => listener?.(k) };
}

describe('KeyQueue', () => {
  it('keeps keys typed ahead, in order', async () => {
    const clock = new VirtualClock();
    const { s, press } = source();
    const q = new KeyQueue(s, clock);
    press('1');
    press('2');
    expect(await q.next()).toBe('1');
    expect(await q.next()).toBe('2');
  });

  it('times out under the prompt name', async () => {
    const clock = new VirtualClock();
    const q = new KeyQueue(source().s, clock);
    const p = q.next({ timeoutMs: 30_000, timeoutName: 'amountEntryTimeout' }).catch((e) => e);
    await clock.advance(30_000);
    const e = await p;
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.timeoutName).toBe('amountEntryTimeout');
  });

  it('ends a wait when its signal aborts and frees the queue for the next prompt', async () => {
    const clock = new VirtualClock();
    const { s, press } = source();
    const q = new KeyQueue(s, clock);
    const c = new AbortController();
    const p = q.next({ signal: c.signal, timeoutMs: 1000 });
    c.abort(new CancelledError('card-removed'));
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(clock.pending).toBe(0);
    press('ENTER');
    expect(await q.next()).toBe('ENTER');
  });

  it('flush() forgets keys typed ahead; the buffer is bounded', async () => {
    const clock = new VirtualClock();
    const { s, press } = source();
    const q = new KeyQueue(s, clock, 3);
    for (const k of ['1', '2', '3', '4', '5'] as KeyName[]) press(k);
    expect(await q.next()).toBe('1');
    expect(await q.next()).toBe('2');
    expect(await q.next()).toBe('3');
    press('9');
    q.flush();
    press('0');
    expect(await q.next()).toBe('0');
  });

  it('refuses two prompts waiting at once', () => {
    const q = new KeyQueue(source().s, new VirtualClock());
    void q.next();
    expect(() => q.next()).toThrow('another prompt is already waiting');
  });
});
