/** The keys of the terminal, by the names the simulator API and the flows use (CONTRACT.md). */
export const KEY_NAMES = [
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
  'ENTER', 'CANCEL', 'CLEAR', 'MENU', 'UP', 'DOWN',
] as const;

export type KeyName = (typeof KEY_NAMES)[number];

export function isKeyName(s: unknown): s is KeyName {
  return typeof s === 'string' && (KEY_NAMES as readonly string[]).includes(s);
}

export function isDigitKey(k: KeyName): boolean {
  return k.length === 1;
}

/** A key press, delivered once per press after debouncing. */
export interface KeySource {
  /** Called once for each debounced press. Returns a function that stops listening. */
  onKey(listener: (key: KeyName) => void): () => void;
  close(): Promise<void>;
}
