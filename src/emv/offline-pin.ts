/**
 * Offline PIN: the PIN checked by the card itself, EMV 4.4 Book 3 10.5.1, with the VERIFY
 * command of Book 3 6.5.12 and, for the enciphered PIN, the PIN encipherment of Book 2
 * section 7.
 *
 * - The PIN Try Counter (9F17) is read by GET DATA where the card gives it (Book 3 6.5.7);
 *   at zero the PIN is blocked and no VERIFY is sent ("PIN Try Limit exceeded").
 * - The cardholder keys the PIN on the terminal's PIN pad: the kernel asks the flow through
 *   the `OfflinePinPort`, handing it a prompt whose `submit(digits)` takes the digit values
 *   straight from the PIN entry's buffer. The kernel builds the plaintext offline PIN block
 *   of Book 3 6.5.12 (control 2, length, digits, F filler) in a Uint8Array and:
 *   plaintext: VERIFY P2 80 with that block;
 *   enciphered: GET CHALLENGE (Book 3 6.5.6) for the ICC Unpredictable Number, then the
 *   data block of Book 2 7.2 (7F | PIN block | ICC Unpredictable Number | random pad to the
 *   key's length) enciphered with the ICC PIN Encipherment Public Key (9F2D, 9F2E, 9F2F)
 *   recovered through the issuer certificate as Book 2 7.1 says, or with the ICC Public Key
 *   when the card has no separate one; VERIFY P2 88 with the result.
 *   The PIN block, the data block and the VERIFY APDU are zeroed as soon as they are built
 *   and sent; none is logged, kept or returned. (The reader driver below `transmit` and
 *   OpenSSL's RSA hold short-lived copies of their own, which nothing here can wipe.)
 * - The card answers 9000 (verified), 63Cx (wrong PIN, x tries left: the cardholder is asked
 *   again and told how many tries are left; 63C0: no more), 6983 or 6984 (blocked). Anything
 *   else, or a GET CHALLENGE refused, or a key that cannot be recovered, leaves this CVM
 *   unsuccessful: the CVM list decides what comes next (contact-cvm.ts).
 */
import { constants, createPublicKey, publicEncrypt, randomFillSync } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { zeroize } from '../security/bytes.js';
import { getChallenge, getData, type CommandApdu, type ResponseApdu } from './apdu.js';
import type { CardData } from './card-data.js';
import { CardError } from './errors.js';
import { recoverIccKey, type RsaPublicKey } from './oda-certificates.js';
import { recoverCardIssuerKey, recoverOdaKeys, type OdaKeyInput } from './oda-keys.js';
import { odaFail, type OdaResult } from './oda-result.js';
import { decodeTlv } from './tlv.js';
import type { TvrBit } from './tvr.js';

export type OfflinePinKind = 'plaintext' | 'enciphered';

/** What the kernel hands the PIN pad for one offline PIN entry. */
export interface OfflinePinPrompt {
  kind: OfflinePinKind;
  /** Tries left, when the card said (its PIN Try Counter, or the x of 63Cx after a wrong PIN). */
  triesLeft?: number;
  /** The PIN entered before was wrong (63Cx): say so, with `triesLeft`. */
  wrongPin: boolean;
  /**
   * The PIN's digit values (0-9, 4 to 12 of them), straight from the PIN entry's buffer: the
   * kernel builds the PIN block, sends VERIFY and zeroes its own copies before this resolves.
   * The caller zeroes its buffer. Once per prompt; a caller's mistake is a ValidationError.
   */
  submit(digits: Uint8Array): Promise<void>;
}

/**
 * The flow's PIN pad for offline PIN: shows the prompt, takes the digits, calls `submit` on
 * ENTER and answers 'entered', or 'bypassed' when the cardholder bypassed PIN entry where
 * the terminal allows it. CANCEL, a timeout or a pulled-out card reject.
 */
export type OfflinePinPort = (signal: AbortSignal, prompt: OfflinePinPrompt) => Promise<'entered' | 'bypassed'>;

export type OfflinePinResult = { kind: 'verified' } | { kind: 'failed'; reason: string; tvr: TvrBit[] };

export interface OfflinePinInput {
  kind: OfflinePinKind;
  port: OfflinePinPort;
  signal: AbortSignal;
  /** Commands with the T=0 procedure answers followed (GET DATA, GET CHALLENGE). */
  exchange: (command: CommandApdu) => Promise<ResponseApdu>;
  /** One command's bytes to the card as they are, for VERIFY (case 3: no procedure answers to follow); the bytes are zeroed after. */
  sendOnce: (apdu: Uint8Array) => Promise<ResponseApdu>;
  /** The key for the enciphered PIN (Book 2 7.1); asked once, before the cardholder is. */
  pinKey: () => OdaResult<RsaPublicKey>;
  /** Fills the random pad of the enciphered data block; crypto random by default. */
  random?: (into: Uint8Array) => void;
}

/** A card answering 63Cx for ever would keep the cardholder typing: this many prompts at most. */
const MAX_PROMPTS = 16;

const failed = (reason: string, tvr: TvrBit[] = []): OfflinePinResult => ({ kind: 'failed', reason, tvr });
const swHex = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');

/**
 * Book 3 6.5.12, the plaintext offline PIN block: C = 2, N = the number of
 * digits, the digits, F filler; 8 bytes. Refuses anything but 4 to 12 digit values.
 */
export function offlinePinBlock(digits: Uint8Array): Uint8Array {
  if (!(digits instanceof Uint8Array) || digits.length < 4 || digits.length > 12 || digits.some((d) => d > 9)) {
    throw new ValidationError('offline PIN: 4 to 12 digit values 0-9 are needed');
  }
  const block = new Uint8Array(8).fill(0xff);
  block[0] = 0x20 | digits.length;
  for (let i = 0; i < digits.length; i++) {
    const nibble = 2 + i;
    const at = nibble >> 1;
    block[at] = nibble & 1 ? (block[at]! & 0xf0) | digits[i]! : (digits[i]! << 4) | (block[at]! & 0x0f);
  }
  return block;
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

/**
 * Book 2 7.2: the data block 7F | PIN block | ICC Unpredictable Number | random pad, as long
 * as the key's modulus, through the raw RSA public-key operation (Annex A2.1: no padding of
 * its own). Undefined when the key cannot take it (a modulus shorter than the data, or not
 * above it). The clear data block is zeroed before this returns.
 */
export function encipherPinBlock(key: RsaPublicKey, pinBlock: Uint8Array, challenge: Uint8Array, random: (into: Uint8Array) => void = randomFillSync): Uint8Array | undefined {
  const n = key.modulus.length;
  if (pinBlock.length !== 8 || challenge.length !== 8 || n < 17 + 8) return undefined;
  const block = Buffer.alloc(n);
  try {
    block[0] = 0x7f;
    block.set(pinBlock, 1);
    block.set(challenge, 9);
    random(block.subarray(17));
    const publicKey = createPublicKey({ key: { kty: 'RSA', n: base64url(key.modulus), e: base64url(key.exponent) }, format: 'jwk' });
    return new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, block));
  } catch {
    // OpenSSL refuses a data block not below the modulus, or a key it cannot read.
    return undefined;
  } finally {
    block.fill(0);
  }
}

/**
 * Book 2 7.1: the ICC PIN Encipherment Public Key from its certificate (9F2D, signed by the
 * issuer as the ICC Public Key Certificate is, but without the static data in its hash),
 * exponent (9F2E) and remainder (9F2F); without 9F2D, the ICC Public Key (9F46-9F48).
 */
export function recoverPinEnciphermentKey(i: OdaKeyInput): OdaResult<RsaPublicKey> {
  const c: CardData = i.card;
  const certificate = c.get(0x9f2d);
  if (certificate) {
    const issuer = recoverCardIssuerKey(i);
    if (!issuer.ok) return issuer;
    const exponent = c.get(0x9f2e);
    if (!exponent) return odaFail('ICC_EXPONENT_MISSING', 'the card gave an ICC PIN Encipherment Public Key Certificate (9F2D) but no exponent (9F2E)');
    const key = recoverIccKey({ issuerKey: issuer.value, certificate, remainder: c.get(0x9f2f), exponent, pan: i.pan, staticData: new Uint8Array(0), date: i.date });
    return key.ok ? { ok: true, value: { modulus: key.value.modulus, exponent: key.value.exponent } } : key;
  }
  if (c.has(0x9f46)) return recoverOdaKeys(i);
  return odaFail('PIN_KEY_MISSING', 'the card has neither an ICC PIN Encipherment Public Key Certificate (9F2D) nor an ICC Public Key Certificate (9F46)');
}

/** Book 3 6.5.7: GET DATA of the PIN Try Counter; undefined when the card does not give it. */
export async function pinTryCounter(exchange: (command: CommandApdu) => Promise<ResponseApdu>): Promise<number | undefined> {
  const r = await exchange(getData(0x9f17));
  if (r.sw !== 0x9000) return undefined;
  try {
    const v = decodeTlv(r.data).find((o) => o.tag === 0x9f17)?.value;
    return v?.length === 1 ? v[0]! : undefined;
  } catch (e) {
    if (e instanceof CardError) return undefined;
    throw e;
  }
}

/** VERIFY (Book 3 6.5.12): 00 20 00 P2 Lc data, case 3. */
function verifyApdu(p2: 0x80 | 0x88, data: Uint8Array): Uint8Array {
  const apdu = new Uint8Array(5 + data.length);
  apdu.set([0x00, 0x20, 0x00, p2, data.length]);
  apdu.set(data, 5);
  return apdu;
}

type Sent = { kind: 'answered'; sw: number } | { kind: 'not-sent'; reason: string };

/** One PIN to the card: the block built, enciphered where asked, VERIFY sent, every clear copy zeroed. */
async function sendPin(i: OfflinePinInput, key: RsaPublicKey | undefined, digits: Uint8Array): Promise<Sent> {
  const pinBlock = offlinePinBlock(digits);
  let apdu: Uint8Array | undefined;
  try {
    if (i.kind === 'plaintext') {
      apdu = verifyApdu(0x80, pinBlock);
    } else {
      const challenge = await i.exchange(getChallenge());
      if (challenge.sw !== 0x9000 || challenge.data.length !== 8) {
        return { kind: 'not-sent', reason: challenge.sw !== 0x9000 ? `GET CHALLENGE answered ${swHex(challenge.sw)}` : `GET CHALLENGE gave ${challenge.data.length} bytes, not 8` };
      }
      const enciphered = encipherPinBlock(key!, pinBlock, challenge.data, i.random);
      if (!enciphered) return { kind: 'not-sent', reason: 'the PIN could not be enciphered with the card\'s key' };
      apdu = verifyApdu(0x88, enciphered);
    }
    zeroize(pinBlock);
    const r = await i.sendOnce(apdu);
    return { kind: 'answered', sw: r.sw };
  } finally {
    zeroize(pinBlock, apdu);
  }
}

/** Book 3 10.5.1 for one offline PIN CVM: verified, or failed with its TVR bits. */
export async function verifyOfflinePin(i: OfflinePinInput): Promise<OfflinePinResult> {
  let key: RsaPublicKey | undefined;
  if (i.kind === 'enciphered') {
    const k = i.pinKey();
    if (!k.ok) return failed(`no PIN encipherment key: ${k.failure.check}`);
    key = k.value;
  }
  let triesLeft = await pinTryCounter(i.exchange);
  if (triesLeft === 0) return failed('the PIN Try Counter is 0: the PIN is blocked', ['pinTryLimitExceeded']);
  let wrongPin = false;
  for (let n = 0; n < MAX_PROMPTS; n++) {
    let sent: Sent | undefined;
    let submitted = false;
    const prompt: OfflinePinPrompt = {
      kind: i.kind,
      ...(triesLeft !== undefined ? { triesLeft } : {}),
      wrongPin,
      submit: async (digits) => {
        if (submitted) throw new ValidationError('submit() was already called for this PIN prompt', 'KERNEL_STATE');
        submitted = true;
        sent = await sendPin(i, key, digits);
      },
    };
    const answer = await i.port(i.signal, prompt);
    if (answer === 'bypassed') return failed('the cardholder bypassed PIN entry', ['pinNotEntered']);
    if (!sent) throw new ValidationError('the offline PIN prompt answered without submitting a PIN', 'KERNEL_STATE');
    const s: Sent = sent;
    if (s.kind === 'not-sent') return failed(s.reason);
    if (s.sw === 0x9000) return { kind: 'verified' };
    if (s.sw >> 4 === 0x63c) {
      triesLeft = s.sw & 0x0f;
      if (triesLeft === 0) return failed('wrong PIN and no tries left (63C0)', ['pinTryLimitExceeded']);
      wrongPin = true;
      continue;
    }
    if (s.sw === 0x6983 || s.sw === 0x6984) return failed(`VERIFY answered ${swHex(s.sw)}: the PIN is blocked`, ['pinTryLimitExceeded']);
    return failed(`VERIFY answered ${swHex(s.sw)}`);
  }
  return failed(`the card still asked for the PIN after ${MAX_PROMPTS} tries`);
}
