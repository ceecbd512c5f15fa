/**
 * Offline PIN over the contact interface (EMV 4.4 Book 3 10.5.1, VERIFY of Book 3 6.5.12,
 * PIN encipherment of Book 2 7): chip-offlinepin (enciphered PIN under its own ICC PIN
 * Encipherment key) and chip-ok variants (plaintext PIN; enciphered under the ICC key)
 * inserted in the simulated slot behind the PC/SC driver, the PIN pad played by the
 * `offlinePin` port; the CVM list's b7 and the TVR bits; and the offline PIN pieces on
 * their own against scripted cards.
 */
import { constants, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contactCardDescription } from '../../simulator/cards/contact-catalog.js';
import { iccKey } from '../../simulator/cards/test-keys.js';
import { AccountBook, loadDefaultAccounts } from '../../simulator/host/accounts.js';
import { checkCryptogram } from '../../simulator/host/arqc.js';
import { parseResponse, transceive } from '../../src/emv/apdu.js';
import { defaultContactConfig, CONTACT_TERMINAL_CONFIG } from '../../src/emv/contact-config.js';
import { encipherPinBlock, offlinePinBlock, verifyOfflinePin, type OfflinePinPort, type OfflinePinPrompt } from '../../src/emv/offline-pin.js';
import { tvrBits } from '../../src/emv/tvr.js';
import { ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import { chipOfflinePin, chipOk, insertAndRun, type ContactRun } from './helpers/contact-harness.js';
import { scriptedCard } from './helpers/scripted-card.js';

const book = new AccountBook(loadDefaultAccounts());
const offlineAccount = book.account(contactCardDescription('chip-offlinepin').applications[0]!.pan)!;

type Seen = Pick<OfflinePinPrompt, 'kind' | 'triesLeft' | 'wrongPin'>;

/** The cardholder at the PIN pad: types each PIN in turn (digit values, wiped after), then bypasses. */
function cardholder(pins: string[], seen: Seen[] = []): OfflinePinPort {
  return async (_signal, prompt) => {
    seen.push({ kind: prompt.kind, wrongPin: prompt.wrongPin, ...(prompt.triesLeft !== undefined ? { triesLeft: prompt.triesLeft } : {}) });
    const pin = pins.shift();
    if (pin === undefined) return 'bypassed';
    const digits = Uint8Array.from([...pin].map((c) => c.charCodeAt(0) - 48));
    try {
      await prompt.submit(digits);
    } finally {
      digits.fill(0);
    }
    return 'entered';
  };
}

/** The answers (SW) the card gave to each VERIFY. */
const verifies = (run: ContactRun) => run.slot.exchanges.filter((e) => toHex(e.c).startsWith('0020')).map((e) => toHex(e.r.subarray(e.r.length - 2)));
/** The C-APDUs of the offline PIN: GET DATA 9F17, GET CHALLENGE, VERIFY (headers only for VERIFY). */
const pinCommands = (run: ContactRun) =>
  run.commands().filter((c) => c.startsWith('80CA9F17') || c.startsWith('0084') || c.startsWith('0020')).map((c) => (c.startsWith('0020') ? c.slice(0, 10) : c));
const firstAc = (run: ContactRun) => run.commands().find((c) => c.startsWith('80AE'))!;

describe('chip-offlinepin: the enciphered PIN the card checks itself', () => {
  it('right PIN: GET DATA 9F17, GET CHALLENGE, VERIFY (P2 88) with the block enciphered under the ICC PIN Encipherment key, then the ARQC', async () => {
    const seen: Seen[] = [];
    const run = await insertAndRun(chipOfflinePin(), 100, undefined, { offlinePin: cardholder(['1234'], seen) });
    const r = run.result;
    expect(seen).toEqual([{ kind: 'enciphered', triesLeft: 3, wrongPin: false }]);
    // The records the AFL names include SFI 2 record 3: 9F2D, 9F2E, 9F2F (Book 2 7.1).
    expect(run.commands()).toContain('00B2031400');
    expect(pinCommands(run)).toEqual(['80CA9F1700', '80CA9F1704', '0084000000', '0084000008', '0020008880']);
    expect(verifies(run)).toEqual(['9000']);
    // Book 2 7.2: the card's PIN key opens 7F | PIN block format 2 | its challenge | pad.
    const challenge = run.slot.exchanges.find((e) => toHex(e.c) === '0084000008')!.r.subarray(0, 8);
    const verify = run.slot.exchanges.find((e) => toHex(e.c).startsWith('0020008880'))!.c;
    const key = iccKey('pin-chip-offlinepin');
    expect(verify.length).toBe(5 + key.modulus.length);
    const clear = new Uint8Array(privateDecrypt({ key: key.private, padding: constants.RSA_NO_PADDING }, verify.subarray(5)));
    expect(toHex(clear.subarray(0, 17))).toBe(`7F241234FFFFFFFFFF${toHex(challenge)}`);
    expect(r.cvm).toBe('offline-pin');
    expect(toHex(r.cvmResults)).toBe('040302');
    expect(tvrBits(r.tvr)).toEqual(['floorLimitExceeded']);
    expect(firstAc(run)).toMatch(/^80AE9000.*04030200$/); // ARQC with CDA; CVM Results at the end of CDOL1
    expect(r.outcome).toBe('online-request');
    expect(checkCryptogram(r.iccData, offlineAccount).kind).toBe('ok');
    expect(run.card.pinTriesLeft()).toBe(3);
  });

  it('a wrong PIN (63C2): asked again, told it was wrong and that 2 tries are left; the right one then verifies', async () => {
    const seen: Seen[] = [];
    const run = await insertAndRun(chipOfflinePin(), 100, undefined, { offlinePin: cardholder(['9999', '1234'], seen) });
    expect(seen).toEqual([
      { kind: 'enciphered', triesLeft: 3, wrongPin: false },
      { kind: 'enciphered', triesLeft: 2, wrongPin: true },
    ]);
    // A fresh challenge for each VERIFY.
    expect(pinCommands(run)).toEqual(['80CA9F1700', '80CA9F1704', '0084000000', '0084000008', '0020008880', '0084000000', '0084000008', '0020008880']);
    expect(verifies(run)).toEqual(['63C2', '9000']);
    expect(run.result.cvm).toBe('offline-pin');
    expect(tvrBits(run.result.tvr)).toEqual(['floorLimitExceeded']);
    expect(run.result.outcome).toBe('online-request');
    expect(run.card.pinTriesLeft()).toBe(3);
  });

  it('three wrong PINs block it: PIN Try Limit exceeded, CVM failed (b7 clear), the card\'s IAC-Denial declines; next time no PIN is asked', async () => {
    const seen: Seen[] = [];
    const card = chipOfflinePin();
    const run = await insertAndRun(card, 100, undefined, { offlinePin: cardholder(['1111', '2222', '3333'], seen) });
    expect(seen.map((s) => [s.triesLeft, s.wrongPin])).toEqual([
      [3, false],
      [2, true],
      [1, true],
    ]);
    expect(verifies(run)).toEqual(['63C2', '63C1', '63C0']);
    const r = run.result;
    expect(r.cvm).toBe('none');
    expect(toHex(r.cvmResults)).toBe('040301');
    expect(tvrBits(r.tvr)).toEqual(['cvmNotSuccessful', 'pinTryLimitExceeded', 'floorLimitExceeded']);
    expect(firstAc(run)).toMatch(/^80AE0000/); // Book 3 10.7: the IAC-Denial (00 00 20 00 00) hits: AAC
    expect(r.outcome).toBe('declined');
    expect(card.pinTriesLeft()).toBe(0);

    const again: Seen[] = [];
    const next = await insertAndRun(card, 100, undefined, { offlinePin: cardholder(['1234'], again) });
    expect(again).toEqual([]);
    expect(pinCommands(next)).toEqual(['80CA9F1700', '80CA9F1704']);
    expect(toHex(next.slot.exchanges.find((e) => toHex(e.c) === '80CA9F1704')!.r)).toBe('9F1701009000');
    expect(tvrBits(next.result.tvr)).toContain('pinTryLimitExceeded');
    expect(next.result.outcome).toBe('declined');
  });

  it('blocked, with b7 set (44 03): the next rule applies (signature); the TVR still says PIN Try Limit exceeded', async () => {
    const card = chipOfflinePin((d) => {
      const a = d.applications[0]!;
      a.cvmList = '000000000000000044031E031F03';
      a.offlinePin!.triesLeft = 0;
      a.iac.denial = '0000000000';
    });
    const seen: Seen[] = [];
    const run = await insertAndRun(card, 100, undefined, { offlinePin: cardholder(['1234'], seen) });
    expect(seen).toEqual([]);
    expect(run.result.cvm).toBe('signature');
    expect(toHex(run.result.cvmResults)).toBe('1E0300');
    expect(tvrBits(run.result.tvr)).toEqual(['pinTryLimitExceeded', 'floorLimitExceeded']);
    expect(run.result.outcome).toBe('online-request');
  });

  it('bypassed at the PIN pad: PIN not entered; b7 clear fails CVM processing, b7 set goes on to signature', async () => {
    const clear = await insertAndRun(chipOfflinePin(), 100, undefined, { offlinePin: cardholder([]) });
    expect(verifies(clear)).toEqual([]);
    expect(toHex(clear.result.cvmResults)).toBe('040301');
    expect(tvrBits(clear.result.tvr)).toEqual(['cvmNotSuccessful', 'pinNotEntered', 'floorLimitExceeded']);
    const set = await insertAndRun(chipOfflinePin((d) => (d.applications[0]!.cvmList = '000000000000000044031E031F03')), 100, undefined, { offlinePin: cardholder([]) });
    expect(set.result.cvm).toBe('signature');
    expect(toHex(set.result.cvmResults)).toBe('1E0300');
    expect(tvrBits(set.result.tvr)).toEqual(['pinNotEntered', 'floorLimitExceeded']);
  });

  it('no PIN pad for it (no offlinePin port): PIN pad not present, nothing sent to the card', async () => {
    const run = await insertAndRun(chipOfflinePin(), 100);
    expect(pinCommands(run)).toEqual([]);
    expect(toHex(run.result.cvmResults)).toBe('040301');
    expect(tvrBits(run.result.tvr)).toEqual(['cvmNotSuccessful', 'pinPadMissing', 'floorLimitExceeded']);
  });

  it('a terminal without offline PIN (9F33 byte 2 68): condition 03 skips the rule; condition 00 notes the missing PIN pad', async () => {
    const config = defaultContactConfig({ terminal: { ...CONTACT_TERMINAL_CONFIG, terminalCapabilities: Uint8Array.of(0xe0, 0x68, 0xc8) } });
    const skipped = await insertAndRun(chipOfflinePin(), 100, config, { offlinePin: cardholder(['1234']) });
    expect(skipped.result.cvm).toBe('signature');
    expect(tvrBits(skipped.result.tvr)).toEqual(['floorLimitExceeded']);
    const always = await insertAndRun(chipOfflinePin((d) => (d.applications[0]!.cvmList = '000000000000000004001E03')), 100, config, { offlinePin: cardholder(['1234']) });
    expect(toHex(always.result.cvmResults)).toBe('040001');
    expect(tvrBits(always.result.tvr)).toEqual(['cvmNotSuccessful', 'pinPadMissing', 'floorLimitExceeded']);
    expect(pinCommands(always)).toEqual([]);
  });

  it('the card does not give its PIN Try Counter: the PIN is asked without the tries', async () => {
    const seen: Seen[] = [];
    const run = await insertAndRun(chipOfflinePin((d) => (d.applications[0]!.offlinePin!.counterHidden = true)), 100, undefined, { offlinePin: cardholder(['1234'], seen) });
    expect(seen).toEqual([{ kind: 'enciphered', wrongPin: false }]);
    expect(run.result.cvm).toBe('offline-pin');
  });
});

describe('chip-ok variants: plaintext PIN, the ICC key, PIN and signature', () => {
  const withPin = (cvmList: string, oda: 'DDA' | 'none' = 'DDA') =>
    chipOk((d) => Object.assign(d.applications[0]!, { cvmList: `0000000000000000${cvmList}`, oda, offlinePin: { pin: '1234', tryLimit: 3 } }));

  it('plaintext (01): VERIFY P2 80 with the PIN block format 2; the bytes handed to the reader are zeroed once sent', async () => {
    const handed: Uint8Array[] = [];
    const run = await insertAndRun(withPin('01031F03'), 100, undefined, { offlinePin: cardholder(['1234']), observe: (apdu) => handed.push(apdu) });
    expect(pinCommands(run)).toEqual(['80CA9F1700', '80CA9F1704', '0020008008']);
    // What went over the wire (the slot's copy) is the plaintext offline PIN block of Book 3 6.5.12.
    expect(run.commands()).toContain('0020008008241234FFFFFFFFFF');
    // The kernel's own array (the one it handed `transmit`) holds nothing of the PIN any more.
    const at = run.slot.exchanges.findIndex((e) => toHex(e.c).startsWith('0020008008'));
    expect(handed.length).toBe(run.slot.exchanges.length);
    expect(handed[at]!.length).toBe(13);
    expect([...handed[at]!].every((b) => b === 0)).toBe(true);
    expect(run.result.cvm).toBe('offline-pin');
    expect(toHex(run.result.cvmResults)).toBe('010302');
  });

  it('enciphered (04) without a PIN key of its own: under the ICC public key (9F46), no 9F2D read', async () => {
    const run = await insertAndRun(withPin('04031F03'), 100, undefined, { offlinePin: cardholder(['1234']) });
    expect(run.commands()).not.toContain('00B2031400');
    const verify = run.slot.exchanges.find((e) => toHex(e.c).startsWith('0020008880'))!;
    const key = iccKey('icc-chip-ok');
    const clear = privateDecrypt({ key: key.private, padding: constants.RSA_NO_PADDING }, verify.c.subarray(5));
    expect(toHex(clear.subarray(0, 9))).toBe('7F241234FFFFFFFFFF');
    expect(run.result.cvm).toBe('offline-pin');
  });

  it('enciphered with no key to encipher under (no 9F2D, no ICC certificate): the CVM fails, the cardholder is not asked', async () => {
    const seen: Seen[] = [];
    const run = await insertAndRun(withPin('04031F03', 'none'), 100, undefined, { offlinePin: cardholder(['1234'], seen) });
    expect(seen).toEqual([]);
    expect(pinCommands(run)).toEqual([]);
    expect(toHex(run.result.cvmResults)).toBe('040301');
    expect(tvrBits(run.result.tvr)).toContain('cvmNotSuccessful');
  });

  it('PIN and signature (03, 05): the PIN verified, a signature still to take: result unknown (00)', async () => {
    const plain = await insertAndRun(withPin('03031F03'), 100, undefined, { offlinePin: cardholder(['1234']) });
    expect(plain.result.cvm).toBe('offline-pin-and-signature');
    expect(toHex(plain.result.cvmResults)).toBe('030300');
    const enciphered = await insertAndRun(withPin('05031F03'), 100, undefined, { offlinePin: cardholder(['1234']) });
    expect(enciphered.result.cvm).toBe('offline-pin-and-signature');
    expect(toHex(enciphered.result.cvmResults)).toBe('050300');
  });
});

describe('the offline PIN pieces', () => {
  it('the plaintext offline PIN block (Book 3 6.5.12): 2, length, digits, F filler; anything else refused', () => {
    expect(toHex(offlinePinBlock(Uint8Array.of(1, 2, 3, 4)))).toBe('241234FFFFFFFFFF');
    expect(toHex(offlinePinBlock(Uint8Array.of(9, 8, 7, 6, 5)))).toBe('2598765FFFFFFFFF');
    expect(toHex(offlinePinBlock(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2)))).toBe('2C123456789012FF');
    expect(() => offlinePinBlock(Uint8Array.of(1, 2, 3))).toThrow(ValidationError);
    expect(() => offlinePinBlock(Uint8Array.of(1, 2, 3, 10))).toThrow(ValidationError);
  });

  it('the enciphered data block (Book 2 7.2): 7F, the PIN block, the challenge, the pad, as long as the key', () => {
    const key = iccKey('pin-chip-offlinepin');
    const out = encipherPinBlock(key, offlinePinBlock(Uint8Array.of(4, 3, 2, 1)), fromHex('0102030405060708'), (b) => b.fill(0xab))!;
    expect(out.length).toBe(key.modulus.length);
    const clear = privateDecrypt({ key: key.private, padding: constants.RSA_NO_PADDING }, out);
    expect(toHex(clear)).toBe('7F244321FFFFFFFFFF0102030405060708' + 'AB'.repeat(key.modulus.length - 17));
    // A key too short for the block, or a challenge of another length, gives nothing.
    expect(encipherPinBlock({ modulus: new Uint8Array(16).fill(0xff), exponent: Uint8Array.of(3) }, offlinePinBlock(Uint8Array.of(1, 2, 3, 4)), new Uint8Array(8))).toBeUndefined();
    expect(encipherPinBlock(key, offlinePinBlock(Uint8Array.of(1, 2, 3, 4)), new Uint8Array(7))).toBeUndefined();
  });

  /** verifyOfflinePin against a scripted card. */
  function against(steps: { c: string; r: string; note?: string }[], port: OfflinePinPort, kind: 'plaintext' | 'enciphered' = 'plaintext') {
    const card = scriptedCard(steps);
    const key = iccKey('icc-chip-ok');
    const result = verifyOfflinePin({
      kind,
      port,
      signal: new AbortController().signal,
      exchange: (c) => transceive(card.send, c),
      sendOnce: async (apdu) => parseResponse(await card.send(apdu)),
      pinKey: () => ({ ok: true, value: { modulus: key.modulus, exponent: key.exponent } }),
    });
    return { card, result };
  }

  it('GET CHALLENGE refused: nothing sent, the CVM fails without a PIN bit', async () => {
    const { card, result } = against(
      [
        { c: '80CA9F1700', r: '6A88', note: 'no PIN Try Counter' },
        { c: '0084000000', r: '6D00', note: 'GET CHALLENGE not supported' },
      ],
      cardholder(['1234']),
      'enciphered',
    );
    expect(await result).toEqual({ kind: 'failed', reason: 'GET CHALLENGE answered 6D00', tvr: [] });
    card.assertDone();
  });

  it('VERIFY answers 6984 (blocked) or something unforeseen (6A80): failed, with and without PIN Try Limit exceeded', async () => {
    const blocked = against(
      [
        { c: '80CA9F1700', r: '9F1701029000' },
        { c: '0020008008 241234FFFFFFFFFF', r: '6984' },
      ],
      cardholder(['1234']),
    );
    expect(await blocked.result).toMatchObject({ kind: 'failed', tvr: ['pinTryLimitExceeded'] });
    blocked.card.assertDone();
    const odd = against(
      [
        { c: '80CA9F1700', r: '6A88' },
        { c: '0020008008 241234FFFFFFFFFF', r: '6A80' },
      ],
      cardholder(['1234']),
    );
    expect(await odd.result).toEqual({ kind: 'failed', reason: 'VERIFY answered 6A80', tvr: [] });
  });

  it('a card that answers 63C5 for ever: 16 prompts, then the CVM fails', async () => {
    const steps = [{ c: '80CA9F1700', r: '6A88' }, ...Array.from({ length: 16 }, () => ({ c: '0020008008 241111FFFFFFFFFF', r: '63C5' }))];
    const seen: Seen[] = [];
    const { card, result } = against(steps, cardholder(Array(20).fill('1111'), seen));
    expect(await result).toMatchObject({ kind: 'failed', tvr: [] });
    expect(seen.length).toBe(16);
    card.assertDone();
  });

  it('a port that answers without submitting, or submits twice, is the caller\'s mistake', async () => {
    const none = against([{ c: '80CA9F1700', r: '6A88' }], async () => 'entered');
    await expect(none.result).rejects.toThrow(/without submitting/);
    const twice = against(
      [
        { c: '80CA9F1700', r: '6A88' },
        { c: '0020008008 241234FFFFFFFFFF', r: '9000' },
      ],
      async (_s, p) => {
        await p.submit(Uint8Array.of(1, 2, 3, 4));
        await p.submit(Uint8Array.of(1, 2, 3, 4));
        return 'entered';
      },
    );
    await expect(twice.result).rejects.toThrow(/already called/);
    const bad = against([{ c: '80CA9F1700', r: '6A88' }], async (_s, p) => {
      await p.submit(Uint8Array.of(1, 2, 3));
      return 'entered';
    });
    await expect(bad.result).rejects.toBeInstanceOf(ValidationError);
  });
});
