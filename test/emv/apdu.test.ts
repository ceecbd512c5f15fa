import { describe, expect, it } from 'vitest';
import { CancelledError, ValidationError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/hex.js';
import {
  LE_ANY,
  apduCase,
  encodeCommand,
  generateAc,
  getChallenge,
  getData,
  getProcessingOptions,
  internalAuthenticate,
  parseCommand,
  parseResponse,
  readRecord,
  selectByName,
  transceive,
  verify,
  type CommandApdu,
} from '../../src/emv/apdu.js';
import { CardError } from '../../src/emv/errors.js';
import { statusKind, statusText } from '../../src/emv/status-words.js';
import { scriptedCard, type Step } from './helpers/scripted-card.js';

const enc = (c: CommandApdu): string => toHex(encodeCommand(c));

describe('EMV commands', () => {
  // The expected bytes of SELECT, GPO and READ RECORD are those the Android reader sent in
  // MichaelsPlayground/TalkToYourCreditCardPart7 docs/"talk aab m mc debit.html".
  it('SELECT by name: PPSE, an AID, and the next occurrence (Book 1 11.3.2)', () => {
    expect(enc(selectByName(Buffer.from('2PAY.SYS.DDF01')))).toBe('00A404000E325041592E5359532E444446303100');
    expect(enc(selectByName(fromHex('A0000000041010')))).toBe('00A4040007A000000004101000');
    expect(enc(selectByName(fromHex('A0000000041010'), 'next'))).toBe('00A4040207A000000004101000');
    expect(() => selectByName(fromHex('A0000000'))).toThrow(ValidationError);
    expect(() => selectByName(new Uint8Array(17))).toThrow(ValidationError);
  });

  it('GET PROCESSING OPTIONS with an empty and a filled command template 83', () => {
    expect(enc(getProcessingOptions())).toBe('80A8000002830000');
    expect(enc(getProcessingOptions(fromHex('27000000')))).toBe('80A800000683042700000000');
    expect(() => getProcessingOptions(new Uint8Array(253))).toThrow(ValidationError);
    expect(encodeCommand(getProcessingOptions(new Uint8Array(252)))).toHaveLength(5 + 255 + 1);
  });

  it('READ RECORD: P2 is the SFI in b8-b4 and 100', () => {
    expect(enc(readRecord(1, 1))).toBe('00B2010C00');
    expect(enc(readRecord(2, 1))).toBe('00B2011400');
    expect(enc(readRecord(4, 2))).toBe('00B2022400');
    expect(enc(readRecord(30, 254))).toBe('00B2FEF400');
    for (const [sfi, rec] of [[0, 1], [31, 1], [1, 0], [1, 255], [1.5, 1]]) {
      expect(() => readRecord(sfi!, rec!)).toThrow(ValidationError);
    }
  });

  it('GET DATA, GET CHALLENGE, INTERNAL AUTHENTICATE', () => {
    expect(enc(getData(0x9f36))).toBe('80CA9F3600');
    expect(enc(getData(0x9f17))).toBe('80CA9F1700');
    expect(() => getData(0x10000)).toThrow(ValidationError);
    expect(enc(getChallenge())).toBe('0084000000');
    expect(enc(internalAuthenticate(fromHex('01020304')))).toBe('00880000040102030400');
    expect(() => internalAuthenticate(new Uint8Array(0))).toThrow(ValidationError);
  });

  it('GENERATE AC: the reference control parameter of Book 3 Table 12', () => {
    const data = fromHex('0102');
    expect(enc(generateAc('AAC', data))).toBe('80AE000002010200');
    expect(enc(generateAc('TC', data))).toBe('80AE400002010200');
    expect(enc(generateAc('ARQC', data))).toBe('80AE800002010200');
    expect(enc(generateAc('ARQC', data, { cda: true }))).toBe('80AE900002010200');
    expect(enc(generateAc('TC', data, { cda: true }))).toBe('80AE500002010200');
  });

  it('VERIFY is case 3: P2 80 plaintext, 88 enciphered, no Le', () => {
    const block = fromHex('241234FFFFFFFFFF');
    expect(enc(verify(block, 'plaintext'))).toBe('0020008008241234FFFFFFFFFF');
    expect(enc(verify(block, 'enciphered')).slice(0, 8)).toBe('00200088');
    expect(apduCase(verify(block, 'plaintext'))).toBe(3);
    expect(() => verify(new Uint8Array(0), 'plaintext')).toThrow(ValidationError);
  });
});

describe('command APDU encoding and parsing (ISO/IEC 7816-3 12.1.3)', () => {
  const cases: [string, CommandApdu, 1 | 2 | 3 | 4][] = [
    ['00A40400', { cla: 0, ins: 0xa4, p1: 4, p2: 0 }, 1],
    ['00B2010C00', { cla: 0, ins: 0xb2, p1: 1, p2: 0x0c, le: 256 }, 2],
    ['00B2010C1C', { cla: 0, ins: 0xb2, p1: 1, p2: 0x0c, le: 0x1c }, 2],
    ['0082000004DEADBEEF', { cla: 0, ins: 0x82, p1: 0, p2: 0, data: fromHex('DEADBEEF') }, 3],
    ['80A800000283000A', { cla: 0x80, ins: 0xa8, p1: 0, p2: 0, data: fromHex('8300'), le: 10 }, 4],
  ];
  it.each(cases)('%s is case %#', (h, c, kind) => {
    expect(enc(c)).toBe(h);
    expect(parseCommand(fromHex(h))).toEqual(c);
    expect(apduCase(c)).toBe(kind);
  });

  it('refuses what a short APDU cannot say', () => {
    expect(() => encodeCommand({ cla: 0x100, ins: 0, p1: 0, p2: 0 })).toThrow(/CLA 256 is not a byte/);
    expect(() => encodeCommand({ cla: 0, ins: 0, p1: 0, p2: 0, le: 0 })).toThrow(/Le 0/);
    expect(() => encodeCommand({ cla: 0, ins: 0, p1: 0, p2: 0, le: 257 })).toThrow(/Le 257/);
    expect(() => encodeCommand({ cla: 0, ins: 0, p1: 0, p2: 0, data: new Uint8Array(256) })).toThrow(/short Lc/);
    expect(() => parseCommand(fromHex('00A404'))).toThrow(ValidationError);
    expect(() => parseCommand(fromHex('00A4040000000E'))).toThrow(/extended/);
    expect(() => parseCommand(fromHex('00A4040003AABB'))).toThrow(/Lc 3/);
  });

  it('LE_ANY is written 00', () => {
    expect(enc({ cla: 0, ins: 0xc0, p1: 0, p2: 0, le: LE_ANY })).toBe('00C0000000');
  });
});

describe('responses and status words', () => {
  it('splits data from SW1 SW2', () => {
    const r = parseResponse(fromHex('6F009000'));
    expect(toHex(r.data)).toBe('6F00');
    expect([r.sw1, r.sw2, r.sw]).toEqual([0x90, 0x00, 0x9000]);
    expect(parseResponse(fromHex('6A82')).data).toHaveLength(0);
  });

  it('refuses a response without its status bytes', () => {
    for (const h of ['', '90']) {
      const err = (() => {
        try {
          parseResponse(fromHex(h));
        } catch (e) {
          return e as CardError;
        }
      })();
      expect(err).toBeInstanceOf(CardError);
      expect(err!.code).toBe('APDU_RESPONSE_TOO_SHORT');
    }
  });

  it('says what status words mean (ISO/IEC 7816-4 5.1.3, EMV meanings where they add)', () => {
    expect(statusText(0x9000)).toBe('9000 normal processing');
    expect(statusText(0x6a82)).toBe('6A82 file or application not found');
    expect(statusText(0x6a81)).toBe('6A81 function not supported (card or application blocked)');
    expect(statusText(0x6283)).toBe('6283 warning: selected file deactivated (application blocked)');
    expect(statusText(0x6983)).toBe('6983 authentication method blocked (PIN try limit exceeded)');
    expect(statusText(0x63c2)).toBe('63C2 counter: 2 (PIN tries left after a failed VERIFY)');
    expect(statusText(0x6110)).toBe('6110 16 response bytes still available');
    expect(statusText(0x6100)).toBe('6100 256 or more response bytes still available');
    expect(statusText(0x6c1c)).toBe('6C1C wrong Le field: exactly 28 bytes available');
    expect(statusText(0x6299)).toBe('6299 warning (state unchanged)');
    expect(statusText(0x6699)).toBe('6699 security-related execution error');
    expect(statusText(0x6f12)).toBe('6F12 checking error');
    expect(statusText(0x0102)).toBe('0102 unknown status');
  });

  it('classes status words', () => {
    expect(statusKind(0x9000)).toBe('normal');
    expect(statusKind(0x6112)).toBe('normal');
    expect(statusKind(0x6283)).toBe('warning');
    expect(statusKind(0x63c1)).toBe('warning');
    expect(statusKind(0x6581)).toBe('execution-error');
    expect(statusKind(0x6a82)).toBe('checking-error');
    expect(statusKind(0x9001)).toBe('unknown');
  });
});

/**
 * Scripts of the exchanges in the EMV Contact Interface Specification v1.0 Annex A (the T=0
 * examples of EMV 4.3 Book 1 Annex A), as transcribed in openemv/emv-utils
 * tests/emv_ttl_pcsc_test.c. Each script must be used to its last step.
 */
const RECORD = '701A61184F07A0000000031010500A56495341204445424954870101';
const PSE_FCI = '6F24840E315041592E5359532E4444463031A5128801015F2D08656E6573667264659F110101';
const SELECT_PSE = '00A404000E315041592E5359532E444446303100';

async function run(steps: Step[], apdu: Uint8Array | CommandApdu) {
  const card = scriptedCard(steps);
  const r = await transceive(card.send, apdu);
  card.assertDone();
  return r;
}

describe('transceive: 61xx and 6Cxx against a scripted card', () => {
  it('case 1 and case 3: one exchange, the answer as it is (Annex A1, A3)', async () => {
    const r = await run([{ c: '12345678', r: '6A81' }], fromHex('12345678'));
    expect(r.sw).toBe(0x6a81);
    const ok = await run([{ c: '0082000004DEADBEEF', r: '9000' }], fromHex('0082000004DEADBEEF'));
    expect(ok.sw).toBe(0x9000);
    expect(ok.data).toHaveLength(0);
  });

  it('case 2, 6Cxx: the same command again with Le = xx (Annex A2)', async () => {
    const r = await run(
      [
        { c: '00B2010C00', r: '6C1C', note: 'READ RECORD 1 of SFI 1: wrong Le' },
        { c: '00B2010C1C', r: RECORD + '9000', note: 'again with Le 1C' },
      ],
      readRecord(1, 1),
    );
    expect(toHex(r.data)).toBe(RECORD);
    expect(r.sw).toBe(0x9000);
  });

  it('case 2, an error after the 6Cxx resend is returned (Annex A2)', async () => {
    const r = await run([{ c: '00B2010C00', r: '6C1C' }, { c: '00B2010C1C', r: '6581' }], readRecord(1, 1));
    expect(r.sw).toBe(0x6581);
    expect(r.data).toHaveLength(0);
  });

  it('case 4, 61xx: GET RESPONSE with Le = xx (Annex A4)', async () => {
    const r = await run([{ c: SELECT_PSE, r: '6126' }, { c: '00C0000026', r: PSE_FCI + '9000' }], fromHex(SELECT_PSE));
    expect(toHex(r.data)).toBe(PSE_FCI);
    expect(r.sw).toBe(0x9000);
  });

  it('6Cxx then 61xx twice, data joined across GET RESPONSEs (Annex A5)', async () => {
    const r = await run(
      [
        { c: '00B2010C00', r: '6C1C' },
        { c: '00B2010C1C', r: '611C' },
        { c: '00C000001C', r: RECORD.slice(0, 26) + '610F', note: 'the card gives part and says 0F more' },
        { c: '00C000000F', r: RECORD.slice(26) + '9000' },
      ],
      readRecord(1, 1),
    );
    expect(toHex(r.data)).toBe(RECORD);
  });

  it('case 4 with several 61xx (Annex A6)', async () => {
    const r = await run(
      [
        { c: SELECT_PSE, r: '6126' },
        { c: '00C0000026', r: PSE_FCI.slice(0, 30) + '6114' },
        { c: '00C0000014', r: PSE_FCI.slice(30) + '9000' },
      ],
      selectByName(Buffer.from('1PAY.SYS.DDF01')),
    );
    expect(toHex(r.data)).toBe(PSE_FCI);
  });

  it('61 00 asks for 256 bytes, 6C 00 for Le 256', async () => {
    const big = 'AB'.repeat(256);
    const r = await run([{ c: '00B2010C00', r: '6100' }, { c: '00C0000000', r: big + '9000' }], readRecord(1, 1));
    expect(r.data).toHaveLength(256);
    const r2 = await run([{ c: '00B2010C1C', r: '6C00' }, { c: '00B2010C00', r: big + '9000' }], fromHex('00B2010C1C'));
    expect(r2.data).toHaveLength(256);
  });

  it('a case 3 command answered 6Cxx gets the 6Cxx back: an Le would change the command', async () => {
    const r = await run([{ c: '0020008008241234FFFFFFFFFF', r: '6C08' }], verify(fromHex('241234FFFFFFFFFF'), 'plaintext'));
    expect(r.sw).toBe(0x6c08);
  });

  it('stops a card that never stops asking, after the bound', async () => {
    let calls = 0;
    const endless = async (): Promise<Uint8Array> => {
      calls++;
      return fromHex('AA6101');
    };
    await expect(transceive(endless, readRecord(1, 1), { maxExchanges: 5 })).rejects.toMatchObject({
      code: 'APDU_TOO_MANY_EXCHANGES',
    });
    expect(calls).toBe(6);
    calls = 0;
    const stubborn = async (): Promise<Uint8Array> => {
      calls++;
      return fromHex('6C1C');
    };
    await expect(transceive(stubborn, readRecord(1, 1))).rejects.toBeInstanceOf(CardError);
    expect(calls).toBe(33);
  });

  it('a response of one byte is a CardError', async () => {
    const card = scriptedCard([{ c: '00B2010C00', r: '90' }]);
    await expect(transceive(card.send, readRecord(1, 1))).rejects.toMatchObject({ code: 'APDU_RESPONSE_TOO_SHORT' });
    card.assertDone();
  });

  it('stops between exchanges when the signal is aborted', async () => {
    const ac = new AbortController();
    const card = scriptedCard([{ c: '00B2010C00', r: '6110' }]);
    const send = async (apdu: Uint8Array): Promise<Uint8Array> => {
      const r = await card.send(apdu);
      ac.abort(new CancelledError('card-removed'));
      return r;
    };
    await expect(transceive(send, readRecord(1, 1), { signal: ac.signal })).rejects.toMatchObject({ reason: 'card-removed' });
    card.assertDone();
    await expect(transceive(card.send, readRecord(1, 1), { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
