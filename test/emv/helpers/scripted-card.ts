import { expect } from 'vitest';
import { fromHex, toHex } from '../../../src/hex.js';

/** One exchange a test card expects: the command it must receive and what it answers. */
export interface Step {
  c: string;
  r: string;
  /** What the step is, for the reader of the test. */
  note?: string;
}

/**
 * A card at the far end of the reader that follows a script, as OpenEMV's card emulator
 * does: a command that is not the next one expected fails the test, and `assertDone` fails
 * it when steps are left over. Hex in the script may hold spaces.
 */
export function scriptedCard(steps: readonly Step[]): { send(apdu: Uint8Array): Promise<Uint8Array>; assertDone(): void; used(): number } {
  let i = 0;
  return {
    async send(apdu: Uint8Array): Promise<Uint8Array> {
      const step = steps[i];
      if (!step) throw new Error(`scripted card: unexpected extra command ${toHex(apdu)} after ${steps.length} steps`);
      expect(toHex(apdu), `step ${i + 1}${step.note ? ` (${step.note})` : ''}`).toBe(toHex(fromHex(step.c)));
      i++;
      return fromHex(step.r);
    },
    assertDone(): void {
      expect(i, `script used ${i} of ${steps.length} steps`).toBe(steps.length);
    },
    used: () => i,
  };
}
