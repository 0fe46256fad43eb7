/**
 * npm run bench:record [-- --messages N --runs R --memory-messages M]
 *
 * mosquitto (max_queued_messages 0, set_tcp_nodelay true) on loopback; a publisher in its
 * own process blasts N QoS 0 messages (about 200-byte JSON, 50 topics). Each run has one
 * subscriber in its own process: our recorder (writing the .log, fsync every second, no
 * index) or a bare mqtt.js subscriber that only counts. Ours and bare alternate in one
 * run of the script; medians of R runs each. Then one long run of ours for memory.
 */
import { rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectBroker } from '../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../src/core/mqtt/brokerProfile';
import { SessionRecorder } from '../src/core/record/sessionRecorder';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { Mosquitto } from '../test/brokers';
import { argValue, benchChild, blastPublish, median, peakRssMiB, printResult } from './benchProcesses';
import { syntheticPayload, syntheticTopics } from './synthetic';

setRuntimeDir(path.join(__dirname, '..'));

interface SubscriberResult {
  received: number;
  /** Epoch ms of the last message (ours: when it was written and flushed). */
  lastAt: number;
  rssMiB: number;
  p99: number;
  maxDelay: number;
  fileBytes?: number;
}

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
    return { received, lastAt, rssMiB: peakRssMiB(), p99: h.percentile(99) / 1e6, maxDelay: h.max / 1e6 };
  }
  const rec = await SessionRecorder.start({ profile, outDir: dir, name: 'bench', index: false, subscribeQos: 0, syncMs: Number(process.env.BENCH_SYNC_MS ?? 1000) });
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
  // The last message is on disk (the OS) once the writer's next flush ran: stop() flushes.
  const result = await rec.stop();
  const lastAt = Date.now();
  h.disable();
  const st = await stat(result.logPath);
  await rm(result.logPath, { force: true });
  return { received: result.stats.messages, lastAt, rssMiB: peakRssMiB(), p99: h.percentile(99) / 1e6, maxDelay: h.max / 1e6, fileBytes: st.size };
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

async function oneRun(kind: 'ours' | 'bare', url: string, n: number, dir: string): Promise<SubscriberResult & { wallMs: number; pubMs: number }> {
  const sub = benchChild(__filename, ['--role', kind, '--url', url, '--messages', String(n), '--dir', dir]);
  await sub.ready;
  const pub = benchChild(__filename, ['--role', 'publisher', '--url', url, '--messages', String(n)]);
  const p = (await pub.done) as { startAt: number; endAt: number };
  const s = (await sub.done) as SubscriberResult;
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
  const results: Record<'ours' | 'bare', Awaited<ReturnType<typeof oneRun>>[]> = { ours: [], bare: [] };
  try {
    for (let r = 0; r < runs; r++) {
      const order: ('ours' | 'bare')[] = r % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
      for (const kind of order) {
        const x = await oneRun(kind, m.url, n, dir);
        results[kind].push(x);
        console.log(`  run ${r + 1} ${kind}: received ${x.received}, lost ${n - x.received}, wall ${x.wallMs} ms (publisher ${x.pubMs} ms), RSS ${x.rssMiB.toFixed(0)} MiB, event-loop p99 ${x.p99.toFixed(1)} ms`);
      }
    }
    const med = (kind: 'ours' | 'bare', f: (x: Awaited<ReturnType<typeof oneRun>>) => number): number => median(results[kind].map(f));
    const ratio = median(results.ours.map((o, i) => o.wallMs / results.bare[i].wallMs));
    console.log('\n| subscriber | received (median) | lost (max) | wall time (median) | peak RSS | event-loop delay p99 / max |');
    console.log('|---|---|---|---|---|---|');
    for (const kind of ['ours', 'bare'] as const) {
      const lost = Math.max(...results[kind].map((x) => n - x.received));
      console.log(`| ${kind === 'ours' ? 'our recorder (.log, fsync 1 s)' : 'bare mqtt.js subscriber (counts)'} | ${med(kind, (x) => x.received)} | ${lost} | ${med(kind, (x) => x.wallMs)} ms | ${med(kind, (x) => x.rssMiB).toFixed(0)} MiB | ${med(kind, (x) => x.p99).toFixed(1)} / ${med(kind, (x) => x.maxDelay).toFixed(1)} ms |`);
    }
    console.log(`\nwall time ours / bare (median of per-run ratios): ${ratio.toFixed(3)}`);
    if (memoryN > 0) {
      console.log(`\n# memory: ${memoryN.toLocaleString('en')} messages into one recording`);
      const ours = await oneRun('ours', m.url, memoryN, dir);
      console.log(`  ours: received ${ours.received}, lost ${memoryN - ours.received}, wall ${ours.wallMs} ms, .log ${((ours.fileBytes ?? 0) / 2 ** 20).toFixed(0)} MiB, peak RSS ${ours.rssMiB.toFixed(0)} MiB, event-loop p99 ${ours.p99.toFixed(1)} ms`);
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
