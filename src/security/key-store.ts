/**
 * The key store: the terminal's DUKPT state (ANSI X9.24-1:2009 future key registers, or the
 * X9.24-3:2017 intermediate derivation keys) kept at rest in `<data>/keys/`, never in clear.
 *
 *   keys/device.secret   32 random bytes, mode 0600, made on the first injection
 *   keys/dukpt.json      the state, AES-256-GCM under the device key, with a fresh salt and
 *                        IV on every write
 *
 * The device key is HKDF-SHA256 (RFC 5869; NIST SP 800-56C rev. 2 two-step derivation) of
 * the secret file, with a random salt kept next to the ciphertext and the board's serial
 * number in the `info` input. HKDF and not a password hash (PBKDF2, scrypt): its input is
 * 256 random bits, not something a person chose, so stretching would only slow every
 * transaction on the Pi and add nothing. The serial ties the file to its board: a copy of
 * the data directory on another Pi opens nothing. A fresh salt per write gives a fresh GCM key
 * per write, so the 96-bit random IV never meets the per-key limit of NIST SP 800-38D 8.3.
 *
 * The GCM tag covers the header too, so any change to the file (or a wrong secret or serial)
 * is refused as one clear error, never read as some other state.
 *
 * Each transaction reads the state, takes the next key, and writes the moved-on registers
 * durably (temp file, fsync, rename, fsync of the directory) BEFORE the key is handed out:
 * a power cut can burn a counter but never give one key to two transactions
 * (X9.24-1:2009 A.2: a key, once used, is erased). Between transactions no clear key stays
 * in memory. Nothing here logs; errors name files and codes, never key material.
 *
 * One process writes the store at a time (the terminal; `pos keys` while it stands still):
 * calls within a process are serialised here, across processes nothing locks.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { plain, zeroize } from './bytes.js';
import { AesDukptTerminal, aesKsnWithCounter, type AesDukptKeyType, type AesDukptState } from './dukpt-aes.js';
import { checkPinFormat, DukptSession, DukptTransactionKeys, pinKeyAlgorithmOf, type EncryptedPin, type PinEncryptor, type PinKeyAlgorithm } from './dukpt-pin.js';
import { TdesDukptTerminal, tdesKsnWithCounter, type TdesDukptState } from './dukpt-tdes.js';
import { SecurityError } from './errors.js';
import { keyCheckValue, type KcvMethod } from './key-check-value.js';
import type { PinBlockFormat } from './pin-block.js';

/**
 * Codes: KEYSTORE_EMPTY (nothing injected), KEYSTORE_SECRET_MODE (the secret file is open to
 * others), KEYSTORE_SECRET_INVALID (not a file of 32 bytes, a link, someone else's),
 * KEYSTORE_SECRET_MISSING, KEYSTORE_TAMPERED (failed authentication), KEYSTORE_CORRUPT (not
 * a key store file), KEYSTORE_IO, BOARD_SERIAL.
 */
export class KeyStoreError extends SecurityError {}

/** The serial the sim board reports: fixed, so a sim terminal's key store survives restarts. */
export const SIM_BOARD_SERIAL = 'SIM-BOARD-0000000001';

/** Where a Raspberry Pi's firmware publishes the SoC serial number (device tree). */
export const DEVICE_TREE_SERIAL_FILES = ['/proc/device-tree/serial-number', '/sys/firmware/devicetree/base/serial-number'];

const SERIAL_RE = /^[\x21-\x7e]{1,128}$/;

/** The board's serial from the device tree: NUL-terminated text, trailing NULs and space dropped. */
export async function readDeviceTreeSerial(files: readonly string[] = DEVICE_TREE_SERIAL_FILES): Promise<string> {
  for (const f of files) {
    let raw: Buffer;
    try {
      raw = await readFile(f);
    } catch {
      continue;
    }
    const s = raw.toString('latin1').replace(/[\0\s]+$/g, '').replace(/^\s+/, '');
    if (SERIAL_RE.test(s)) return s;
    throw new KeyStoreError('BOARD_SERIAL', `${f}: not a serial number (${raw.length} bytes of other text)`);
  }
  throw new KeyStoreError('BOARD_SERIAL', `no board serial number in ${files.join(' or ')}: the key store binds its keys to the board's serial`);
}

/** The serial the key store binds to: the sim board's fixed one, or the Pi's own. */
export async function boardSerial(boardKind: string): Promise<string> {
  return boardKind === 'sim' ? SIM_BOARD_SERIAL : readDeviceTreeSerial();
}

export interface KeyStoreOptions {
  /** The terminal's data directory; the store lives in its `keys/` folder. */
  dataDir: string;
  /** The board's serial number (boardSerial()). */
  serial: string;
}

/** What `pos keys status` shows: identifiers and check values, never a key. */
export interface KeyStoreStatus {
  scheme: 'tdes-dukpt' | 'aes-dukpt';
  /** The KSN the next transaction will carry, hex; null once the counter is exhausted. */
  ksn: string | null;
  /** The KSN the initial key was loaded with (counter zero). */
  initialKsn: string;
  counter: number;
  exhausted: boolean;
  /** Check value of the initial key (IPEK), taken when it was injected. */
  initialKeyKcv: string;
  kcvMethod: KcvMethod;
  /** AES DUKPT: the type of the registers and of the working keys derived. */
  keyType?: AesDukptKeyType;
  workingKeyType?: AesDukptKeyType;
}

const SECRET_FILE = 'device.secret';
const STATE_FILE = 'dukpt.json';
const SECRET_BYTES = 32;
const SALT_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'pos-key-store';
const KDF = 'hkdf-sha256';
const CIPHER = 'aes-256-gcm';
const INFO_LABEL = 'pos-terminal key store v1 device key';

interface Envelope {
  format: typeof FORMAT;
  version: 1;
  record: 'dukpt';
  kdf: typeof KDF;
  cipher: typeof CIPHER;
  salt: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

interface DukptRecord {
  record: 'dukpt';
  version: 1;
  initialKeyKcv: string;
  kcvMethod: KcvMethod;
  state: TdesDukptState | AesDukptState;
}

type Terminal = TdesDukptTerminal | AesDukptTerminal;

function ioError(e: unknown, file: string): KeyStoreError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM') return new KeyStoreError('KEYSTORE_IO', `${file}: permission denied (run as the user the terminal runs as)`);
  return new KeyStoreError('KEYSTORE_IO', `${file}: ${code ?? (e as Error)?.message ?? 'I/O error'}`);
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` so that after a power cut it holds either the old bytes or the new, whole:
 * the new bytes go to a temp file that is fsynced, renamed over the old, and the directory
 * entry fsynced (rename alone is atomic but not durable until the directory is).
 */
async function writeDurably(file: string, data: Uint8Array): Promise<void> {
  const tmp = join(dirname(file), `.${STATE_FILE}.tmp`);
  // O_NOFOLLOW: a link planted at the temp name cannot redirect the write elsewhere.
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncDir(dirname(file));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
}

function unhex(value: unknown, bytes: number, what: string, file: string): Buffer {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !/^[0-9A-Fa-f]*$/.test(value)) {
    throw new KeyStoreError('KEYSTORE_CORRUPT', `${file}: ${what} is not ${bytes} bytes of hex; not a key store this terminal wrote`);
  }
  return Buffer.from(value, 'hex');
}

/** The header bytes the GCM tag also covers: a changed algorithm name or salt is refused. */
function aad(e: Pick<Envelope, 'format' | 'version' | 'record' | 'kdf' | 'cipher' | 'salt' | 'iv'>): Buffer {
  return Buffer.from(JSON.stringify([e.format, e.version, e.record, e.kdf, e.cipher, e.salt.toUpperCase(), e.iv.toUpperCase()]), 'utf8');
}

function terminalOf(state: TdesDukptState | AesDukptState): Terminal {
  return state.scheme === 'aes-dukpt' ? AesDukptTerminal.fromState(state) : TdesDukptTerminal.fromState(state);
}

function pinAlgorithmOf(state: TdesDukptState | AesDukptState): PinKeyAlgorithm {
  return state.scheme === 'aes-dukpt' ? pinKeyAlgorithmOf(state.workingKeyType) : 'tdes';
}

function statusOf(record: DukptRecord): KeyStoreStatus {
  const s = record.state;
  const initial = Uint8Array.from(Buffer.from(s.initialKsn, 'hex'));
  const limit = s.scheme === 'aes-dukpt' ? 2 ** 32 : 2 ** 21;
  const exhausted = s.counter >= limit;
  const ksn = exhausted ? null : hex(s.scheme === 'aes-dukpt' ? aesKsnWithCounter(initial, s.counter) : tdesKsnWithCounter(initial, s.counter));
  const out: KeyStoreStatus = {
    scheme: s.scheme,
    ksn,
    initialKsn: s.initialKsn,
    counter: s.counter,
    exhausted,
    initialKeyKcv: record.initialKeyKcv,
    kcvMethod: record.kcvMethod,
  };
  if (s.scheme === 'aes-dukpt') {
    out.keyType = s.keyType;
    out.workingKeyType = s.workingKeyType;
  }
  return out;
}

export class KeyStore {
  /** `<data>/keys`. */
  readonly dir: string;
  private readonly serial: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: KeyStoreOptions) {
    if (typeof options.serial !== 'string' || !SERIAL_RE.test(options.serial)) {
      throw new KeyStoreError('BOARD_SERIAL', 'board serial: 1 to 128 printable characters without spaces');
    }
    this.dir = join(options.dataDir, 'keys');
    this.serial = options.serial;
  }

  get secretFile(): string {
    return join(this.dir, SECRET_FILE);
  }

  get stateFile(): string {
    return join(this.dir, STATE_FILE);
  }

  /** Runs one operation at a time, so two transactions never read the same state. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Loads a TDES DUKPT IPEK (16 bytes) with its initial KSN (10 bytes, counter zero),
   * replacing whatever the store held. The IPEK itself is not kept (X9.24-1:2009 A.2: the
   * device keeps only the future keys); its check value is. The caller wipes `ipek`.
   */
  injectTdes(ipek: Uint8Array, initialKsn: Uint8Array): Promise<KeyStoreStatus> {
    return this.inject(() => TdesDukptTerminal.load(ipek, initialKsn), ipek, 'tdes');
  }

  /**
   * Loads an AES DUKPT initial key (16, 24 or 32 bytes) with its initial KSN (12 bytes,
   * counter zero) or initial key ID (8 bytes); the working key type defaults to the key's.
   */
  injectAes(initialKey: Uint8Array, initialKsn: Uint8Array, workingKeyType?: AesDukptKeyType): Promise<KeyStoreStatus> {
    return this.inject(() => AesDukptTerminal.load(initialKey, initialKsn, workingKeyType), initialKey, 'aes');
  }

  private inject(load: () => Terminal, initialKey: Uint8Array, algorithm: 'tdes' | 'aes'): Promise<KeyStoreStatus> {
    return this.exclusive(async () => {
      // Everything that can refuse the key runs before anything touches the disk.
      const terminal = load();
      const { kcv, method } = keyCheckValue(initialKey, algorithm);
      try {
        await this.prepareDir();
        const secret = await this.readSecret(true);
        try {
          const record: DukptRecord = { record: 'dukpt', version: 1, initialKeyKcv: hex(kcv), kcvMethod: method, state: terminal.toState() };
          await this.writeRecord(secret, record);
          return statusOf(record);
        } finally {
          zeroize(secret);
        }
      } finally {
        terminal.wipe();
      }
    });
  }

  /** True when keys have been injected (the state file exists); says nothing of its health. */
  async hasKeys(): Promise<boolean> {
    try {
      await lstat(this.stateFile);
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw ioError(e, this.stateFile);
    }
  }

  /** The KSN and check values; opens (and so authenticates) the stored state. */
  status(): Promise<KeyStoreStatus> {
    return this.exclusive(async () => {
      const { record, secret } = await this.readRecord();
      zeroize(secret);
      return statusOf(record);
    });
  }

  /**
   * Moves the DUKPT state on by one transaction, durably, and gives that transaction's keys.
   * `pinFormat`, when given, is checked against the PIN key first, so a block format the key
   * cannot carry does not burn a counter. The caller wipes the keys when done.
   */
  beginTransaction(options: { pinFormat?: PinBlockFormat } = {}): Promise<DukptTransactionKeys> {
    return this.exclusive(async () => {
      const { record, secret } = await this.readRecord();
      try {
        const s = record.state;
        if (options.pinFormat !== undefined) checkPinFormat(pinAlgorithmOf(s), options.pinFormat);
        const terminal = terminalOf(s);
        try {
          const tx = DukptTransactionKeys.next(terminal, s.scheme === 'aes-dukpt' ? s.workingKeyType : undefined);
          try {
            await this.writeRecord(secret, { ...record, state: terminal.toState() });
          } catch (e) {
            tx.wipe();
            throw e;
          }
          return tx;
        } finally {
          terminal.wipe();
        }
      } finally {
        zeroize(secret);
      }
    });
  }

  /** One transaction for one PIN: its block and KSN; the transaction's keys are wiped. */
  async encryptPin(pin: Uint8Array, pan: string, format: PinBlockFormat): Promise<EncryptedPin> {
    const tx = await this.beginTransaction({ pinFormat: format });
    try {
      return tx.encryptPin(pin, pan, format);
    } finally {
      tx.wipe();
    }
  }

  /**
   * One authorisation's transaction, begun at its first use: `session.encryptPin` for
   * enterPin, `session.keys()` for the request's MAC keys under the same KSN.
   */
  session(): DukptSession {
    return new DukptSession((o) => this.beginTransaction(o));
  }

  /** `encryptPin` as the PIN entry flow takes it (a transaction of its own per PIN). */
  pinEncryptor(): PinEncryptor {
    return (pin, pan, format) => this.encryptPin(pin, pan, format);
  }

  /**
   * The keys for card data at rest: `sealKey` (32 bytes, AES-256-GCM of the PAN a void or a
   * reversal must send again) and `hashKey` (32 bytes, the keyed PAN hash the journal is
   * searched by). Derived from the device secret and the board serial (HKDF-SHA256, RFC
   * 5869, one label each, no salt: they must come out the same at every start), so they are
   * never stored and die with the device secret. The device secret is created if missing,
   * so a terminal without DUKPT keys still keeps its card data sealed.
   */
  cardDataKeys(): Promise<{ sealKey: Uint8Array; hashKey: Uint8Array }> {
    return this.exclusive(async () => {
      await this.prepareDir();
      const secret = await this.readSecret(true);
      try {
        const derive = (label: string) => {
          const info = Buffer.concat([Buffer.from(`${label}\0`, 'utf8'), Buffer.from(this.serial, 'utf8')]);
          return new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), info, 32));
        };
        return { sealKey: derive('pos card seal v1'), hashKey: derive('pos pan hash v1') };
      } finally {
        zeroize(secret);
      }
    });
  }

  // ---- files -------------------------------------------------------------------------------

  private async prepareDir(): Promise<void> {
    const parent = dirname(this.dir);
    try {
      await mkdir(parent, { recursive: true });
      await mkdir(this.dir, { mode: 0o700 });
      await fsyncDir(parent);
    } catch (e) {
      if ((e as NodeJS.ErrnoException)?.code !== 'EEXIST') throw ioError(e, this.dir);
    }
    await this.checkDir();
  }

  private async checkDir(): Promise<void> {
    let st;
    try {
      st = await lstat(this.dir);
    } catch (e) {
      if (isMissing(e)) throw this.empty();
      throw ioError(e, this.dir);
    }
    if (!st.isDirectory()) throw new KeyStoreError('KEYSTORE_SECRET_INVALID', `${this.dir}: not a directory`);
    // Others who may write the folder could swap the files under the terminal.
    if (st.mode & 0o022) {
      throw new KeyStoreError('KEYSTORE_SECRET_MODE', `${this.dir}: mode 0${(st.mode & 0o777).toString(8)} lets other users change the key store; refusing to use it (chmod 700 ${this.dir})`);
    }
  }

  private empty(): KeyStoreError {
    return new KeyStoreError('KEYSTORE_EMPTY', `no keys in ${this.dir}: load them with 'pos keys inject'`);
  }

  /**
   * The device secret, its file checked first: a regular file (not a link), owned by this
   * user, readable by nobody else, exactly 32 bytes. With `create`, a missing one is made
   * (O_EXCL, mode 0600) from the system's random source.
   */
  private async readSecret(create: boolean): Promise<Uint8Array> {
    const file = this.secretFile;
    let fh;
    try {
      fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (code === 'ELOOP') throw new KeyStoreError('KEYSTORE_SECRET_INVALID', `${file}: a symbolic link; the device secret must be a file of its own`);
      if (code !== 'ENOENT') throw ioError(e, file);
      if (!create) {
        throw new KeyStoreError('KEYSTORE_SECRET_MISSING', `${file} is missing: the stored keys cannot be opened without it; inject the keys again`);
      }
      return this.createSecret(file);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new KeyStoreError('KEYSTORE_SECRET_INVALID', `${file}: not a regular file`);
      if (st.mode & 0o077) {
        const mode = `0${(st.mode & 0o777).toString(8)}`;
        throw new KeyStoreError(
          'KEYSTORE_SECRET_MODE',
          `${file} has mode ${mode}: other users may read the device secret; refusing to use it (chmod 600 ${file}; if it may have been read, delete it and inject new keys)`,
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && st.uid !== uid) {
        throw new KeyStoreError('KEYSTORE_SECRET_INVALID', `${file} belongs to uid ${st.uid}, not to this user (uid ${uid}); run as the user the terminal runs as`);
      }
      if (st.size !== SECRET_BYTES) throw new KeyStoreError('KEYSTORE_SECRET_INVALID', `${file}: ${st.size} bytes; the device secret is ${SECRET_BYTES}`);
      const buf = Buffer.alloc(SECRET_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SECRET_BYTES, 0);
      if (bytesRead !== SECRET_BYTES) {
        zeroize(buf);
        throw new KeyStoreError('KEYSTORE_SECRET_INVALID', `${file}: short read`);
      }
      const out = plain(buf);
      zeroize(buf);
      return out;
    } catch (e) {
      if (e instanceof KeyStoreError) throw e;
      throw ioError(e, file);
    } finally {
      await fh.close();
    }
  }

  private async createSecret(file: string): Promise<Uint8Array> {
    const secret = new Uint8Array(randomBytes(SECRET_BYTES));
    let fh;
    try {
      // O_EXCL: if another process made it meanwhile, use that one instead.
      fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      zeroize(secret);
      if ((e as NodeJS.ErrnoException)?.code === 'EEXIST') return this.readSecret(false);
      throw ioError(e, file);
    }
    try {
      await fh.chmod(0o600);
      await fh.writeFile(secret);
      await fh.sync();
    } catch (e) {
      zeroize(secret);
      throw ioError(e, file);
    } finally {
      await fh.close();
    }
    await fsyncDir(this.dir);
    return secret;
  }

  private deviceKey(secret: Uint8Array, salt: Uint8Array): Uint8Array {
    const info = Buffer.concat([Buffer.from(`${INFO_LABEL}\0`, 'utf8'), Buffer.from(this.serial, 'utf8')]);
    return new Uint8Array(hkdfSync('sha256', secret, salt, info, 32));
  }

  private async writeRecord(secret: Uint8Array, record: DukptRecord): Promise<void> {
    const salt = randomBytes(SALT_BYTES);
    const iv = randomBytes(IV_BYTES);
    const head = { format: FORMAT, version: 1, record: 'dukpt', kdf: KDF, cipher: CIPHER, salt: hex(salt), iv: hex(iv) } as const;
    const key = this.deviceKey(secret, salt);
    const clear = Buffer.from(JSON.stringify(record), 'utf8');
    let ciphertext: Buffer;
    let tag: Buffer;
    try {
      const c = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      c.setAAD(aad(head));
      ciphertext = Buffer.concat([c.update(clear), c.final()]);
      tag = c.getAuthTag();
    } finally {
      zeroize(key, clear);
    }
    const envelope: Envelope = { ...head, tag: hex(tag), ciphertext: ciphertext.toString('base64') };
    try {
      await writeDurably(this.stateFile, Buffer.from(`${JSON.stringify(envelope, null, 2)}\n`, 'utf8'));
    } catch (e) {
      throw ioError(e, this.stateFile);
    }
  }

  private async readRecord(): Promise<{ record: DukptRecord; secret: Uint8Array }> {
    await this.checkDir();
    const file = this.stateFile;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (isMissing(e)) throw this.empty();
      throw ioError(e, file);
    }
    const secret = await this.readSecret(false);
    try {
      return { record: this.open(text, secret), secret };
    } catch (e) {
      zeroize(secret);
      throw e;
    }
  }

  private open(text: string, secret: Uint8Array): DukptRecord {
    const file = this.stateFile;
    const corrupt = (what: string) => new KeyStoreError('KEYSTORE_CORRUPT', `${file}: ${what}; not a key store this terminal wrote`);
    let e: Partial<Envelope>;
    try {
      e = JSON.parse(text) as Partial<Envelope>;
    } catch {
      throw corrupt('not JSON');
    }
    if (typeof e !== 'object' || e === null) throw corrupt('not an object');
    if (e.format !== FORMAT || e.version !== 1 || e.record !== 'dukpt' || e.kdf !== KDF || e.cipher !== CIPHER) {
      throw corrupt('unknown format, version or algorithms');
    }
    const salt = unhex(e.salt, SALT_BYTES, 'salt', file);
    const iv = unhex(e.iv, IV_BYTES, 'iv', file);
    const tag = unhex(e.tag, TAG_BYTES, 'tag', file);
    if (typeof e.ciphertext !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(e.ciphertext)) throw corrupt('ciphertext is not base64');
    const ciphertext = Buffer.from(e.ciphertext, 'base64');
    const key = this.deviceKey(secret, salt);
    let clear: Buffer;
    try {
      const d = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      d.setAAD(aad(e as Envelope));
      d.setAuthTag(tag);
      clear = Buffer.concat([d.update(ciphertext), d.final()]);
    } catch {
      throw new KeyStoreError(
        'KEYSTORE_TAMPERED',
        `${file} failed its integrity check (AES-256-GCM): it was altered or damaged, or belongs to another board or device secret; refusing it. Inject the keys again`,
      );
    } finally {
      zeroize(key);
    }
    try {
      const r = JSON.parse(clear.toString('utf8')) as Partial<DukptRecord>;
      if (r?.record !== 'dukpt' || r.version !== 1 || typeof r.initialKeyKcv !== 'string' || typeof r.state !== 'object' || r.state === null) {
        throw corrupt('unknown record');
      }
      if (r.kcvMethod !== 'tdes-zero-block' && r.kcvMethod !== 'aes-cmac-zero-block') throw corrupt('unknown check value method');
      // Checks every register against the DUKPT invariants before anyone uses them.
      terminalOf(r.state).wipe();
      return r as DukptRecord;
    } catch (err) {
      if (err instanceof SecurityError) throw err;
      throw corrupt('the record inside does not parse');
    } finally {
      zeroize(clear);
    }
  }
}
