import type { TextDisplay } from '../hal/display/text-display.js';

/**
 * What the terminal shows, as text lines: the one copy the flows write, the display driver
 * draws and the simulator API reads. Drawing is serialised and a newer screen replaces one
 * not yet drawn, so a slow I2C display never holds up a flow or shows stale frames in order.
 */
export class Screen {
  private current: string[] = [];
  private inverse: number[] = [];
  private drawing: Promise<void> = Promise.resolve();
  private dirty = false;
  private readonly listeners = new Set<(lines: readonly string[]) => void>();

  constructor(
    readonly columns: number,
    readonly rows: number,
    readonly cjk: boolean,
    private readonly display: TextDisplay | null,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get lines(): readonly string[] {
    return this.current;
  }

  /** Shows `lines` (at most `rows`; missing lines are blank); `inverse` highlights rows. */
  show(lines: readonly string[], inverse: number[] = []): void {
    const next = Array.from({ length: this.rows }, (_, i) => lines[i] ?? '');
    if (next.every((l, i) => l === this.current[i]) && inverse.join() === this.inverse.join()) return;
    this.current = next;
    this.inverse = inverse;
    for (const l of this.listeners) l(next);
    if (!this.display) return;
    if (this.dirty) return; // a draw is queued and will pick up these lines
    this.dirty = true;
    this.drawing = this.drawing.then(async () => {
      this.dirty = false;
      try {
        await this.display!.show(this.current, { inverse: this.inverse });
      } catch (e) {
        this.onError(e);
      }
    });
  }

  onChange(fn: (lines: readonly string[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves when what is shown has reached the display. */
  async flushed(): Promise<void> {
    await this.drawing;
  }
}
