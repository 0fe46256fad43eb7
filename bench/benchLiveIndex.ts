/**
 * npm run bench:live-index [-- --messages 200000 --runs 2]
 *
 * A recorder on mosquitto gets N QoS 0 messages flat out; then it is stopped. Measured:
 * from the stop until the session's index is current. Ours (the live index, kept while
 * recording) alternates with the reference: the same recording without a live index and
 * the whole index built from the .log at the stop (the way before issue 16).
 */
import * as path from 'node:path';
import { argValue, machineLine, median } from './benchProcesses';
import { buildIndexInWorker } from '../src/core/index/indexClient';
import { connectBroker } from '../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../src/core/mqtt/brokerProfile';
import { SessionRecorder } from '../src/core/record/sessionRecorder';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { Mosquitto } from '../test/brokers';
import { tempDir, removeTempDirs } from '../test/helpers';
setRuntimeDir(path.join(__dirname, '..'));
async function once(b: Mosquitto, n: number, live: boolean): Promise<number> {
  const dir = await tempDir();
  const rec = await SessionRecorder.start({ profile: profileFromUrl(b.url), outDir: dir, name: 'lb', subscribeQos: 0, index: live });
  const pub = await connectBroker({ ...profileFromUrl(b.url), clientId: 'lbpub' + Math.random() });
  const payload = JSON.stringify({ serialNumber: 'SVR4H76449', orderId: 'c9da720e-98e6-4d96-84d3-7baad5c5383d', actionState: { state: 'RUNNING', command: 'PICK' }, ts: '2026-01-01T00:00:00.000Z', pad: 'x'.repeat(80) });
  for (let i = 0; i < n; i++) { pub.publish(`factory/module/${i % 50}/state`, payload, { qos: 0 }); if (i % 2000 === 0) await new Promise((r) => setImmediate(r)); }
  const t0 = Date.now();
  while (rec.stats().messages < n && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 20));
  const t1 = Date.now();
  const r = await rec.stop();
  if (!live) await buildIndexInWorker(r.logPath, r.logPath.replace(/\.log$/, '.db'));
  await pub.endAsync();
  if (r.stats.messages !== n) throw new Error(`${r.stats.messages} of ${n}`);
  return Date.now() - t1;
}
(async () => {
  const n = Number(argValue('messages') ?? 200_000);
  const runs = Number(argValue('runs') ?? 2);
  console.log(`# ${machineLine()}; mosquitto on loopback`);
  const b = await Mosquitto.start(['max_queued_messages 0']);
  const res: Record<string, number[]> = { live: [], atStop: [] };
  for (let i = 0; i < runs; i++) { res.live.push(await once(b, n, true)); res.atStop.push(await once(b, n, false)); }
  console.log(`${n} messages flat out; stop → index ready: live index median ${median(res.live)} ms (${res.live.join(', ')}); whole build at the stop median ${median(res.atStop)} ms (${res.atStop.join(', ')}); ratio ${(median(res.live) / median(res.atStop)).toFixed(2)}`);
  await b.stop(); await removeTempDirs(); process.exit(0);
})();
