import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { MqttClient } from 'mqtt';
import { connectBroker } from '../../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../../src/core/mqtt/brokerProfile';
import { SessionReplayer } from '../../src/core/replay/sessionReplayer';
import { SessionLogWriter } from '../../src/core/session/logWriter';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { formatTimestamp } from '../../src/core/session/timestamps';
import { Mosquitto } from '../brokers';
import { CLI, type CliResult, removeTempDirs, runCli, tempDir, waitFor } from '../helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


/** A session of `n` QoS 1 messages `spacingMs` apart on `topic`, payload `{"seq":i}`. */
async function sessionOf(n: number, spacingMs: number, topicOf: (i: number) => string = () => 'r/seq'): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'faults.log');
  const w = new SessionLogWriter(file);
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    const ts = t0 + i * spacingMs;
    w.writeMessage({ topic: topicOf(i), payload: JSON.stringify({ seq: i }), payloadEncoding: 'utf8', timestamp: formatTimestamp(ts), tsMs: ts, qos: 1, retain: false });
    if (i % 5000 === 0) w.flush();
  }
  w.close();
  return file;
}

/**
 * A subscriber whose broker session outlives a broker crash: a persistent session that
 * mosquitto saved (autosave every second) before the crash, so messages replayed after the
 * restart wait for it even if it reconnects after the replayer.
 */
async function durableSubscriber(url: string): Promise<{ client: MqttClient; seqs: number[] }> {
  const client = await connectBroker({ ...profileFromUrl(url), clientId: `durable-${process.pid}-${Math.random().toString(16).slice(2, 6)}` }, { clean: false });
  const seqs: number[] = [];
  client.on('message', (_t, payload) => seqs.push(JSON.parse(payload.toString()).seq));
  await client.subscribeAsync({ 'r/#': { qos: 1 } });
  await sleep(1500);
  return { client, seqs };
}

function check(seqs: number[], n: number): { missing: number; twice: number } {
  const distinct = new Set(seqs);
  let missing = 0;
  for (let i = 0; i < n; i++) if (!distinct.has(i)) missing++;
  return { missing, twice: seqs.length - distinct.size };
}

describe('replay through broker faults (mosquitto)', function () {
  this.timeout(120_000);
  after(removeTempDirs);

  // A killed mosquitto loses what it had acknowledged but not yet saved or written out (it
  // acknowledges before it persists): a few messages at 1×, up to the window at max speed.
  // A graceful restart saves every in-flight delivery, so nothing may be missing then.
  for (const [speed, graceful, mayMiss] of [
    [1, false, 5],
    ['max', true, 0],
  ] as const) {
    it(`speed ${speed}: the broker ${graceful ? 'restarted' : 'killed and restarted'} mid-way — the replay waits, resumes where it stopped, and every message arrives`, async () => {
      const broker = await Mosquitto.start(['autosave_interval 1'], { persistence: true });
      const n = speed === 1 ? 3000 : 60_000;
      const files = await resolveSession(await sessionOf(n, 1));
      const sub = await durableSubscriber(broker.url);
      const client = await connectBroker(profileFromUrl(broker.url));
      const replayer = new SessionReplayer(files, client, { speed, brokerTimeoutMs: 20_000 });
      let sent = 0;
      const states: string[] = [];
      replayer.on('progress', (p) => {
        sent = p.sent;
        if (states[states.length - 1] !== p.state) states.push(p.state);
      });
      try {
        const run = replayer.run();
        await waitFor('a third of the session', () => sent >= n / 3);
        await (graceful ? broker.terminate() : broker.kill());
        const atKill = sent;
        await sleep(1500);
        assert.ok(sent - atKill <= 1000, `the replay held while the broker was away (${sent - atKill} more)`);
        await broker.run();
        const r = await run;
        await waitFor('every message at the subscriber', () => check(sub.seqs, n).missing === 0, 20_000).catch(() => undefined);
        const { missing, twice } = check(sub.seqs, n);
        console.log(`      ${n} messages, ${r.sent} sent, outage ${Math.round(r.outageMs)} ms, ${missing} missing, ${twice} twice at the subscriber`);
        assert.equal(r.state, 'done');
        assert.equal(r.sent, n);
        assert.equal(r.outages, 1);
        assert.ok(r.outageMs >= 1400, `outage ${r.outageMs} ms`);
        assert.ok(states.includes('waiting'), `states: ${states.join(' → ')}`);
        assert.ok(missing <= mayMiss, `${missing} missing`);
        assert.ok(twice <= 1000, 'at most the in-flight window twice');
      } finally {
        replayer.stop();
        await client.endAsync(true);
        await sub.client.endAsync(true);
        await broker.stop();
      }
    });
  }

  it('the broker gone for good: the CLI gives up after --broker-timeout and exits 1', async () => {
    const broker = await Mosquitto.start();
    const log = await sessionOf(5000, 2);
    const child = spawn(process.execPath, [CLI, 'replay', log, '--broker', broker.url, '--broker-timeout', '2s', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = collect(child);
    await sleep(1500);
    const t0 = Date.now();
    await broker.kill();
    const r = await out;
    const tookMs = Date.now() - t0;
    assert.equal(r.code, 1, `exit ${r.code}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /the broker has been unreachable for 2 s: replay given up after \d+ of 5000 messages/);
    assert.ok(tookMs < 6000, `gave up after ${tookMs} ms`);
  });

  it('Ctrl-C exits 130 with the position reached, never 0', async () => {
    const broker = await Mosquitto.start();
    try {
      const log = await sessionOf(2000, 5);
      const child = spawn(process.execPath, [CLI, 'replay', log, '--broker', broker.url, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = collect(child);
      await sleep(2000);
      child.kill('SIGINT');
      const r = await out;
      assert.equal(r.code, 130, r.stdout + r.stderr);
      assert.match(r.stdout, /faults: stopped at message \d+ of 2000, \d/);
    } finally {
      await broker.stop();
    }
  });

  it('a topic that is not a valid topic name is not sent; the rest is, and the exit code says so', async () => {
    const broker = await Mosquitto.start();
    try {
      const log = await sessionOf(300, 1, (i) => (i === 100 ? 'bad\u0000topic' : i === 200 ? 'wild/+/card' : 'r/seq'));
      const sub = await durableSubscriber(broker.url);
      const r = await runCli(['replay', log, '--broker', broker.url, '--speed', 'max', '--quiet']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /2 not sent: invalid topic \(first "bad\\u0000topic": /);
      await waitFor('298 messages', () => sub.seqs.length >= 298, 5000);
      await sleep(200);
      assert.equal(sub.seqs.length, 298);
      await sub.client.endAsync();
    } finally {
      await broker.stop();
    }
  });
});

function collect(child: ReturnType<typeof spawn>): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
