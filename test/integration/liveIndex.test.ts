import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { MqttClient } from 'mqtt';
import { openAnalysis } from '../../src/core/analysis/analysisDb';
import { timeline } from '../../src/core/analysis/timeline';
import { topicTotals } from '../../src/core/index/topicTotals';
import { buildIndexFromLog } from '../../src/core/index/indexBuilder';
import { ensureIndex } from '../../src/core/index/sessionIndex';
import { closeClient, connectBroker } from '../../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../../src/core/mqtt/brokerProfile';
import { SessionRecorder } from '../../src/core/record/sessionRecorder';
import { searchSession } from '../../src/core/search/sessionSearch';
import { DbSessionReader } from '../../src/core/session/dbSessionReader';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { useMosquitto } from '../brokers';
import { CLI, runCli, tempDir, waitFor } from '../helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


async function publish(pub: MqttClient, from: number, n: number): Promise<void> {
  await Promise.all([...Array(n).keys()].map((k) => pub.publishAsync(`live/${(from + k) % 3}`, JSON.stringify({ seq: from + k, word: 'needle' }), { qos: 1 })));
}

/** Per-topic counts of an index as `topic_stats` keeps them, sorted. */
function countsOf(db: DbSessionReader['db']): [string, number][] {
  return topicTotals(db).map((t): [string, number] => [t.topic, t.count]).sort((a, b) => a[0].localeCompare(b[0]));
}

describe('the index kept while recording (issue 16)', function () {
  this.timeout(60_000);
  const mosquitto = useMosquitto();

  it('a recording is summarised, searched and drawn while it runs; its index is current within a second of the stop', async () => {
    const dir = await tempDir();
    const rec = await SessionRecorder.start({ profile: profileFromUrl(mosquitto().url), outDir: dir, name: 'live' });
    const pub = await connectBroker(profileFromUrl(mosquitto().url), { waitMs: 5000 });
    try {
      await publish(pub, 0, 300);
      await waitFor('300 messages recorded', () => rec.stats().messages >= 300);
      await waitFor('the live index to catch up', () => rec.stats().indexLag === 0);
      const files = await resolveSession(rec.logPath);
      const ensured = await ensureIndex(files);
      assert.equal(ensured.built, false, 'the live index is used, not rebuilt under the recorder');
      const a = await openAnalysis(files);
      try {
        assert.equal(a.origin, 'index');
        assert.deepEqual(countsOf(a.db), [['live/0', 100], ['live/1', 100], ['live/2', 100]]);
        const t = timeline(a.db, { bins: 50 });
        assert.equal(t.lanes.reduce((n, l) => n + l.total, 0), 300);
      } finally {
        a.close();
      }
      assert.equal((await searchSession(files, { text: 'needle', limit: 1000 })).length, 300);

      await publish(pub, 300, 200);
      await waitFor('500 messages recorded', () => rec.stats().messages >= 500);
      const t0 = Date.now();
      const r = await rec.stop();
      const stopMs = Date.now() - t0;
      assert.equal(r.dbPath, rec.logPath.replace(/\.log$/, '.db'));
      assert.ok(stopMs < 2000, `stopped with its index in ${stopMs} ms`);
      const after = await ensureIndex(await resolveSession(rec.logPath));
      assert.equal(after.built, false, 'current for the closed .log');
      // The same figures as an index built whole from the .log.
      const whole = path.join(dir, 'whole.db');
      await buildIndexFromLog(rec.logPath, whole);
      const live = await DbSessionReader.open(r.dbPath as string);
      const bulk = await DbSessionReader.open(whole);
      try {
        assert.deepEqual(countsOf(live.db), countsOf(bulk.db));
        assert.deepEqual(countsOf(live.db).map(([, n]) => n), [167, 167, 166]);
        assert.equal(live.readIndexMeta('index.live'), false);
        assert.deepEqual(live.readIndexMeta('index.sessionEnd'), bulk.readIndexMeta('index.sessionEnd'));
        const range = { fromMs: Number(live.db.get('SELECT MIN(ts_ms) AS a FROM mqtt_messages')?.a), toMs: Number(live.db.get('SELECT MAX(ts_ms) AS b FROM mqtt_messages')?.b), bins: 20 };
        const lanes = (db: DbSessionReader['db']): [string, number][] => timeline(db, range).lanes.map((l): [string, number] => [l.topic, l.total]).sort();
        assert.deepEqual(lanes(live.db), lanes(bulk.db));
      } finally {
        live.close();
        bulk.close();
      }
    } finally {
      await closeClient(pub);
      await rec.stop();
    }
  });

  it('a killed recorder leaves its index part-done; recover finishes it from where it stopped', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, [CLI, 'record', '--broker', mosquitto().url, '--out', dir, '--name', 'killed', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor('the recorder', () => /\nsubscribed to /.test(stderr));
    const logPath = (stderr.match(/into (\S+\.log)/) as RegExpMatchArray)[1];
    const dbPath = logPath.replace(/\.log$/, '.db');
    const pub = await connectBroker(profileFromUrl(mosquitto().url), { waitMs: 5000 });
    await publish(pub, 0, 200);
    // Indexed so far: all 200 (the index catches up once a second); then idle, then killed.
    await waitFor('the live index to hold 200 messages', async () => {
      try {
        const r = await DbSessionReader.open(dbPath);
        try {
          const n = Number(r.db.get('SELECT COUNT(*) AS n FROM mqtt_messages')?.n);
          if (process.env.DEBUG_LIVE) console.log('count', n);
          return n === 200;
        } finally {
          r.close();
        }
      } catch (err) {
        if (process.env.DEBUG_LIVE) console.log(String(err));
        return false;
      }
    });
    await sleep(300);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    await closeClient(pub);
    const r = await runCli(['recover', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /closed as interrupted, 200 messages, index finished from line \d+/);
    const line = Number((r.stdout.match(/from line (\d+)/) as RegExpMatchArray)[1]);
    assert.ok(line > 200, `taken up after the 200 messages (line ${line})`);
    const ensured = await ensureIndex(await resolveSession(logPath));
    assert.equal(ensured.built, false, 'finished, current');
    const reader = await DbSessionReader.open(dbPath);
    try {
      assert.equal(Number(reader.db.get('SELECT COUNT(DISTINCT payload) AS n FROM mqtt_messages')?.n), 200);
      assert.equal((reader.readIndexMeta('index.sessionEnd') as { status: string }).status, 'interrupted');
    } finally {
      reader.close();
    }
  });
});
