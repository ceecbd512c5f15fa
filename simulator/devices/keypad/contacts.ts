import type { KeyName } from '../../../src/hal/keypad/keys.js';
import type { Clock } from '../../../src/hal/ports.js';

/** Something with key contacts a finger can close and open. */
export interface KeyContacts {
  down(key: KeyName): void;
  up(key: KeyName): void;
}

/**
 * A whole press as a finger makes it: down (with `bounces` chatter edges 1 ms apart),
 * held for `holdMs`, up (with the same chatter), then `gapMs` before the next key.
 */
export async function pressKey(
  contacts: KeyContacts,
  key: KeyName,
  clock: Clock,
  options: { holdMs?: number; gapMs?: number; bounces?: number } = {},
): Promise<void> {
  const { holdMs = 60, gapMs = 40, bounces = 0 } = options;
  for (let i = 0; i < bounces; i++) {
    contacts.down(key);
    await clock.sleep(1);
    contacts.up(key);
    await clock.sleep(1);
  }
  contacts.down(key);
  await clock.sleep(holdMs);
  for (let i = 0; i < bounces; i++) {
    contacts.up(key);
    await clock.sleep(1);
    contacts.down(key);
    await clock.sleep(1);
  }
  contacts.up(key);
  await clock.sleep(gapMs);
}

/** Where a key sits in a key map. */
export function findKey(keymap: readonly (readonly KeyName[])[], key: KeyName): { r: number; c: number } | null {
  for (let r = 0; r < keymap.length; r++) {
    const c = keymap[r]!.indexOf(key);
    if (c >= 0) return { r, c };
  }
  return null;
}
