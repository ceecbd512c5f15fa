/**
 * The issuer's checks of a card, in the order a request meets them (simulator/host/README.md
 * lists each response code with its condition):
 *
 *   14  the PAN fails the Luhn check or no account has it
 *   91  the account's issuer is down (status issuer-down)
 *   96  the issuer's system fails (status malfunction)
 *   62  the card is restricted (status restricted)
 *   05  the issuer does not honour it (status do-not-honour), or the ARQC does not verify
 *   12  the currency (field 49) is not the account's
 *   54  the expiry date (field 14, else the account's) is before this month
 *   57  the account does not allow this kind of transaction (a prepaid card and refunds)
 *   75  a PIN was sent and the PIN tries are used up
 *   55  a PIN was sent and it is wrong (one try used; the last try gives 75)
 *
 * Amounts (61, 51) and the original of a void or refund are the acquirer's part
 * (processor.ts). Decrypted PIN digits are wiped once compared.
 */
import { zeroize } from '../../src/security/bytes.js';
import { luhnValid } from '../../src/security/pan.js';
import { decodePinBlock, decryptPinBlock } from '../../src/security/pin-block.js';
import type { Account, AccountBook, TxKind } from './accounts.js';
import { pinVerifyValue } from './accounts.js';
import { checkCryptogram, type CryptogramCheck } from './arqc.js';
import type { HostTime } from './host-time.js';
import type { AccountState, HostLedger } from './ledger.js';

export interface CardInput {
  kind: TxKind;
  pan: string;
  /** Field 14, YYMM. */
  expiry?: string;
  /** Field 23, three digits. */
  panSequence?: string;
  currency: string;
  icc?: Uint8Array;
  pinBlock?: Uint8Array;
  /** The DUKPT PIN key of the request's KSN; null when none could be derived. */
  pinKey: Uint8Array | null;
  now: HostTime;
}

export interface CardResult {
  code: string;
  account: Account | null;
  /** The account's state, changed in place (PIN tries); the caller records it. */
  state: AccountState | null;
  cryptogram: CryptogramCheck;
}

function expired(yymm: string, now: HostTime): boolean {
  const y = 2000 + Number(yymm.slice(0, 2));
  const m = Number(yymm.slice(2, 4));
  return y * 12 + m < now.year * 12 + now.month;
}

/** 00 when the PIN block holds the account's PIN; 55 or 75 otherwise (tries counted in `state`). */
function checkPin(account: Account, state: AccountState, pan: string, pinBlock: Uint8Array, pinKey: Uint8Array | null): string {
  if (state.pinTriesLeft <= 0) return '75';
  let ok = false;
  if (pinKey) {
    let clear: Uint8Array | null = null;
    let digits: Uint8Array | null = null;
    try {
      clear = decryptPinBlock(pinBlock, pinKey);
      digits = decodePinBlock(0, clear, pan);
      ok = pinVerifyValue(pan, Array.from(digits).join('')) === account.pinVerify.toUpperCase();
    } catch {
      ok = false;
    } finally {
      zeroize(clear, digits);
    }
  }
  if (ok) {
    state.pinTriesLeft = account.pinTries;
    return '00';
  }
  state.pinTriesLeft = Math.max(0, state.pinTriesLeft - 1);
  return state.pinTriesLeft === 0 ? '75' : '55';
}

export function checkCard(book: AccountBook, ledger: HostLedger, input: CardInput): CardResult {
  const none: CryptogramCheck = { kind: 'none' };
  const account = luhnValid(input.pan) ? book.account(input.pan) : undefined;
  if (!account) return { code: '14', account: null, state: null, cryptogram: none };
  const state = ledger.account(account.id);
  const result = (code: string, cryptogram: CryptogramCheck = none): CardResult => ({ code, account, state, cryptogram });
  if (account.status === 'issuer-down') return result('91');
  if (account.status === 'malfunction') return result('96');
  if (account.status === 'restricted') return result('62');
  if (account.status === 'do-not-honour') return result('05');
  if (input.currency !== account.currency) return result('12');
  if (expired(input.expiry ?? account.expiry, input.now)) return result('54');
  if (!account.allowed.includes(input.kind)) return result('57');
  const psn = input.panSequence ? input.panSequence.slice(-2) : account.psn;
  const cryptogram = checkCryptogram(input.icc, { imk: account.imk, pan: input.pan, psn });
  if (cryptogram.kind === 'bad') return result('05');
  if (input.pinBlock) {
    const code = checkPin(account, state, input.pan, input.pinBlock, input.pinKey);
    if (code !== '00') return result(code, cryptogram);
  }
  return result('00', cryptogram);
}
