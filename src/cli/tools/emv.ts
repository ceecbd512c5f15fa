/**
 * `pos tool emv read --trace FILE [--amount N] [--reveal] [--date YYYY-MM-DD] [--ca-keys FILE] [--contact]`:
 * runs the contactless kernel against a recorded card (a JSON list of {"c":"HEX","r":"HEX"},
 * played back by src/emv/recorded-card.ts) and prints what it read and decided:
 * {"aid","label","pan","expiry","panSequence","track2","outcome",...}. --contact runs the
 * contact kernel instead (PSE or list of AIDs, up to the first GENERATE AC), for a recording
 * made through a contact reader.
 *
 * The PAN and track 2 are masked unless --reveal: a technician checking a card on the
 * bench may ask for them; nothing this tool reads is logged or stored. --amount is in minor
 * units (default 100). --ca-keys adds a CA key file (e.g. the acquirer's production list) to
 * the shipped test keys.
 */
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../errors.js';
import { toHex } from '../../hex.js';
import { maskPan } from '../../security/pan.js';
import { loadCaKeyFiles, SHIPPED_CA_KEY_FILES } from '../../emv/ca-keys.js';
import { defaultContactConfig } from '../../emv/contact-config.js';
import { runContactTransaction } from '../../emv/contact-kernel.js';
import { runContactlessTransaction } from '../../emv/contactless-kernel.js';
import { CardError } from '../../emv/errors.js';
import { defaultContactlessConfig } from '../../emv/kernel-config.js';
import type { KernelResult } from '../../emv/kernel-result.js';
import { parseTrace, RecordedCard } from '../../emv/recorded-card.js';
import { newTransaction } from '../../emv/terminal-data.js';
import { tsiBits, tvrBits } from '../../emv/tvr.js';
import { parseTrack2Equivalent } from '../../emv/track.js';
import { parseArgs, required } from '../args.js';
import type { ToolCommand } from './tool-command.js';

const USAGE = 'emv read --trace FILE [--amount N] [--reveal] [--date YYYY-MM-DD] [--ca-keys FILE] [--contact]';

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValidationError(`--trace: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`--trace: ${path} is not JSON`);
  }
}

/** Track 2 as digits with the D separator; masked: the PAN masked and the discretionary data hidden. */
function track2Text(track2: Uint8Array | undefined, reveal: boolean): string | null {
  if (!track2) return null;
  const nibbles = toHex(track2).replace(/F$/, '');
  if (reveal) return nibbles;
  const t = parseTrack2Equivalent(track2);
  return `${maskPan(t.pan)}D${t.expiry}${t.serviceCode}${'*'.repeat(t.discretionary.length)}`;
}

function date(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12) : undefined;
  if (!d || d.getMonth() !== Number(m![2]) - 1) throw new ValidationError('--date: a date YYYY-MM-DD');
  return d;
}

function output(r: KernelResult, card: RecordedCard, reveal: boolean, contact: boolean): Record<string, unknown> {
  const pan = r.sensitive ? (reveal ? r.sensitive.pan : (r.maskedPan ?? null)) : null;
  return {
    interface: contact ? 'contact' : 'contactless',
    aid: r.aid ? toHex(r.aid) : null,
    label: r.label ?? null,
    pan,
    expiry: r.expiry ?? null,
    panSequence: r.panSequence ?? null,
    track2: track2Text(r.sensitive?.track2, reveal),
    outcome: r.outcome,
    reason: r.reason,
    kernel: r.kernel ?? null,
    cvm: r.cvm,
    cvmResults: toHex(r.cvmResults),
    cryptogram: r.cryptogram ? { type: r.cryptogram.type, value: toHex(r.cryptogram.value), atc: toHex(r.cryptogram.atc) } : null,
    oda: r.oda,
    tvr: toHex(r.tvr),
    tvrBits: tvrBits(r.tvr),
    tsi: toHex(r.tsi),
    tsiBits: tsiBits(r.tsi),
    iccData: toHex(r.iccData),
    apdus: r.exchanges,
    notInTrace: card.misses.map((c) => toHex(c)),
  };
}

const emv: ToolCommand = {
  name: 'emv',
  usage: USAGE,
  async run(args: string[]) {
    const [sub, ...rest] = args;
    if (sub !== 'read') throw new ValidationError(`emv: ${sub ? `unknown subcommand '${sub}'` : 'a subcommand is needed'} (${USAGE})`);
    const parsed = parseArgs(rest, { flags: ['trace', 'amount', 'date', 'ca-keys'], switches: ['reveal', 'contact'] });
    if (parsed.positional.length > 0) throw new ValidationError(`emv read takes no positional arguments (${USAGE})`);
    const path = required(parsed, 'trace');
    const amountText = parsed.flags.get('amount') ?? '100';
    if (!/^[0-9]{1,12}$/.test(amountText)) throw new ValidationError('--amount: a whole amount in minor units, up to 12 digits');
    const reveal = parsed.flags.has('reveal');
    const contact = parsed.flags.has('contact');
    const caFile = parsed.flags.get('ca-keys');
    const card = new RecordedCard(parseTrace(readJson(path), path));
    const caKeys = loadCaKeyFiles(caFile ? [...SHIPPED_CA_KEY_FILES, caFile] : SHIPPED_CA_KEY_FILES);
    const time = date(parsed.flags.get('date'));
    const transaction = newTransaction({ amount: Number(amountText), ...(time ? { time } : {}) });
    const transmit = async (apdu: Uint8Array) => card.transceive(apdu);
    const signal = new AbortController().signal;
    try {
      // Contact: the kernel stops at the first GENERATE AC's answer; an ARQC's completion
      // (issuer authentication, second GENERATE AC) needs a host and is not run here.
      const result = contact
        ? await runContactTransaction({ transmit, config: defaultContactConfig({ caKeys }), transaction, signal })
        : await runContactlessTransaction({ transmit, config: defaultContactlessConfig({ caKeys }), transaction, signal });
      const out = output(result, card, reveal, contact);
      result.sensitive?.wipe();
      return out;
    } catch (e) {
      // The recorded card broke the rules: for this tool that is bad input, told in one line.
      if (e instanceof CardError) throw new ValidationError(`emv read: the recorded card ${e.message}`, e.code);
      throw e;
    }
  },
};

export default emv;
