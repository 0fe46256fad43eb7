import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DbSessionReader } from '../../src/core/session/dbSessionReader';
import { SessionLogReader } from '../../src/core/session/logReader';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { summarizeSession } from '../../src/core/session/sessionSummary';
import { removeTempDirs, sqliteAt, tempDir } from '../helpers';

const GOOD = (i: number): string => JSON.stringify({ topic: `t/${i}`, payload: `{"n":${i}}`, timestamp: `2026-01-01T00:00:0${i}.000Z`, qos: 0, retain: false });

async function readText(text: string | Buffer): Promise<SessionLogReader & { got: number }> {
  const dir = await tempDir();
  const file = path.join(dir, 'bad.log');
  await writeFile(file, text);
  const reader = new SessionLogReader(file);
  const got = (await reader.readAll()).length;
  return Object.assign(reader, { got });
}

describe('bad input', () => {
  after(removeTempDirs);

  it('a truncated last line is the tail of an interrupted recording', async () => {
    const r = await readText(`${GOOD(1)}\n${GOOD(2)}\n${GOOD(3).slice(0, 30)}`);
    assert.equal(r.got, 2);
    assert.deepEqual(r.problems.items, [{ line: 3, reason: 'truncated last line (interrupted recording)' }]);
  });

  it('a line that is not JSON is skipped, counted and named by line', async () => {
    const r = await readText(`${GOOD(1)}\nthis is not json\n${GOOD(2)}\n`);
    assert.equal(r.got, 2);
    assert.deepEqual(r.problems.items, [{ line: 2, reason: 'not JSON' }]);
  });

  it('JSON lines with wrong types name the field', async () => {
    const lines = [
      GOOD(1),
      JSON.stringify({ topic: 5, payload: 'x', timestamp: '2026-01-01T00:00:00Z' }),
      JSON.stringify({ topic: 'a', timestamp: '2026-01-01T00:00:00Z' }),
      JSON.stringify({ topic: 'a', payload: 'x', timestamp: 'yesterday' }),
      JSON.stringify({ topic: 'a', payload: 'x', timestamp: '2026-01-01T00:00:00Z', qos: 3 }),
      JSON.stringify({ topic: 'a', payload: 'x', timestamp: '2026-01-01T00:00:00Z', retain: 'yes' }),
      JSON.stringify({ topic: 'a', payload: '!!!', timestamp: '2026-01-01T00:00:00Z', payloadEncoding: 'base64' }),
      '[1,2,3]',
      'null',
      JSON.stringify({ topic: '', payload: 'x', timestamp: '2026-01-01T00:00:00Z' }),
      GOOD(2),
    ];
    const r = await readText(`${lines.join('\n')}\n`);
    assert.equal(r.got, 2);
    assert.deepEqual(r.problems.items, [
      { line: 2, reason: 'field "topic": expected a non-empty string, got number' },
      { line: 3, reason: 'field "payload" missing' },
      { line: 4, reason: 'field "timestamp": not an ISO 8601 time: yesterday' },
      { line: 5, reason: 'field "qos": expected 0, 1 or 2, got number' },
      { line: 6, reason: 'field "retain": expected true or false, got "yes"' },
      { line: 7, reason: 'field "payload": not valid base64' },
      { line: 8, reason: 'not a JSON object' },
      { line: 9, reason: 'not a JSON object' },
      { line: 10, reason: 'field "topic": expected a non-empty string, got ""' },
    ]);
  });

  it('reads a BOM, CRLF line ends and blank lines without problems', async () => {
    const r = await readText(`\uFEFF${GOOD(1)}\r\n\r\n   \n${GOOD(2)}\r\n\n`);
    assert.equal(r.got, 2);
    assert.equal(r.problems.count, 0);
    assert.equal(r.lines, 5);
  });

  it('an empty file is an empty session, not an error', async () => {
    const r = await readText('');
    assert.equal(r.got, 0);
    assert.equal(r.problems.count, 0);
    const files = await resolveSession(r.path);
    const s = await summarizeSession(files);
    assert.deepEqual([s.messages, s.topics, s.start, s.end, s.durationSec], [0, 0, null, null, 0]);
  });

  it('bytes that are not UTF-8 inside a line do not stop the file', async () => {
    const r = await readText(Buffer.concat([Buffer.from(`${GOOD(1)}\n{"topic":"a","payload":"`), Buffer.from([0xff, 0xfe]), Buffer.from(`","timestamp":"2026-01-01T00:00:00Z"}\n${GOOD(2)}\n`)]));
    assert.equal(r.got, 3);
  });

  it('a .db that is not SQLite gives one clear error naming the file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'fake.db');
    await writeFile(file, 'this is a text file pretending to be a database, long enough to have a header......................................');
    await assert.rejects(DbSessionReader.open(file), (err: Error) => err.message === `${file}: not an SQLite database`);
    await writeFile(file, '');
    await assert.rejects(DbSessionReader.open(file), /not an SQLite database/);
  });

  it('a .db without mqtt_messages gives one clear error naming the file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'other.db');
    sqliteAt(file, 'CREATE TABLE something_else (x)').close();
    await assert.rejects(summarizeSession(await resolveSession(file)), (err: Error) => err.message === `${file}: no table mqtt_messages (not a session database)`);
  });

  it('a .db row with a bad timestamp is a problem with its row id', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'rows.db');
    sqliteAt(file, "CREATE TABLE mqtt_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, timestamp TEXT NOT NULL); INSERT INTO mqtt_messages(topic,payload,timestamp) VALUES ('a','1','2026-01-01T00:00:00'),('b','2','garbage'),('c','3','2026-01-01T00:00:01')").close();
    const s = await summarizeSession(await resolveSession(file));
    assert.equal(s.messages, 2);
    assert.deepEqual(s.problems, [{ line: 2, reason: 'column "timestamp": not an ISO 8601 time: garbage' }]);
  });

  describe('fuzz', () => {
    const base = Array.from({ length: 40 }, (_, i) => JSON.stringify({ topic: `f/${i % 7}`, payload: JSON.stringify({ i, s: 'ä€😀' }), timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), qos: i % 3, retain: i % 2 === 0 }));

    function mutate(line: string, rnd: () => number): string {
      const ops = [
        () => line.slice(0, Math.floor(rnd() * line.length)),
        () => line.replace('"topic"', '"topik"'),
        () => line.replace(/"qos":\d/, `"qos":${Math.floor(rnd() * 10) - 3}`),
        () => line.replace(/"timestamp":"[^"]*"/, '"timestamp":"2026-13-45T99:99:99Z"'),
        () => line.replace(/"payload":"/, '"payload":{"'),
        () => `${line}${line}`,
        () => line.split('').reverse().join(''),
        () => String.fromCharCode(Math.floor(rnd() * 65536)) + line,
        () => line.replace(/,/g, ';'),
        () => line,
      ];
      return ops[Math.floor(rnd() * ops.length)]();
    }

    it('random bytes and mutated lines never crash the reader, and every line is accounted for', async () => {
      let seed = 20261122;
      const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let round = 0; round < 200; round++) {
        const parts: (string | Buffer)[] = [];
        for (const line of base) parts.push(rnd() < 0.3 ? mutate(line, rnd) : line, rnd() < 0.1 ? '\r\n' : '\n');
        if (rnd() < 0.5) parts.splice(Math.floor(rnd() * parts.length), 0, randomBytes(Math.floor(rnd() * 300)));
        const r = await readText(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
        assert.ok(r.got + r.problems.count <= r.lines, `round ${round}: more results than lines`);
        assert.ok(r.got >= 1, `round ${round}: good lines still read`);
        assert.ok(r.problems.items.every((p) => p.line >= 1 && p.line <= r.lines && p.reason.length > 0));
      }
    });

    it('a file of pure random bytes gives problems, not an exception', async () => {
      for (let i = 0; i < 20; i++) {
        const r = await readText(randomBytes(5000));
        assert.equal(r.got, 0);
        assert.ok(r.problems.count >= 1);
      }
    });
  });
});
