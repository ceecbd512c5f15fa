import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPos, startPos } from '../helpers/spawn-pos.js';

describe('pos start on the sim board, through the simulator API', () => {
  let child: ChildProcess;
  let url: string;
  const data = mkdtempSync(join(tmpdir(), 'pos-data-'));

  beforeAll(async () => {
    ({ child, url } = await startPos(['--data', data, '--lang', 'en']));
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
    }
  });

  const get = async (path: string) => {
    const r = await fetch(url + path);
    return { status: r.status, body: (await r.json()) as any };
  };
  const keys = (k: string[]) =>
    fetch(`${url}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keys: k }) });

  it('serves the idle screen', async () => {
    const { status, body } = await get('/api/display');
    expect(status).toBe(200);
    expect(body.lines[3]).toBe('Key amount: SALE');
    const state = await get('/api/state');
    expect(state.body).toMatchObject({ idle: true, flow: null });
    expect(state.body.leds).toHaveLength(4);
  });

  it('POST /api/keys 1 2 3 4 ENTER shows 12.34 and moves on to the card', async () => {
    const r = await keys(['1', '2', '3', '4', 'ENTER']);
    expect(r.status).toBe(200);
    const { body } = await get('/api/display');
    expect(body.lines[1]).toContain('12.34');
    expect(body.lines[2]).toBe('Tap/insert/swipe');
    expect((await get('/api/state')).body.flow).toBe('sale');
    await keys(['CANCEL']);
    expect((await get('/api/display')).body.lines[2]).toContain('Cancelled');
  });

  it('--time-scale: only for a sim board, 1 to 1000', async () => {
    const real = await runPos(['start', '--board', 'rpi-pn532-hsu', '--time-scale', '10', '--data', join(data, 'ts')]);
    expect(real.code).toBe(2);
    expect(real.stderr).toMatch(/board rpi-pn532-hsu has real devices, which keep real time/);
    const slow = await runPos(['start', '--time-scale', '0.5', '--data', join(data, 'ts')]);
    expect(slow.code).toBe(2);
    expect(slow.stderr).toMatch(/--time-scale must be a number from 1 to 1000 \(got '0\.5'\)/);
  });

  it('GET /api/process: the pos process\'s own memory figures', async () => {
    const { status, body } = await get('/api/process');
    expect(status).toBe(200);
    expect(body.pid).not.toBe(process.pid);
    expect(body.heapUsed).toBeGreaterThan(0);
    expect(body.heapUsed).toBeLessThanOrEqual(body.heapTotal);
    expect(body.rss).toBeGreaterThan(body.heapUsed);
  });

  it('refuses a key that does not exist, and bad JSON', async () => {
    const r = await keys(['F1']);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/'F1' is not a key/);
    const bad = await fetch(`${url}/api/keys`, { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
  });

  it('answers 426 to a plain GET of the event stream (a WebSocket), 404 for what does not exist', async () => {
    const { status, body } = await get('/api/events');
    expect(status).toBe(426);
    expect(body.error).toMatch(/WebSocket/);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('serves the display as a PNG from the SSD1306 emulator', async () => {
    const r = await fetch(`${url}/api/display.png`);
    expect(r.headers.get('content-type')).toBe('image/png');
    const png = new Uint8Array(await r.arrayBuffer());
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(Buffer.from(png.subarray(16, 24)).readUInt32BE(0)).toBe(512); // 128 px x4
  });

  it('a whole sale: keys, a card tapped on the PN532, the host approves, two receipts, the journal and the ledger agree', async () => {
    const cards = (await get('/api/cards')).body as { id: string; technologies: string[] }[];
    for (const id of ['visa-ok', 'mc-ok', 'unionpay-ok', 'visa-nsf', 'visa-expired', 'visa-blocked', 'mc-wrongpin', 'two-apps']) {
      expect(cards.find((c) => c.id === id)?.technologies, id).toContain('contactless');
    }
    for (let i = 0; i < 200 && !(await get('/api/state')).body.idle; i++) await new Promise((r) => setTimeout(r, 25));
    await keys(['1', '0', '0', 'ENTER']);
    const card = (body: unknown) => fetch(`${url}/api/card`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await card({ action: 'tap', card: 'visa-ok' })).status).toBe(200);
    const until = async (what: (lines: string[]) => boolean) => {
      let lines: string[] = [];
      for (let i = 0; i < 300 && !what(lines); i++) {
        await new Promise((r) => setTimeout(r, 25));
        lines = (await get('/api/display')).body.lines;
      }
      return lines;
    };
    expect(await until((l) => l.includes('    APPROVED'))).toContain('    APPROVED');
    expect(await until((l) => l.includes(' Tear off copy'))).toContain(' Tear off copy');
    await keys(['ENTER']);
    let receipts: { id: string; text: string }[] = [];
    for (let i = 0; i < 400 && receipts.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      receipts = (await get('/api/receipts')).body;
    }
    expect(receipts.map((r) => /MERCHANT COPY|CARDHOLDER COPY/.exec(r.text)?.[0])).toEqual(['MERCHANT COPY', 'CARDHOLDER COPY']);
    expect(receipts[0]!.text).toContain('476173******0011');
    expect(receipts.some((r) => r.text.includes('4761730000000011'))).toBe(false);
    const journal = (await get('/api/journal')).body as { stan: string; status: string; amount: number; rrn: string; maskedPan: string }[];
    const ledger = (await get('/api/host/ledger')).body as { stan: string; status: string; amount: number; rrn: string; reversed: boolean }[];
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ status: 'approved', amount: 100, maskedPan: '476173******0011' });
    expect(ledger.find((x) => x.stan === journal[0]!.stan)).toMatchObject({ status: 'approved', amount: 100, rrn: journal[0]!.rrn, reversed: false });
    expect((await card({ action: 'remove' })).status).toBe(200);
    expect((await card({ action: 'insert', card: 'visa-ok' })).status).toBe(501);
    expect((await card({ action: 'tap', card: 'no-such-card' })).status).toBe(400);
    expect((await card({ action: 'wave', card: 'visa-ok' })).status).toBe(400);
  });

  it('serves receipt PNGs, 404 for one never printed', async () => {
    const r = await fetch(`${url}/api/receipts/R0001.png`);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect((await get('/api/receipts/R9999.png')).status).toBe(404);
  });

  it('serves the page with the display and a keypad', async () => {
    const html = await (await fetch(url)).text();
    expect(html).toContain('id="display"');
    expect(await (await fetch(`${url}/app.js`)).text()).toContain("'ENTER'");
  });

  it('writes JSON-line logs under the data directory and config.json', () => {
    const lines = readFileSync(join(data, 'logs', 'terminal.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.event === 'terminal.ready')).toBe(true);
    expect(JSON.parse(readFileSync(join(data, 'config.json'), 'utf8')).currency).toBe('CNY');
  });

  it('stops cleanly on SIGTERM', async () => {
    const closed = new Promise<number | null>((r) => child.once('close', r));
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
  });
});

describe('pos command errors: one clear line, exit 2', () => {
  it.each([
    [['start', '--board', 'nosuch'], "pos start: unknown board 'nosuch': use one of sim, rpi-pn532-hsu, or a path to a board file"],
    [['start', '--http', 'localhost'], 'pos start: --http must be HOST:PORT, e.g. 127.0.0.1:7070'],
    [['start', '--lang', 'fr'], "pos start: --lang must be zh-CN or en, not 'fr'"],
    [['start', '--host', 'http://x:1'], 'pos start: --host must be tcp://HOST:PORT or tls://HOST:PORT'],
    [['start', '--bogus', '1'], 'pos start: unknown option --bogus'],
    [['tool', 'nosuch'], "pos tool: unknown subcommand 'nosuch'"],
    [['frobnicate'], "pos: unknown command 'frobnicate'"],
  ])('pos %j', async (args, message) => {
    const r = await runPos(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a board file with mistakes is refused before anything opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'board-'));
    const file = join(dir, 'bad.json');
    const { writeFileSync } = await import('node:fs');
    const rpi = (await import('../../board/rpi-pn532-hsu.js')).default;
    writeFileSync(file, JSON.stringify({ ...rpi, name: 'bench', devices: { ...rpi.devices, display: { ...rpi.devices.display, address: 0x27 } } }));
    const r = await runPos(['start', '--board', file, '--data', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('board bench: devices.display.address must be 0x3C or 0x3D');
  });
});
