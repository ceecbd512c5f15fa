/**
 * The data objects a card gave during one transaction (GET PROCESSING OPTIONS, READ RECORD,
 * GENERATE AC), by tag. EMV 4.4 Book 3 10.2: a primitive data object the card returns twice
 * is an error that ends the transaction, as is one the kernel needs with a length outside
 * Annex A1. Checks name the tag, never the value: the values are card data.
 */
import { CardError } from './errors.js';
import type { DataSource } from './dol.js';
import { lengthProblem, type Kernel } from './tags.js';
import { tagToHex, type Tlv } from './tlv.js';

/**
 * Tags whose length the kernel checks when they arrive, because it reads them (Annex A1,
 * Book C-2 Annex A for Kernel 2's meanings). Other tags are carried as the card sent them:
 * a terminal ignores what it does not use (Book 3 10.2 note on unknown data).
 */
const CHECKED = new Set([
  0x57, 0x5a, 0x5f24, 0x5f25, 0x5f28, 0x5f34, 0x82, 0x8c, 0x8e, 0x8f, 0x9f07, 0x9f08, 0x9f0d, 0x9f0e, 0x9f0f, 0x9f10,
  0x9f26, 0x9f27, 0x9f32, 0x9f36, 0x9f42, 0x9f47, 0x9f4a, 0x9f4b,
]);

export class CardData {
  private readonly values = new Map<number, Uint8Array>();
  private readonly kernel: Kernel | undefined;

  constructor(kernel?: Kernel) {
    this.kernel = kernel;
  }

  /**
   * Adds every primitive object inside `objects` (templates are opened). With
   * `replace`, a later value wins (a GENERATE AC answer restates 9F27 and 9F36); otherwise
   * a second value for a tag is a card fault.
   */
  addAll(objects: readonly Tlv[], where: string, options: { replace?: boolean } = {}): void {
    for (const o of objects) {
      if (o.children) {
        this.addAll(o.children, where, options);
        continue;
      }
      if (CHECKED.has(o.tag)) {
        const problem = lengthProblem(o.tag, o.value.length, this.kernel);
        if (problem) throw new CardError('CARD_DATA_LENGTH', `${where}: ${problem}`);
      }
      if (!options.replace && this.values.has(o.tag)) {
        throw new CardError('CARD_DATA_DUPLICATE', `${where}: tag ${tagToHex(o.tag)} was already given by the card`);
      }
      this.values.set(o.tag, o.value);
    }
  }

  set(tag: number, value: Uint8Array): void {
    this.values.set(tag, value);
  }

  get(tag: number): Uint8Array | undefined {
    return this.values.get(tag);
  }

  has(tag: number): boolean {
    return this.values.has(tag);
  }

  /** A data object the kernel cannot go on without (Book 3 7.2 mandatory data). */
  require(tag: number, what: string): Uint8Array {
    const v = this.values.get(tag);
    if (v === undefined) throw new CardError('CARD_DATA_MISSING', `the card did not give ${tagToHex(tag)} (${what})`);
    return v;
  }

  source(): DataSource {
    return (tag) => this.values.get(tag);
  }

  tags(): number[] {
    return [...this.values.keys()];
  }
}
