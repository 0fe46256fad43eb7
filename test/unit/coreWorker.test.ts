import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { openAnalysis } from '../../src/core/analysis/analysisDb';
import { timeline } from '../../src/core/analysis/timeline';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { exportSessionToFile } from '../../src/core/transfer/sessionExport';
import { CoreWorkerClient } from '../../src/core/worker/coreWorkerClient';
import { copyOfSamples, removeTempDirs, tempDir } from '../helpers';

/** The extension's core worker (dist/coreWorker.js, from `npm run build`) over real sample sessions. */
describe('the core worker', () => {
  let samples: string;
  let client: CoreWorkerClient;
  const white = (): string => path.join(samples, 'storage_order_white_20251110_180844.log');

  before(async () => {
    samples = await copyOfSamples();
  });
  beforeEach(() => {
    client = new CoreWorkerClient(200);
  });
  afterEach(() => client.dispose());
  after(removeTempDirs);

  it('answers a session’s queries as the core does in process', async () => {
    const s = client.session(white(), 'utc');
    const opened = await s.opened();
    assert.equal(opened.name, 'storage_order_white_20251110_180844');
    const { stats } = await s.call('stats');
    assert.equal(stats.messages, 552);
    const local = await openAnalysis(await resolveSession(white()));
    try {
      const q = { bins: 120, fromMs: (stats.startMs as number) + 10_000, toMs: (stats.endMs as number) - 5_000 };
      assert.deepEqual((await s.call('timeline', q)).timeline, timeline(local.db, q));
    } finally {
      local.close();
    }
    const page = await s.call('messages', { topics: ['fts/v1/ff/5iO4/state'], limit: 2 });
    assert.equal(page.total, 19);
    const detail = await s.call('detail', page.messages[1].id);
    assert.equal(detail?.topic, 'fts/v1/ff/5iO4/state');
    assert.equal(detail?.previous?.id, page.messages[0].id);
    const orders = await s.call('orders');
    assert.ok(orders.orders.length > 0);
    const first = orders.orders[0];
    const one = await s.call('order', first.orderId, 3);
    assert.equal(one.order?.orderId, first.orderId);
    assert.ok(one.messages.length <= 3 && one.messages.length > 0);
    assert.equal(one.messages.length + one.more, first.messages);
    s.close();
  });

  it('writes an exported selection and a report; summarizes and searches a folder', async () => {
    const s = client.session(white(), 'utc');
    const target = path.join(await tempDir(), 'sel.json');
    const n = await s.call('exportSelection', { topics: ['fts/v1/ff/5iO4/state'] }, target);
    assert.equal(n, 19);
    const rows = JSON.parse(await readFile(target, 'utf8')) as { topic: string; retain: boolean }[];
    assert.equal(rows.length, 19);
    assert.ok(rows.every((r) => r.topic === 'fts/v1/ff/5iO4/state' && typeof r.retain === 'boolean'));
    const report = await s.call('report', await resolveSession(white()));
    assert.match(report, /storage_order_white_20251110_180844/);
    s.close();
    const summary = await client.folder('summarize', await resolveSession(white()), 'utc');
    assert.equal(summary.messages, 552);
    const found = await client.folder('search', samples, { text: 'ceca8bef-bbe8-4012-aa18-725d7af68a10', limit: 5 }, 'utc');
    assert.ok(found.hits.length > 0);
    assert.ok(found.hits.every((h) => h.session.length > 0));
    const live = await tempDir();
    const rec = { session_id: 's1', run_type: 'live_session_paper', status: 'completed', started_at: '2026-01-01T10:00:00' };
    await writeFile(path.join(live, 'r1.json'), JSON.stringify(rec));
    const overview = await client.folder('liveSessions', [live], undefined, 'status');
    assert.deepEqual(overview?.groups.map((g) => [g.label, g.rows.map((r) => r.session_id)]), [['completed', ['s1']]]);
  });

  it('exports a whole session as the core does in process (the CLI’s export); a cancelled export leaves no file', async () => {
    const dir = await tempDir();
    const files = await resolveSession(white());
    const target = path.join(dir, 'white.jsonl');
    assert.equal(await client.cancellable(new AbortController().signal, 'exportSession', files, 'jsonl', target, 'utc'), 552);
    const inProcess = path.join(dir, 'white-cli.jsonl');
    await exportSessionToFile(files, 'jsonl', inProcess);
    assert.equal(await readFile(target, 'utf8'), await readFile(inProcess, 'utf8'));
    // An existing file is never overwritten.
    await assert.rejects(client.cancellable(new AbortController().signal, 'exportSession', files, 'jsonl', target, 'utc'), /EEXIST|exists/);
    assert.equal((await readFile(target, 'utf8')).trim().split('\n').length, 552);
    const abort = new AbortController();
    const cut = path.join(dir, 'cut.csv');
    const exporting = client.cancellable(abort.signal, 'exportSession', files, 'csv', cut, 'utc');
    abort.abort();
    await assert.rejects(exporting, /abort/i);
    assert.equal(existsSync(cut), false, 'the cancelled export removed its file');
  });

  it('a file that is not a session fails with one line naming it; the worker goes on', async () => {
    const dir = await mkdtemp(path.join(await tempDir(), 'bad-'));
    const bad = path.join(dir, 'broken.db');
    await writeFile(bad, 'not sqlite at all, just text'.repeat(10));
    const s = client.session(bad, 'utc');
    await assert.rejects(s.call('stats'), (err: Error) => err.message.includes('broken.db') && !err.message.includes('\n'));
    s.close();
    assert.equal((await client.session(white(), 'utc').call('stats')).stats.messages, 552);
  });

  it('after the worker dies, open sessions open again by themselves', async () => {
    const s = client.session(white(), 'utc');
    const before = await s.call('stats');
    const pending = s.call('orders');
    await client.stopWorker();
    await assert.rejects(pending, /analysis worker stopped/);
    assert.equal(client.running, false);
    assert.deepEqual((await s.call('stats')).stats, before.stats);
    s.close();
  });

  it('stops when nothing is open for its idle time', async () => {
    const s = client.session(white(), 'utc');
    await s.call('stats');
    s.close();
    assert.equal(client.running, true);
    const t0 = Date.now();
    while (client.running && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(client.running, false, 'still running 3 s after the last session closed (idle time 200 ms)');
    assert.ok(existsSync(white()));
  });
});
