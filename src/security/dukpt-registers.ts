/**
 * The terminal side of DUKPT, common to ANSI X9.24-1:2009 (TDES, 21-bit counter, at most 10
 * one bits) and ANSI X9.24-3:2017 (AES, 32-bit counter, at most 16 one bits): one future key
 * register per counter bit, the current one chosen by the lowest set bit of the counter.
 *
 * Invariant before each transaction with counter c whose lowest set bit is p:
 *  - register p holds the key of c;
 *  - a register q > p whose bit is clear in c holds the key of (c's bits above q) + 2^q,
 *    made earlier and waiting for the counter to get there;
 *  - every other register is empty: a key once used is erased, so a device that is opened
 *    later cannot give the keys of past transactions (X9.24-1:2009 A.1, "forward secrecy").
 * After the transaction (X9.24-1:2009 A.2 "New Key"; X9.24-3:2017 6.5 Update state): if c has
 * fewer than the most one bits allowed, the keys of c + 2^q for every q < p are derived from
 * the key of c and the counter moves to c + 1; otherwise nothing is derived and the counter
 * moves to c + 2^p, which skips every counter with too many one bits. Past the last counter
 * the device is exhausted.
 */
import { countOneBits, zeroize } from './bytes.js';
import { DukptStateError, KsnExhaustedError } from './errors.js';

export interface RegisterScheme {
  /** For messages: "TDES DUKPT", "AES DUKPT". */
  name: string;
  counterBits: number;
  maxOneBits: number;
  keyLength: number;
  /** The key of `counter`, derived from the key of `counter` without its lowest set bit. */
  derive(baseKey: Uint8Array, counter: number): Uint8Array;
}

function lowestSetBit(c: number): number {
  for (let p = 0; p < 53; p++) if (Math.floor(c / 2 ** p) % 2 === 1) return p;
  return -1;
}

function bitSet(c: number, q: number): boolean {
  return Math.floor(c / 2 ** q) % 2 === 1;
}

/** Which registers must hold a key at counter c (the invariant above). */
function mustHold(c: number, q: number, p: number): boolean {
  return q === p || (q > p && !bitSet(c, q));
}

export class FutureKeyRegisters {
  private constructor(
    private readonly scheme: RegisterScheme,
    private readonly registers: (Uint8Array | null)[],
    private next: number,
  ) {}

  /** Fills every register from the initial key; the first counter is 1. */
  static load(scheme: RegisterScheme, initialKey: Uint8Array): FutureKeyRegisters {
    const regs: (Uint8Array | null)[] = [];
    for (let q = 0; q < scheme.counterBits; q++) regs.push(scheme.derive(initialKey, 2 ** q));
    return new FutureKeyRegisters(scheme, regs, 1);
  }

  /** Rebuilds registers from a snapshot, refusing any that break the invariant. */
  static restore(scheme: RegisterScheme, counter: unknown, registers: (Uint8Array | null)[]): FutureKeyRegisters {
    const limit = 2 ** scheme.counterBits;
    if (typeof counter !== 'number' || !Number.isInteger(counter) || counter < 1 || counter > limit) {
      throw new DukptStateError(`counter must be an integer from 1 to ${limit}`);
    }
    if (registers.length !== scheme.counterBits) {
      throw new DukptStateError(`${registers.length} registers; ${scheme.name} has ${scheme.counterBits}`);
    }
    const exhausted = counter === limit;
    if (!exhausted && countOneBits(counter) > scheme.maxOneBits) {
      throw new DukptStateError(`counter has more than ${scheme.maxOneBits} one bits`);
    }
    const p = exhausted ? -1 : lowestSetBit(counter);
    registers.forEach((r, q) => {
      const want = !exhausted && mustHold(counter, q, p);
      if (r !== null && r.length !== scheme.keyLength) {
        throw new DukptStateError(`register ${q} holds ${r.length} bytes; keys are ${scheme.keyLength}`);
      }
      if (want && r === null) throw new DukptStateError(`register ${q} is empty but the counter needs it`);
      if (!want && r !== null) throw new DukptStateError(`register ${q} holds a key that must have been erased`);
    });
    return new FutureKeyRegisters(scheme, registers.map((r) => (r ? r.slice() : null)), counter);
  }

  /** The counter the next transaction uses (2^bits once exhausted). */
  get counter(): number {
    return this.next;
  }

  get exhausted(): boolean {
    return this.next >= 2 ** this.scheme.counterBits;
  }

  /** Gives the key of the current counter, then moves the registers on to the next counter. */
  take(): { counter: number; key: Uint8Array } {
    if (this.exhausted) throw new KsnExhaustedError(this.scheme.name);
    const c = this.next;
    const p = lowestSetBit(c);
    const key = this.registers[p];
    if (!key) throw new DukptStateError(`register ${p} is empty`);
    const out = key.slice();
    const room = countOneBits(c) < this.scheme.maxOneBits;
    if (room) {
      for (let q = p - 1; q >= 0; q--) {
        zeroize(this.registers[q]);
        this.registers[q] = this.scheme.derive(key, c + 2 ** q);
      }
    }
    zeroize(key);
    this.registers[p] = null;
    this.next = room ? c + 1 : c + 2 ** p;
    return { counter: c, key: out };
  }

  /** Copies of the registers, for a caller that stores them (encrypted). */
  snapshot(): (Uint8Array | null)[] {
    return this.registers.map((r) => (r ? r.slice() : null));
  }

  /** The registers as hex for a stored state (encrypted by the key store); the copies made on the way are wiped. */
  snapshotHex(): (string | null)[] {
    return this.snapshot().map((r) => {
      if (!r) return null;
      const h = Buffer.from(r).toString('hex').toUpperCase();
      zeroize(r);
      return h;
    });
  }

  /** Erases every register; the object is exhausted afterwards. */
  wipe(): void {
    for (let q = 0; q < this.registers.length; q++) {
      zeroize(this.registers[q]);
      this.registers[q] = null;
    }
    this.next = 2 ** this.scheme.counterBits;
  }
}
