import * as assert from 'node:assert/strict';
import { copyFile, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ensureIndex } from '../../src/core/index/sessionIndex';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { summarizeSession } from '../../src/core/session/sessionSummary';
import { cachedSummary, forgetSummariesInMemory } from '../../src/core/session/summaryCache';
import { SAMPLE_SESSIONS, copyOfSamples, removeTempDirs, tempDir } from '../helpers';

describe('summaries kept across restarts', () => {
  after(removeTempDirs);

  it('a cached summary is the summary; it holds until the session changes', async () => {
    const samples = await copyOfSamples();
    const cache = await tempDir();
    const files = await resolveSession(path.join(samples, 'red-storage-production_20260807_113213.log'));
    const fresh = await summarizeSession(files);
    assert.deepEqual(await cachedSummary(files, 'utc', cache), fresh);
    const [entry] = await readdir(cache);
    assert.match(entry, /^[0-9a-f]{40}\.json$/);
    // Served from memory first (no file read), then, in a new process, from the file: a
    // mark put into the entry comes back only then.
    const file = path.join(cache, entry);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { key: string; summary: { messages: number } };
    stored.summary.messages = -1;
    await writeFile(file, JSON.stringify(stored));
    assert.equal((await cachedSummary(files, 'utc', cache)).messages, fresh.messages);
    forgetSummariesInMemory();
    assert.equal((await cachedSummary(files, 'utc', cache)).messages, -1);
    // Another reading of naive times, or a touched file, is another summary.
    assert.equal((await cachedSummary(files, 'local', cache)).messages, fresh.messages);
    await utimes(files.log as string, new Date(), new Date(Date.now() + 5000));
    assert.equal((await cachedSummary(files, 'utc', cache)).messages, fresh.messages);
  });

  it('an index built after the summary makes a new one, read from the index', async () => {
    const samples = await copyOfSamples();
    const cache = await tempDir();
    const log = path.join(samples, 'startup-clean_20260512_102831.log');
    const before = await cachedSummary(await resolveSession(log), 'utc', cache);
    assert.equal(before.readFrom, log);
    await ensureIndex(await resolveSession(log));
    const after = await cachedSummary(await resolveSession(log), 'utc', cache);
    assert.equal(after.format, 'db-index');
    assert.equal(after.messages, before.messages);
    assert.deepEqual(after.topicCounts, before.topicCounts);
  });

  it('a session that cannot be summarised keeps its error until it changes', async () => {
    const dir = await tempDir();
    const cache = await tempDir();
    const db = path.join(dir, 'broken_20260101_000000.db');
    await writeFile(db, 'not SQLite at all');
    const files = await resolveSession(db);
    const first = await cachedSummary(files, 'utc', cache).then(() => '', (e: Error) => e.message);
    assert.match(first, /broken_20260101_000000\.db/);
    assert.equal(await cachedSummary(files, 'utc', cache).then(() => '', (e: Error) => e.message), first);
    await copyFile(path.join(SAMPLE_SESSIONS, 'default_test_session.db'), db);
    assert.ok((await cachedSummary(files, 'utc', cache)).messages > 0, 'read again once the file changed');
  });

  it('a cache that cannot be written only costs time', async () => {
    const samples = await copyOfSamples();
    const blocked = path.join(await tempDir(), 'not-a-dir');
    await writeFile(blocked, 'a file where the cache folder should be');
    const files = await resolveSession(path.join(samples, 'auftrag-rot_1.log'));
    assert.equal((await cachedSummary(files, 'utc', blocked)).messages, 111);
  });
});
