import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { type Browser, type FrameLocator, type Locator, type Page, chromium } from 'playwright-core';
import { ROOT } from '../helpers';

export const SHOTS = path.join(ROOT, 'test-results', 'e2e');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `get` until `ok`, failing with what was awaited and the last value seen. */
export async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await get();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 2000)}`);
    await sleep(300);
    last = await get();
  }
  return last;
}

/** Debian's chromium, with the flags that keep it off this machine's closed network. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** The VS Code workbench in a page, driven the way a user drives it. */
export class Workbench {
  constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(url);
    const wb = new Workbench(page);
    await wb.ready();
    return wb;
  }

  async ready(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await this.page.locator('.part.activitybar').waitFor({ timeout: 60_000 });
    await this.page.locator('.part.statusbar').waitFor({ timeout: 60_000 });
    // Our container in the activity bar: the extension's contributions are registered.
    await this.page.locator('.part.activitybar [aria-label^="MQTT Sessions"]').first().waitFor({ timeout: 60_000 });
  }

  /** Runs a command from the command palette by its title ("MQTT Sessions: Start Recording…"). */
  async runCommand(title: string): Promise<void> {
    await this.openPalette();
    await this.quickPick().locator('input').fill(`>${title.replace(/…$/, '')}`);
    const row = this.quickPick().locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: title }) }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
  }

  async openPalette(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    await this.quickPick().locator('input').waitFor({ state: 'visible' });
  }

  /** Titles the palette offers for a text. */
  async paletteOffers(text: string): Promise<string[]> {
    await this.openPalette();
    await this.quickPick().locator('input').fill(`>${text}`);
    await this.page.waitForTimeout(800);
    const labels = await this.quickPick().locator('.monaco-list-row').allTextContents();
    await this.page.keyboard.press('Escape');
    return labels;
  }

  quickPick(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Waits for the quick pick to list an item containing `text` and picks it. */
  async pick(text: string): Promise<void> {
    const row = this.quickPick().locator('.monaco-list-row', { hasText: text }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
  }

  async quickPickItems(): Promise<string[]> {
    await this.quickPick().locator('.monaco-list-row').first().waitFor({ timeout: 30_000 });
    return this.quickPick().locator('.monaco-list-row').allTextContents();
  }

  /** Types into the open input box and accepts. */
  async answer(text: string): Promise<void> {
    const input = this.quickPick().locator('input');
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  async openContainer(title = 'MQTT Sessions'): Promise<void> {
    // A context menu or quick pick left open would take the click.
    await this.page.keyboard.press('Escape');
    const item = this.page.locator(`.part.activitybar [aria-label^="${title}"]`).first();
    await item.waitFor({ timeout: 30_000 });
    const expanded = await item.getAttribute('aria-expanded');
    if (expanded !== 'true') await item.click();
  }

  /** Expands one view of the container and collapses the others, so its rows have room (lists render only what shows). */
  async focusView(title: string): Promise<void> {
    const headers = this.page.locator('.part.sidebar .pane-header');
    for (let i = 0; i < (await headers.count()); i++) {
      const h = headers.nth(i);
      const mine = new RegExp(`^${title}`, 'i').test(((await h.textContent()) ?? '').trim());
      const expanded = (await h.getAttribute('aria-expanded')) === 'true';
      if (mine !== expanded) await h.click();
    }
  }

  /** A view pane of the side bar by its title. */
  view(title: string): Locator {
    return this.page.locator('.part.sidebar .pane', { has: this.page.locator('.pane-header', { hasText: new RegExp(`^${title}`, 'i') }) });
  }

  /** Tree rows of a view, as their aria labels. */
  async rows(title: string): Promise<string[]> {
    return this.view(title).locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
  }

  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast .notification-list-item-message').allTextContents();
  }

  /** The webview of an editor panel: VS Code nests the page in two iframes. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  async screenshot(name: string): Promise<string> {
    await mkdir(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
