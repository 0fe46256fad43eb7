/**
 * npm run bench:faults [-- --restarts 10 --rate 1000 --long 30]
 *
 * Fault figures against Debian's mosquitto on loopback (README "Faults", BENCHMARKS):
 * 1. QoS 0 at --rate msg/s, the broker killed --restarts times for ~0.8 s: how long after
 *    the broker was back the recorder was, and what was lost while both were up.
 * 2. QoS 1 with broker persistence, --restarts graceful restarts right after bursts of
 *    2,000 acknowledged messages: ours with its persistent session, and the same with
 *    --clean-session (what the recorder lost before this change).
 * 3. Outages of 4 s and --long s: the recorder back after the broker.
 * 4. Replay at max speed (60,000 QoS 1 messages), the broker killed and restarted: missing
 *    and doubled at a subscriber; killed for good: how long until it gives up (2 s timeout).
 * 5. 100 recorders of one name started at once: files, live locks, closed by a recover.
 */
import * as path from 'node:path';
import type { MqttClient } from 'mqtt';
import { closeClient, connectBroker } from '../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../src/core/mqtt/brokerProfile';
import { lockState } from '../src/core/record/sessionLock';
import { SessionRecorder } from '../src/core/record/sessionRecorder';
import { findInterrupted } from '../src/core/record/sessionRecovery';
import { SessionReplayer } from '../src/core/replay/sessionReplayer';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { SessionLogReader } from '../src/core/session/logReader';
import { SessionLogWriter } from '../src/core/session/logWriter';
import { resolveSession } from '../src/core/session/sessionFiles';
import { payloadBytes } from '../src/core/session/sessionMessage';
import { formatTimestamp } from '../src/core/session/timestamps';
import { Mosquitto } from '../test/brokers';
import { removeTempDirs, tempDir } from '../test/helpers';
import { argValue, machineLine, median } from './benchProcesses';

setRuntimeDir(path.join(__dirname, '..'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) return false;
    await sleep(2);
  }
  return true;
}

async function seqsOf(logPath: string, topic: string): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of new SessionLogReader(logPath).batches()) for (const m of batch) if (m.topic === topic) out.push(JSON.parse(payloadBytes(m).toString()).seq);
  return out;
}

function publisher(url: string, id: string): Promise<MqttClient> {
  return connectBroker({ ...profileFromUrl(url), clientId: id }, { waitMs: 30_000 });
}

/** 1. QoS 0 through kills: lag after each restart; losses while publisher and recorder were both connected. */
async function qos0Restarts(restarts: number, rate: number): Promise<void> {
  const broker = await Mosquitto.start();
  const dir = await tempDir();
  const rec = await SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'q0', subscribeQos: 0, index: false });
  const recUp: [number, number][] = [[Date.now(), Number.POSITIVE_INFINITY]];
  rec.on('event', (e) => {
    if (e.event === 'disconnect') recUp[recUp.length - 1][1] = Date.now();
    if (e.event === 'reconnect') recUp.push([Date.now(), Number.POSITIVE_INFINITY]);
  });
  const pub = await publisher(broker.url, 'bench-q0-pub');
  const published: [number, number][] = [];
  let seq = 0;
  let running = true;
  const kills: number[] = [];
  const pump = (async () => {
    const t0 = performance.now();
    while (running) {
      const due = Math.floor(((performance.now() - t0) * rate) / 1000);
      for (; seq < due; seq++) {
        // Only what left while the publisher was connected (mqtt.js would queue the rest).
        if (!pub.connected) continue;
        const s = seq;
        pub.publish('q0/seq', JSON.stringify({ seq: s }), { qos: 0 }, (err) => {
          if (!err) published.push([s, Date.now()]);
        });
      }
      await sleep(1);
    }
  })();
  const lags: number[] = [];
  await sleep(1000);
  for (let i = 0; i < restarts; i++) {
    kills.push(Date.now());
    await broker.kill();
    await sleep(800);
    await broker.run();
    const n = recUp.length;
    await until(() => recUp.length > n, 15_000);
    lags.push(recUp[recUp.length - 1][0] - broker.upAt);
    await sleep(1200);
  }
  running = false;
  await pump;
  await sleep(500);
  await closeClient(pub);
  const r = await rec.stop();
  const got = new Set(await seqsOf(r.logPath, 'q0/seq'));
  // Both up: the recorder's connection covered the publish, away from a kill by 50 ms (the broker's own loss).
  const bothUp = published.filter(([, at]) => recUp.some(([a, b]) => at > a + 20 && at < b - 50) && !kills.some((k) => at > k - 50 && at < k + 2000));
  const lostBothUp = bothUp.filter(([s]) => !got.has(s)).length;
  console.log(
    `qos0 restarts: ${restarts} kills of 0.8 s at ${rate} msg/s; back after the broker: median ${median(lags)} ms, max ${Math.max(...lags)} ms; ${published.length} published, ${got.size} recorded; lost while both up: ${lostBothUp} of ${bothUp.length}`,
  );
  await broker.stop();
}

/** 2. QoS 1, persistence on, graceful restarts right after each burst. */
async function qos1Persistence(restarts: number, persistent: boolean): Promise<void> {
  const broker = await Mosquitto.start([], { persistence: true });
  const dir = await tempDir();
  const rec = await SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'q1', subscribeQos: 1, index: false, persistentSession: persistent });
  let acked = 0;
  for (let i = 0; i < restarts; i++) {
    const pub = await publisher(broker.url, `bench-q1-pub-${i}`);
    await Promise.all([...Array(2000).keys()].map((k) => pub.publishAsync('q1/seq', JSON.stringify({ seq: acked + k }), { qos: 1 })));
    acked += 2000;
    await closeClient(pub);
    await broker.restart(true);
  }
  await until(() => rec.stats().messages >= acked, 10_000);
  await sleep(500);
  const r = await rec.stop();
  const seqs = await seqsOf(r.logPath, 'q1/seq');
  const distinct = new Set(seqs);
  console.log(
    `qos1 persistence (${persistent ? 'persistent session, ours' : '--clean-session, as before'}): ${restarts} graceful restarts; ${acked} acknowledged, ${distinct.size} recorded, lost ${acked - distinct.size}, twice ${seqs.length - distinct.size}, redeliveries dropped ${r.stats.duplicatesDropped}`,
  );
  await broker.stop();
}

/** 3. Long outages: back within how long of the broker. */
async function outage(seconds: number): Promise<void> {
  const broker = await Mosquitto.start();
  const dir = await tempDir();
  const rec = await SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'long', index: false });
  let back = 0;
  rec.on('event', (e) => {
    if (e.event === 'reconnect') back = Date.now();
  });
  await broker.kill();
  await sleep(seconds * 1000);
  await broker.run();
  await until(() => back > 0, 15_000);
  console.log(`outage ${seconds} s: recorder back ${back - broker.upAt} ms after the broker`);
  await rec.stop();
  await broker.stop();
}

async function sessionOf(n: number): Promise<string> {
  const file = path.join(await tempDir(), 'replay.log');
  const w = new SessionLogWriter(file);
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    w.writeMessage({ topic: 'r/seq', payload: JSON.stringify({ seq: i }), payloadEncoding: 'utf8', timestamp: formatTimestamp(t0 + i), tsMs: t0 + i, qos: 1, retain: false });
    if (i % 5000 === 0) w.flush();
  }
  w.close();
  return file;
}

/** 4. Replay at max speed through a kill and restart, and through a kill for good. */
async function replayFaults(): Promise<void> {
  const n = 60_000;
  const files = await resolveSession(await sessionOf(n));
  const broker = await Mosquitto.start(['autosave_interval 1'], { persistence: true });
  const sub = await connectBroker({ ...profileFromUrl(broker.url), clientId: 'bench-durable' }, { clean: false });
  const seqs: number[] = [];
  sub.on('message', (_t, p) => seqs.push(JSON.parse(p.toString()).seq));
  await sub.subscribeAsync({ 'r/#': { qos: 1 } });
  await sleep(1500);
  const client = await connectBroker(profileFromUrl(broker.url));
  const replayer = new SessionReplayer(files, client, { speed: 'max' });
  let sent = 0;
  replayer.on('progress', (p) => (sent = p.sent));
  const run = replayer.run();
  await until(() => sent >= n / 3, 30_000);
  await broker.kill();
  await sleep(1000);
  await broker.run();
  const r = await run;
  await until(() => new Set(seqs).size >= n, 20_000);
  const distinct = new Set(seqs);
  console.log(`replay max, broker killed at a third for 1 s: ${r.state}, ${r.sent} of ${n} sent, waited ${Math.round(r.outageMs)} ms; at the subscriber missing ${n - distinct.size}, twice ${seqs.length - distinct.size}`);
  await closeClient(client);
  await closeClient(sub);

  const client2 = await connectBroker(profileFromUrl(broker.url));
  const gone = new SessionReplayer(files, client2, { speed: 1, brokerTimeoutMs: 2000 });
  const run2 = gone.run();
  await sleep(1000);
  const t0 = Date.now();
  await broker.kill();
  const err = await run2.then(() => undefined, (e: Error) => e);
  console.log(`replay, broker killed for good (timeout 2 s): ${err ? `gave up after ${Date.now() - t0} ms: ${err.message}` : 'finished (unexpected)'}`);
  await closeClient(client2);
}

/** 5. 100 simultaneous starts of one name. */
async function simultaneousStarts(n: number): Promise<void> {
  const broker = await Mosquitto.start();
  const dir = await tempDir();
  const t0 = Date.now();
  const recs = await Promise.all([...Array(n)].map(() => SessionRecorder.start({ profile: profileFromUrl(broker.url), outDir: dir, name: 'race', index: false })));
  const startMs = Date.now() - t0;
  const files = new Set(recs.map((r) => r.logPath)).size;
  let live = 0;
  for (const r of recs) if ((await lockState(r.logPath)).state === 'live') live++;
  const interrupted = (await findInterrupted(dir)).length;
  await Promise.all(recs.map((r) => r.stop()));
  console.log(`${n} simultaneous starts of one name: ${files} files in ${startMs} ms, ${live} locked live, ${n - live} unlocked, ${interrupted} seen as interrupted by recover`);
  await broker.stop();
}

async function main(): Promise<void> {
  const restarts = Number(argValue('restarts') ?? 10);
  const rate = Number(argValue('rate') ?? 1000);
  const long = Number(argValue('long') ?? 30);
  console.log(`# ${machineLine()}; mosquitto on loopback\n`);
  await qos0Restarts(restarts, rate);
  await qos1Persistence(restarts, true);
  await qos1Persistence(restarts, false);
  await outage(4);
  await outage(long);
  await replayFaults();
  await simultaneousStarts(100);
  await removeTempDirs();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
