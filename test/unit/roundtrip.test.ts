import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { buildIndexInWorker } from '../../src/core/index/indexClient';
import { DbSessionReader } from '../../src/core/session/dbSessionReader';
import { SessionLogReader } from '../../src/core/session/logReader';
import { SessionLogWriter } from '../../src/core/session/logWriter';
import { type SessionMessage, encodePayload, payloadBytes } from '../../src/core/session/sessionMessage';
import { formatTimestamp } from '../../src/core/session/timestamps';
import { removeTempDirs, tempDir } from '../helpers';

function message(topic: string, bytes: Uint8Array | string, i: number, extra: Partial<SessionMessage> = {}): SessionMessage {
  const enc = typeof bytes === 'string' ? { payload: bytes, payloadEncoding: 'utf8' as const } : encodePayload(bytes);
  const ts = Date.UTC(2026, 10, 22, 12, 0, 0) + i * 7;
  return { topic, ...enc, timestamp: formatTimestamp(ts), tsMs: ts, qos: 0, retain: false, ...extra };
}

/** Every kind of payload and topic the issue names, plus some nastier ones. */
function corpus(): SessionMessage[] {
  const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xa0, 0xa1]);
  const huge = 'x'.repeat(1024 * 1024 - 10) + 'ümlaut€';
  return [
    message('bin/raw', binary, 0, { qos: 1 }),
    message('bin/random', randomBytes(4096), 1, { qos: 2, retain: true }),
    message('bin/jpeg', Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRof', 'base64'), 2),
    message('unicode/übung/日本語/🏭', '{"name":"Grüße 🌍 عربى עברית","combining":"e\u0301"}', 3),
    message('zero/width\u200b/topic', 'nul\u0000inside and \u2028 line separator', 4),
    message('empty/payload', '', 5, { retain: true }),
    message('empty/binary', new Uint8Array(0), 6),
    message('huge/payload', huge, 7, { qos: 1 }),
    message('html/<script>alert(1)</script>', '<img src=x onerror=alert(1)>"\'&', 8),
    message('lines/crlf', 'a\r\nb\nc\r', 9),
    message('props/v5', '{"ok":true}', 10, { props: { contentType: 'application/json', userProperties: { a: '1', b: ['x', 'y'] }, messageExpiryInterval: 60 } }),
    message('qos/two', 'retained at 2', 11, { qos: 2, retain: true }),
  ];
}

function comparable(m: SessionMessage): unknown {
  return { topic: m.topic, bytes: payloadBytes(m).toString('hex'), payloadEncoding: m.payloadEncoding, timestamp: m.timestamp, tsMs: m.tsMs, qos: m.qos, retain: m.retain, props: m.props };
}

describe('write → read round trips', () => {
  after(removeTempDirs);

  it('keeps every byte, topic, time, QoS, retain flag and property through the .log and the .db', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'roundtrip_20261122_120000.log');
    const written = corpus();
    const w = new SessionLogWriter(log);
    w.writeMeta({ sessionName: 'roundtrip', recordingStartedAt: written[0].timestamp, custom: { nested: [1, 2] } });
    for (const m of written) w.writeMessage(m);
    w.writeRecord('event', { event: 'pause', at: written[5].timestamp });
    w.close({ status: 'completed', messages: written.length });

    const reader = new SessionLogReader(log);
    const fromLog = await reader.readAll();
    assert.equal(reader.problems.count, 0, JSON.stringify(reader.problems.items));
    assert.deepEqual(fromLog.map(comparable), written.map(comparable));
    assert.deepEqual(reader.meta?.data.custom, { nested: [1, 2] });
    assert.equal(reader.end?.data.status, 'completed');
    assert.equal(reader.records.filter((r) => r.kind === 'event').length, 1);

    const db = path.join(dir, 'roundtrip_20261122_120000.db');
    const built = await buildIndexInWorker(log, db);
    assert.equal(built.messages, written.length);
    const dbReader = await DbSessionReader.open(db);
    try {
      const fromDb: SessionMessage[] = [];
      for await (const batch of dbReader.batches(5)) fromDb.push(...batch);
      assert.equal(dbReader.format, 'db-index');
      assert.deepEqual(fromDb.map(comparable), written.map(comparable));
      assert.deepEqual(dbReader.meta().custom, { nested: [1, 2] });
    } finally {
      dbReader.close();
    }
  });

  it('writes UTF-8 text as text and only non-UTF-8 bytes as base64', () => {
    assert.equal(encodePayload(Buffer.from('{"a":"ü"}')).payloadEncoding, 'utf8');
    assert.equal(encodePayload(new Uint8Array([0xc3, 0x28])).payloadEncoding, 'base64');
    assert.equal(encodePayload(new Uint8Array(0)).payloadEncoding, 'utf8');
  });

  it('refuses to overwrite an existing .log', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'x.log');
    new SessionLogWriter(log).close();
    assert.throws(() => new SessionLogWriter(log), /EEXIST/);
  });
});
