import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ensureIndex } from '../../src/core/index/sessionIndex';
import { SessionLogReader } from '../../src/core/session/logReader';
import { scanCatalog } from '../../src/core/session/sessionCatalog';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { summarizeSession } from '../../src/core/session/sessionSummary';
import { SAMPLE_SESSIONS, copyOfSamples, removeTempDirs } from '../helpers';

/** Hand-checked against the files (python json/sqlite3 over each sample). */
const EXPECTED = [
  { file: 'storage_order_white_20251110_180844.log', format: 'log', messages: 552, topics: 48, start: '2025-11-10T18:06:34.903Z', end: '2025-11-10T18:08:43.700Z' },
  { file: 'storage_order_white_20251110_180844.db', format: 'db-recorder', messages: 552, topics: 48, start: '2025-11-10T18:06:34.903Z', end: '2025-11-10T18:08:43.700Z' },
  { file: 'auftrag-rot_1.log', format: 'log', messages: 111, topics: 18, start: '2025-11-10T17:58:24.164Z', end: '2025-11-10T18:01:08.668Z' },
  { file: 'red-storage-production_20260807_113213.log', format: 'log-meta', messages: 1354, topics: 38, start: '2026-08-07T09:26:46.964Z', end: '2026-08-07T09:31:24.194Z' },
  { file: 'startup-clean_20260512_102831.log', format: 'log-meta', messages: 412, topics: 43, start: '2026-05-12T08:27:10.037Z', end: '2026-05-12T08:28:31.677Z' },
  { file: 'synthetic-arduino-sensors_20260508_091000.log', format: 'log-meta', messages: 30, topics: 10, start: '2026-05-08T09:10:00.000Z', end: '2026-05-08T09:10:30.400Z' },
  { file: 'default_test_session.db', format: 'db-legacy', messages: 205, topics: 41, start: '2025-08-14T16:14:45.240Z', end: '2025-08-14T16:15:33.352Z' },
] as const;

describe('ORBIS samples', () => {
  after(removeTempDirs);

  for (const e of EXPECTED) {
    it(`reads ${e.file}: ${e.messages} messages, ${e.topics} topics`, async () => {
      const full = path.join(SAMPLE_SESSIONS, e.file);
      // Read exactly this file, not its partner.
      const files = await resolveSession(full);
      const only = e.file.endsWith('.log') ? { ...files, db: undefined } : { ...files, log: undefined };
      const s = await summarizeSession(only);
      assert.equal(s.format, e.format);
      assert.equal(s.messages, e.messages);
      assert.equal(s.topics, e.topics);
      assert.equal(s.start, e.start);
      assert.equal(s.end, e.end);
      assert.equal(s.problemCount, 0);
      assert.deepEqual(s.problems, []);
    });
  }

  it('keeps a meta line as metadata, with its keys, not as a message', async () => {
    const reader = new SessionLogReader(path.join(SAMPLE_SESSIONS, 'red-storage-production_20260807_113213.log'));
    const messages = await reader.readAll();
    assert.equal(messages.length, 1354);
    assert.equal(reader.lines, 1355);
    assert.equal(reader.meta?.data.sessionName, 'red-storage-production');
    assert.equal(reader.meta?.data.recordingExclusionPreset, 'no_cam');
    assert.ok(messages.every((m) => !m.topic.startsWith('_')));
    assert.equal(messages[0].source, 2, 'first message is on line 2');
  });

  it('reads snake_case meta keys and keeps unknown ones', async () => {
    const reader = new SessionLogReader(path.join(SAMPLE_SESSIONS, 'synthetic-arduino-sensors_20260508_091000.log'));
    const messages = await reader.readAll();
    assert.equal(reader.meta?.data.session_name, 'synthetic-arduino-sensors_20260508_091000');
    assert.equal(reader.meta?.data.source, 'synthetic-from-arduino-sketch');
    assert.equal(messages[0].qos, 1);
    assert.equal(messages[0].retain, true);
  });

  it('reads naive timestamps as UTC by default and as local time when asked', async () => {
    const file = path.join(SAMPLE_SESSIONS, 'auftrag-rot_1.log');
    const [utc] = await new SessionLogReader(file).readAll();
    const [local] = await new SessionLogReader(file, { naive: 'local' }).readAll();
    assert.equal(utc.timestamp, '2025-11-10T17:58:24.164881');
    assert.equal(utc.tsMs, Date.UTC(2025, 10, 10, 17, 58, 24) + 164.881);
    assert.equal(utc.tsMs - local.tsMs, 3_600_000, 'Berlin is UTC+1 in November');
    assert.equal(local.tsMs - utc.tsMs, new Date(2025, 10, 10, 17, 58, 24).getTimezoneOffset() * 60_000);
  });

  it('pairs .log and .db by base name in the catalog', async () => {
    const entries = await scanCatalog([SAMPLE_SESSIONS]);
    assert.deepEqual(
      entries.map((e) => [e.files.name, Boolean(e.files.log), Boolean(e.files.db), e.summary?.messages]),
      [
        ['auftrag-rot_1', true, false, 111],
        ['default_test_session', false, true, 205],
        ['red-storage-production_20260807_113213', true, false, 1354],
        ['startup-clean_20260512_102831', true, false, 412],
        ['storage_order_white_20251110_180844', true, true, 552],
        ['synthetic-arduino-sensors_20260508_091000', true, false, 30],
      ],
    );
    assert.ok(entries.every((e) => e.error === undefined));
  });

  it('indexes every sample .log to the same figures, and then reads the index', async () => {
    const dir = await copyOfSamples();
    for (const e of EXPECTED.filter((x) => x.file.endsWith('.log'))) {
      const files = await resolveSession(path.join(dir, e.file));
      const r = await ensureIndex(files);
      assert.equal(r.built, true);
      assert.equal(r.build?.messages, e.messages);
      const s = await summarizeSession(await resolveSession(path.join(dir, e.file)));
      assert.equal(s.format, 'db-index', `${e.file} is read from its index`);
      assert.deepEqual([s.messages, s.topics, s.start, s.end], [e.messages, e.topics, e.start, e.end]);
    }
  });
});
