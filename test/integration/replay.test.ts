import * as assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { MqttClient } from 'mqtt';
import { ensureIndex } from '../../src/core/index/sessionIndex';
import { connectBroker } from '../../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../../src/core/mqtt/brokerProfile';
import { SessionReplayer, type ReplayOptionsInput } from '../../src/core/replay/sessionReplayer';
import { sendTestTopics } from '../../src/core/send/testTopicSender';
import { type SessionFiles, resolveSession } from '../../src/core/session/sessionFiles';
import { SessionLogWriter } from '../../src/core/session/logWriter';
import { type QoS, encodePayload } from '../../src/core/session/sessionMessage';
import { summarizeSession } from '../../src/core/session/sessionSummary';
import { formatTimestamp } from '../../src/core/session/timestamps';
import { BROKERS, type TestBroker, freePort } from '../brokers';
import { SAMPLES, SAMPLE_SESSIONS, removeTempDirs, runCli, tempDir } from '../helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Got {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  at: number;
}

/**
 * A subscriber that keeps what arrives. With MQTT 5 it subscribes retain-as-published, so
 * the retain flag arrives as sent; aedes speaks only 3.1.1, where a live message never
 * carries the flag.
 */
async function subscriber(url: string, filter = '#', mqtt5 = false): Promise<{ client: MqttClient; got: Got[] }> {
  const client = await connectBroker({ ...profileFromUrl(url), clientId: `sub-${Math.random().toString(16).slice(2)}`, mqttVersion: mqtt5 ? '5' : '3.1.1' });
  const got: Got[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload, qos: packet.qos, retain: packet.retain, at: performance.now() }));
  await client.subscribeAsync({ [filter]: { qos: 2, ...(mqtt5 ? { rap: true } : {}) } });
  return { client, got };
}

/** Per topic, in arrival order: MQTT orders messages per topic, not across QoS levels. */
function byTopic<T extends { topic: string }>(xs: T[], f: (x: T) => unknown): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const x of xs) (out[x.topic] ??= []).push(f(x));
  return out;
}

async function publisherClient(url: string): Promise<MqttClient> {
  return connectBroker({ ...profileFromUrl(url), clientId: `rp-${Math.random().toString(16).slice(2)}` });
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(10);
}

interface Msg {
  topic: string;
  payload: Buffer;
  offsetMs: number;
  qos?: QoS;
  retain?: boolean;
}

async function writeSession(dir: string, name: string, msgs: Msg[]): Promise<SessionFiles> {
  const t0 = Date.UTC(2026, 4, 12, 8, 0, 0);
  const file = path.join(dir, `${name}.log`);
  const w = new SessionLogWriter(file, 'create');
  w.writeMeta({ sessionName: name });
  for (const m of msgs) {
    const ts = t0 + m.offsetMs;
    w.writeMessage({ topic: m.topic, ...encodePayload(m.payload), timestamp: formatTimestamp(ts), tsMs: ts, qos: m.qos ?? 0, retain: m.retain ?? false });
  }
  w.close({ status: 'completed', messages: msgs.length });
  return resolveSession(file);
}

function seqSession(n: number, gapMs: number, topic = 'r/seq'): Msg[] {
  return Array.from({ length: n }, (_, i) => ({ topic, payload: Buffer.from(JSON.stringify({ seq: i })), offsetMs: i * gapMs, qos: 1 as QoS }));
}

const seqOf = (g: Got): number => JSON.parse(g.payload.toString()).seq;

async function replay(url: string, files: SessionFiles, options: ReplayOptionsInput): Promise<{ replayer: SessionReplayer; client: MqttClient; done: ReturnType<SessionReplayer['run']> }> {
  const client = await publisherClient(url);
  const replayer = new SessionReplayer(files, client, options);
  const done = replayer.run();
  return { replayer, client, done };
}

describe('replay against real brokers', function () {
  this.timeout(60_000);
  after(removeTempDirs);

  for (const b of BROKERS) {
    describe(b.name, () => {
      let broker: TestBroker;
      before(async () => {
        broker = await b.start();
      });
      after(async () => broker?.stop());

      it('a subscriber sees exactly the recorded messages, in order: topic, payload bytes, QoS and retain', async () => {
        const dir = await tempDir();
        const msgs: Msg[] = [
          ...seqSession(60, 2).map((m, i) => ({ ...m, topic: `x/${b.name}/q${i % 3}`, qos: (i % 3) as QoS })),
          { topic: `x/${b.name}/bin`, payload: Buffer.from([0xff, 0x00, 0xfe, 0x80]), offsetMs: 130, qos: 1 },
          { topic: `x/${b.name}/ünï/<script>`, payload: Buffer.from('ü € 😀 <script>alert(1)</script>'), offsetMs: 131, qos: 2 },
          { topic: `x/${b.name}/empty`, payload: Buffer.alloc(0), offsetMs: 132, qos: 0 },
          { topic: `x/${b.name}/big`, payload: Buffer.alloc(256 * 1024, 'a'), offsetMs: 133, qos: 1 },
          { topic: `x/${b.name}/kept`, payload: Buffer.from('retained'), offsetMs: 134, qos: 1, retain: true },
        ];
        const files = await writeSession(dir, 'exact', msgs);
        const mqtt5 = b.name === 'mosquitto';
        const sub = await subscriber(broker.url, `x/${b.name}/#`, mqtt5);
        const { client, done } = await replay(broker.url, files, { speed: 'max' });
        const r = await done;
        await waitFor(() => sub.got.length >= msgs.length);
        await client.endAsync();
        await sub.client.endAsync();
        assert.equal(r.sent, msgs.length);
        assert.equal(r.total, msgs.length);
        assert.deepEqual(
          byTopic(sub.got, (g) => [g.payload.toString('base64'), g.qos, g.retain]),
          byTopic(msgs, (m) => [m.payload.toString('base64'), m.qos ?? 0, mqtt5 ? (m.retain ?? false) : false]),
        );
        if (!mqtt5) {
          const late = await subscriber(broker.url, `x/${b.name}/kept`);
          await waitFor(() => late.got.length >= 1);
          await late.client.endAsync();
          assert.deepEqual(late.got.map((g) => [g.payload.toString(), g.retain]), [['retained', true]], 'published retained');
        }
      });

      it('2× takes half the time of 1×, within tolerance; lateness stays small', async () => {
        const dir = await tempDir();
        const files = await writeSession(dir, 'timed', seqSession(41, 50, `t/${b.name}`));
        const spans: number[] = [];
        for (const speed of [1, 2]) {
          const sub = await subscriber(broker.url, `t/${b.name}`);
          const { client, done } = await replay(broker.url, files, { speed });
          const r = await done;
          await waitFor(() => sub.got.length >= 41);
          await client.endAsync();
          await sub.client.endAsync();
          assert.deepEqual(sub.got.map(seqOf), [...Array(41).keys()]);
          spans.push(sub.got[40].at - sub.got[0].at);
          assert.ok(r.maxLatenessMs < 50, `lateness ${r.maxLatenessMs} ms`);
        }
        assert.ok(Math.abs(spans[0] - 2000) < 150, `1×: ${spans[0]} ms for 2000 ms of session`);
        assert.ok(Math.abs(spans[1] - 1000) < 100, `2×: ${spans[1]} ms for 1000 ms`);
      });

      it('loop repeats until stopped; seek replays only the range', async () => {
        const dir = await tempDir();
        const files = await writeSession(dir, 'loop', seqSession(10, 20, `l/${b.name}`));
        const sub = await subscriber(broker.url, `l/${b.name}`);
        const { replayer, client, done } = await replay(broker.url, files, { speed: 'max', loop: true, maxInFlight: 5 });
        await waitFor(() => sub.got.length >= 25);
        replayer.stop();
        const r = await done;
        assert.ok(r.pass >= 3, `${r.pass} passes`);
        await waitFor(() => sub.got.length >= r.sent);
        const seqs = sub.got.map(seqOf);
        assert.deepEqual(seqs.slice(0, 25), [...[...Array(10).keys()], ...[...Array(10).keys()], 0, 1, 2, 3, 4]);
        sub.got.length = 0;

        const seek = await replay(broker.url, files, { speed: 4, fromMs: 60, toMs: 140 });
        const rs = await seek.done;
        await waitFor(() => sub.got.length >= 5);
        await sleep(100);
        assert.equal(rs.total, 5);
        assert.deepEqual(sub.got.map(seqOf), [3, 4, 5, 6, 7]);
        // With its index the total is counted there (not by reading the session once more): the same.
        await ensureIndex(await resolveSession(files.log as string));
        sub.got.length = 0;
        const indexed = await replay(broker.url, await resolveSession(files.log as string), { speed: 'max', fromMs: 60, toMs: 140 });
        const ri = await indexed.done;
        await waitFor(() => sub.got.length >= 5);
        assert.equal(ri.total, 5);
        assert.equal(ri.sent, 5);
        await Promise.all([client.endAsync(), seek.client.endAsync(), indexed.client.endAsync(), sub.client.endAsync()]);
      });

      it('remap (with wildcards) and prefix', async () => {
        const dir = await tempDir();
        const files = await writeSession(dir, 'remap', [
          { topic: 'module/v1/ff/SVR1/state', payload: Buffer.from('a'), offsetMs: 0 },
          { topic: 'module/v1/ff/SVR2/order', payload: Buffer.from('b'), offsetMs: 1 },
          { topic: 'ccu/order/active', payload: Buffer.from('c'), offsetMs: 2 },
        ]);
        const sub = await subscriber(broker.url, `rm-${b.name}/#`);
        const { client, done } = await replay(broker.url, files, { speed: 'max', prefix: `rm-${b.name}`, remap: ['module/v1/ff/+/#=lab/+/#'] });
        await done;
        await waitFor(() => sub.got.length >= 3);
        assert.deepEqual(sub.got.map((g) => g.topic), [`rm-${b.name}/lab/SVR1/state`, `rm-${b.name}/lab/SVR2/order`, `rm-${b.name}/ccu/order/active`]);
        await Promise.all([client.endAsync(), sub.client.endAsync()]);
      });

      it('pause and resume: nothing is lost and the pause shifts what follows', async () => {
        const dir = await tempDir();
        const files = await writeSession(dir, 'pause', seqSession(21, 50, `p/${b.name}`));
        const sub = await subscriber(broker.url, `p/${b.name}`);
        const { replayer, client, done } = await replay(broker.url, files, { speed: 1 });
        await waitFor(() => sub.got.length >= 5);
        replayer.pause();
        await sleep(600);
        const during = sub.got.length;
        replayer.resume();
        await done;
        await waitFor(() => sub.got.length >= 21);
        assert.ok(during <= 7, `${during} arrived by the end of the pause`);
        assert.deepEqual(sub.got.map(seqOf), [...Array(21).keys()]);
        const span = sub.got[20].at - sub.got[0].at;
        assert.ok(span > 1550 && span < 1800, `1000 ms of session + 600 ms paused took ${span} ms`);
        await Promise.all([client.endAsync(), sub.client.endAsync()]);
      });

      it('retain policies: keep leaves the retained message, none does not retain, clear removes it afterwards', async () => {
        const dir = await tempDir();
        for (const policy of ['keep', 'none', 'clear'] as const) {
          const topic = `ret/${b.name}/${policy}`;
          const files = await writeSession(dir, `ret-${policy}`, [{ topic, payload: Buffer.from('last'), offsetMs: 0, qos: 1, retain: true }]);
          const { client, done } = await replay(broker.url, files, { speed: 'max', retain: policy });
          const r = await done;
          await client.endAsync();
          if (policy === 'clear') assert.equal(r.cleared, 1);
          const late = await subscriber(broker.url, topic);
          await sleep(300);
          await late.client.endAsync();
          assert.deepEqual(late.got.map((g) => g.payload.toString()), policy === 'keep' ? ['last'] : [], policy);
        }
      });

      it('replays every ORBIS sample session completely', async () => {
        for (const f of (await readdir(SAMPLE_SESSIONS)).filter((x) => x !== 'storage_order_white_20251110_180844.db')) {
          const files = await resolveSession(path.join(SAMPLE_SESSIONS, f));
          const expected = (await summarizeSession(files)).messages;
          const prefix = `orbis-${b.name}-${f.replace(/\W/g, '_')}`;
          const sub = await subscriber(broker.url, `${prefix}/#`);
          const { client, done } = await replay(broker.url, files, { speed: 'max', prefix, qos: 1, retain: 'none' });
          const r = await done;
          await waitFor(() => sub.got.length >= expected);
          await Promise.all([client.endAsync(), sub.client.endAsync()]);
          assert.equal(r.sent, expected, f);
          assert.equal(sub.got.length, expected, `${f}: arrived`);
        }
      });

      it('send: each file with its own QoS and retain; a bad file is named with its field and the others still go', async () => {
        const dir = await tempDir();
        await writeFile(path.join(dir, 'a_good.json'), JSON.stringify({ topic: `s/${b.name}/a`, payload: { x: 1 }, qos: 2 }));
        await writeFile(path.join(dir, 'b_bad.json'), JSON.stringify({ topic: `s/${b.name}/b`, payload: 'x', qos: 7 }));
        await writeFile(path.join(dir, 'c_good.json'), JSON.stringify({ topic: `s/${b.name}/c`, payload: 'text', retain: true, qos: 1 }));
        const sub = await subscriber(broker.url, `s/${b.name}/#`);
        const client = await publisherClient(broker.url);
        const results = await sendTestTopics(client, [path.join(dir, 'a_good.json'), path.join(dir, 'b_bad.json'), path.join(dir, 'c_good.json')]);
        await waitFor(() => sub.got.length >= 2);
        await Promise.all([client.endAsync(), sub.client.endAsync()]);
        assert.deepEqual(results.map((r) => r.ok), [true, false, true]);
        assert.match(results[1].error ?? '', /b_bad\.json: field "qos" must be 0, 1 or 2/);
        assert.deepEqual(sub.got.map((g) => [g.topic, g.payload.toString(), g.qos]), [
          [`s/${b.name}/a`, '{"x":1}', 2],
          [`s/${b.name}/c`, 'text', 1],
        ]);
        const late = await subscriber(broker.url, `s/${b.name}/#`);
        await waitFor(() => late.got.length >= 1);
        await sleep(100);
        await late.client.endAsync();
        assert.deepEqual(late.got.map((g) => [g.topic, g.retain]), [[`s/${b.name}/c`, true]], 'only c was published retained');
      });
    });
  }

  describe('CLI', () => {
    let broker: TestBroker;
    before(async () => {
      broker = await BROKERS[0].start();
    });
    after(async () => broker?.stop());

    it('replay --preloads --timeshift: preloads first, payload times moved to now', async () => {
      const dir = await tempDir();
      const files = await writeSession(dir, 'cli', [{ topic: 'ccu/order/request', payload: Buffer.from('{"type":"WHITE","timestamp":"2025-10-09T10:40:00.000Z","nested":[{"startedAt":"2025-10-09T10:40:01.000Z"}]}'), offsetMs: 0 }]);
      const sub = await subscriber(broker.url, 'cli/#');
      const t0 = Date.now();
      const r = await runCli(['replay', files.log as string, '--broker', broker.url, '--prefix', 'cli', '--preloads', path.join(SAMPLES, 'test_topics', 'preloads'), '--timeshift']);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(() => sub.got.length >= 3);
      await sub.client.endAsync();
      assert.match(r.stdout, /preloads: 2 of 2 sent/);
      assert.deepEqual(sub.got.map((g) => g.topic), ['cli/ccu/state/layout', 'cli/module/v1/ff/SVR3QA0022/factsheet', 'cli/ccu/order/request']);
      const shifted = JSON.parse(sub.got[2].payload.toString());
      const ts = Date.parse(shifted.timestamp);
      assert.ok(ts >= t0 - 1000 && ts <= Date.now(), `timestamp ${shifted.timestamp} is now`);
      assert.equal(Date.parse(shifted.nested[0].startedAt) - ts, 1000, 'nested fields keep their distance');
    });

    it('send names a bad file and field on stderr, sends the others, exits 1', async () => {
      const dir = await tempDir();
      await writeFile(path.join(dir, 'ok.json'), JSON.stringify({ topic: 'cli/send/ok', payload: 'x' }));
      await writeFile(path.join(dir, 'wild.json'), JSON.stringify({ topic: 'cli/send/#', payload: 'x' }));
      const r = await runCli(['send', dir, '--broker', broker.url]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /wild\.json: field "topic" must not contain the wildcards/);
      assert.match(r.stdout, /1 of 2 sent, 1 failed/);
    });

    it('a refused connection is one clear line and exit 1; a bad option is exit 2', async () => {
      const port = await freePort();
      const r = await runCli(['replay', path.join(SAMPLE_SESSIONS, 'auftrag-rot_1.log'), '--broker', `mqtt://127.0.0.1:${port}`]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /connection refused/);
      const bad = await runCli(['replay', path.join(SAMPLE_SESSIONS, 'auftrag-rot_1.log'), '--speed', '500']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--speed: must be at most 100/);
    });

    it('a production profile is not published to without confirmation', async () => {
      const dir = await tempDir();
      const port = new URL(broker.url).port;
      await writeFile(path.join(dir, 'profiles.json'), JSON.stringify({ 'mqttSessions.brokers': [{ name: 'plant', host: '127.0.0.1', port: Number(port), role: 'production' }] }));
      await writeFile(path.join(dir, 't.json'), JSON.stringify({ topic: 'cli/prod', payload: 'x' }));
      const sub = await subscriber(broker.url, 'cli/prod');
      const refused = await runCli(['send', path.join(dir, 't.json'), '--profile', 'plant', '--profiles', path.join(dir, 'profiles.json')]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /production broker and publishing was not confirmed/);
      await sleep(200);
      assert.equal(sub.got.length, 0);
      const ok = await runCli(['send', path.join(dir, 't.json'), '--profile', 'plant', '--profiles', path.join(dir, 'profiles.json'), '--yes']);
      assert.equal(ok.code, 0, ok.stderr);
      await waitFor(() => sub.got.length >= 1);
      await sub.client.endAsync();
      assert.equal(sub.got.length, 1);
    });
  });
});

describe('the demo (README main job)', function () {
  this.timeout(60_000);
  after(removeTempDirs);

  it('records the simulated factory on the embedded broker, indexes, replays and finds every message again', async () => {
    const out = await tempDir();
    const r = await runCli(['demo', '--seconds', '4', '--out', out]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const recorded = /recorded (\d+) of the (\d+) messages/.exec(r.stdout);
    assert.ok(recorded, r.stdout);
    assert.equal(recorded[1], recorded[2]);
    assert.ok(Number(recorded[1]) > 20, r.stdout);
    const replayed = /replayed (\d+) messages .*; (\d+) of (\d+) arrived, every topic with the same payload bytes in the same order/.exec(r.stdout);
    assert.ok(replayed, r.stdout);
    assert.deepEqual([replayed[1], replayed[2], replayed[3]], [recorded[1], recorded[1], recorded[1]]);
    const files = (await readdir(out)).sort();
    assert.equal(files.length, 2, files.join(', '));
    assert.match(files[0], /^demo-factory_\d{8}_\d{6}\.db$/);
    assert.match(files[1], /^demo-factory_\d{8}_\d{6}\.log$/);
    const s = await summarizeSession(await resolveSession(path.join(out, files[1])));
    assert.equal(s.messages, Number(recorded[1]));
    // It ends with the analysis: the orders of the recording, and how to open the report and the panels.
    assert.doesNotMatch(r.stdout, /Not in the demo yet/);
    const started = /; (\d+) orders started/.exec(r.stdout);
    const analysed = /^7\. analysis: (\d+) orders? in the recording/m.exec(r.stdout);
    assert.ok(started && analysed, r.stdout);
    assert.equal(analysed[1], started[1], r.stdout);
    assert.match(r.stdout, /^ORDER +TYPE +STATE +DURATION +MESSAGES +MODULES$/m);
    assert.match(r.stdout, /^[0-9a-f]{8} +PRODUCTION (RED|WHITE|BLUE) +[A-Z_]+ +.* +\d+ +HBW( → [A-Z]+)*$/m);
    const session = path.join(out, files[1].replace(/\.log$/, ''));
    assert.ok(r.stdout.includes(`analyze ${session} --format html --out ${session}.html`), r.stdout);
    assert.ok(r.stdout.includes(`orders ${session}`), r.stdout);
    assert.match(r.stdout, /in VS Code .*Sessions → demo-factory_\d{8}_\d{6}\n.*Open Session Timeline, or Open Order Flow/);
  });
});
