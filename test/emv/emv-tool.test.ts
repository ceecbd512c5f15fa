/** `pos tool emv read`: CONTRACT.md's output, masked unless --reveal, bad input refused in one line. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import emv from '../../src/cli/tools/emv.js';
import { TOOLS } from '../../src/cli/tools/index.js';

const VISA = fileURLToPath(new URL('../../simulator/cards/traces/visa-debit-comdirect.json', import.meta.url));
const MC = fileURLToPath(new URL('../../simulator/cards/traces/mastercard-debit-aab.json', import.meta.url));
const trace = (name: string) => fileURLToPath(new URL(`../../simulator/cards/traces/${name}`, import.meta.url));

async function refused(args: string[]): Promise<ValidationError> {
  try {
    await emv.run(args);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).not.toContain('\n');
    return e as ValidationError;
  }
  throw new Error('no error');
}

describe('pos tool emv read', () => {
  it('is registered as `emv`', async () => {
    expect((await TOOLS.emv!()).default).toBe(emv);
    expect(emv.usage).toMatch(/^emv read --trace FILE \[--amount N\] \[--reveal\]/);
  });

  it('prints the CONTRACT.md fields with the PAN and track 2 masked', async () => {
    const out = (await emv.run(['read', '--trace', VISA, '--date', '2025-03-01'])) as Record<string, unknown>;
    expect(out).toMatchObject({
      aid: 'A0000000031010',
      label: 'Visa Debit',
      pan: '476173******0010',
      expiry: '2507',
      panSequence: '01',
      track2: '476173******0010D2507221*************',
      outcome: 'online-request',
      kernel: 3,
      cvm: 'no-cvm',
      cryptogram: { type: 'ARQC', value: 'EC1C5779FF267037', atc: '00C3' },
      apdus: 6,
      notInTrace: [],
    });
    expect(JSON.stringify(out)).not.toContain('4761739001010010');
  });

  it('--reveal prints the full PAN and track 2; --amount changes the amount sent', async () => {
    const out = (await emv.run(['read', '--trace', VISA, '--reveal', '--amount', '250000'])) as Record<string, unknown>;
    expect(out.pan).toBe('4761739001010010');
    expect(out.track2).toBe('4761739001010010D25072211328662101000');
    // 2,500.00 is above the CVM limit: the TTQ asks for a CVM; this card's CTQ names none, so
    // the reader falls back to signature (9F34 1E 00 00).
    expect(String(out.iccData)).toContain('9F0206000000250000');
    expect(out.cvm).toBe('signature');
    expect(out.cvmResults).toBe('1E0000');
  });

  it('a Mastercard recording without GENERATE AC still reads PAN, expiry and AID', async () => {
    const out = (await emv.run(['read', '--trace', MC])) as Record<string, unknown>;
    expect(out).toMatchObject({ aid: 'A0000000041010', pan: '541333******0011', expiry: '2403', outcome: 'end-application' });
    expect((out.notInTrace as string[])[0]).toMatch(/^80AE/);
  });

  // Every published trace, one brand each (simulator/cards/traces/README.md says where each
  // came from): the PAN, expiry and AID as the recording holds them.
  it.each([
    ['visa-debit-comdirect.json', [], { aid: 'A0000000031010', label: 'Visa Debit', pan: '4761739001010010', expiry: '2507', panSequence: '01', kernel: 3 }],
    ['mastercard-debit-aab.json', [], { aid: 'A0000000041010', label: 'Debit MasterCard', pan: '5413330089020011', expiry: '2403', panSequence: '00', kernel: 2 }],
    ['amex-expresspay-test-card.json', [], { aid: 'A000000025010403', label: 'American Express', pan: '374245001741007', expiry: '1812', panSequence: '00', kernel: 4 }],
    ['maestro-girocard-volksbank.json', [], { aid: 'A0000000043060', label: 'Maestro', pan: '6799990100000000019', expiry: '2412', panSequence: '00', kernel: 2 }],
    [
      'unionpay-credit-test-card-contact.json',
      ['--contact'],
      { interface: 'contact', aid: 'A000000333010102', label: 'UICC CREDIT', pan: '6210948000000011', expiry: '3010', panSequence: '01', kernel: null },
    ],
  ])('reads the published trace %s: PAN, expiry and AID', async (name, extra, want) => {
    const out = (await emv.run(['read', '--trace', trace(name), '--reveal', ...extra])) as Record<string, unknown>;
    expect(out).toMatchObject({ interface: 'contactless', ...want });
    expect(String(out.track2)).toMatch(new RegExp(`^${want.pan}D${want.expiry}`));
  });

  it('--contact plays a contact recording through the contact kernel: PSE, the credit application, an ARQC', async () => {
    const out = (await emv.run(['read', '--trace', trace('unionpay-credit-test-card-contact.json'), '--contact'])) as Record<string, unknown>;
    expect(out).toMatchObject({
      interface: 'contact',
      aid: 'A000000333010102',
      pan: '621094******0011',
      expiry: '3010',
      outcome: 'online-request',
      cryptogram: { type: 'ARQC', value: 'B04398D218017BF9', atc: '0006' },
      notInTrace: [],
    });
    // Without --contact the same recording has no PPSE: the contactless kernel stops at once.
    const contactless = (await emv.run(['read', '--trace', trace('unionpay-credit-test-card-contact.json')])) as Record<string, unknown>;
    expect(contactless).toMatchObject({ interface: 'contactless', aid: null, pan: null, outcome: 'end-application', apdus: 1 });
    expect(contactless.notInTrace).toEqual(['00A404000E325041592E5359532E444446303100']);
  });

  it.each([
    [[], /a subcommand is needed/],
    [['write'], /unknown subcommand 'write'/],
    [['read'], /--trace is required/],
    [['read', '--trace', '/nonexistent/trace.json'], /cannot read/],
    [['read', '--trace', VISA, '--amount', '1.50'], /--amount/],
    [['read', '--trace', VISA, '--date', '2025-13-01'], /--date/],
    [['read', '--trace', VISA, 'extra'], /no positional/],
    [['read', '--trace', VISA, '--pin', '1234'], /unknown option --pin/],
    [['read', '--trace', VISA, '--contact=yes'], /--contact takes no value/],
  ])('refuses %j', async (args, message) => {
    expect((await refused(args)).message).toMatch(message);
  });
});
