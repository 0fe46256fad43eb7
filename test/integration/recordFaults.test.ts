import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { MqttClient } from 'mqtt';
import { connectBroker } from '../../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../../src/core/mqtt/brokerProfile';
import { SessionRecorder } from '../../src/core/record/sessionRecorder';
import { SessionLogReader } from '../../src/core/session/logReader';
import { payloadBytes } from '../../src/core/session/sessionMessage';
import { Mosquitto, freePort } from '../brokers';
import { CLI, removeTempDirs, runCli, tempDir, waitFor } from '../helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Within the 1 s ceiling of the back-off, plus the time a loaded CI machine takes to connect. */
const BACK_WITHIN_MS = 1300;

async function publisher(url: string): Promise<MqttClient> {
  return connectBroker({ ...profileFromUrl(url), clientId: `pub-${Math.random().toString(16).slice(2)}` }, { waitMs: 10_000 });
}


/** The epoch ms of each `reconnect` the recorder reports. */
function reconnectTimes(rec: SessionRecorder): number[] {
  const times: number[] = [];
  rec.on('event', (e) => {
    if (e.event === 'reconnect') times.push(Date.now());
  });
  return times;
}

async function seqsOf(logPath: string, topic: string): Promise<number[]> {
  const messages = await new SessionLogReader(logPath).readAll();
  return messages.filter((m) => m.topic === topic).map((m) => JSON.parse(payloadBytes(m).toString()).seq);
}

async function publishSeq(pub: MqttClient, topic: string, from: number, n: number, qos: 0 | 1): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let i = from; i < from + n; i++) sends.push(pub.publishAsync(topic, JSON.stringify({ seq: i }), { qos }));
  await Promise.all(sends);
}

describe('recording through broker faults (mosquitto)', function () {
  this.timeout(120_000);
  after(removeTempDirs);

  it('starts while the broker is down, shows it waits, and records once the broker is up', async () => {
    const port = await freePort();
    const broker = await Mosquitto.start([], { port, run: false });
    const dir = await tempDir();
    const rec = await SessionRecorder.open({ profile: { ...profileFromUrl(broker.url) }, outDir: dir, name: 'late', statsMs: 100 });
    try {
      await waitFor('the waiting state', () => rec.stats().state === 'waiting');
      assert.match(rec.stats().waitingFor ?? '', /connection refused/);
      await sleep(1500);
      await broker.run();
      await rec.ready;
      const lag = Date.now() - broker.upAt;
      assert.ok(lag <= BACK_WITHIN_MS, `subscribed ${lag} ms after the broker came up`);
      const pub = await publisher(broker.url);
      await publishSeq(pub, 'late/seq', 0, 50, 1);
      await pub.endAsync();
      await waitFor('50 messages', () => rec.stats().messages >= 50);
      const r = await rec.stop();
      assert.equal(r.status, 'stopped');
      assert.deepEqual(await seqsOf(r.logPath, 'late/seq'), [...Array(50).keys()]);
      const text = await readFile(r.logPath, 'utf8');
      assert.match(text, /"event":"waiting-for-broker"/);
    } finally {
      await rec.stop();
      await broker.stop();
    }
  });

  it('--connect-timeout fails clearly when the broker never comes', async () => {
    const port = await freePort();
    const dir = await tempDir();
    const t0 = Date.now();
    const r = await runCli(['record', '--broker', `mqtt://127.0.0.1:${port}`, '--out', dir, '--connect-timeout', '1s', '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /not reachable within 1 s \(connection refused/);
    assert.ok(Date.now() - t0 < 10_000);
    const logs = (await readdir(dir)).filter((f) => f.endsWith('.log'));
    assert.equal(logs.length, 1);
    assert.match(await readFile(path.join(dir, logs[0]), 'utf8'), /"_kind":"session_end","status":"failed"/);
  });

  it('QoS 0: back within 1 s of each of 10 broker restarts, nothing lost while both are up; a 4 s outage too', async () => {
    const broker = await Mosquitto.start();
    const dir = await tempDir();
    const rec = await SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'restarts', subscribeQos: 0 });
    const times = reconnectTimes(rec);
    const lags: number[] = [];
    let sent = 0;
    try {
      for (let cycle = 0; cycle < 11; cycle++) {
        await broker.kill();
        await sleep(cycle === 10 ? 4000 : 300 + cycle * 50);
        await broker.run();
        await waitFor(`reconnect ${cycle + 1}`, () => times.length > cycle, 10_000);
        lags.push(times[cycle] - broker.upAt);
        const pub = await publisher(broker.url);
        await publishSeq(pub, 'restarts/seq', sent, 100, 0);
        sent += 100;
        await pub.endAsync();
        await waitFor(`messages of cycle ${cycle + 1}`, () => rec.stats().messages >= sent, 5000);
      }
      const r = await rec.stop();
      console.log(`      reconnect after the broker was up: ${lags.map((l) => `${l} ms`).join(', ')}`);
      for (const lag of lags) assert.ok(lag <= BACK_WITHIN_MS, `back ${lag} ms after the broker`);
      assert.deepEqual(await seqsOf(r.logPath, 'restarts/seq'), [...Array(sent).keys()]);
      assert.equal(r.stats.reconnects, 11);
      const text = await readFile(r.logPath, 'utf8');
      assert.equal(text.match(/"event":"reconnect".*"outageMs":\d+/g)?.length, 11);
    } finally {
      await rec.stop();
      await broker.stop();
    }
  });

  it('QoS 1 with broker persistence: 10 graceful restarts lose no acknowledged message and record none twice', async () => {
    const broker = await Mosquitto.start([], { persistence: true });
    const dir = await tempDir();
    const rec = await SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'persist', subscribeQos: 1 });
    const perCycle = 2000;
    let acked = 0;
    try {
      for (let cycle = 0; cycle < 10; cycle++) {
        const pub = await publisher(broker.url);
        await publishSeq(pub, 'persist/seq', acked, perCycle, 1);
        acked += perCycle;
        await pub.endAsync();
        // At once: the broker still holds deliveries for the recorder, and must keep them.
        await broker.restart(true);
      }
      await waitFor('every acknowledged message', () => rec.stats().messages >= acked, 20_000).catch(() => undefined);
      await sleep(300);
      const r = await rec.stop();
      const seqs = await seqsOf(r.logPath, 'persist/seq');
      const distinct = new Set(seqs);
      const missing = [...Array(acked).keys()].filter((i) => !distinct.has(i));
      console.log(`      ${acked} acknowledged, ${seqs.length} recorded, ${missing.length} missing, ${seqs.length - distinct.size} twice, ${r.stats.duplicatesDropped} redeliveries dropped`);
      assert.equal(missing.length, 0, `missing: ${missing.slice(0, 10).join(', ')}…`);
      assert.equal(seqs.length, distinct.size, 'no message recorded twice');
      const meta = JSON.parse((await readFile(r.logPath, 'utf8')).split('\n')[0]);
      assert.equal(meta.persistentSession, true);
      assert.match(meta.clientId, /^mqtt-sessions-rec-/);
    } finally {
      await rec.stop();
      await broker.stop();
    }
  });

  it('stopping while the broker is away ends at once, with the outage in session_end', async () => {
    const broker = await Mosquitto.start();
    const dir = await tempDir();
    const rec = await SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'away' });
    await broker.kill();
    await waitFor('the disconnect', () => rec.stats().state === 'reconnecting');
    await sleep(300);
    const t0 = Date.now();
    const r = await rec.stop();
    assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms`);
    assert.equal(r.status, 'stopped');
    const end = JSON.parse((await readFile(r.logPath, 'utf8')).trim().split('\n').pop() as string);
    assert.equal(end._kind, 'session_end');
    assert.ok(end.outageMs >= 300, `outage ${end.outageMs} ms`);
  });

  it('a recorder killed mid-way and resumed gets what the broker held for its session meanwhile', async () => {
    const broker = await Mosquitto.start();
    const dir = await tempDir();
    try {
      const first = spawn(process.execPath, [CLI, 'record', '--broker', broker.url, '--out', dir, '--name', 'crash', '--qos', '1', '--no-index', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      first.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await waitFor('the recorder to subscribe', () => /\nsubscribed to /.test(stderr), 10_000);
      const logPath = (stderr.match(/into (\S+\.log)/) as RegExpMatchArray)[1];
      await sleep(300);
      const pub = await publisher(broker.url);
      await publishSeq(pub, 'crash/seq', 0, 100, 1);
      await sleep(300);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('close', r));
      // Published while no recorder runs: the broker holds them for the recording's client id.
      await publishSeq(pub, 'crash/seq', 100, 100, 1);
      await pub.endAsync();
      const r = await runCli(['record', '--broker', broker.url, '--out', dir, '--resume', logPath, '--duration', '2s', '--no-index', '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      const seqs = await seqsOf(logPath, 'crash/seq');
      const distinct = new Set(seqs);
      assert.equal(distinct.size, 200, `recorded ${distinct.size} of 200; missing ${[...Array(200).keys()].filter((i) => !distinct.has(i)).join(',')}`);
      const text = await readFile(logPath, 'utf8');
      assert.match(text, /"event":"resume-session"/);
      assert.equal(text.match(/"_kind":"session_end"/g)?.length, 1, 'the resumed recording was not closed as interrupted first');
    } finally {
      await broker.stop();
    }
  });

  it('a line appended by another process is never overwritten by the recorder (append mode)', async () => {
    const broker = await Mosquitto.start();
    const dir = await tempDir();
    const rec = await SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'append' });
    try {
      const pub = await publisher(broker.url);
      await publishSeq(pub, 'a/seq', 0, 20, 1);
      await waitFor('20 messages', () => rec.stats().messages >= 20);
      await sleep(100);
      const marker = '{"_kind":"event","event":"outside","timestamp":"2026-01-01T00:00:00.000Z"}\n';
      await appendFile(rec.logPath, marker);
      await publishSeq(pub, 'a/seq', 20, 20, 1);
      await pub.endAsync();
      await waitFor('40 messages', () => rec.stats().messages >= 40);
      const r = await rec.stop();
      const text = await readFile(r.logPath, 'utf8');
      assert.ok(text.includes(marker), 'the outside line is intact');
      assert.deepEqual(await seqsOf(r.logPath, 'a/seq'), [...Array(40).keys()]);
    } finally {
      await rec.stop();
      await broker.stop();
    }
  });
});
