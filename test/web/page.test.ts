import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startPos } from '../helpers/spawn-pos.js';

/**
 * The simulator page in a real browser: Chromium (Debian's, /usr/bin/chromium) driven by
 * playwright-core, on the page of a real `pos start`. A whole sale by clicking: the keys,
 * the wallet's tap of visa-ok, ENTER for the customer copy; the receipt on the roll; a
 * screenshot under test-results/. Skips, saying why, where playwright-core or Chromium is
 * not installed.
 */

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

/** What this test uses of playwright-core, so it type-checks where the package is absent. */
interface Locator {
  click(): Promise<void>;
  count(): Promise<number>;
  textContent(): Promise<string | null>;
  nth(i: number): Locator;
}
interface Page {
  goto(url: string): Promise<unknown>;
  locator(selector: string): Locator;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: 'pageerror' | 'console', fn: (x: { message?: string; type?: () => string; text?: () => string }) => void): void;
}
interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Chromium {
  launchPersistentContext(userDataDir: string, options: Record<string, unknown>): Promise<BrowserContext>;
}

async function loadChromium(): Promise<{ chromium: Chromium | null; why: string }> {
  const name = 'playwright-core'; // a variable: not resolved (nor type-checked) where it is not installed
  let chromium: Chromium;
  try {
    chromium = ((await import(name)) as { chromium: Chromium }).chromium;
  } catch {
    return { chromium: null, why: 'playwright-core is not installed (npm install -D playwright-core)' };
  }
  if (!existsSync(CHROMIUM)) return { chromium: null, why: `${CHROMIUM} is missing (apt-get install chromium)` };
  return { chromium, why: '' };
}

const { chromium, why } = await loadChromium();
if (why) console.warn(`test/web/page.test.ts skipped: ${why}`);

describe('the simulator page in Chromium', () => {
  let child: ChildProcess | null = null;
  let browser: BrowserContext | null = null;

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (child && child.exitCode === null) {
      const closed = new Promise((r) => child!.once('close', r));
      child.kill('SIGTERM');
      await closed;
    }
  });

  it.skipIf(!chromium)(`a whole sale by clicking: keys, the tap of visa-ok, ENTER; the receipt on the roll${why ? ` (skipped: ${why})` : ''}`, async () => {
    const data = mkdtempSync(join(tmpdir(), 'pos-page-'));
    const pos = await startPos(['--data', data, '--lang', 'en']);
    child = pos.child;
    browser = await chromium!.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      viewport: { width: 1400, height: 1000 },
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e.message)));
    page.on('console', (m) => {
      if (m.type?.() === 'error') errors.push(m.text?.() ?? '');
    });
    await page.goto(pos.url);

    const displayShows = (text: string, timeout = 15_000) =>
      page.waitForFunction(`document.querySelector('#display').textContent.includes(${JSON.stringify(text)})`, undefined, { timeout });
    await page.waitForFunction(`document.querySelector('#link').dataset.state === 'open'`, undefined, { timeout: 10_000 });
    await displayShows('Key amount: SALE');
    expect(await page.locator('#cards li').count()).toBeGreaterThanOrEqual(10);

    for (const k of ['1', '0', '0', 'ENTER']) await page.locator(`#keys button[data-key="${k}"]`).click();
    await displayShows('Tap/insert/swipe');
    await page.locator('#cards li[data-card="visa-ok"] button[data-action="tap"]').click();
    await displayShows('APPROVED', 20_000);
    await displayShows('Tear off copy', 20_000);
    await page.locator('#keys button[data-key="ENTER"]').click();

    await page.waitForFunction(`document.querySelectorAll('#roll .receipt').length === 2`, undefined, { timeout: 30_000 });
    const roll = page.locator('#roll .receipt pre');
    expect(await roll.nth(0).textContent()).toContain('MERCHANT COPY');
    const customer = (await roll.nth(1).textContent()) ?? '';
    expect(customer).toContain('CARDHOLDER COPY');
    expect(customer).toContain('476173******0011');
    expect(customer).not.toContain('4761730000000011');
    await page.waitForFunction(`[...document.querySelectorAll('#journal tbody td')].some((td) => td.textContent === 'approved')`, undefined, { timeout: 10_000 });
    await page.waitForFunction(`[...document.querySelectorAll('#ledger tbody td')].some((td) => td.textContent === 'approved')`, undefined, { timeout: 10_000 });
    await displayShows('Key amount: SALE', 20_000);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'simulator-page.png'), fullPage: true });
    expect(existsSync(join(SCREENSHOT_DIR, 'simulator-page.png'))).toBe(true);
    expect(errors, errors.join("\n")).toEqual([]);
  }, 60_000);
});
