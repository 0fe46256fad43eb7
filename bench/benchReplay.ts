/**
 * npm run bench:replay [-- --messages N --runs R --max-messages M]
 *
 * Timing: a session of N messages 1 ms apart (10 s) is replayed at 1× to mosquitto
 * (set_tcp_nodelay true) by our replayer and, in the same run, by today's common approach
 * (sleep the recorded gap, then publish), alternating, R runs each. A subscriber in its
 * own process (TCP_NODELAY) stamps each arrival; a message's error is
 * |arrival − (when the first message was due + its session offset)| (same machine, same
 * clock; so it includes the loopback latency); the end drift is the last message's signed
 * error.
 *
 * Throughput: a session of M messages replayed at `max` next to a bare mqtt.js publish
 * loop of the same messages (held in memory), alternating; rate = M / (last arrival −
 * publisher start).
 */
import { mkdir, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectBroker } from '../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../src/core/mqtt/brokerProfile';
import { SessionReplayer } from '../src/core/replay/sessionReplayer';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { resolveSession } from '../src/core/session/sessionFiles';
import type { SessionMessage } from '../src/core/session/sessionMessage';
import { openSessionSource } from '../src/core/session/sessionSource';
import { SessionLogWriter } from '../src/core/session/logWriter';
import { formatTimestamp } from '../src/core/session/timestamps';
import { Mosquitto } from '../test/brokers';
import { argValue, benchChild, blastPublish, median, printResult, quantile } from './benchProcesses';
import { syntheticPayload, syntheticTopics } from './synthetic';

setRuntimeDir(path.join(__dirname, '..'));

type Publisher = 'ours' | 'sleep' | 'ours-max' | 'bare-max';
const nowMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A session of `n` QoS 0 messages, `gapMs` apart; the payload's headerId is the sequence number. */
async function writeSession(file: string, n: number, gapMs: number): Promise<void> {
  const topics = syntheticTopics();
  const t0 = Date.UTC(2026, 0, 15, 8, 0, 0);
  const w = new SessionLogWriter(file, 'create');
  w.writeMeta({ sessionName: 'bench-replay', recordingStartedAt: formatTimestamp(t0) });
  for (let i = 0; i < n; i++) {
    const ts = t0 + i * gapMs;
    const topic = topics[i % topics.length];
    w.writeMessage({ topic, payload: syntheticPayload(i, topic, ts), payloadEncoding: 'utf8', timestamp: formatTimestamp(ts), tsMs: ts, qos: 0, retain: false });
    if (i % 10000 === 0) w.flush();
  }
  w.close({ status: 'completed', messages: n });
}

async function readAll(file: string): Promise<SessionMessage[]> {
  const source = await openSessionSource(await resolveSession(file));
  const all: SessionMessage[] = [];
  try {
    for await (const batch of source.batches()) all.push(...batch);
  } finally {
    source.close();
  }
  return all;
}

/** Child: subscribes to `#`, stamps arrivals by sequence number until N arrived or 5 s of silence. */
async function subscriber(url: string, n: number): Promise<{ arrivals: number[]; received: number }> {
  const client = await connectBroker({ ...profileFromUrl(url), clientId: `bench-sub-${process.pid}` });
  const arrivals = new Array<number>(n).fill(-1);
  let received = 0;
  let last = Date.now();
  client.on('message', (_topic, payload) => {
    const at = nowMs();
    const m = /"headerId":(\d+)/.exec(payload.toString('latin1'));
    if (m) arrivals[Number(m[1])] = at;
    received++;
    last = Date.now();
  });
  await client.subscribeAsync({ '#': { qos: 0 } });
  process.stdout.write('ready\n');
  while (received < n && Date.now() - last < 5000) await sleep(20);
  await client.endAsync();
  return { arrivals, received };
}

/**
 * Child: one way of publishing the session. Returns when it started (epoch ms) and when
 * its first message was due: the anchor of the intended times.
 */
async function publisher(kind: Publisher, url: string, file: string): Promise<{ startAt: number; firstDueAt: number }> {
  const client = await connectBroker({ ...profileFromUrl(url), clientId: `bench-pub-${process.pid}` });
  let startAt: number;
  let firstDueAt: number;
  if (kind === 'ours' || kind === 'ours-max') {
    const replayer = new SessionReplayer(await resolveSession(file), client, { speed: kind === 'ours' ? 1 : 'max', qos: 0 });
    startAt = nowMs();
    firstDueAt = (await replayer.run()).startedAt ?? startAt;
  } else {
    const messages = await readAll(file);
    if (kind === 'sleep') {
      // What the scripts in use do: sleep the recorded gap, then publish.
      startAt = firstDueAt = nowMs();
      for (let i = 0; i < messages.length; i++) {
        if (i > 0) await sleep(messages[i].tsMs - messages[i - 1].tsMs);
        client.publish(messages[i].topic, messages[i].payload, { qos: 0 });
      }
    } else {
      const buffers = messages.map((m) => ({ topic: m.topic, payload: Buffer.from(m.payload) }));
      startAt = firstDueAt = nowMs();
      await blastPublish(client, buffers);
    }
  }
  await client.endAsync();
  return { startAt, firstDueAt };
}

interface TimingResult {
  lost: number;
  p50: number;
  p99: number;
  max: number;
  drift: number;
}

function timing(arrivals: number[], firstDueAt: number, gapMs: number): TimingResult {
  const first = firstDueAt;
  const errors: number[] = [];
  let lost = 0;
  let drift = 0;
  arrivals.forEach((at, i) => {
    if (at < 0) return void lost++;
    const e = at - (first + i * gapMs);
    errors.push(Math.abs(e));
    drift = e;
  });
  errors.sort((a, b) => a - b);
  return { lost, p50: quantile(errors, 0.5), p99: quantile(errors, 0.99), max: errors[errors.length - 1], drift };
}

async function oneRun(kind: Publisher, url: string, file: string, n: number): Promise<{ arrivals: number[]; received: number; startAt: number; firstDueAt: number }> {
  const sub = benchChild(__filename, ['--role', 'subscriber', '--url', url, '--messages', String(n)]);
  await sub.ready;
  const pub = benchChild(__filename, ['--role', kind, '--url', url, '--file', file]);
  const times = (await pub.done) as { startAt: number; firstDueAt: number };
  const s = (await sub.done) as { arrivals: number[]; received: number };
  return { ...s, ...times };
}

async function main(): Promise<void> {
  const role = argValue('role');
  const url = argValue('url') as string;
  if (role === 'subscriber') return printResult(await subscriber(url, Number(argValue('messages'))));
  if (role) return printResult(await publisher(role as Publisher, url, argValue('file') as string));

  const n = Number(argValue('messages') ?? 10_000);
  const runs = Number(argValue('runs') ?? 3);
  const maxN = Number(argValue('max-messages') ?? 200_000);
  const gapMs = 1;
  const dir = path.join(os.tmpdir(), `bench-replay-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const timedFile = path.join(dir, 'timed.log');
  const maxFile = path.join(dir, 'max.log');
  await writeSession(timedFile, n, gapMs);
  await writeSession(maxFile, maxN, 0);
  const m = await Mosquitto.start(['max_queued_messages 0']);
  console.log(`# bench:replay — mosquitto ${m.url} (set_tcp_nodelay true); subscriber and publisher each in their own process`);
  console.log(`# machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.release()}; ${runs} runs each, alternating\n`);
  try {
    console.log(`## 1×: ${n.toLocaleString('en')} messages ${gapMs} ms apart (${((n * gapMs) / 1000).toFixed(0)} s)`);
    const timed: Record<'ours' | 'sleep', TimingResult[]> = { ours: [], sleep: [] };
    for (let r = 0; r < runs; r++) {
      for (const kind of r % 2 === 0 ? (['ours', 'sleep'] as const) : (['sleep', 'ours'] as const)) {
        const run = await oneRun(kind, m.url, timedFile, n);
        const x = timing(run.arrivals, run.firstDueAt, gapMs);
        timed[kind].push(x);
        console.log(`  run ${r + 1} ${kind}: lost ${x.lost}, |error| p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms, max ${x.max.toFixed(2)} ms, end drift ${x.drift.toFixed(2)} ms`);
      }
    }
    console.log('\n| publisher | lost (max) | |arrival − intended| p50 | p99 | max | end drift |');
    console.log('|---|---|---|---|---|---|');
    for (const kind of ['ours', 'sleep'] as const) {
      const med = (f: (x: TimingResult) => number): string => median(timed[kind].map(f)).toFixed(2);
      const label = kind === 'ours' ? 'our replayer (deadlines), 1×' : 'sleep the recorded gap, then publish';
      console.log(`| ${label} | ${Math.max(...timed[kind].map((x) => x.lost))} | ${med((x) => x.p50)} ms | ${med((x) => x.p99)} ms | ${med((x) => x.max)} ms | ${med((x) => x.drift)} ms |`);
    }

    console.log(`\n## max speed: ${maxN.toLocaleString('en')} messages, QoS 0`);
    const rates: Record<'ours-max' | 'bare-max', number[]> = { 'ours-max': [], 'bare-max': [] };
    for (let r = 0; r < runs; r++) {
      for (const kind of r % 2 === 0 ? (['ours-max', 'bare-max'] as const) : (['bare-max', 'ours-max'] as const)) {
        const x = await oneRun(kind, m.url, maxFile, maxN);
        const last = x.arrivals.reduce((a, b) => Math.max(a, b), 0);
        const rate = x.received / ((last - x.startAt) / 1000);
        rates[kind].push(rate);
        console.log(`  run ${r + 1} ${kind}: received ${x.received}, lost ${maxN - x.received}, ${(last - x.startAt).toFixed(0)} ms, ${rate.toFixed(0)} msg/s`);
      }
    }
    const ratio = median(rates['ours-max'].map((o, i) => o / rates['bare-max'][i]));
    console.log('\n| publisher | rate (median) |');
    console.log('|---|---|');
    console.log(`| our replayer, speed max (reads the .log) | ${median(rates['ours-max']).toFixed(0)} msg/s |`);
    console.log(`| bare mqtt.js publish loop (messages in memory) | ${median(rates['bare-max']).toFixed(0)} msg/s |`);
    console.log(`\nrate ours / bare (median of per-run ratios): ${ratio.toFixed(3)}`);
  } finally {
    await m.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
