/**
 * docs/host-spec.md and src/host/spec.ts say the same thing: the field dictionary (5.1),
 * the presence table (5.2), the response codes (6.8), and the worked examples (11) are
 * read from the document and compared with the data and the builders.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import { pack } from '../../src/host/iso8583.js';
import { buildEcho, buildSale, packWithMac } from '../../src/host/messages.js';
import { HOST_FIELDS, MESSAGE_TYPES, RESPONSE_CODES, type MessageKind } from '../../src/host/spec.js';
import { AT, TERMINAL, requestMac, saleInput } from './helpers.js';

const doc = readFileSync(new URL('../../docs/host-spec.md', import.meta.url), 'utf8');

/** The rows of the first table after `heading`, as arrays of trimmed cells. */
function table(heading: string): string[][] {
  const start = doc.indexOf(heading);
  expect(start, heading).toBeGreaterThan(-1);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows.slice(2); // header and rule
}

/** The hex bytes of the code block that follows `marker`. */
function example(marker: string): Uint8Array {
  const start = doc.indexOf('```', doc.indexOf(marker)) + 3;
  const block = doc.slice(start, doc.indexOf('```', start));
  const hex = block
    .split('\n')
    .map((line) => /^((?:[0-9A-F]{2} ?)+)/.exec(line)?.[1] ?? '')
    .join('');
  return fromHex(hex);
}

describe('docs/host-spec.md agrees with src/host/spec.ts', () => {
  it('5.1: the field dictionary', () => {
    const rows = table('### 5.1 Field dictionary');
    const fromDoc = rows.map(([no, name, format, lengthType, length, encoding]) => [Number(no), name, format, lengthType!.toLowerCase(), Number(length), encoding!.toLowerCase()]);
    const fromData = Object.entries(HOST_FIELDS).map(([no, f]) => [Number(no), f.name, f.format, f.lengthType, f.length, f.encoding]);
    expect(fromDoc).toEqual(fromData);
  });

  it('5.2: the presence table', () => {
    const order: MessageKind[] = ['sale', 'void', 'refund', 'financial-response', 'reversal', 'reversal-response', 'batch-upload', 'batch-upload-response', 'settlement', 'settlement-response', 'sign-on', 'sign-on-response', 'echo', 'echo-response'];
    const rows = table('### 5.2 Presence by message');
    for (const [i, kind] of order.entries()) {
      const fromDoc = Object.fromEntries(rows.filter((r) => r[i + 1] !== '-').map((r) => [r[0], r[i + 1]]));
      const fromData = Object.fromEntries(Object.entries(MESSAGE_TYPES[kind].fields).map(([k, v]) => [k, v]));
      expect(fromDoc, kind).toEqual(fromData);
    }
  });

  it('6.8: the response codes, actions and words', () => {
    const rows = table('### 6.8 Field 39');
    const fromDoc = Object.fromEntries(rows.map(([code, , action, text]) => [code, { action, text }]));
    const fromData = Object.fromEntries(Object.entries(RESPONSE_CODES).map(([code, c]) => [code, { action: c.action, text: c.text }]));
    expect(fromDoc).toEqual(fromData);
  });

  it('11: the echo example is what buildEcho packs', () => {
    const framed = example('An echo test, STAN 000042');
    const body = pack(buildEcho({ ...TERMINAL, stan: 42, at: AT }));
    expect(((framed[0]! << 8) | framed[1]!)).toBe(body.length);
    expect(toHex(framed.subarray(2))).toBe(toHex(body));
  });

  it('11: the sale example is what buildSale packs with the test MAC', () => {
    const framed = example('a contactless chip sale of 12.34 CNY');
    const body = packWithMac(buildSale(saleInput()), requestMac);
    expect(((framed[0]! << 8) | framed[1]!)).toBe(body.length);
    expect(toHex(framed.subarray(2))).toBe(toHex(body));
  });
});
