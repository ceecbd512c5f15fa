import { isDigitKey } from '../hal/keypad/keys.js';
import type { TerminalContext } from '../runtime/context.js';
import { nextKey } from '../runtime/prompt.js';
import { zeroize } from '../security/bytes.js';
import { PinBlockError } from '../security/errors.js';
import { checkPan } from '../security/pan.js';
import type { EncryptedPin, PinEncryptor } from '../security/dukpt-pin.js';
import { PIN_MAX_DIGITS, PIN_MIN_DIGITS, type PinBlockFormat } from '../security/pin-block.js';
import { t } from '../ui/messages.js';
import { pinScreen } from '../ui/screens.js';
import { layout, show } from './layout.js';

interface PinEntryCommon {
  /** The amount the cardholder confirms by entering the PIN, minor units. */
  amount: number;
  currency: string;
  /**
   * May this transaction let the cardholder skip the PIN? Only narrows the setting
   * `pinBypassAllowed`: bypass needs both. Default true (the setting alone decides).
   */
  allowBypass?: boolean;
  /** Shown in place of the hint at the start: the last PIN was refused, or one try is left. */
  notice?: 'retry' | 'lastTry';
  /** With notice 'retry': the tries the card says are left, shown with it. */
  triesLeft?: number;
  /** The online PIN asked again for the same card after the issuer's 55: the title says so. */
  again?: boolean;
}

/** Online PIN: the digits go into an ISO 9564 PIN block enciphered under DUKPT. */
export interface PinEntryOptions extends PinEntryCommon {
  /** The card's full PAN: formats 0, 3 and 4 bind the block to it. Never shown or logged. */
  pan: string;
  pinBlockFormat: PinBlockFormat;
  /** Enciphers the digits under the transaction's DUKPT PIN key (KeyStore.pinEncryptor()). */
  encrypt: PinEncryptor;
}

/**
 * Offline PIN (EMV Book 3 10.5.1): the digits go to the card. `submit` is the contact
 * kernel's (OfflinePinPrompt.submit): it builds the PIN block, sends VERIFY and wipes its
 * copies; it is given the digits while they are in this prompt's buffer, which is zeroed
 * right after.
 */
export interface OfflinePinEntryOptions extends PinEntryCommon {
  offline: { submit(digits: Uint8Array): Promise<void> };
}

export type PinEntryResult = ({ kind: 'pin' } & EncryptedPin) | { kind: 'bypassed' };
export type OfflinePinEntryResult = { kind: 'submitted' } | { kind: 'bypassed' };

/**
 * PIN entry on the keypad, for online PIN, or for an offline PIN the card verifies.
 *
 * Keys typed before the prompt are dropped first: a digit typed ahead for the amount must
 * not become part of a PIN. Each digit goes into a fixed Uint8Array (digit values, never a
 * string) and the screen shows one '*' per digit. CLEAR takes back the last digit (nothing on
 * none); CANCEL ends with CancelledError; no key for `timeouts.pinEntryMs` ends with
 * TimeoutError('pinEntryTimeout') — counted from the last key, so a slow cardholder is not
 * cut off while still typing. ENTER accepts 4 to 12 digits (ISO 9564-1:2017); fewer, or
 * none when bypass is not allowed, gives a message and the prompt stays. A 13th digit is
 * refused with the alert.
 *
 * On ENTER the digits are enciphered at once (ISO 9564-1 PIN block, DUKPT PIN key), or for
 * an offline PIN handed to the kernel's `submit`, and the buffer is zeroed in every case —
 * accepted, cancelled, timed out or failed — so the clear PIN lives only while it is typed
 * and sent. The online result carries the enciphered block and its KSN. Logs name the
 * outcome and the KSN only; never the PIN, its length or the PAN.
 */
export async function enterPin(ctx: TerminalContext, signal: AbortSignal, options: PinEntryOptions): Promise<PinEntryResult>;
export async function enterPin(ctx: TerminalContext, signal: AbortSignal, options: OfflinePinEntryOptions): Promise<OfflinePinEntryResult>;
export async function enterPin(ctx: TerminalContext, signal: AbortSignal, options: PinEntryOptions | OfflinePinEntryOptions): Promise<PinEntryResult | OfflinePinEntryResult> {
  const { amount, currency } = options;
  const online = 'offline' in options ? undefined : options;
  // A caller's mistake is refused before the cardholder types anything, not at ENTER.
  if (online) {
    if (![0, 1, 3, 4].includes(online.pinBlockFormat)) throw new PinBlockError('PIN_BLOCK_FORMAT', `PIN block format ${String(online.pinBlockFormat)}: use 0, 1, 3 or 4`);
    if (online.pinBlockFormat !== 1) checkPan(online.pan);
  }
  const bypass = ctx.settings.pinBypassAllowed === true && (options.allowBypass ?? true);
  const timeoutMs = ctx.settings.timeouts.pinEntryMs;
  ctx.keys.flush();
  const digits = new Uint8Array(PIN_MAX_DIGITS);
  let n = 0;
  let note: string | undefined =
    options.notice === 'retry' && options.triesLeft !== undefined
      ? t(ctx.lang, 'pin.retryTriesLeft', { n: String(options.triesLeft) })
      : options.notice
        ? t(ctx.lang, options.notice === 'retry' ? 'pin.retry' : 'pin.lastTry')
        : undefined;
  try {
    for (;;) {
      show(ctx, pinScreen(layout(ctx), { amount, currency, digits: n, note, bypass, again: options.again === true }));
      note = undefined;
      const key = await nextKey(ctx, { signal, timeoutMs, timeoutName: 'pinEntryTimeout' });
      if (isDigitKey(key)) {
        if (n === PIN_MAX_DIGITS) {
          note = t(ctx.lang, 'pin.tooShort');
          ctx.indicators?.error();
        } else {
          digits[n++] = key.charCodeAt(0) - 48;
        }
      } else if (key === 'CLEAR') {
        if (n > 0) digits[--n] = 0;
      } else if (key === 'ENTER') {
        if (n === 0 && bypass) {
          ctx.log.info({ event: 'pin.bypassed' }, 'PIN entry bypassed by the cardholder');
          return { kind: 'bypassed' };
        }
        if (n >= PIN_MIN_DIGITS) {
          if (!online) {
            await (options as OfflinePinEntryOptions).offline.submit(digits.subarray(0, n));
            ctx.log.info({ event: 'pin.offline' }, 'PIN handed to the card for offline verification');
            return { kind: 'submitted' };
          }
          const out = await online.encrypt(digits.subarray(0, n), online.pan, online.pinBlockFormat);
          ctx.log.info({ event: 'pin.entered', ksn: Buffer.from(out.ksn).toString('hex').toUpperCase(), format: out.format }, 'PIN enciphered');
          return { kind: 'pin', ...out };
        }
        note = t(ctx.lang, n === 0 ? 'pin.required' : 'pin.tooShort');
        ctx.indicators?.error();
      }
    }
  } finally {
    zeroize(digits);
  }
}
