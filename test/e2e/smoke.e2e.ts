import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { SAMPLES, removeTempDirs, tempDir } from '../helpers';
import { CodeServer, skipUnlessReady, VSIX } from './codeServer';
import { Workbench, launchBrowser } from './workbench';

// The smallest proof that the packaged extension works in a real VS Code: installed from the
// .vsix, its command in the palette, and the command runs (so the extension activated).
const SAMPLE_NAMES = [
  'auftrag-rot_1',
  'default_test_session',
  'red-storage-production_20260807_113213',
  'startup-clean_20260512_102831',
  'storage_order_white_20251110_180844',
  'synthetic-arduino-sensors_20260508_091000',
];

describe('smoke: the packaged extension in code-server', function () {
  this.timeout(300_000);
  let browser: Browser | undefined;
  let cs: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async function () {
    skipUnlessReady(this);
    // A copy: the samples are shared and read-only, and the extension writes indexes next to sessions.
    const ws = await tempDir('e2e-smoke-');
    await cp(path.join(SAMPLES, 'sessions'), path.join(ws, 'sessions'), { recursive: true });
    await cp(path.join(SAMPLES, 'test_topics'), path.join(ws, 'test_topics'), { recursive: true });
    // No chat side bar or AI features: less to load, and the screenshot shows only our UI.
    cs = await CodeServer.start({
      vsix: VSIX,
      folder: ws,
      trusted: true,
      settings: { 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden' },
    });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, cs.url);
  });

  after(async () => {
    await browser?.close();
    await cs?.stop();
    await removeTempDirs();
  });

  it('is installed from the .vsix', async () => {
    // code-server keeps --extensions-dir next to --user-data-dir (see codeServer.ts).
    const installed = await readdir(path.join(path.dirname(cs!.userDir), 'extensions'));
    assert.ok(
      installed.some((d) => d.startsWith('mqtt-session-manager.mqtt-session-manager-')),
      installed.join(', '),
    );
  });

  it('offers "MQTT Sessions: List Sessions" in the command palette', async () => {
    // The workbench shows before the extension host has scanned the extensions: wait for our
    // activity-bar container (a contribution), then for the palette row itself. The palette
    // does not refresh an open list when contributions arrive, so reopen it until it shows.
    await wb!.page.locator('.part.activitybar [aria-label^="MQTT Sessions"]').first().waitFor({ timeout: 60_000 });
    const title = 'MQTT Sessions: List Sessions';
    const end = Date.now() + 60_000;
    let offered: string[] = [];
    for (;;) {
      await wb!.openPalette();
      await wb!.page.keyboard.type(title);
      const row = wb!.quickPick().locator('.monaco-list-row', { hasText: title }).first();
      const found = await row.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      offered = await wb!.quickPick().locator('.monaco-list-row').allTextContents();
      await wb!.page.keyboard.press('Escape');
      if (found || Date.now() > end) break;
    }
    assert.ok(
      offered.some((t) => t.includes(title)),
      offered.join('\n'),
    );
  });

  it('List Sessions shows the sample sessions in a quick pick', async () => {
    const page = wb!.page;
    await wb!.runCommand('MQTT Sessions: List Sessions');
    // Wait for the command's own quick pick (its placeholder), not the palette that is closing.
    await wb!.quickPick().locator('input[placeholder="Report of which session?"]').waitFor({ timeout: 60_000 });
    const rows = wb!.quickPick().locator('.monaco-list-row');
    await rows.filter({ hasText: SAMPLE_NAMES[SAMPLE_NAMES.length - 1] }).first().waitFor({ timeout: 30_000 });
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
    const text = labels.join('\n');
    for (const name of SAMPLE_NAMES) assert.ok(text.includes(name), `${name} in:\n${text}`);
    // One entry per session, even when a session has both a .log and a .db.
    assert.equal(labels.filter((l) => l.includes('storage_order_white_20251110_180844')).length, 1, text);
    const shot = await wb!.screenshot('smoke');
    assert.ok(existsSync(shot), shot);
    await page.keyboard.press('Escape');
  });
});
