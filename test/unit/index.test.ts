import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ensureIndex } from '../../src/core/index/sessionIndex';
import { openDatabaseFile } from '../../src/core/db/sqlite';
import { searchFolder, searchSession } from '../../src/core/search/sessionSearch';
import { SessionLogReader } from '../../src/core/session/logReader';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { summarizeSession } from '../../src/core/session/sessionSummary';
import { copyOfSamples, removeTempDirs, sqliteAt, valuesOf } from '../helpers';

const WHITE = 'storage_order_white_20251110_180844';

describe('the index', () => {
  after(removeTempDirs);

  it('replaces an old recorder .db beside a .log with ours, keeping the original as .db.bak', async () => {
    const dir = await copyOfSamples();
    const files = await resolveSession(path.join(dir, WHITE));
    const r = await ensureIndex(files);
    assert.equal(r.built, true);
    assert.equal(r.reason, 'foreign');
    assert.equal(r.backup, path.join(dir, `${WHITE}.db.bak`));
    assert.equal(r.build?.messages, 552);
    const again = await ensureIndex(await resolveSession(path.join(dir, WHITE)));
    assert.equal(again.built, false, 'a current index is not rebuilt');
    assert.ok(!(await readdir(dir)).some((f) => f.includes('.tmp-')), 'no temp file left behind');
  });

  it('has the old table first, our columns, time and topic indexes, FTS5 and session_meta', async () => {
    const dir = await copyOfSamples();
    const files = await resolveSession(path.join(dir, 'red-storage-production_20260807_113213.log'));
    const { dbPath } = await ensureIndex(files);
    const db = openDatabaseFile(dbPath);
    try {
      const cols = valuesOf(db, 'PRAGMA table_info(mqtt_messages)').map((r) => r[1]);
      assert.deepEqual(cols.slice(0, 4), ['id', 'topic', 'payload', 'timestamp']);
      assert.ok(['ts_ms', 'qos', 'retain', 'payload_encoding'].every((c) => cols.includes(c)));
      const names = valuesOf(db, 'SELECT name FROM sqlite_master').map((r) => r[0]);
      for (const n of ['idx_mqtt_messages_ts', 'idx_mqtt_messages_topic_ts', 'mqtt_messages_fts', 'session_meta', 'topic_stats', 'timeline_buckets']) assert.ok(names.includes(n), n);
      // The summaries agree with the rows they summarise.
      const stats = valuesOf(db, 'SELECT SUM(count), COUNT(*) FROM topic_stats')[0];
      assert.deepEqual(stats, [1354, 38]);
      assert.equal(valuesOf(db, 'SELECT SUM(count) FROM timeline_buckets')[0][0], 1354);
      const bucketRows = valuesOf(db, "SELECT COUNT(*) FROM timeline_buckets WHERE topic = 'ccu/order/active'")[0][0] as number;
      assert.ok(bucketRows >= 1 && bucketRows <= 4001);
      const sql = String(valuesOf(db, "SELECT sql FROM sqlite_master WHERE name = 'mqtt_messages_fts'")[0][0]);
      assert.match(sql, /USING fts5/i);
      const meta = Object.fromEntries(valuesOf(db, 'SELECT key, value FROM session_meta').map((r) => [r[0], JSON.parse(String(r[1]))]));
      assert.equal(meta.sessionName, 'red-storage-production');
      assert.equal(meta.brokerPort, 1883);
      assert.equal(meta['index.schema'], 3);
      assert.equal(meta['index.bucketMs'], Math.ceil((Date.parse('2026-08-07T09:31:24.194Z') - Date.parse('2026-08-07T09:26:46.964Z')) / 4000));
      const plan = valuesOf(db, 'EXPLAIN QUERY PLAN SELECT * FROM mqtt_messages WHERE ts_ms BETWEEN 1 AND 2').map((r) => r[3]).join(' ');
      assert.match(plan, /idx_mqtt_messages_ts/);
    } finally {
      db.close();
    }
  });

  it('an index of an older layout of ours is rebuilt as stale, not kept aside as a foreign file', async () => {
    const dir = await copyOfSamples();
    const files = await resolveSession(path.join(dir, 'auftrag-rot_1.log'));
    const { dbPath } = await ensureIndex(files);
    sqliteAt(dbPath, "UPDATE session_meta SET value = '1' WHERE key = 'index.schema'").close();
    const again = await ensureIndex(await resolveSession(path.join(dir, 'auftrag-rot_1.log')));
    assert.equal(again.built, true);
    assert.equal(again.reason, 'stale');
    assert.equal(again.backup, undefined);
    assert.ok(!(await readdir(dir)).some((f) => f.startsWith('auftrag-rot_1.db.bak')));
  });

  it('is rebuilt when the .log has grown since', async () => {
    const dir = await copyOfSamples();
    const log = path.join(dir, 'synthetic-arduino-sensors_20260508_091000.log');
    await ensureIndex(await resolveSession(log));
    await appendFile(log, `${JSON.stringify({ topic: 'late/arrival', payload: 'x', timestamp: '2026-05-08T09:10:31.000Z', qos: 0, retain: false })}\n`);
    const stale = await summarizeSession(await resolveSession(log));
    assert.equal(stale.format, 'log-meta', 'a stale index is not trusted: the .log is read');
    assert.equal(stale.messages, 31);
    const r = await ensureIndex(await resolveSession(log));
    assert.equal(r.reason, 'stale');
    const fresh = await summarizeSession(await resolveSession(log));
    assert.deepEqual([fresh.format, fresh.messages, fresh.topics], ['db-index', 31, 11]);
  });

  it('is readable by the old recorder: SELECT topic, payload, timestamp FROM mqtt_messages ORDER BY timestamp', async function () {
    const dir = await copyOfSamples();
    const files = await resolveSession(path.join(dir, WHITE));
    const { dbPath } = await ensureIndex(files);
    const ours = openDatabaseFile(dbPath);
    const old = openDatabaseFile(path.join(dir, `${WHITE}.db.bak`));
    const q = 'SELECT topic, payload, timestamp FROM mqtt_messages ORDER BY timestamp';
    assert.deepEqual(valuesOf(ours, q), valuesOf(old, q), 'same rows as the old recorder wrote');
    ours.close();
    old.close();
    // And with the library the old (Python) recorder uses, when there is a python3 here.
    const py = spawnSync('python3', ['-c', `import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute("${q}").fetchall(); print(len(r), r[0][0], r[-1][2])`, dbPath], { encoding: 'utf8' });
    if (py.error) {
      console.log(`      (python3 not found: the sqlite3-module check was not run: ${py.error.message})`);
      return;
    }
    assert.equal(py.stdout.trim(), '552 ccu/state/version-mismatch 2025-11-10T18:08:43.700479', py.stderr);
  });

  describe('search', () => {
    it('finds words in payloads and topics, with topic filter and time range', async () => {
      const dir = await copyOfSamples();
      const files = await resolveSession(path.join(dir, 'auftrag-rot_1.log'));
      const all = await searchSession(files, { text: 'c9da720e-98e6-4d96-84d3-7baad5c5383d', limit: 1000 });
      assert.ok(all.length > 10);
      assert.ok(all.every((h) => h.snippet.includes('c9da720e') || h.topic.includes('c9da720e')));
      const fts = await searchSession(files, { text: 'c9da720e-98e6-4d96-84d3-7baad5c5383d', topic: 'fts/+/+/+/state', limit: 1000 });
      assert.ok(fts.length > 0 && fts.length < all.length);
      assert.ok(fts.every((h) => /^fts\/v1\/ff\/[^/]+\/state$/.test(h.topic)));
      const from = all[5].tsMs;
      const to = all[10].tsMs;
      const ranged = await searchSession(files, { text: 'c9da720e-98e6-4d96-84d3-7baad5c5383d', fromMs: from, toMs: to, limit: 1000 });
      assert.deepEqual(ranged.map((h) => h.id), all.filter((h) => h.tsMs >= from && h.tsMs <= to).map((h) => h.id));
      const byTopicWord = await searchSession(files, { text: 'instantAction', limit: 1000 });
      assert.ok(byTopicWord.some((h) => h.topic.endsWith('/instantAction')));
      assert.deepEqual(await searchSession(files, { text: 'wordthatisnowhere' }), []);
    });

    it('FTS5: prefixes, quoted phrases, and a UUID found whole — as the scan of the .log finds them', async () => {
      const dir = await copyOfSamples();
      const files = await resolveSession(path.join(dir, 'auftrag-rot_1.log'));
      const uuid = 'c9da720e-98e6-4d96-84d3-7baad5c5383d';
      const whole = await searchSession(files, { text: uuid, limit: 1000 });
      // The .log scanned word by word (no index): the same messages.
      const scanned = (await new SessionLogReader(files.log as string).readAll()).filter((m) => `${m.topic} ${m.payload}`.toLowerCase().includes(uuid));
      assert.equal(whole.length, scanned.length);
      // Only the first group of the UUID, as a prefix: at least as many.
      const prefix = await searchSession(files, { text: 'c9da72*', limit: 1000 });
      assert.ok(prefix.length >= whole.length);
      assert.deepEqual(await searchSession(files, { text: 'c9da72', limit: 1000 }), [], 'a part of a word is not a word');
      // A phrase in quotes: its words next to each other, in that order.
      const phrase = await searchSession(files, { text: '"actionState state"', limit: 1000 });
      const apart = await searchSession(files, { text: 'state actionState', limit: 1000 });
      assert.ok(phrase.length <= apart.length);
    });

    it('the walk by rowid (ids in time order) finds what the sorted search finds', async () => {
      const dir = await copyOfSamples();
      const files = await resolveSession(path.join(dir, 'red-storage-production_20260807_113213.log'));
      const { dbPath } = await ensureIndex(files);
      const db = openDatabaseFile(dbPath);
      assert.equal(valuesOf(db, "SELECT value FROM session_meta WHERE key = 'index.timeOrdered'")[0][0], 'true', 'a recording is in time order');
      db.close();
      const queries = [{ text: 'orderId' }, { text: 'state', topic: 'module/#' }, { text: 'connected*', fromMs: 0, toMs: 4e12 }, { text: 'ONLINE', limit: 3 }];
      const walk = [];
      for (const q of queries) walk.push(await searchSession(files, { limit: 1000, ...q }));
      sqliteAt(dbPath, "UPDATE session_meta SET value = 'false' WHERE key = 'index.timeOrdered'").close();
      for (const [i, q] of queries.entries()) {
        const sorted = await searchSession(await resolveSession(files.log as string), { limit: 1000, ...q });
        assert.ok(sorted.length > 0, JSON.stringify(q));
        assert.deepEqual(walk[i], sorted, JSON.stringify(q));
      }
    });

    it('user text never breaks the FTS syntax', async () => {
      const dir = await copyOfSamples();
      const files = await resolveSession(path.join(dir, 'startup-clean_20260512_102831.log'));
      for (const text of ['"', 'AND OR NOT', '(((', '*', 'a:b', '-x', "'; DROP TABLE mqtt_messages; --", '<script>']) {
        await searchSession(files, { text });
      }
      assert.ok((await searchSession(files, { text: 'ONLINE' })).length > 0);
    });

    it('searches across a folder, old .db sessions included', async () => {
      const dir = await copyOfSamples();
      const { hits, errors } = await searchFolder(dir, { text: 'SVR4H76530', limit: 10_000 });
      assert.deepEqual(errors, []);
      const sessions = new Set(hits.map((h) => h.session));
      assert.ok(sessions.has('default_test_session'), 'old wide .db scanned');
      assert.ok(sessions.has(WHITE));
      assert.ok(hits.every((h, i) => i === 0 || hits[i - 1].tsMs <= h.tsMs), 'sorted by time');
    });
  });
});

describe('a .db beside a .log that cannot be read is never moved on a doubt', () => {
  after(removeTempDirs);
  it('not SQLite: the .log still reads; index says why and leaves the file; --force keeps it aside', async () => {
    const dir = await copyOfSamples();
    const bad = path.join(dir, 'auftrag-rot_1.db');
    await writeFile(bad, 'garbage'.repeat(100));
    const s = await summarizeSession(await resolveSession(path.join(dir, 'auftrag-rot_1')));
    assert.deepEqual([s.format, s.messages], ['log', 111]);
    await assert.rejects(ensureIndex(await resolveSession(path.join(dir, 'auftrag-rot_1'))), /auftrag-rot_1\.db: not an SQLite database — left as it is/);
    assert.equal(await readFile(bad, 'utf8'), 'garbage'.repeat(100));
    assert.ok(!(await readdir(dir)).some((f) => f.includes('.bak')));
    const forced = await ensureIndex(await resolveSession(path.join(dir, 'auftrag-rot_1')), { force: true });
    assert.equal(forced.backup, `${bad}.bak`);
    assert.equal(await readFile(`${bad}.bak`, 'utf8'), 'garbage'.repeat(100));
  });

  it('our own index cut short: an error naming it, however often asked; never a .bak', async () => {
    const dir = await copyOfSamples();
    const base = path.join(dir, 'auftrag-rot_1');
    const built = await ensureIndex(await resolveSession(base));
    const whole = await readFile(built.dbPath);
    await writeFile(built.dbPath, whole.subarray(0, Math.floor(whole.length / 2)));
    // Make the .log newer, so that the index would be due for a rebuild if it could be read.
    for (let i = 0; i < 3; i++) {
      await assert.rejects(ensureIndex(await resolveSession(base)), (err: Error) => err.message.includes(built.dbPath) && err.message.includes('left as it is'));
    }
    assert.equal((await readFile(built.dbPath)).length, Math.floor(whole.length / 2), 'untouched');
    assert.ok(!(await readdir(dir)).some((f) => f.includes('.bak')));
  });
});
