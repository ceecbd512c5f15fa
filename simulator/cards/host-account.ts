/**
 * The acquirer and issuer simulator's account behind a virtual card (simulator/host/
 * accounts.json, by id): where each card takes its PAN, PAN sequence number, expiry and
 * issuer master key, so the host verifies its cryptograms and answers as the account says.
 */
import { ValidationError } from '../../src/errors.js';
import { loadDefaultAccounts, type Account } from '../host/accounts.js';

let accounts: Map<string, Account> | undefined;

/** The host simulator's account of that id. */
export function hostAccount(id: string): Account {
  accounts ??= new Map(loadDefaultAccounts().accounts.map((a) => [a.id, a]));
  const a = accounts.get(id);
  if (!a) throw new ValidationError(`simulator/host/accounts.json has no account '${id}'`);
  return a;
}

/** YYMMDD of the last day of the account's expiry month (YYMM). */
export function expiryDate(account: Account): string {
  const yy = Number(account.expiry.slice(0, 2));
  const mm = Number(account.expiry.slice(2, 4));
  const lastDay = new Date(2000 + yy, mm, 0).getDate();
  return `${account.expiry}${String(lastDay).padStart(2, '0')}`;
}
