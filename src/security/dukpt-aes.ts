/**
 * AES DUKPT, ANSI X9.24-3:2017: the initial key from the BDK and the initial key ID, the
 * intermediate derivation keys along the 32-bit counter, working keys of any type no
 * stronger than the BDK, and the terminal that owns the 32 intermediate key registers.
 *
 * KSN: 12 bytes = initial key ID (BDK ID 4 bytes + derivation ID 4 bytes) + counter (4 bytes,
 * big-endian). A counter is used only if it has at most 16 one bits.
 */
import { aesEncrypt } from './block-ciphers.js';
import { concat, countOneBits, zeroize } from './bytes.js';
import { CryptoArgumentError, DukptStateError, KeyLengthError, KsnError } from './errors.js';
import { FutureKeyRegisters, type RegisterScheme } from './dukpt-registers.js';

export const AES_KSN_LENGTH = 12;
export const AES_INITIAL_KEY_ID_LENGTH = 8;
export const AES_COUNTER_BITS = 32;
export const AES_MAX_ONE_BITS = 16;

export type AesDukptKeyType = 'TDES2' | 'TDES3' | 'AES128' | 'AES192' | 'AES256';

/** Key Type table of X9.24-3:2017 (the "Algorithm Indicator" and "Length" of the derivation data). */
const KEY_TYPES: Record<AesDukptKeyType, { algorithm: number; bits: number; strength: number }> = {
  TDES2: { algorithm: 0x0000, bits: 128, strength: 0 },
  TDES3: { algorithm: 0x0001, bits: 192, strength: 1 },
  AES128: { algorithm: 0x0002, bits: 128, strength: 2 },
  AES192: { algorithm: 0x0003, bits: 192, strength: 3 },
  AES256: { algorithm: 0x0004, bits: 256, strength: 4 },
};

export const AES_DUKPT_KEY_TYPES = Object.keys(KEY_TYPES) as AesDukptKeyType[];

/** Key Usage Indicator table of X9.24-3:2017 (bytes 2-3 of the derivation data). */
export const AES_DUKPT_USAGE = Object.freeze({
  keyEncryptionKey: 0x0002,
  pinEncryption: 0x1000,
  macGeneration: 0x2000,
  macVerification: 0x2001,
  macBoth: 0x2002,
  dataEncryption: 0x3000,
  dataDecryption: 0x3001,
  dataBoth: 0x3002,
  keyDerivation: 0x8000,
  initialKey: 0x8001,
});

export function isAesDukptKeyType(s: string): s is AesDukptKeyType {
  return Object.prototype.hasOwnProperty.call(KEY_TYPES, s);
}

/** The type of a BDK, initial key or derivation key, from its length (always AES). */
export function derivationKeyType(key: Uint8Array, what = 'AES DUKPT BDK'): AesDukptKeyType {
  if (key.length === 16) return 'AES128';
  if (key.length === 24) return 'AES192';
  if (key.length === 32) return 'AES256';
  throw new KeyLengthError(what, key.length, 'AES DUKPT derivation keys are AES keys of 16, 24 or 32 bytes');
}

export function keyTypeLength(type: AesDukptKeyType): number {
  return KEY_TYPES[type].bits / 8;
}

/**
 * Create_Derivation_Data of X9.24-3:2017: version 01, block counter (set by deriveKey), key
 * usage, algorithm, length in bits, then 8 bytes: the initial key ID for the initial key, or
 * the derivation ID and the counter for every other key.
 */
export function derivationData(usage: number, type: AesDukptKeyType, tail: Uint8Array): Uint8Array {
  if (tail.length !== 8) throw new CryptoArgumentError(`derivation data: ${tail.length} bytes of identifier; it takes 8`);
  const t = KEY_TYPES[type];
  const head = Uint8Array.from([
    0x01, 0x01, usage >> 8, usage & 0xff, t.algorithm >> 8, t.algorithm & 0xff, t.bits >> 8, t.bits & 0xff,
  ]);
  return concat(head, tail);
}

/**
 * Derive_Key of X9.24-3:2017 (NIST SP 800-108 counter mode with AES-ECB as the PRF): one
 * block per 128 bits of output, the block counter in byte 1, truncated to the key length.
 */
export function deriveKey(derivationKey: Uint8Array, type: AesDukptKeyType, data: Uint8Array): Uint8Array {
  derivationKeyType(derivationKey, 'AES DUKPT derivation key');
  const bytes = keyTypeLength(type);
  const blocks: Uint8Array[] = [];
  for (let i = 1; (i - 1) * 16 < bytes; i++) {
    const d = data.slice();
    d[1] = i;
    blocks.push(aesEncrypt(derivationKey, d));
  }
  const all = concat(...blocks);
  const out = all.slice(0, bytes);
  zeroize(all, ...blocks);
  return out;
}

export function checkAesKsn(ksn: Uint8Array): void {
  if (!(ksn instanceof Uint8Array) || ksn.length !== AES_KSN_LENGTH) {
    throw new KsnError(`AES KSN: ${ksn instanceof Uint8Array ? ksn.length : 0} bytes; ANSI X9.24-3 uses a 12-byte KSN`);
  }
}

export function aesKsnCounter(ksn: Uint8Array): number {
  checkAesKsn(ksn);
  return ksn[8]! * 2 ** 24 + ((ksn[9]! << 16) | (ksn[10]! << 8) | ksn[11]!);
}

export function aesKsnWithCounter(ksn: Uint8Array, counter: number): Uint8Array {
  checkAesKsn(ksn);
  if (!Number.isInteger(counter) || counter < 0 || counter >= 2 ** AES_COUNTER_BITS) {
    throw new KsnError(`AES KSN counter ${counter} does not fit in 32 bits`);
  }
  const out = ksn.slice();
  out[8] = Math.floor(counter / 2 ** 24);
  out[9] = (counter >>> 16) & 0xff;
  out[10] = (counter >>> 8) & 0xff;
  out[11] = counter & 0xff;
  return out;
}

/** Derive_Initial_Key of X9.24-3:2017: the initial key has the BDK's type. */
export function aesDukptInitialKey(bdk: Uint8Array, initialKeyId: Uint8Array): Uint8Array {
  const type = derivationKeyType(bdk);
  if (initialKeyId.length !== AES_INITIAL_KEY_ID_LENGTH) {
    throw new KsnError(`AES initial key ID: ${initialKeyId.length} bytes; it is 8 (the first 8 bytes of the KSN)`);
  }
  return deriveKey(bdk, type, derivationData(AES_DUKPT_USAGE.initialKey, type, initialKeyId));
}

function intermediateData(ksn: Uint8Array, counter: number, usage: number, type: AesDukptKeyType): Uint8Array {
  return derivationData(usage, type, aesKsnWithCounter(ksn, counter).subarray(4, 12));
}

function checkCounterUsable(counter: number): void {
  const ones = countOneBits(counter);
  if (ones > AES_MAX_ONE_BITS) {
    throw new KsnError(
      `AES KSN counter ${counter.toString(16).toUpperCase()} has ${ones} one bits; ANSI X9.24-3 never uses more than ${AES_MAX_ONE_BITS} (a device past its last counter is exhausted)`,
      'KSN_COUNTER',
    );
  }
}

/**
 * Host side: the intermediate derivation key of the KSN's counter, setting the counter bits
 * from the top (Host_Derive_Working_Key of X9.24-3:2017, first part). A counter of zero
 * gives the initial key itself; no device uses it for a transaction.
 */
export function aesDukptDerivationKey(initialKey: Uint8Array, ksn: Uint8Array): Uint8Array {
  const type = derivationKeyType(initialKey, 'AES DUKPT initial key');
  const counter = aesKsnCounter(ksn);
  checkCounterUsable(counter);
  let key: Uint8Array = initialKey.slice();
  let working = 0;
  for (let bit = AES_COUNTER_BITS - 1; bit >= 0; bit--) {
    const mask = 2 ** bit;
    if (Math.floor(counter / mask) % 2 === 1) {
      working += mask;
      const next = deriveKey(key, type, intermediateData(ksn, working, AES_DUKPT_USAGE.keyDerivation, type));
      zeroize(key);
      key = next;
    }
  }
  return key;
}

function checkWorkingType(derivationKey: Uint8Array | AesDukptKeyType, type: AesDukptKeyType): void {
  if (!isAesDukptKeyType(type)) {
    throw new CryptoArgumentError(`AES DUKPT key type '${String(type)}': use ${AES_DUKPT_KEY_TYPES.join(', ')}`);
  }
  const base = typeof derivationKey === 'string' ? derivationKey : derivationKeyType(derivationKey, 'AES DUKPT derivation key');
  if (KEY_TYPES[type].strength > KEY_TYPES[base].strength) {
    throw new CryptoArgumentError(`AES DUKPT: working key type ${type} is stronger than the ${base} BDK; X9.24-3:2017 derives no key stronger than the BDK`);
  }
}

/** One working key (the second part of Host_Derive_Working_Key / Generate_Working_Keys). */
export function aesDukptWorkingKey(
  derivationKey: Uint8Array,
  ksn: Uint8Array,
  usage: number,
  type: AesDukptKeyType,
): Uint8Array {
  checkWorkingType(derivationKey, type);
  return deriveKey(derivationKey, type, intermediateData(ksn, aesKsnCounter(ksn), usage, type));
}

export interface AesWorkingKeys {
  pinKey: Uint8Array;
  macGenerationKey: Uint8Array;
  macVerificationKey: Uint8Array;
  dataEncryptionKey: Uint8Array;
  dataDecryptionKey: Uint8Array;
}

export function aesDukptWorkingKeys(derivationKey: Uint8Array, ksn: Uint8Array, type: AesDukptKeyType): AesWorkingKeys {
  checkWorkingType(derivationKey, type);
  const k = (usage: number): Uint8Array => aesDukptWorkingKey(derivationKey, ksn, usage, type);
  return {
    pinKey: k(AES_DUKPT_USAGE.pinEncryption),
    macGenerationKey: k(AES_DUKPT_USAGE.macGeneration),
    macVerificationKey: k(AES_DUKPT_USAGE.macVerification),
    dataEncryptionKey: k(AES_DUKPT_USAGE.dataEncryption),
    dataDecryptionKey: k(AES_DUKPT_USAGE.dataDecryption),
  };
}

export interface AesHostKeys extends AesWorkingKeys {
  initialKey: Uint8Array;
  derivationKey: Uint8Array;
}

/** Host side from the BDK; the working key type defaults to the BDK's own type. */
export function aesDukptHostKeys(bdk: Uint8Array, ksn: Uint8Array, type?: AesDukptKeyType): AesHostKeys {
  checkAesKsn(ksn);
  const t = type ?? derivationKeyType(bdk);
  checkWorkingType(bdk, t);
  const initialKey = aesDukptInitialKey(bdk, ksn.subarray(0, AES_INITIAL_KEY_ID_LENGTH));
  const derivationKey = aesDukptDerivationKey(initialKey, ksn);
  return { initialKey, derivationKey, ...aesDukptWorkingKeys(derivationKey, ksn, t) };
}

// ---- terminal ------------------------------------------------------------------------------

/** The terminal's AES DUKPT state as JSON-able data. It holds clear keys: store it only encrypted. */
export interface AesDukptState {
  scheme: 'aes-dukpt';
  version: 1;
  /** The initial KSN (initial key ID, counter zero), hex. */
  initialKsn: string;
  /** Type of the registers: the BDK's and initial key's type. */
  keyType: AesDukptKeyType;
  /** Working key type the terminal derives by default. */
  workingKeyType: AesDukptKeyType;
  /** Counter of the next transaction; 2^32 once exhausted. */
  counter: number;
  /** Intermediate derivation key registers, index = counter bit, hex or null when erased. */
  registers: (string | null)[];
}

export interface AesTransaction extends AesWorkingKeys {
  ksn: Uint8Array;
  /** The intermediate derivation key of this counter (the "transaction key"). */
  derivationKey: Uint8Array;
}

function scheme(initialKsn: Uint8Array, type: AesDukptKeyType): RegisterScheme {
  return {
    name: 'AES DUKPT',
    counterBits: AES_COUNTER_BITS,
    maxOneBits: AES_MAX_ONE_BITS,
    keyLength: keyTypeLength(type),
    derive: (base, counter) => deriveKey(base, type, intermediateData(initialKsn, counter, AES_DUKPT_USAGE.keyDerivation, type)),
  };
}

const HEX_RE = /^[0-9A-Fa-f]*$/;

function stateHex(value: unknown, lengths: number[], what: string): Uint8Array {
  if (typeof value !== 'string' || !lengths.includes(value.length / 2) || value.length % 2 !== 0 || !HEX_RE.test(value)) {
    throw new DukptStateError(`${what} must be ${lengths.map((n) => n * 2).join(' or ')} hex digits`);
  }
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

function initialKsnOf(ksnOrId: Uint8Array): Uint8Array {
  if (ksnOrId.length === AES_INITIAL_KEY_ID_LENGTH) return concat(ksnOrId, new Uint8Array(4));
  checkAesKsn(ksnOrId);
  if (aesKsnCounter(ksnOrId) !== 0) throw new KsnError('AES KSN: an initial key is loaded with a zero counter');
  return ksnOrId.slice();
}

/**
 * The transaction-originating device of X9.24-3:2017 (Load_Initial_Key,
 * Generate_Working_Keys, Update_State_for_next_Transaction): it keeps the 32 intermediate
 * derivation key registers and never the initial key once loaded.
 */
export class AesDukptTerminal {
  private constructor(
    private readonly initialKsn: Uint8Array,
    private readonly derivationType: AesDukptKeyType,
    private readonly workingKeyType: AesDukptKeyType,
    private readonly registers: FutureKeyRegisters,
  ) {}

  /**
   * Loads an initial key with its initial key ID (8 bytes) or initial KSN (12 bytes, counter
   * zero). `workingKeyType` defaults to the initial key's own type.
   */
  static load(initialKey: Uint8Array, initialKsnOrKeyId: Uint8Array, workingKeyType?: AesDukptKeyType): AesDukptTerminal {
    const type = derivationKeyType(initialKey, 'AES DUKPT initial key');
    const wt = workingKeyType ?? type;
    checkWorkingType(initialKey, wt);
    const ksn = initialKsnOf(initialKsnOrKeyId);
    return new AesDukptTerminal(ksn, type, wt, FutureKeyRegisters.load(scheme(ksn, type), initialKey));
  }

  static fromState(state: unknown): AesDukptTerminal {
    if (typeof state !== 'object' || state === null) throw new DukptStateError('not an object');
    const s = state as Record<string, unknown>;
    if (s['scheme'] !== 'aes-dukpt' || s['version'] !== 1) throw new DukptStateError('not a version 1 AES DUKPT state');
    const ksn = stateHex(s['initialKsn'], [AES_KSN_LENGTH], 'initialKsn');
    if (aesKsnCounter(ksn) !== 0) throw new DukptStateError('initialKsn must have a zero counter');
    const type = s['keyType'];
    if (type !== 'AES128' && type !== 'AES192' && type !== 'AES256') throw new DukptStateError('keyType must be AES128, AES192 or AES256');
    const wt = s['workingKeyType'];
    if (typeof wt !== 'string' || !isAesDukptKeyType(wt)) throw new DukptStateError(`workingKeyType must be one of ${AES_DUKPT_KEY_TYPES.join(', ')}`);
    const regs = s['registers'];
    if (!Array.isArray(regs)) throw new DukptStateError('registers must be a list');
    const keys = regs.map((r, i) => (r === null ? null : stateHex(r, [keyTypeLength(type)], `register ${i}`)));
    try {
      if (KEY_TYPES[wt].strength > KEY_TYPES[type].strength) throw new DukptStateError(`working key type ${wt} is stronger than the ${type} registers`);
      return new AesDukptTerminal(ksn, type, wt, FutureKeyRegisters.restore(scheme(ksn, type), s['counter'], keys));
    } finally {
      zeroize(...keys);
    }
  }

  toState(): AesDukptState {
    return {
      scheme: 'aes-dukpt',
      version: 1,
      initialKsn: Buffer.from(this.initialKsn).toString('hex').toUpperCase(),
      keyType: this.derivationType,
      workingKeyType: this.workingKeyType,
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
    return aesKsnWithCounter(this.initialKsn, this.registers.counter);
  }

  /** The type of the registers (the BDK's type). */
  get keyType(): AesDukptKeyType {
    return this.derivationType;
  }

  /**
   * Working keys for one transaction and its KSN; the registers move on before this returns.
   * The caller wipes the keys after use. Throws KsnExhaustedError when no counter is left.
   */
  nextTransaction(workingKeyType: AesDukptKeyType = this.workingKeyType): AesTransaction {
    // Checked before the registers move, so a bad argument does not burn a counter.
    checkWorkingType(this.derivationType, workingKeyType);
    const { counter, key } = this.registers.take();
    const ksn = aesKsnWithCounter(this.initialKsn, counter);
    return { ksn, derivationKey: key, ...aesDukptWorkingKeys(key, ksn, workingKeyType) };
  }

  wipe(): void {
    this.registers.wipe();
  }
}
