import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { SessionLogReader } from '../../src/core/session/logReader';
import { payloadBytes } from '../../src/core/session/sessionMessage';
import { SAMPLE_SESSIONS, copyOfSamples, removeTempDirs, runCli, tempDir } from '../helpers';

describe('mqtt-sessions CLI', () => {
  after(removeTempDirs);

  it('list DIR shows every sample with its count', async () => {
    const r = await runCli(['list', SAMPLE_SESSIONS]);
    assert.equal(r.code, 0, r.stderr);
    for (const [name, n] of [['auftrag-rot_1', 111], ['default_test_session', 205], ['red-storage-production_20260807_113213', 1354], ['storage_order_white_20251110_180844', 552]] as const) {
      assert.match(r.stdout, new RegExp(`^${name}\\s+\\S+\\s+${n}\\s`, 'm'));
    }
  });

  it('info --json prints one object with the fields the issue names', async () => {
    const r = await runCli(['info', path.join(SAMPLE_SESSIONS, 'red-storage-production_20260807_113213.log'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.name, 'red-storage-production_20260807_113213');
    assert.deepEqual(o.files, [path.join(SAMPLE_SESSIONS, 'red-storage-production_20260807_113213.log')]);
    assert.equal(o.format, 'log-meta');
    assert.equal(o.messages, 1354);
    assert.equal(o.topics, 38);
    assert.equal(o.start, '2026-08-07T09:26:46.964Z');
    assert.equal(o.end, '2026-08-07T09:31:24.194Z');
    assert.equal(o.durationSec, 277.23);
    assert.deepEqual(o.problems, []);
  });

  it('info takes a base name and lists both files of a pair', async () => {
    const r = await runCli(['info', path.join(SAMPLE_SESSIONS, 'storage_order_white_20251110_180844'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).files.length, 2);
  });

  it('info reports problems by line and still exits 0', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'broken_20260101_000000.log');
    await writeFile(file, '{"topic":"a","payload":"1","timestamp":"2026-01-01T00:00:00Z"}\nnope\n{"topic":"b","payload":"2","timestamp":"2026-01-01T00:00:01Z"}\n{"topic":"c","pay');
    const r = await runCli(['info', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.messages, 2);
    assert.deepEqual(o.problems, [{ line: 2, reason: 'not JSON' }, { line: 4, reason: 'truncated last line (interrupted recording)' }]);
    const text = await runCli(['info', file]);
    assert.match(text.stdout, /line 2: not JSON/);
  });

  it('exit 2 and one line on a usage error; exit 1 and one line on a failure', async () => {
    for (const args of [['frobnicate'], ['info'], ['export', path.join(SAMPLE_SESSIONS, 'auftrag-rot_1.log')], ['export', 'x', '--format', 'xml'], ['list', SAMPLE_SESSIONS, '--bogus'], []]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    for (const args of [['info', '/nonexistent/session.log'], ['info', SAMPLE_SESSIONS], ['list', '/nonexistent']]) {
      const r = await runCli(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^mqtt-sessions: /);
    }
    const dir = await tempDir();
    await writeFile(path.join(dir, 'x.db'), 'not sqlite at all, but long enough to have something that looks like a header here');
    const r = await runCli(['info', path.join(dir, 'x.db')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `mqtt-sessions: ${path.join(dir, 'x.db')}: not an SQLite database`);
  });

  it('index, then search a session and a folder', async () => {
    const dir = await copyOfSamples();
    const idx = await runCli(['index', path.join(dir, 'startup-clean_20260512_102831.log')]);
    assert.equal(idx.code, 0, idx.stderr);
    assert.match(idx.stdout, /412 messages, 43 topics, 0 problems/);
    const s = await runCli(['search', 'ONLINE', path.join(dir, 'startup-clean_20260512_102831'), '--topic', 'module/#', '--json']);
    assert.equal(s.code, 0, s.stderr);
    const hits = JSON.parse(s.stdout);
    assert.ok(hits.length > 0);
    assert.ok(hits.every((h: { topic: string; session: string }) => h.topic.startsWith('module/') && h.session === 'startup-clean_20260512_102831'));
    const all = await runCli(['search', 'SVR3QA0022', '--all', dir, '--from', '2026-01-01T00:00:00Z', '--json', '--limit', '5000']);
    assert.equal(all.code, 0, all.stderr);
    const sessions = new Set(JSON.parse(all.stdout).map((h: { session: string }) => h.session));
    assert.deepEqual([...sessions].sort(), ['red-storage-production_20260807_113213', 'startup-clean_20260512_102831']);
    const bad = await runCli(['search', 'x', dir, '--from', 'last tuesday']);
    assert.equal(bad.code, 2);
  });

  for (const format of ['csv', 'json', 'jsonl'] as const) {
    it(`export --format ${format} and import give back the same messages`, async () => {
      const dir = await tempDir();
      const src = path.join(SAMPLE_SESSIONS, 'synthetic-arduino-sensors_20260508_091000.log');
      const out = path.join(dir, `export.${format}`);
      const e = await runCli(['export', src, '--format', format, '--out', out]);
      assert.equal(e.code, 0, e.stderr);
      const i = await runCli(['import', out, '--out', dir, '--name', 'reimported']);
      assert.equal(i.code, 0, i.stderr);
      assert.match(i.stdout, /30 messages imported/);
      const log = i.stdout.split(':')[0];
      assert.match(path.basename(log), /^reimported_20260508_091000\.log$/);
      const before = await new SessionLogReader(src).readAll();
      const after = await new SessionLogReader(log).readAll();
      const view = (m: (typeof before)[number]) => [m.topic, payloadBytes(m).toString('hex'), m.timestamp, m.qos, m.retain];
      assert.deepEqual(after.map(view), before.map(view));
    });
  }

  it('export to stdout; import names bad rows and skips them', async () => {
    const r = await runCli(['export', path.join(SAMPLE_SESSIONS, 'default_test_session.db'), '--format', 'jsonl']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 205);
    const dir = await tempDir();
    const csv = path.join(dir, 'rows.csv');
    await writeFile(csv, 'timestamp,topic,payload,qos,retain\n2026-01-01T00:00:00Z,a/b,"{""x"":1}",1,true\nnot-a-time,a/b,x,0,false\n2026-01-01T00:00:01Z,,x,0,false\n2026-01-01T00:00:02Z,c,"multi\nline",2,false\n');
    const i = await runCli(['import', csv, '--no-index']);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stderr, /line 3: field "timestamp": not an ISO 8601 time/);
    assert.match(i.stderr, /line 4: field "topic"/);
    assert.match(i.stdout, /2 messages imported, 2 skipped/);
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'when,what\n1,2\n');
    const b = await runCli(['import', bad]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /CSV header lacks column topic, payload, timestamp/);
  });

  it('convert a .db-only session to .log and back to our .db', async () => {
    const dir = await copyOfSamples();
    const db = path.join(dir, 'default_test_session.db');
    const toLog = await runCli(['convert', db, '--to', 'log']);
    assert.equal(toLog.code, 0, toLog.stderr);
    const log = path.join(dir, 'default_test_session.log');
    const reader = new SessionLogReader(log);
    assert.equal((await reader.readAll()).length, 205);
    assert.equal(reader.meta?.data.convertedFrom, 'default_test_session.db');
    assert.equal(reader.end?.data.status, 'converted');
    const again = await runCli(['convert', db, '--to', 'log']);
    assert.equal(again.code, 1, 'never overwrites');
    const toDb = await runCli(['convert', path.join(dir, 'auftrag-rot_1.log'), '--to', 'db']);
    assert.equal(toDb.code, 0, toDb.stderr);
    const info = JSON.parse((await runCli(['info', path.join(dir, 'auftrag-rot_1'), '--json'])).stdout);
    assert.deepEqual([info.format, info.messages], ['db-index', 111]);
    assert.ok((await readFile(path.join(dir, 'auftrag-rot_1.db'))).subarray(0, 15).toString() === 'SQLite format 3');
  });
});
