import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PageEvent } from '../../simulator/web/events.js';
import { SimulatorServer } from '../../simulator/web/server.js';
import { simTerminal } from '../helpers/sim-terminal.js';

type T = Awaited<ReturnType<typeof simTerminal>>;
let term: T | null = null;
let server: SimulatorServer | null = null;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
  server = null;
  await term?.stop();
  term = null;
});

const until = (t: T, done: () => boolean, maxMs = 120_000) => t.until(done, maxMs);

async function serve(t: T): Promise<string> {
  server = new SimulatorServer(t.terminal, t.board, t.pay?.host.api ?? null);
  const a = await server.listen('127.0.0.1', 0);
  return `127.0.0.1:${a.port}`;
}

function connect(addr: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; events: PageEvent[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${addr}/api/events`, { headers });
    sockets.push(ws);
    const events: PageEvent[] = [];
    ws.on('message', (m) => events.push(JSON.parse(String(m)) as PageEvent));
    ws.on('open', () => resolve({ ws, events }));
    ws.on('error', reject);
  });
}

const of = <K extends PageEvent['type']>(events: PageEvent[], type: K) => events.filter((e): e is Extract<PageEvent, { type: K }> => e.type === type);

describe('GET /api/events: the page live, from the change callbacks', () => {
  it('a whole sale, as the page sees it: state, display, LEDs, the beep, two receipts, the journal record on disk', async () => {
    const t = (term = await simTerminal({ lang: 'en', payments: true }));
    const addr = await serve(t);
    const { events } = await connect(addr);
    await until(t, () => events.length > 0);
    expect(events[0]).toMatchObject({ type: 'state', idle: true, flow: null, leds: [expect.any(Boolean), false, false, false], buzzer: false });
    expect((events[0] as Extract<PageEvent, { type: 'state' }>).display.lines[3]).toBe('Key amount: SALE');

    await t.press('1', '2', '3', '4', 'ENTER');
    await until(t, () => of(events, 'display').some((e) => e.lines.includes('Tap/insert/swipe')));
    expect(of(events, 'state').at(-1)).toMatchObject({ flow: 'sale', idle: false });
    t.board.presentCard('tap', 'visa-ok');
    await until(t, () => of(events, 'display').some((e) => e.lines.includes(' Tear off copy')));
    await t.press('ENTER');
    await until(t, () => of(events, 'receipt').length === 2 && of(events, 'state').at(-1)!.idle);

    const seqs = of(events, 'display').map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(of(events, 'display').some((e) => e.lines.includes('    APPROVED'))).toBe(true);
    expect(of(events, 'leds').map((e) => e.leds)).toEqual(expect.arrayContaining([[true, false, false, false], [true, true, false, false], [true, true, true, true]]));
    expect(of(events, 'buzzer').map((e) => e.on).slice(0, 2)).toEqual([true, false]);
    expect(of(events, 'receipt').map((e) => /MERCHANT COPY|CARDHOLDER COPY/.exec(e.text)?.[0])).toEqual(['MERCHANT COPY', 'CARDHOLDER COPY']);
    expect(of(events, 'journal').map((e) => e.record.status)).toEqual(['pending', 'approved']);
    expect(of(events, 'journal')[1]!.record).toEqual(t.pay!.payments.online.journal.toApi()[0]);
    const all = JSON.stringify(events);
    expect(all).toContain('476173******0011');
    expect(all).not.toContain('4761730000000011');
  });

  it('every page gets the events; one that leaves is dropped; the idle terminal sends nothing but its light', async () => {
    const t = (term = await simTerminal({ lang: 'en' }));
    const addr = await serve(t);
    const a = await connect(addr);
    const b = await connect(addr);
    await until(t, () => a.events.length > 0 && b.events.length > 0);
    b.ws.close();
    await until(t, () => server!.events.clients === 1);
    // Idle: LED 1 flashes every 5 s, nothing else moves.
    await until(t, () => a.events.length >= 3, 20_000);
    expect(new Set(a.events.slice(1).map((e) => e.type))).toEqual(new Set(['leds']));
    await t.press('5');
    await until(t, () => of(a.events, 'display').some((e) => e.lines.some((l) => l.includes('0.05'))));
    expect(b.events.some((e) => e.type === 'display')).toBe(false);
  });

  it('plain GET answers 426, another origin is refused, another path has no WebSocket', async () => {
    const t = (term = await simTerminal({ lang: 'en' }));
    const addr = await serve(t);
    const r = await fetch(`http://${addr}/api/events`);
    expect(r.status).toBe(426);
    expect(((await r.json()) as { error: string }).error).toMatch(/WebSocket/);
    await expect(connect(addr, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    expect((await connect(addr, { origin: `http://${addr}` })).ws.readyState).toBe(WebSocket.OPEN);
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${addr}/api/other`);
        sockets.push(ws);
        ws.on('open', resolve);
        ws.on('error', reject);
      }),
    ).rejects.toThrow(/404/);
  });

  it('serves the page and its module as files, and nothing outside them', async () => {
    const t = (term = await simTerminal({ lang: 'en' }));
    const addr = await serve(t);
    const html = await fetch(`http://${addr}/`);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('src="/app.js"');
    const js = await fetch(`http://${addr}/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain('/api/events');
    expect((await fetch(`http://${addr}/style.css`)).status).toBe(200);
    for (const bad of ['/nothing.js', '/../server.ts', '/%2e%2e/server.ts', '/events.ts']) expect((await fetch(`http://${addr}${bad}`)).status, bad).toBe(404);
  });
});
