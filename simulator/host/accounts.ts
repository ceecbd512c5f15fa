/**
 * The simulator's test accounts and keys (accounts.json): one account per card, keyed by
 * PAN, with a balance, limits, a status, the PIN verification value and the issuer master
 * key of its ARQCs; and the BDKs of the terminals' DUKPT, by key set identifier.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../src/errors.js';
import { fromHex } from '../../src/hex.js';
import { luhnValid } from '../../src/security/pan.js';

export type TxKind = 'sale' | 'void' | 'refund';

/** What the issuer does with the card before any amount or PIN check. */
export type AccountStatus = 'active' | 'restricted' | 'do-not-honour' | 'issuer-down' | 'malfunction';

export interface Account {
  id: string;
  pan: string;
  brand: string;
  /** PAN sequence number, two digits (EMV tag 5F34), for the ICC master key. */
  psn: string;
  /** YYMM. */
  expiry: string;
  /** ISO 4217 numeric. */
  currency: string;
  /** Minor units available at the start. */
  balance: number;
  perTransactionLimit: number;
  dailyLimit: number;
  status: AccountStatus;
  allowed: TxKind[];
  /** Hex of the first 16 bytes of SHA-256("PAN:PIN"). */
  pinVerify: string;
  /** Wrong PINs allowed before the PIN is blocked (75). */
  pinTries: number;
  /** Issuer master key for application cryptograms (EMV option A), 16 bytes hex. */
  imk: string;
  note?: string;
}

export interface BdkEntry {
  /** Hex: the first 5 bytes of a TDES KSN, or the 4-byte BDK ID of an AES KSN. */
  ksi: string;
  bdk: string;
}

export interface HostKeysAndAccounts {
  bdks: BdkEntry[];
  accounts: Account[];
}

const STATUSES: readonly AccountStatus[] = ['active', 'restricted', 'do-not-honour', 'issuer-down', 'malfunction'];
const KINDS: readonly TxKind[] = ['sale', 'void', 'refund'];

/** The same check value accounts.json holds, for a PIN entered now. */
export function pinVerifyValue(pan: string, pin: string): string {
  return createHash('sha256').update(`${pan}:${pin}`).digest('hex').slice(0, 32).toUpperCase();
}

/** Checks a parsed accounts file; every problem named with the account's id. */
export function validateAccounts(raw: unknown): HostKeysAndAccounts {
  const doc = raw as Partial<HostKeysAndAccounts>;
  const p: string[] = [];
  if (!Array.isArray(doc?.bdks)) p.push('bdks must be a list');
  if (!Array.isArray(doc?.accounts)) p.push('accounts must be a list');
  if (p.length) throw new ValidationError(`accounts: ${p.join('; ')}`);
  for (const [i, b] of doc.bdks!.entries()) {
    if (typeof b?.ksi !== 'string' || !/^([0-9A-F]{8}|[0-9A-F]{10})$/i.test(b.ksi)) p.push(`bdks[${i}].ksi must be 8 or 10 hex digits`);
    if (typeof b?.bdk !== 'string' || !/^([0-9A-F]{32}|[0-9A-F]{48}|[0-9A-F]{64})$/i.test(b.bdk)) p.push(`bdks[${i}].bdk must be 16, 24 or 32 bytes of hex`);
  }
  const seen = new Set<string>();
  for (const [i, a] of doc.accounts!.entries()) {
    const at = `account ${typeof a?.id === 'string' ? a.id : i}`;
    if (typeof a?.id !== 'string' || !a.id) p.push(`${at}: id must be a string`);
    if (typeof a?.pan !== 'string' || !/^[0-9]{8,19}$/.test(a.pan) || !luhnValid(a.pan)) p.push(`${at}: pan must be 8-19 digits passing the Luhn check`);
    else if (seen.has(a.pan)) p.push(`${at}: its PAN is used twice`);
    else seen.add(a.pan);
    if (typeof a?.psn !== 'string' || !/^[0-9]{2}$/.test(a.psn)) p.push(`${at}: psn must be 2 digits`);
    if (typeof a?.expiry !== 'string' || !/^[0-9]{2}(0[1-9]|1[0-2])$/.test(a.expiry)) p.push(`${at}: expiry must be YYMM`);
    if (typeof a?.currency !== 'string' || !/^[0-9]{3}$/.test(a.currency)) p.push(`${at}: currency must be ISO 4217 numeric`);
    for (const k of ['balance', 'perTransactionLimit', 'dailyLimit', 'pinTries'] as const) {
      if (!Number.isSafeInteger(a?.[k]) || (a[k] as number) < 0) p.push(`${at}: ${k} must be a whole number >= 0`);
    }
    if (!STATUSES.includes(a?.status as AccountStatus)) p.push(`${at}: status must be one of ${STATUSES.join(', ')}`);
    if (!Array.isArray(a?.allowed) || a.allowed.some((k) => !KINDS.includes(k))) p.push(`${at}: allowed must list sale, void, refund`);
    if (typeof a?.pinVerify !== 'string' || !/^[0-9A-F]{32}$/i.test(a.pinVerify)) p.push(`${at}: pinVerify must be 32 hex digits`);
    if (typeof a?.imk !== 'string' || !/^[0-9A-F]{32}$/i.test(a.imk)) p.push(`${at}: imk must be 16 bytes of hex`);
  }
  if (p.length) throw new ValidationError(`accounts: ${p.join('; ')}`, 'ACCOUNTS_INVALID');
  return doc as HostKeysAndAccounts;
}

/** The accounts.json next to this file. */
export function loadDefaultAccounts(): HostKeysAndAccounts {
  const text = readFileSync(new URL('./accounts.json', import.meta.url), 'utf8');
  return validateAccounts(JSON.parse(text));
}

/** Lookup by PAN and by key set identifier. */
export class AccountBook {
  private readonly byPan = new Map<string, Account>();
  private readonly byId = new Map<string, Account>();
  private readonly bdks = new Map<string, Uint8Array>();

  constructor(data: HostKeysAndAccounts) {
    for (const a of data.accounts) {
      this.byPan.set(a.pan, a);
      this.byId.set(a.id, a);
    }
    for (const b of data.bdks) this.bdks.set(b.ksi.toUpperCase(), fromHex(b.bdk));
  }

  account(pan: string): Account | undefined {
    return this.byPan.get(pan);
  }

  accountById(id: string): Account | undefined {
    return this.byId.get(id);
  }

  all(): Account[] {
    return [...this.byId.values()];
  }

  /** The BDK for a key set identifier (hex, upper case). */
  bdk(ksi: string): Uint8Array | undefined {
    return this.bdks.get(ksi.toUpperCase());
  }
}
