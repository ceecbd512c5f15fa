/**
 * TDES DUKPT, ANSI X9.24-1:2009 Annex A: the initial PIN encryption key (IPEK) from the BDK
 * and KSN, the non-reversible key generation process, transaction keys on the host side,
 * their variants, and the terminal that owns the future key registers.
 *
 * KSN: 10 bytes (80 bits). The rightmost 21 bits are the transaction counter; the rest
 * identify the BDK and the device.
 */
import { desEncrypt, tdesEncrypt } from './block-ciphers.js';
import { concat, countOneBits, xor, zeroize } from './bytes.js';
import { DukptStateError, KeyLengthError, KsnError } from './errors.js';
import { FutureKeyRegisters, type RegisterScheme } from './dukpt-registers.js';

export const TDES_KSN_LENGTH = 10;
export const TDES_COUNTER_BITS = 21;
export const TDES_MAX_ONE_BITS = 10;

/** The "C0C0 C0C0 0000 0000" mask of X9.24-1:2009 A.2 and A.6 (IPEK and key generation). */
const KEY_MASK = Uint8Array.from([
  0xc0, 0xc0, 0xc0, 0xc0, 0, 0, 0, 0, 0xc0, 0xc0, 0xc0, 0xc0, 0, 0, 0, 0,
]);

/** X9.24-1:2009 Annex A variant constants, XORed into the transaction key for each use. */
export const TDES_VARIANTS = Object.freeze({
  pin: variant(7),
  macRequest: variant(6),
  macResponse: variant(4),
  dataRequest: variant(5),
  dataResponse: variant(3),
});

function variant(byteIndex: number): Uint8Array {
  const v = new Uint8Array(16);
  v[byteIndex] = 0xff;
  v[byteIndex + 8] = 0xff;
  return v;
}

function checkBdk(bdk: Uint8Array): void {
  if (bdk.length !== 16) throw new KeyLengthError('TDES DUKPT BDK', bdk.length, 'ANSI X9.24-1:2009 uses a 16-byte (double-length) BDK');
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== 16) throw new KeyLengthError(what, key.length, 'TDES DUKPT keys are 16 bytes');
}

export function checkTdesKsn(ksn: Uint8Array): void {
  if (!(ksn instanceof Uint8Array) || ksn.length !== TDES_KSN_LENGTH) {
    throw new KsnError(`TDES KSN: ${ksn instanceof Uint8Array ? ksn.length : 0} bytes; ANSI X9.24-1 uses a 10-byte KSN`);
  }
}

/** The 21-bit transaction counter of a KSN. */
export function tdesKsnCounter(ksn: Uint8Array): number {
  checkTdesKsn(ksn);
  return ((ksn[7]! & 0x1f) << 16) | (ksn[8]! << 8) | ksn[9]!;
}

/** The KSN with its counter replaced. */
export function tdesKsnWithCounter(ksn: Uint8Array, counter: number): Uint8Array {
  checkTdesKsn(ksn);
  if (!Number.isInteger(counter) || counter < 0 || counter >= 2 ** TDES_COUNTER_BITS) {
    throw new KsnError(`TDES KSN counter ${counter} does not fit in 21 bits`);
  }
  const out = ksn.slice();
  out[7] = (out[7]! & 0xe0) | (counter >> 16);
  out[8] = (counter >> 8) & 0xff;
  out[9] = counter & 0xff;
  return out;
}

/** IPEK (X9.24-1:2009 A.6 "Derivation of the initial key"): from the KSN with its counter zeroed. */
export function deriveIpek(bdk: Uint8Array, ksn: Uint8Array): Uint8Array {
  checkBdk(bdk);
  const base = tdesKsnWithCounter(ksn, 0).subarray(0, 8);
  const masked = xor(bdk, KEY_MASK);
  const ipek = concat(tdesEncrypt(bdk, base), tdesEncrypt(masked, base));
  zeroize(masked);
  return ipek;
}

/**
 * Non-reversible key generation process (X9.24-1:2009 A.2): with the key register K = KL KR
 * and crypto register 1 (64 bits of KSN), the new right half is DES_KL(CR1 XOR KR) XOR KR,
 * and the new left half is the same under K XOR C0C0C0C000000000C0C0C0C000000000.
 */
export function nonReversibleKey(key: Uint8Array, cryptoRegister1: Uint8Array): Uint8Array {
  checkKey(key, 'key register');
  const half = (k: Uint8Array): Uint8Array => {
    const kl = k.subarray(0, 8);
    const kr = k.subarray(8, 16);
    const t = xor(cryptoRegister1, kr);
    const e = desEncrypt(kl, t);
    const out = xor(e, kr);
    zeroize(t, e);
    return out;
  };
  const right = half(key);
  const masked = xor(key, KEY_MASK);
  const left = half(masked);
  const out = concat(left, right);
  zeroize(masked, left, right);
  return out;
}

/** The 64-bit crypto register 1 for a counter: the rightmost 8 KSN bytes with that counter. */
function cryptoRegister(ksn: Uint8Array, counter: number): Uint8Array {
  return tdesKsnWithCounter(ksn, counter).subarray(2, 10);
}

function checkCounterUsable(counter: number): void {
  const ones = countOneBits(counter);
  if (ones > TDES_MAX_ONE_BITS) {
    throw new KsnError(
      `TDES KSN counter ${counter.toString(16).toUpperCase()} has ${ones} one bits; ANSI X9.24-1 A.2 never uses more than ${TDES_MAX_ONE_BITS} (a device past its last counter is exhausted)`,
      'KSN_COUNTER',
    );
  }
}

/**
 * Host side: the transaction key of a KSN from the IPEK, setting the counter bits one by one
 * from the top and running the key generation at each (X9.24-1:2009 A.3). A counter of
 * zero gives the IPEK itself; no device uses it for a transaction.
 */
export function deriveTransactionKey(ipek: Uint8Array, ksn: Uint8Array): Uint8Array {
  checkKey(ipek, 'IPEK');
  const counter = tdesKsnCounter(ksn);
  checkCounterUsable(counter);
  let key: Uint8Array = ipek.slice();
  let reg = 0;
  for (let bit = TDES_COUNTER_BITS - 1; bit >= 0; bit--) {
    if ((counter >> bit) & 1) {
      reg |= 1 << bit;
      const next = nonReversibleKey(key, cryptoRegister(ksn, reg));
      zeroize(key);
      key = next;
    }
  }
  return key;
}

export interface TdesWorkingKeys {
  pinKey: Uint8Array;
  macRequestKey: Uint8Array;
  macResponseKey: Uint8Array;
  dataRequestKey: Uint8Array;
  dataResponseKey: Uint8Array;
}

/**
 * Data keys are the data variant enciphered under itself, each half (X9.24-1:2009 Annex A,
 * data encryption keys): a one-way step so a data key cannot be turned back into the
 * transaction key.
 */
function dataKey(variantKey: Uint8Array): Uint8Array {
  const out = tdesEncrypt(variantKey, variantKey);
  zeroize(variantKey);
  return out;
}

/** The working keys of one transaction key (X9.24-1:2009 Annex A variants). */
export function tdesWorkingKeys(transactionKey: Uint8Array): TdesWorkingKeys {
  checkKey(transactionKey, 'transaction key');
  return {
    pinKey: xor(transactionKey, TDES_VARIANTS.pin),
    macRequestKey: xor(transactionKey, TDES_VARIANTS.macRequest),
    macResponseKey: xor(transactionKey, TDES_VARIANTS.macResponse),
    dataRequestKey: dataKey(xor(transactionKey, TDES_VARIANTS.dataRequest)),
    dataResponseKey: dataKey(xor(transactionKey, TDES_VARIANTS.dataResponse)),
  };
}

export interface TdesHostKeys extends TdesWorkingKeys {
  ipek: Uint8Array;
  transactionKey: Uint8Array;
}

/** Host side from the BDK: everything needed to open what a terminal sent under this KSN. */
export function tdesDukptHostKeys(bdk: Uint8Array, ksn: Uint8Array): TdesHostKeys {
  const ipek = deriveIpek(bdk, ksn);
  const transactionKey = deriveTransactionKey(ipek, ksn);
  return { ipek, transactionKey, ...tdesWorkingKeys(transactionKey) };
}

// ---- terminal ------------------------------------------------------------------------------

/** The terminal's DUKPT state as JSON-able data. It holds clear keys: store it only encrypted. */
export interface TdesDukptState {
  scheme: 'tdes-dukpt';
  version: 1;
  /** The KSN loaded with the IPEK, counter zero, hex. */
  initialKsn: string;
  /** Counter of the next transaction; 2^21 once exhausted. */
  counter: number;
  /** Future key registers, index = counter bit (0 = lowest), hex or null when erased. */
  registers: (string | null)[];
}

export interface TdesTransaction extends TdesWorkingKeys {
  /** The KSN to send with this transaction. */
  ksn: Uint8Array;
  transactionKey: Uint8Array;
}

function scheme(initialKsn: Uint8Array): RegisterScheme {
  return {
    name: 'TDES DUKPT',
    counterBits: TDES_COUNTER_BITS,
    maxOneBits: TDES_MAX_ONE_BITS,
    keyLength: 16,
    derive: (base, counter) => nonReversibleKey(base, cryptoRegister(initialKsn, counter)),
  };
}

const HEX_RE = /^[0-9A-F]*$/;

function stateHex(value: unknown, bytes: number, what: string): Uint8Array {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !HEX_RE.test(value.toUpperCase())) {
    throw new DukptStateError(`${what} must be ${bytes * 2} hex digits`);
  }
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

/**
 * The PIN entry device's side (X9.24-1:2009 A.2): it holds the future key registers, never
 * the BDK nor the IPEK once loaded, and moves to the next counter after each transaction.
 */
export class TdesDukptTerminal {
  private constructor(
    private readonly initialKsn: Uint8Array,
    private readonly registers: FutureKeyRegisters,
  ) {}

  /** Loads an IPEK with its KSN (counter zero) and derives the 21 first future keys. */
  static load(ipek: Uint8Array, initialKsn: Uint8Array): TdesDukptTerminal {
    checkKey(ipek, 'IPEK');
    if (tdesKsnCounter(initialKsn) !== 0) throw new KsnError('TDES KSN: an initial key is loaded with a zero counter');
    const ksn = initialKsn.slice();
    return new TdesDukptTerminal(ksn, FutureKeyRegisters.load(scheme(ksn), ipek));
  }

  /** Rebuilds a terminal from toState() output; anything malformed is a DukptStateError. */
  static fromState(state: unknown): TdesDukptTerminal {
    if (typeof state !== 'object' || state === null) throw new DukptStateError('not an object');
    const s = state as Record<string, unknown>;
    if (s['scheme'] !== 'tdes-dukpt' || s['version'] !== 1) throw new DukptStateError('not a version 1 TDES DUKPT state');
    const ksn = stateHex(s['initialKsn'], TDES_KSN_LENGTH, 'initialKsn');
    if (tdesKsnCounter(ksn) !== 0) throw new DukptStateError('initialKsn must have a zero counter');
    const regs = s['registers'];
    if (!Array.isArray(regs)) throw new DukptStateError('registers must be a list');
    const keys = regs.map((r, i) => (r === null ? null : stateHex(r, 16, `register ${i}`)));
    try {
      return new TdesDukptTerminal(ksn, FutureKeyRegisters.restore(scheme(ksn), s['counter'], keys));
    } finally {
      zeroize(...keys);
    }
  }

  toState(): TdesDukptState {
    return {
      scheme: 'tdes-dukpt',
      version: 1,
      initialKsn: Buffer.from(this.initialKsn).toString('hex').toUpperCase(),
      counter: this.registers.counter,
      registers: this.registers.snapshotHex(),
    };
  }

  get exhausted(): boolean {
    return this.registers.exhausted;
  }

  /** The KSN the next transaction will carry; null once exhausted. */
  get ksn(): Uint8Array | null {
    if (this.exhausted) return null;
    return tdesKsnWithCounter(this.initialKsn, this.registers.counter);
  }

  /**
   * Keys for one transaction and its KSN; the registers move on before this returns, so a
   * key is never handed out twice. The caller wipes the keys after use. Throws
   * KsnExhaustedError when no counter is left.
   */
  nextTransaction(): TdesTransaction {
    const { counter, key } = this.registers.take();
    return { ksn: tdesKsnWithCounter(this.initialKsn, counter), transactionKey: key, ...tdesWorkingKeys(key) };
  }

  wipe(): void {
    this.registers.wipe();
  }
}
