import * as assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { openAnalysis } from '../../src/core/analysis/analysisDb';
import { messageDetail } from '../../src/core/analysis/messageBrowser';
import { analyzeOpened } from '../../src/core/analysis/sessionAnalysis';
import { timeline } from '../../src/core/analysis/timeline';
import { buildIndexFromLog } from '../../src/core/index/indexBuilder';
import { captureTopicsFromSession } from '../../src/core/record/topicRecorder';
import { DbSessionReader } from '../../src/core/session/dbSessionReader';
import { rawMemberText } from '../../src/core/session/deepJson';
import { messageFromObject } from '../../src/core/session/logLine';
import { SessionLogReader } from '../../src/core/session/logReader';
import { resolveSession, splitSessionName } from '../../src/core/session/sessionFiles';
import { openSessionSource } from '../../src/core/session/sessionSource';
import { summarizeSession } from '../../src/core/session/sessionSummary';
import { MIN_TIME_MS, formatTimestamp, parseTimestamp } from '../../src/core/session/timestamps';
import { SAMPLE_SESSIONS, removeTempDirs, runCli, sqliteAt, tempDir } from '../helpers';

/** The bytes of an SQLite file built by `build` (through the project's engine, in a temp file). */
async function sqliteBytes(build: (db: ReturnType<typeof sqliteAt>) => void): Promise<Buffer> {
  const file = path.join(await tempDir(), 'fixture.db');
  const db = sqliteAt(file);
  try {
    build(db);
  } finally {
    db.close();
  }
  return readFile(file);
}

const line = (topic: string, payload: unknown, timestamp: unknown): string => JSON.stringify({ topic, payload, timestamp });
const GOOD = (i: number): string => line(`t/${i % 3}`, `{"n":${i}}`, `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`);
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

async function writeSession(name: string, content: string | Buffer): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function read(file: string): Promise<{ reader: SessionLogReader; messages: Awaited<ReturnType<SessionLogReader['readAll']>> }> {
  const reader = new SessionLogReader(file);
  return { reader, messages: await reader.readAll() };
}

describe('reading survives hostile lines', () => {
  after(removeTempDirs);

  describe('times out of range', () => {
    const bad = [1e20, -1e20, 8.64e15 + 1, MIN_TIME_MS - 1];
    const content = `${[GOOD(1), ...bad.map((t) => line('x', 'y', t)), GOOD(2)].join('\n')}\n`;

    it('are a problem of their line; the rest is read, summarised, indexed and analysed', async () => {
      const file = await writeSession('times_20260101_000000.log', content);
      const { reader, messages } = await read(file);
      assert.equal(messages.length, 2);
      assert.deepEqual(reader.problems.items.map((p) => p.line), [2, 3, 4, 5]);
      assert.match(reader.problems.items[0].reason, /^field "timestamp": out of range .*: 100000000000000000000$/);
      const s = await summarizeSession(await resolveSession(file));
      assert.equal(s.messages, 2);
      assert.equal(s.start, '2026-01-01T00:00:01.000Z');
      const built = await buildIndexFromLog(file, file.replace(/\.log$/, '.db'));
      assert.equal(built.messages, 2);
      assert.equal(built.problems, 4);
      const fromIndex = await summarizeSession(await resolveSession(file));
      assert.equal(fromIndex.format, 'db-index');
      assert.equal(fromIndex.problemCount, 4);
      const a = await openAnalysis(await resolveSession(file));
      try {
        assert.equal(analyzeOpened(await resolveSession(file), a).stats.messages, 2);
      } finally {
        a.close();
      }
    });

    it('in a .db row are a problem of the row', async () => {
      const bytes = await sqliteBytes((db) =>
        db.exec("CREATE TABLE mqtt_messages (id INTEGER PRIMARY KEY, topic TEXT, payload TEXT, timestamp TEXT); INSERT INTO mqtt_messages VALUES (1,'a','1','2026-01-01T00:00:00'), (2,'a','2','+275761-01-01T00:00:00Z'), (3,'a','3','0000-01-01T00:00:00Z')"),
      );
      const file = await writeSession('rows.db', bytes);
      const s = await summarizeSession(await resolveSession(file));
      assert.equal(s.messages, 2);
      assert.equal(s.start, '0000-01-01T00:00:00.000Z');
      assert.deepEqual(s.problems.map((p) => p.line), [2]);
    });

    it('an index written before they were refused is still read, summarised and analysed', async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'red-storage-production_20260807_113213.log');
      await writeFile(file, await readFile(path.join(SAMPLE_SESSIONS, path.basename(file))));
      const dbPath = file.replace(/\.log$/, '.db');
      await buildIndexFromLog(file, dbPath);
      sqliteAt(
        dbPath,
        "UPDATE mqtt_messages SET ts_ms = 1e20 WHERE id IN (SELECT id FROM mqtt_messages WHERE payload LIKE '%orderId%' LIMIT 3); UPDATE topic_stats SET last_ms = 1e20 WHERE topic = (SELECT topic FROM topic_stats LIMIT 1)",
      ).close();
      const files = await resolveSession(file);
      const s = await summarizeSession(files);
      assert.equal(s.format, 'db-index');
      assert.equal(s.end, 'invalid time 100000000000000000000');
      const a = await openAnalysis(files);
      try {
        JSON.stringify(analyzeOpened(files, a));
        timeline(a.db, { bins: 100 });
      } finally {
        a.close();
      }
      const reader = await DbSessionReader.open(dbPath);
      for await (const _batch of reader.batches());
      reader.close();
      assert.equal(reader.problems.count, 3);
    });

    it('formatting one never throws "Invalid time value"', () => {
      assert.equal(formatTimestamp(1e20), 'invalid time 100000000000000000000');
      assert.equal(formatTimestamp(Number.NaN), 'invalid time NaN');
    });

    it('the CLI info, list and analyze give the line, not "Invalid time value"', async () => {
      const file = await writeSession('cli_20260101_000000.log', content);
      for (const args of [['info', file], ['list', path.dirname(file)], ['analyze', file, '--format', 'json']]) {
        const r = await runCli(args);
        assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
        assert.doesNotMatch(r.stdout + r.stderr, /Invalid time value/);
      }
      assert.match((await runCli(['info', file])).stdout, /line 2: field "timestamp": out of range/);
    });
  });

  describe('years 0000–0099', () => {
    it('are read as written, not as 1900–1999', () => {
      assert.equal(parseTimestamp('0000-01-01T00:00:00.000Z'), MIN_TIME_MS);
      assert.equal(formatTimestamp(parseTimestamp('0050-03-01T12:34:56.789Z')), '0050-03-01T12:34:56.789Z');
      assert.equal(formatTimestamp(parseTimestamp('0099-12-31T23:59:59Z')), '0099-12-31T23:59:59.000Z');
      assert.equal(formatTimestamp(parseTimestamp('0099-12-31 23:59:59.5')), '0099-12-31T23:59:59.500Z');
      const local = parseTimestamp('0050-06-01T12:00:00', 'local');
      assert.equal(new Date(local).getFullYear(), 50);
      assert.equal(new Date(local).getHours(), 12);
      assert.equal(splitSessionName('x_00500101_000000').stampMs, Date.parse('0050-01-01T00:00:00Z'));
    });
  });

  describe('deep nesting', () => {
    it('a payload object nested 6,000 levels is kept as its text and named; info, index and the browser work', async () => {
      const deepLine = `{"topic":"deep","payload":${nested(6000)},"timestamp":"2026-01-01T00:00:03Z"}`;
      const file = await writeSession('deep_20260101_000000.log', `${GOOD(1)}\n${deepLine}\n${GOOD(2)}\n`);
      const { reader, messages } = await read(file);
      assert.equal(messages.length, 3);
      assert.equal(messages[1].payload, nested(6000));
      assert.deepEqual(reader.problems.items, [{ line: 2, reason: 'field "payload": JSON nested 6000 levels deep (limit 512), kept as text' }]);
      const s = await summarizeSession(await resolveSession(file));
      assert.equal(s.messages, 3);
      JSON.stringify(s);
      await buildIndexFromLog(file, file.replace(/\.log$/, '.db'));
      const a = await openAnalysis(await resolveSession(file));
      try {
        assert.equal(analyzeOpened(await resolveSession(file), a).stats.messages, 3);
        const detail = messageDetail(a.db, 2);
        assert.equal(detail?.kind, 'text');
      } finally {
        a.close();
      }
    });

    it('a payload string of 10,000 levels is named, and record-topics --session writes it as text', async () => {
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      const file = await writeSession('deepstr.log', `${line('s/deep', deep, '2026-01-01T00:00:00Z')}\n${GOOD(1)}\n`);
      const { reader, messages } = await read(file);
      assert.equal(messages.length, 2);
      assert.deepEqual(reader.problems.items, [{ line: 1, reason: 'field "payload": JSON nested 10000 levels deep (limit 512), kept as text' }]);
      const out = path.join(path.dirname(file), 'topics');
      const source = await openSessionSource(await resolveSession(file));
      const result = await captureTopicsFromSession(source, { outDir: out });
      assert.equal(result.written, 2);
      const saved = JSON.parse(await readFile(path.join(out, 's_deep.json'), 'utf8')) as { payload: unknown };
      assert.equal(saved.payload, deep);
      assert.equal((await readdir(out)).length, 2);
    });

    it('deep props or keys are left out and named; a deep metadata line is a problem', async () => {
      const props = `{"topic":"p","payload":"x","timestamp":"2026-01-01T00:00:00Z","props":${nested(600)},"odd":${nested(700)}}`;
      const meta = `{"_kind":"event","data":${nested(600)}}`;
      const file = await writeSession('props.log', `${props}\n${meta}\n${GOOD(1)}\n`);
      const { reader, messages } = await read(file);
      assert.equal(messages.length, 2);
      assert.equal(messages[0].props, undefined);
      assert.deepEqual(reader.problems.items, [
        { line: 1, reason: 'field "props": nested deeper than 512 levels, left out; field "odd": nested deeper than 512 levels, left out' },
        { line: 2, reason: 'metadata line: JSON nested 601 levels deep (limit 512)' },
      ]);
      await buildIndexFromLog(file, file.replace(/\.log$/, '.db'));
    });

    it('an import row whose payload object nests 20,000 levels is a problem, not a stack overflow', () => {
      const payload: Record<string, unknown> = {};
      let node = payload;
      for (let i = 0; i < 20_000; i++) node = node.a = {} as Record<string, unknown>;
      const parsed = messageFromObject({ topic: 'x', payload, timestamp: '2026-01-01T00:00:00Z' }, 7, 'utc');
      assert.deepEqual(parsed, { type: 'problem', reason: 'field "payload": nested deeper than 512 levels' });
    });

    it('the raw member scan takes the last top-level member, skipping strings and nested keys', () => {
      assert.equal(rawMemberText('{"a":{"payload":1},"payload" : [1,{"b":"}"}] ,"payload":{"c":"\\"x"}}', 'payload'), '{"c":"\\"x"}');
      assert.equal(rawMemberText('{"p\\u0061yload":[[1]]}', 'payload'), '[[1]]');
      assert.equal(rawMemberText('{"a":1}', 'payload'), undefined);
    });
  });

  describe('.db rows with NULL or repeated ids', () => {
    const layouts = {
      recorder: 'CREATE TABLE mqtt_messages (id INTEGER, topic TEXT, payload TEXT, timestamp TEXT)',
      wide: 'CREATE TABLE mqtt_messages (id INTEGER, timestamp TEXT, topic TEXT, payload TEXT, qos INTEGER, retain BOOLEAN, message_type TEXT, module_type TEXT, serial_number TEXT, session_label TEXT)',
    };
    for (const [layout, create] of Object.entries(layouts)) {
      it(`are all read (${layout} layout): 100 rows with 50 NULL ids, 6,000 rows with 5,000 repeats`, async () => {
        for (const [rows, idOf] of [[100, (i: number) => (i % 2 ? null : i)], [6000, (i: number) => (i < 5000 ? 7 : i)]] as const) {
          const bytes = await sqliteBytes((db) => {
            db.exec(create);
            const put = db.prepare('INSERT INTO mqtt_messages(id, topic, payload, timestamp) VALUES (?, ?, ?, ?)');
            db.exec('BEGIN');
            for (let i = 0; i < rows; i++) put.run([idOf(i), `t/${i % 5}`, String(i), `2026-01-01T00:00:00.${String(i % 1000).padStart(3, '0')}`]);
            db.exec('COMMIT');
            put.finalize();
          });
          const file = await writeSession(`ids${rows}.db`, bytes);
          const reader = await DbSessionReader.open(file);
          let read = 0;
          const payloads = new Set<string>();
          for await (const batch of reader.batches(1000)) for (const m of batch) (read++, payloads.add(m.payload));
          reader.close();
          assert.equal(read, rows);
          assert.equal(payloads.size, rows);
          assert.equal((await summarizeSession(await resolveSession(file))).messages, rows);
        }
      });
    }

    it('a WITHOUT ROWID table is a clear error naming the file', async () => {
      const bytes = await sqliteBytes((db) => db.exec("CREATE TABLE mqtt_messages (id INTEGER PRIMARY KEY, topic TEXT, payload TEXT, timestamp TEXT) WITHOUT ROWID; INSERT INTO mqtt_messages VALUES (1,'a','b','2026-01-01T00:00:00Z')"));
      const file = await writeSession('norowid.db', bytes);
      await assert.rejects(DbSessionReader.open(file), { message: `${file}: table mqtt_messages has no rowid (a WITHOUT ROWID table or a view): not supported` });
    });
  });

  describe('invalid UTF-8 and _kind', () => {
    it('a line with invalid UTF-8 is read and named; a character split across chunks is not', async () => {
      const head = Buffer.from(`${GOOD(1)}\n{"topic":"u","payload":"`);
      const bad = Buffer.from([0xff, 0xfe, 0x41]);
      const mid = Buffer.from(`","timestamp":"2026-01-01T00:00:02Z"}\n`);
      // A line whose first "€" (3 bytes) starts one byte before the end of the 1 MiB read chunk.
      const pad = 'x'.repeat((1 << 20) - 1 - (head.length + bad.length + mid.length) - '{"topic":"v","payload":"'.length);
      const straddle = Buffer.from(`{"topic":"v","payload":"${pad}€€€","timestamp":"2026-01-01T00:00:03Z"}\n`);
      const file = await writeSession('utf8.log', Buffer.concat([head, bad, mid, straddle]));
      const { reader, messages } = await read(file);
      assert.equal(messages.length, 3);
      assert.equal(messages[1].payload, '\ufffd\ufffdA');
      assert.ok(messages[2].payload.endsWith('€€€'));
      assert.deepEqual(reader.problems.items, [{ line: 2, reason: 'invalid UTF-8 (read as U+FFFD)' }]);
    });

    it('"_kind": null with message fields is a message; a non-string _kind alone is a problem', async () => {
      const file = await writeSession('kind.log', [
        JSON.stringify({ _kind: null, topic: 'k', payload: 'p', timestamp: '2026-01-01T00:00:00Z' }),
        JSON.stringify({ _kind: 5 }),
        JSON.stringify({ _kind: 'event', what: 'x' }),
      ].join('\n'));
      const { reader, messages } = await read(file);
      assert.equal(messages.length, 1);
      assert.equal(messages[0].topic, 'k');
      assert.equal(reader.records.length, 1);
      assert.deepEqual(reader.problems.items, [{ line: 2, reason: 'field "_kind": expected a string, got number' }]);
    });
  });

  describe('broken .db files and folders', () => {
    it('a truncated SQLite file gives an error naming the file', async () => {
      const bytes = await readFile(path.join(SAMPLE_SESSIONS, 'default_test_session.db'));
      const file = await writeSession('trunc.db', bytes.subarray(0, 700_000));
      await assert.rejects(summarizeSession(await resolveSession(file)), (err: Error) => err.message.startsWith(`${file}: `) && /malformed/.test(err.message));
      const r = await runCli(['analyze', file]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}: .*malformed`));
    });

    it('list names the unreadable session on stderr (one line), lists the others, exits 1', async () => {
      const dir = path.dirname(await writeSession('good_20260101_000000.log', `${GOOD(1)}\n`));
      const bytes = await readFile(path.join(SAMPLE_SESSIONS, 'default_test_session.db'));
      await writeFile(path.join(dir, 'broken.db'), bytes.subarray(0, 4096));
      const r = await runCli(['list', dir]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /good_20260101_000000 +log +1 /);
      const errLines = r.stderr.trim().split('\n');
      assert.equal(errLines.length, 1);
      assert.match(errLines[0], new RegExp(`^mqtt-sessions: ${path.join(dir, 'broken.db').replace(/[.]/g, '\\.')}: `));
    });
  });
});
