import * as assert from 'node:assert/strict';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { removeTempDirs, tempDir } from '../helpers';
import { CodeServer, skipUnlessReady, VSIX } from './codeServer';
import { Workbench, launchBrowser, until } from './workbench';

const DAY = 86_400_000;

async function session(dir: string, file: string, daysAgo: number): Promise<void> {
  await writeFile(path.join(dir, file), `{"topic":"t","payload":"${file}","timestamp":"2025-01-01T00:00:00.000Z"}\n`);
  const t = new Date(Date.now() - daysAgo * DAY);
  await utimes(path.join(dir, file), t, t);
}

/** A workspace whose session folder holds two old sessions, a pinned old one and a young one; retention 30 days. */
async function workspace(): Promise<{ ws: string; sessions: string }> {
  const ws = await tempDir('e2e-prune-');
  const sessions = path.join(ws, 'sessions');
  await mkdir(sessions, { recursive: true });
  await session(sessions, 'old-a_20250101_000000.log', 40);
  await session(sessions, 'old-a_20250101_000000.db', 40);
  await session(sessions, 'old-b_20250102_000000.log', 45);
  await session(sessions, 'pinned_20250103_000000.log', 50);
  await writeFile(path.join(sessions, 'pinned_20250103_000000.pinned'), '');
  await session(sessions, 'young_20261101_000000.log', 1);
  await mkdir(path.join(ws, '.vscode'));
  await writeFile(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'mqttSessions.sessionFolders': ['sessions'], 'mqttSessions.retention': { olderThan: '30d' } }));
  return { ws, sessions };
}

describe('prune: "Prune Sessions…" in code-server', function () {
  this.timeout(300_000);
  let browser: Browser | undefined;
  let cs: CodeServer | undefined;
  const dataHome = process.env.XDG_DATA_HOME;

  before(async function () {
    skipUnlessReady(this);
    browser = await launchBrowser();
  });

  afterEach(async () => {
    await cs?.stop();
    cs = undefined;
  });

  after(async () => {
    if (dataHome === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = dataHome;
    await browser?.close();
    await removeTempDirs();
  });

  it('lists what would go, every session ticked and what stays with its reason; only the ticked ones go, to the trash', async () => {
    const { ws, sessions } = await workspace();
    // The extension host inherits it: code-server's file system has no trash of its own, so the freedesktop one is used, here.
    const trashHome = await tempDir('e2e-trash-');
    process.env.XDG_DATA_HOME = trashHome;
    cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: true });
    const wb = await Workbench.open(browser!, cs.url);
    await wb.runCommand('MQTT Sessions: Prune Sessions…');
    const title = wb.quickPick().locator('.quick-input-title', { hasText: 'Prune Sessions: 2 sessions' });
    await title.waitFor({ timeout: 60_000 });
    const rows = await until('the sessions to prune', () => wb.quickPickItems(), (r) => r.some((t) => t.includes('old-b_20250102_000000')));
    const text = rows.join('\n');
    assert.match(text, /old-a_20250101_000000/);
    assert.match(text, /old-a_20250101_000000\.db \(\d+ B\), old-a_20250101_000000\.log \(\d+ B\)/, 'each file with its size');
    assert.match(text, /pinned_20250103_000000.*stays: pinned/);
    assert.doesNotMatch(text, /young_/);
    const checked = async (name: string): Promise<string | null> =>
      wb.quickPick().locator('.monaco-list-row', { hasText: name }).first().locator('.quick-input-list-checkbox, [role="checkbox"], input[type="checkbox"]').first().evaluate((c) => (c instanceof HTMLInputElement ? String(c.checked) : c.getAttribute('aria-checked')));
    assert.equal(await checked('old-a_20250101_000000'), 'true', 'ticked');
    assert.equal(await checked('pinned_20250103_000000'), 'false', 'what stays is not ticked');
    assert.equal(await checked('old-b_20250102_000000'), 'true', 'ticked');
    await wb.screenshot('prune-quick-pick');
    // Untick old-b: it stays.
    await wb.quickPick().locator('.monaco-list-row', { hasText: 'old-b_20250102_000000' }).first().locator('.quick-input-list-checkbox, [role="checkbox"], input[type="checkbox"]').first().click();
    assert.equal(await checked('old-b_20250102_000000'), 'false');
    await wb.quickPick().locator('input.input, .quick-input-box input').first().press('Enter');
    await until('old-a moved', () => readdir(sessions), (n) => !n.some((f) => f.startsWith('old-a')));
    assert.deepEqual((await readdir(sessions)).sort(), ['old-b_20250102_000000.log', 'pinned_20250103_000000.log', 'pinned_20250103_000000.pinned', 'young_20261101_000000.log']);
    const trash = path.join(trashHome, 'Trash');
    assert.deepEqual((await readdir(path.join(trash, 'files'))).sort(), ['old-a_20250101_000000.db', 'old-a_20250101_000000.log']);
    assert.match(await readFile(path.join(trash, 'info', 'old-a_20250101_000000.log.trashinfo'), 'utf8'), new RegExp(`Path=${path.join(sessions, 'old-a_20250101_000000.log').replace(/\./g, '\\.')}\\n`));
    await until('the notification', () => wb.notifications(), (n) => n.some((m) => m.includes('Moved 1 of 1 sessions to the trash.')));

    // A wrong value is named, never replaced by a default; nothing moves.
    await writeFile(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'mqttSessions.sessionFolders': ['sessions'], 'mqttSessions.retention': { olderThan: '1 day' } }));
    await until('the setting to be read', async () => {
      await wb.runCommand('MQTT Sessions: Prune Sessions…');
      await new Promise((r) => setTimeout(r, 1500));
      return wb.notifications();
    }, (n) => n.some((m) => m.includes('mqttSessions.retention.olderThan: an age such as "30d"')), 60_000);
    assert.equal((await readdir(sessions)).length, 4);
  });

  it('is not offered in an untrusted workspace', async () => {
    const { ws } = await workspace();
    cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: false });
    const wb = await Workbench.open(browser!, cs.url);
    await until('the palette to list our commands', () => wb.paletteOffers('MQTT Sessions: '), (o) => o.some((t) => t.includes('List Sessions')));
    const offered = await wb.paletteOffers('Prune Sessions');
    assert.ok(!offered.some((t) => t.includes('Prune Sessions')), offered.join('\n'));
  });
});
