import { afterEach, expect, it } from 'vitest';
import { simTerminal } from '../helpers/sim-terminal.js';

let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
});

it('idle with the payment side open: still only the minute redraw and the idle-light blink', async () => {
  const t = await simTerminal({ payments: true });
  stop = t.stop;
  await t.clock.advance(5_000);
  expect(t.terminal.ctx.status.idle).toBe(true);
  const fired = t.clock.fired;
  await t.clock.advance(10 * 60_000);
  // Ten minute boundaries; LED 1 on and off once every 5 s: nothing from the journal, the
  // reversal queue or the host channel while nothing is owed.
  expect(t.clock.fired - fired).toBe(10 + 240);
});
