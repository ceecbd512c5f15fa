/**
 * A serial magstripe reader's characters: each byte one character (the readers send
 * ASCII, 8N1, commonly 9600 baud). A byte outside ASCII stays what it is, and the track
 * assembler refuses it as outside the track's character set.
 */
import type { SerialLink } from '../ports.js';
import type { CharacterSource } from './character-source.js';

export class SerialCharacters implements CharacterSource {
  constructor(private readonly link: SerialLink) {}

  get name(): string {
    return this.link.path;
  }

  async read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    const bytes = await this.link.read({ timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    return Buffer.from(bytes).toString('latin1');
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
