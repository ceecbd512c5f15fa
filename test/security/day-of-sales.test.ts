import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePinBlock } from '../../src/security/pin-block.js';
import { toHex } from '../../src/hex.js';
import { loadDefaultAccounts } from '../../simulator/host/accounts.js';
import { startPos } from '../helpers/spawn-pos.js';

/**
 * Issue 5's acceptance: a day of scripted sales on the sim board through the real `pos
 * start` (PINs typed, a decline, a host fault and its reversal), then every file under the
 * data directory, the terminal's log and every receipt is searched for each test PAN, its
 * track 2 and the clear PIN block. None may be there in clear.
 */
describe('a day of sales leaves no PAN, track 2 or PIN in clear', () => {
  const data = mkdtempSync(join(tmpdir(), 'pos-day-'));
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('searches the data directory, the logs and the receipts', async () => {
    const started = await startPos(['--data', data, '--lang', 'en']);
    child = started.child;
    const url = started.url;
    const get = async (path: string) => (await fetch(url + path)).json() as Promise<any>;
    const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    let step = '';
    // Up to 30 s a step: a sale prints about 5 s of emulated 19200-baud receipt, and a
    // machine busy with other work (CI's other test files) may take several times that.
    const waitFor = async (cond: () => Promise<boolean>) => {
      for (let i = 0; i < 1200; i++) {
        if (await cond()) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`${step}: timed out; display ${JSON.stringify((await get('/api/display')).lines)}`);
    };
    const showing = (text: string) => async () => ((await get('/api/display')).lines as string[]).some((l) => l.includes(text));
    const idle = async () => (await get('/api/state')).idle === true;

    const day: { card: string; amount: string[]; pin?: string[]; fault?: string }[] = [
      { card: 'visa-ok', amount: ['1', '2', '3', '4'] },
      { card: 'mc-ok', amount: ['9', '9', '0'] },
      { card: 'unionpay-ok', amount: ['5', '0', '0'], pin: ['1', '2', '3', '4'] },
      { card: 'visa-nsf', amount: ['2', '0', '0'] },
      { card: 'visa-ok', amount: ['7', '7', '7'], fault: 'badmac' },
      { card: 'mc-wrongpin', amount: ['1', '5', '0', '0', '0', '0'], pin: ['1', '2', '3', '4'] },
      { card: 'two-apps', amount: ['3', '0', '0'] },
    ];
    for (const sale of day) {
      step = `${sale.card} idle`;
      await waitFor(idle);
      step = sale.card;
      if (sale.fault) await post('/api/host/faults', { next: sale.fault, count: 1 });
      await post('/api/keys', { keys: [...sale.amount, 'ENTER'] });
      await post('/api/card', { action: 'tap', card: sale.card });
      if (sale.pin) {
        await waitFor(showing('Enter PIN'));
        await post('/api/keys', { keys: [...sale.pin, 'ENTER'] });
      }
      await waitFor(async () => (await showing('APPROVED')()) || (await showing('DECLINED')()) || (await showing('No host answer')()));
      if (await showing('APPROVED')()) {
        await waitFor(showing('Tear off copy'));
        await post('/api/keys', { keys: ['ENTER'] });
      }
      await post('/api/card', { action: 'remove' });
    }
    await waitFor(idle);
    const journal = (await get('/api/journal')) as { status: string }[];
    expect(journal.map((j) => j.status)).toEqual(['approved', 'approved', 'approved', 'declined', 'reversed', 'approved', 'approved']);
    const receipts = (await get('/api/receipts')) as { text: string }[];
    expect(receipts.length).toBe(10);

    const closed = new Promise((r) => child!.once('close', r));
    child.kill('SIGTERM');
    await closed;
    child = null;

    // What must not be anywhere: each PAN, its track 2 (PAN=YYMM...), the clear PIN block.
    const secrets: { what: string; bytes: Buffer[] }[] = [];
    for (const a of loadDefaultAccounts().accounts) {
      const forms = [a.pan, `${a.pan}=${a.expiry}`, `${a.pan}D${a.expiry}`];
      secrets.push({ what: `PAN/track 2 of ${a.id}`, bytes: forms.map((f) => Buffer.from(f)) });
      const block = encodePinBlock(0, '1234', a.pan);
      secrets.push({ what: `clear PIN block of ${a.id}`, bytes: [Buffer.from(block), Buffer.from(toHex(block)), Buffer.from(toHex(block).toLowerCase())] });
      // The PAN as packed BCD (how field 2 travels), so a binary dump of a message is caught too.
      secrets.push({ what: `BCD PAN of ${a.id}`, bytes: [Buffer.from(a.pan.length % 2 ? `0${a.pan}` : a.pan, 'hex')] });
    }
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? files(p) : [p];
      });
    const haystacks = [...files(data).map((f) => ({ where: f, bytes: readFileSync(f) })), ...receipts.map((r, i) => ({ where: `receipt ${i}`, bytes: Buffer.from(r.text) }))];
    const found: string[] = [];
    for (const h of haystacks) {
      for (const s of secrets) {
        for (const b of s.bytes) if (b.length >= 8 && h.bytes.includes(b)) found.push(`${s.what} in ${h.where}`);
      }
    }
    expect(haystacks.length).toBeGreaterThan(5);
    expect(found).toEqual([]);
  }, 300_000);
});
