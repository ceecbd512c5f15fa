/**
 * The terminal's operators: one supervisor (主管, id 00) and cashiers (操作员, 01-99), each
 * with a keypad password kept only as a scrypt hash (password-hash.ts), in
 * <data>/operators.json (mode 0600), rewritten durably on every change (durable-file.ts).
 *
 * First start: the supervisor 00 with the password 123456, flagged must-change (the flows say
 * so on screen each time it is used). Three wrong passwords in a row lock that operator for
 * five minutes on the terminal's clock; the count and the lock are on disk before the
 * answer is given, so a reboot neither resets the count nor lifts the lock.
 *
 * Expected results (right, wrong, locked) are values; faults (an unknown id, a password of
 * the wrong form, a damaged file) are OperatorErrors.
 */
import { readFile } from 'node:fs/promises';
import { PosError } from '../errors.js';
import { writeFileDurably } from './durable-file.js';
import { hashPassword, isPasswordHash, verifyPassword, type PasswordHash } from './password-hash.js';

export type OperatorRole = 'supervisor' | 'cashier';

export const SUPERVISOR_ID = '00';
/** The supervisor's password on first start; it must be changed and cannot be chosen again. */
export const DEFAULT_SUPERVISOR_PASSWORD = '123456';
/** Wrong passwords in a row that lock an operator, and for how long. */
export const MAX_TRIES = 3;
export const LOCK_MS = 5 * 60_000;
/** Passwords are digits from the keypad: the supervisor's 6, a cashier's 4 (the usual CN terminal rule). */
export const PASSWORD_LENGTH: Readonly<Record<OperatorRole, number>> = Object.freeze({ supervisor: 6, cashier: 4 });

/** A store operation that cannot be done: the code says which, the message says why. */
export class OperatorError extends PosError {}

/** The operator is locked after too many wrong passwords, until `until` (terminal clock, epoch ms). */
export class OperatorLockedError extends OperatorError {
  constructor(
    readonly operatorId: string,
    readonly until: number,
  ) {
    super('OPERATOR_LOCKED', `operator ${operatorId} is locked after ${MAX_TRIES} wrong passwords until ${new Date(until).toISOString()}`);
  }
}

export interface OperatorView {
  id: string;
  role: OperatorRole;
  /** Still the default password: to be changed. */
  mustChange: boolean;
  /** Locked until then (epoch ms), or null. */
  lockedUntil: number | null;
}

export type VerifyResult = { kind: 'ok'; mustChange: boolean } | { kind: 'wrong'; triesLeft: number } | { kind: 'locked'; until: number };

interface OperatorRecord {
  id: string;
  role: OperatorRole;
  password: PasswordHash;
  mustChange: boolean;
  failures: number;
  lockedUntil: number | null;
}

interface OperatorFile {
  version: 1;
  operators: OperatorRecord[];
}

const ID = /^[0-9]{2}$/;

function wellFormed(r: Partial<OperatorRecord> | null): r is OperatorRecord {
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    ID.test(r.id) &&
    (r.role === 'supervisor') === (r.id === SUPERVISOR_ID) &&
    (r.role === 'supervisor' || r.role === 'cashier') &&
    isPasswordHash(r.password) &&
    typeof r.mustChange === 'boolean' &&
    Number.isInteger(r.failures) &&
    (r.failures as number) >= 0 &&
    (r.lockedUntil === null || Number.isSafeInteger(r.lockedUntil))
  );
}

/** The digits of a keypad password as ASCII bytes; checked for form, never logged. */
function checkForm(role: OperatorRole, password: Uint8Array): void {
  const n = PASSWORD_LENGTH[role];
  if (password.length !== n || !password.every((b) => b >= 0x30 && b <= 0x39)) {
    throw new OperatorError('OPERATOR_BAD_PASSWORD', `a ${role}'s password is ${n} digits`);
  }
}

const ascii = (s: string) => Buffer.from(s, 'ascii');

export class OperatorStore {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly clock: { now(): number },
    private readonly records: Map<string, OperatorRecord>,
  ) {}

  /**
   * Opens the operator file, creating it with the default supervisor the first time. A file
   * that is there but damaged is refused (OPERATORS_FILE_INVALID), never silently replaced:
   * replacing it would bring back the default password.
   */
  static async open(options: { file: string; clock: { now(): number } }): Promise<OperatorStore> {
    let text: string | null = null;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const records = new Map<string, OperatorRecord>();
    if (text === null) {
      const password = ascii(DEFAULT_SUPERVISOR_PASSWORD);
      records.set(SUPERVISOR_ID, { id: SUPERVISOR_ID, role: 'supervisor', password: await hashPassword(password), mustChange: true, failures: 0, lockedUntil: null });
      const store = new OperatorStore(options.file, options.clock, records);
      await store.save();
      return store;
    }
    const invalid = (why: string) =>
      new OperatorError('OPERATORS_FILE_INVALID', `${options.file}: ${why}; restore it from a backup, or remove it to start again with supervisor 00 and the default password`);
    let parsed: Partial<OperatorFile>;
    try {
      parsed = JSON.parse(text) as Partial<OperatorFile>;
    } catch {
      throw invalid('not JSON');
    }
    if (parsed?.version !== 1 || !Array.isArray(parsed.operators)) throw invalid('not an operator file of version 1');
    for (const r of parsed.operators) {
      if (!wellFormed(r)) throw invalid('an operator record is damaged');
      if (records.has(r.id)) throw invalid(`operator ${r.id} appears twice`);
      records.set(r.id, r);
    }
    if (!records.has(SUPERVISOR_ID)) throw invalid('there is no supervisor 00');
    return new OperatorStore(options.file, options.clock, records);
  }

  private save(): Promise<void> {
    const data: OperatorFile = { version: 1, operators: [...this.records.values()].sort((a, b) => a.id.localeCompare(b.id)) };
    return writeFileDurably(this.file, `${JSON.stringify(data, null, 2)}\n`);
  }

  /** Runs store operations one at a time: a check and the write of its outcome are never interleaved. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private record(id: string): OperatorRecord {
    const r = this.records.get(id);
    if (!r) throw new OperatorError('OPERATOR_UNKNOWN', `no operator ${id}`);
    return r;
  }

  /**
   * The lock's end, or null when not locked. A clock set back (the Pi has no battery clock
   * and learns the time from the host) could make a lock last for days: no lock lasts more
   * than LOCK_MS from the clock's present reading.
   */
  private lockEnd(r: OperatorRecord, now: number): number | null {
    if (r.lockedUntil === null || now >= r.lockedUntil) return null;
    return Math.min(r.lockedUntil, now + LOCK_MS);
  }

  private view(r: OperatorRecord): OperatorView {
    return { id: r.id, role: r.role, mustChange: r.mustChange, lockedUntil: this.lockEnd(r, this.clock.now()) };
  }

  get(id: string): OperatorView | undefined {
    const r = this.records.get(id);
    return r && this.view(r);
  }

  /** Every operator, supervisor first. */
  list(): OperatorView[] {
    return [...this.records.values()].sort((a, b) => a.id.localeCompare(b.id)).map((r) => this.view(r));
  }

  /**
   * Checks an operator's password (ASCII digits; the caller zeroes its buffer). Wrong: one
   * try used, on disk before the answer; the MAX_TRIES-th locks for LOCK_MS. Locked: refused
   * without a check, so a locked operator cannot be probed.
   */
  verify(id: string, password: Uint8Array): Promise<VerifyResult> {
    return this.serial(async () => {
      const r = this.record(id);
      const now = this.clock.now();
      const until = this.lockEnd(r, now);
      if (until !== null) {
        if (until !== r.lockedUntil) {
          r.lockedUntil = until;
          await this.save();
        }
        return { kind: 'locked', until };
      }
      if (await verifyPassword(password, r.password)) {
        if (r.failures !== 0 || r.lockedUntil !== null) {
          r.failures = 0;
          r.lockedUntil = null;
          await this.save();
        }
        return { kind: 'ok', mustChange: r.mustChange };
      }
      // A lock that ran out gives a fresh count of tries.
      const failures = (r.lockedUntil !== null ? 0 : r.failures) + 1;
      r.failures = failures >= MAX_TRIES ? 0 : failures;
      r.lockedUntil = failures >= MAX_TRIES ? now + LOCK_MS : null;
      await this.save();
      return r.lockedUntil !== null ? { kind: 'locked', until: r.lockedUntil } : { kind: 'wrong', triesLeft: MAX_TRIES - failures };
    });
  }

  /**
   * Sets `id`'s password. `by` is the operator who proved their password for this: the
   * supervisor may set anyone's, a cashier only their own. Clears the must-change flag,
   * the count of wrong tries and a lock.
   */
  setPassword(id: string, password: Uint8Array, by: string): Promise<void> {
    return this.serial(async () => {
      const actor = this.record(by);
      const r = this.record(id);
      if (actor.role !== 'supervisor' && actor.id !== r.id) throw new OperatorError('OPERATOR_FORBIDDEN', `operator ${by} may change only their own password`);
      checkForm(r.role, password);
      if (r.role === 'supervisor' && Buffer.from(password).equals(ascii(DEFAULT_SUPERVISOR_PASSWORD))) {
        throw new OperatorError('OPERATOR_DEFAULT_PASSWORD', 'the supervisor password cannot be the default one');
      }
      const before = { ...r };
      Object.assign(r, { password: await hashPassword(password), mustChange: false, failures: 0, lockedUntil: null });
      try {
        await this.save();
      } catch (e) {
        // The file still holds the old password: so must memory, or the two would disagree after a restart.
        Object.assign(r, before);
        throw e;
      }
    });
  }

  /** Adds cashier `id` (01-99) with a first password. */
  addCashier(id: string, password: Uint8Array): Promise<void> {
    return this.serial(async () => {
      if (!ID.test(id) || id === SUPERVISOR_ID) throw new OperatorError('OPERATOR_BAD_ID', 'a cashier is numbered 01 to 99');
      if (this.records.has(id)) throw new OperatorError('OPERATOR_EXISTS', `operator ${id} already exists`);
      checkForm('cashier', password);
      this.records.set(id, { id, role: 'cashier', password: await hashPassword(password), mustChange: false, failures: 0, lockedUntil: null });
      try {
        await this.save();
      } catch (e) {
        this.records.delete(id);
        throw e;
      }
    });
  }

  /** Removes cashier `id`; the supervisor cannot be removed. */
  removeCashier(id: string): Promise<void> {
    return this.serial(async () => {
      const r = this.record(id);
      if (r.role === 'supervisor') throw new OperatorError('OPERATOR_FORBIDDEN', 'the supervisor cannot be removed');
      this.records.delete(id);
      try {
        await this.save();
      } catch (e) {
        this.records.set(id, r);
        throw e;
      }
    });
  }
}
