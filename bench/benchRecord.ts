/**
 * npm run bench:record [-- --messages N --runs R --memory-messages M]
 *
 * mosquitto (max_queued_messages 0, set_tcp_nodelay true) on loopback; a publisher in its
 * own process blasts N QoS 0 messages (about 200-byte JSON, 50 topics). Each run has one
 * subscriber in its own process, in turn: our recorder (the .log, fsync every second, and
 * its index kept while it records and finished at the stop), the Python reference
 * recorder (paho-mqtt, a list, a .log and an SQLite table written at the stop: the old
 * ORBIS recorder's way), `mosquitto_sub -F %j > file`, and a bare mqtt.js subscriber that
 * only counts. Each reports the CPU seconds (user + sys) of its process, until its files
 * (and for ours the index) are written. Medians of R runs; then one long run of ours for memory.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectBroker } from '../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../src/core/mqtt/brokerProfile';
import { SessionRecorder } from '../src/core/record/sessionRecorder';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { Mosquitto } from '../test/brokers';
import { existsSync } from 'node:fs';
import { type BenchChild, argValue, benchChild, benchCommand, blastPublish, median, peakRssMiB, printResult } from './benchProcesses';
import { syntheticPayload, syntheticTopics } from './synthetic';

setRuntimeDir(path.join(__dirname, '..'));

type Kind = 'ours' | 'python' | 'mosquitto_sub' | 'bare';
const KINDS: Kind[] = ['ours', 'python', 'mosquitto_sub', 'bare'];
const LABELS: Record<Kind, string> = {
  ours: 'our recorder (.log, fsync 1 s, index while recording)',
  python: 'Python reference (paho-mqtt; .log + SQLite at the stop)',
  mosquitto_sub: 'mosquitto_sub -F %j > file',
  bare: 'bare mqtt.js subscriber (counts)',
};

interface SubscriberResult {
  received: number;
  /** Epoch ms when it was done: the last message counted, or its files (and index) written. */
  lastAt: number;
  rssMiB: number;
  /** User + system CPU of the subscriber's process (ours: recorder and index worker). */
  cpuSec: number;
  p99?: number;
  maxDelay?: number;
  fileBytes?: number;
  /** Ours: from the last message to the index being current (the stop). */
  stopMs?: number;
}

const cpuSec = (): number => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
};

/** Debian's python3 (where python3-paho-mqtt is), before any other on the PATH. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** In a child process: subscribe, say "ready", count until N arrived or 5 s pass in silence. */
async function subscriber(kind: 'ours' | 'bare', url: string, n: number, dir: string): Promise<SubscriberResult> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const profile = { ...profileFromUrl(url), clientId: `bench-${kind}-${process.pid}` };
  let lastArrival = Date.now();
  if (kind === 'bare') {
    const client = await connectBroker(profile);
    let received = 0;
    let lastAt = 0;
    client.on('message', () => {
      received++;
      lastArrival = lastAt = Date.now();
    });
    await client.subscribeAsync({ '#': { qos: 0 } });
    process.stdout.write('ready\n');
    while (received < n && Date.now() - lastArrival < 5000) await new Promise((r) => setTimeout(r, 5));
    await client.endAsync();
    h.disable();
    return { received, lastAt, rssMiB: peakRssMiB(), cpuSec: cpuSec(), p99: h.percentile(99) / 1e6, maxDelay: h.max / 1e6 };
  }
  const rec = await SessionRecorder.start({ profile, outDir: dir, name: 'bench', index: process.env.BENCH_INDEX !== '0', subscribeQos: 0, syncMs: Number(process.env.BENCH_SYNC_MS ?? 1000) });
  process.stdout.write('ready\n');
  let seen = 0;
  while (Date.now() - lastArrival < 5000) {
    const m = rec.stats().messages;
    if (m !== seen) {
      seen = m;
      lastArrival = Date.now();
    }
    if (m >= n) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  // The last message is on disk (the OS) once the writer's next flush ran: stop() flushes,
  // and finishes the index.
  const stopAt = Date.now();
  const result = await rec.stop();
  const lastAt = Date.now();
  h.disable();
  if (result.error || (!result.dbPath && process.env.BENCH_INDEX !== '0')) throw new Error(`recorder: ${result.error ?? 'no index'}`);
  const st = await stat(result.logPath);
  await rm(result.logPath, { force: true });
  if (result.dbPath) await rm(result.dbPath, { force: true });
  return { received: result.stats.messages, lastAt, rssMiB: peakRssMiB(), cpuSec: cpuSec(), p99: h.percentile(99) / 1e6, maxDelay: h.max / 1e6, fileBytes: st.size, stopMs: lastAt - stopAt };
}

/** In a child process: N QoS 0 messages as fast as the socket takes them. */
async function publisher(url: string, n: number): Promise<{ startAt: number; endAt: number }> {
  const client = await connectBroker({ ...profileFromUrl(url), clientId: `bench-pub-${process.pid}` });
  const topics = syntheticTopics();
  const messages = topics.map((topic, i) => ({ topic, payload: Buffer.from(syntheticPayload(i, topic, Date.now())) }));
  const startAt = Date.now();
  await blastPublish(client, messages, n);
  const endAt = Date.now();
  await client.endAsync();
  return { startAt, endAt };
}

function subscriberChild(kind: Kind, url: string, n: number, dir: string): BenchChild {
  const { hostname, port } = new URL(url);
  if (kind === 'python') return benchCommand(PYTHON, [path.join(__dirname, '..', '..', 'bench', 'pythonRecorder.py'), hostname, port, String(n), dir]);
  if (kind === 'mosquitto_sub') return benchCommand(PYTHON, [path.join(__dirname, '..', '..', 'bench', 'mosquittoSubRecorder.py'), hostname, port, String(n), dir]);
  return benchChild(__filename, ['--role', kind, '--url', url, '--messages', String(n), '--dir', dir]);
}

async function oneRun(kind: Kind, url: string, n: number, dir: string): Promise<SubscriberResult & { wallMs: number; pubMs: number }> {
  await mkdir(dir, { recursive: true });
  const sub = subscriberChild(kind, url, n, dir);
  await sub.ready;
  const pub = benchChild(__filename, ['--role', 'publisher', '--url', url, '--messages', String(n)]);
  const p = (await pub.done) as { startAt: number; endAt: number };
  const s = (await sub.done) as SubscriberResult;
  await rm(dir, { recursive: true, force: true });
  return { ...s, wallMs: s.lastAt - p.startAt, pubMs: p.endAt - p.startAt };
}

async function main(): Promise<void> {
  const role = argValue('role');
  const url = argValue('url') as string;
  const n = Number(argValue('messages') ?? 200_000);
  if (role === 'publisher') return printResult(await publisher(url, n));
  if (role === 'ours' || role === 'bare') return printResult(await subscriber(role, url, n, argValue('dir') as string));

  const runs = Number(argValue('runs') ?? 3);
  const memoryN = Number(argValue('memory-messages') ?? 1_000_000);
  const dir = path.join(os.tmpdir(), `bench-record-${process.pid}`);
  const m = await Mosquitto.start(['max_queued_messages 0']);
  console.log(`# bench:record — ${n.toLocaleString('en')} QoS 0 messages of ~${Buffer.byteLength(syntheticPayload(1, 'module/v1/ff/SVR3QA0022/state', Date.now()))} bytes, 50 topics; mosquitto ${m.url} (max_queued_messages 0, set_tcp_nodelay true)`);
  console.log(`# machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.release()}; ${runs} runs each, alternating\n`);
  // --only ours,python: a subset (profiling); the tables need every kind.
  const only = (argValue('only') ?? KINDS.join(',')).split(',');
  const results = Object.fromEntries(KINDS.map((k) => [k, [] as Awaited<ReturnType<typeof oneRun>>[]])) as Record<Kind, Awaited<ReturnType<typeof oneRun>>[]>;
  try {
    for (let r = 0; r < runs; r++) {
      // A different order each run: no subscriber always follows the same one.
      const order = KINDS.map((_, i) => KINDS[(i + r) % KINDS.length]).filter((k) => only.includes(k));
      for (const kind of order) {
        const x = await oneRun(kind, m.url, n, dir);
        results[kind].push(x);
        console.log(`  run ${r + 1} ${kind}: received ${x.received}, lost ${n - x.received}, wall ${x.wallMs} ms (publisher ${x.pubMs} ms), CPU ${x.cpuSec.toFixed(2)} s, RSS ${x.rssMiB.toFixed(0)} MiB${x.stopMs !== undefined ? `, stop → index current ${x.stopMs} ms` : ''}`);
      }
    }
    if (only.length < KINDS.length) return;
    const med = (kind: Kind, f: (x: Awaited<ReturnType<typeof oneRun>>) => number): number => median(results[kind].map(f));
    console.log('\n| subscriber | received (median) | lost (max) | wall time (median) | CPU s, user + sys (median) | peak RSS |');
    console.log('|---|---|---|---|---|---|');
    for (const kind of KINDS) {
      const lost = Math.max(...results[kind].map((x) => n - x.received));
      console.log(`| ${LABELS[kind]} | ${med(kind, (x) => x.received)} | ${lost} | ${med(kind, (x) => x.wallMs)} ms | ${med(kind, (x) => x.cpuSec).toFixed(2)} s | ${med(kind, (x) => x.rssMiB).toFixed(0)} MiB |`);
    }
    const ratio = (a: Kind, b: Kind, f: (x: Awaited<ReturnType<typeof oneRun>>) => number): string => median(results[a].map((o, i) => f(o) / f(results[b][i]))).toFixed(2);
    console.log(`\nCPU ours / Python reference (median of per-run ratios): ${ratio('ours', 'python', (x) => x.cpuSec)}× (target ≤ 1)`);
    console.log(`CPU ours / mosquitto_sub: ${ratio('ours', 'mosquitto_sub', (x) => x.cpuSec)}×; wall time ours / bare mqtt.js: ${ratio('ours', 'bare', (x) => x.wallMs)}×`);
    console.log(`ours, stop → index current (median): ${med('ours', (x) => x.stopMs ?? 0)} ms (target ≤ 1000 ms); event-loop delay p99 ${med('ours', (x) => x.p99 ?? 0).toFixed(1)} ms`);
    if (memoryN > 0) {
      console.log(`\n# memory: ${memoryN.toLocaleString('en')} messages into one recording`);
      const ours = await oneRun('ours', m.url, memoryN, dir);
      console.log(`  ours: received ${ours.received}, lost ${memoryN - ours.received}, wall ${ours.wallMs} ms, .log ${((ours.fileBytes ?? 0) / 2 ** 20).toFixed(0)} MiB, peak RSS ${ours.rssMiB.toFixed(0)} MiB, event-loop p99 ${(ours.p99 ?? 0).toFixed(1)} ms`);
    }
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
