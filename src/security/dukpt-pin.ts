/**
 * The PIN of one transaction, enciphered under that transaction's DUKPT PIN key: the step
 * between the keypad's digit buffer and the authorisation request. What leaves here is the
 * enciphered PIN block and the KSN the host needs to derive the same key; the clear block is
 * wiped before returning (ISO 9564-1:2017 6.2: a PIN is never held in clear outside the
 * secure boundary longer than it takes to encipher it).
 *
 * Which block a PIN key can carry: a TDES key (TDES DUKPT, or AES DUKPT with a TDES2/TDES3
 * working key) enciphers the 8-byte formats 0, 1 and 3; an AES key enciphers format 4, which
 * ISO 9564-1:2017 9.4 defines for AES only.
 */
import { zeroize } from './bytes.js';
import { AesDukptTerminal, type AesDukptKeyType, type AesTransaction } from './dukpt-aes.js';
import { TdesDukptTerminal, type TdesTransaction } from './dukpt-tdes.js';
import { DukptStateError, PinBlockError } from './errors.js';
import { encipherPinBlock4, encodePinBlock, encryptPinBlock, type PinBlockFormat, type PinBlockOptions } from './pin-block.js';

/** What PIN entry hands on: never the PIN, only its enciphered block and the KSN. */
export interface EncryptedPin {
  /** 8 bytes (formats 0, 1, 3 under TDES) or 16 bytes (format 4 under AES). */
  pinBlock: Uint8Array;
  /** The KSN of the transaction whose PIN key enciphered the block. */
  ksn: Uint8Array;
  format: PinBlockFormat;
}

/**
 * Enciphers a PIN, given as digit values 0-9, for a PAN. The implementation must not keep
 * or copy `pin` beyond the call; the caller wipes it as soon as this settles.
 */
export type PinEncryptor = (pin: Uint8Array, pan: string, format: PinBlockFormat) => Promise<EncryptedPin>;

export type PinKeyAlgorithm = 'tdes' | 'aes';

/** The PIN block formats a PIN key of this algorithm can encipher. */
export function pinFormatsFor(algorithm: PinKeyAlgorithm): readonly PinBlockFormat[] {
  return algorithm === 'aes' ? [4] : [0, 1, 3];
}

/** Refuses a format the PIN key cannot carry, before anything is spent on it (a DUKPT counter). */
export function checkPinFormat(algorithm: PinKeyAlgorithm, format: PinBlockFormat): void {
  if (!pinFormatsFor(algorithm).includes(format)) {
    const what = algorithm === 'aes' ? 'an AES PIN key enciphers format 4 only' : 'a TDES PIN key enciphers formats 0, 1 and 3 only';
    throw new PinBlockError('PIN_BLOCK_FORMAT', `PIN block format ${String(format)}: ${what} (ISO 9564-1:2017 9.3, 9.4)`);
  }
}

/** The algorithm of the PIN key a DUKPT working key type gives (X9.24-3:2017 key types). */
export function pinKeyAlgorithmOf(workingKeyType: AesDukptKeyType | 'TDES DUKPT'): PinKeyAlgorithm {
  return workingKeyType === 'TDES DUKPT' || workingKeyType === 'TDES2' || workingKeyType === 'TDES3' ? 'tdes' : 'aes';
}

/**
 * Enciphers `pin` (digit values) under `pinKey` in `format`. The clear block of formats 0, 1
 * and 3 is wiped here; format 4 wipes its own intermediates (pin-block.ts).
 */
export function encipherPin(
  pinKey: Uint8Array,
  algorithm: PinKeyAlgorithm,
  pin: Uint8Array,
  pan: string,
  format: PinBlockFormat,
  options: PinBlockOptions = {},
): Uint8Array {
  checkPinFormat(algorithm, format);
  if (format === 4) return encipherPinBlock4(pin, pan, pinKey, options);
  const clear = encodePinBlock(format, pin, pan, options);
  try {
    return encryptPinBlock(clear, pinKey);
  } finally {
    zeroize(clear);
  }
}

/**
 * The working keys of one DUKPT transaction (one KSN): the PIN key for the PIN block, and
 * the MAC and data keys the host message of the same transaction uses. Whoever takes one
 * calls wipe() when the transaction is done with its keys.
 */
export class DukptTransactionKeys {
  private wiped = false;

  private constructor(
    readonly ksn: Uint8Array,
    readonly pinKeyAlgorithm: PinKeyAlgorithm,
    private readonly keys: TdesTransaction | AesTransaction,
  ) {}

  /**
   * Moves an in-memory DUKPT terminal to its next transaction. Nothing is stored: the key
   * store (key-store.ts) wraps this with a durable write; this form serves tests and tools.
   * `workingKeyType` (AES DUKPT only) picks the working key type; default: the type of the
   * terminal's registers (AES128/192/256).
   */
  static next(terminal: TdesDukptTerminal | AesDukptTerminal, workingKeyType?: AesDukptKeyType): DukptTransactionKeys {
    if (terminal instanceof TdesDukptTerminal) {
      const tx = terminal.nextTransaction();
      return new DukptTransactionKeys(tx.ksn, 'tdes', tx);
    }
    // Stated rather than left to the terminal's default, so the PIN key's algorithm is known
    // (a 16-byte working key may be TDES2 or AES128).
    const type = workingKeyType ?? terminal.keyType;
    const tx = terminal.nextTransaction(type);
    const algorithm = pinKeyAlgorithmOf(type);
    return new DukptTransactionKeys(tx.ksn, algorithm, tx);
  }

  /** The working keys; valid until wipe(). Do not keep copies. */
  get working(): Readonly<TdesTransaction | AesTransaction> {
    if (this.wiped) throw new DukptStateError('this transaction\'s keys have been wiped');
    return this.keys;
  }

  /** The PIN block of this transaction for `pin` (digit values) and `pan`. */
  encryptPin(pin: Uint8Array, pan: string, format: PinBlockFormat, options: PinBlockOptions = {}): EncryptedPin {
    const { pinKey } = this.working;
    return { pinBlock: encipherPin(pinKey, this.pinKeyAlgorithm, pin, pan, format, options), ksn: this.ksn.slice(), format };
  }

  wipe(): void {
    if (this.wiped) return;
    this.wiped = true;
    for (const v of Object.values(this.keys)) if (v instanceof Uint8Array && v !== this.keys.ksn) zeroize(v);
  }
}

/**
 * A PinEncryptor over an in-memory DUKPT terminal, one transaction per PIN. Not durable: a
 * terminal in the field uses the key store's `pinEncryptor()`.
 */
export function memoryPinEncryptor(terminal: TdesDukptTerminal | AesDukptTerminal, workingKeyType?: AesDukptKeyType): PinEncryptor {
  return async (pin, pan, format) => {
    const algorithm = terminal instanceof TdesDukptTerminal ? 'tdes' : pinKeyAlgorithmOf(workingKeyType ?? terminal.keyType);
    checkPinFormat(algorithm, format);
    const tx = DukptTransactionKeys.next(terminal, workingKeyType);
    try {
      return tx.encryptPin(pin, pan, format);
    } finally {
      tx.wipe();
    }
  };
}

/**
 * One DUKPT transaction shared by everything of one authorisation: the PIN block and the
 * request's MAC must come from the same transaction key, since the message carries one KSN
 * (X9.24-1:2009 A.2: one key per transaction). The transaction begins at the first use (the
 * PIN's ENTER, or the MAC when no PIN was asked), so no key waits in memory while the
 * cardholder types; wipe() when the exchange is over.
 */
export class DukptSession {
  private tx: DukptTransactionKeys | null = null;
  private starting: Promise<DukptTransactionKeys> | null = null;

  constructor(private readonly begin: (options: { pinFormat?: PinBlockFormat }) => Promise<DukptTransactionKeys>) {}

  /** The transaction's keys, beginning it if nothing has yet. */
  keys(options: { pinFormat?: PinBlockFormat } = {}): Promise<DukptTransactionKeys> {
    if (this.tx) return Promise.resolve(this.tx);
    this.starting ??= this.begin(options).then(
      (tx) => (this.tx = tx),
      (e: unknown) => {
        this.starting = null;
        throw e;
      },
    );
    return this.starting;
  }

  /** A PinEncryptor for enterPin, bound to this transaction. */
  readonly encryptPin: PinEncryptor = async (pin, pan, format) => (await this.keys({ pinFormat: format })).encryptPin(pin, pan, format);

  /** The KSN once the transaction has begun. */
  get ksn(): Uint8Array | null {
    return this.tx ? this.tx.ksn.slice() : null;
  }

  wipe(): void {
    this.tx?.wipe();
  }
}
