import * as path from 'node:path';
import { startEmbeddedBroker } from '../../core/broker/embeddedBroker';
import { closeClient, connectBroker } from '../../core/mqtt/brokerConnection';
import { profileFromUrl, profileUrl } from '../../core/mqtt/brokerProfile';
import type { ExclusionPreset } from '../../core/record/exclusions';
import type { RecorderResult, RecorderStats } from '../../core/record/recorderStats';
import { SessionRecorder } from '../../core/record/sessionRecorder';
import { type LiveRecording, finalizeInterrupted, findInterrupted } from '../../core/record/sessionRecovery';
import { replayAndCheck } from '../../core/replay/replayCheck';
import { TopicRecorder, type TopicCaptureResult, captureTopicsFromSession } from '../../core/record/topicRecorder';
import { openSessionSource } from '../../core/session/sessionSource';
import { FactorySimulator } from '../../core/simulator/factorySimulator';
import { resolveSession } from '../../core/session/sessionFiles';
import { summarizeSession } from '../../core/session/sessionSummary';
import { parseDuration } from '../../core/session/timestamps';
import { type ParsedArgs, UsageError, choiceOption, expectPositionals, intOption, parseArgs, stringOption } from '../argv';
import { BROKER_OPTIONS, brokerFromArgs, parseSize } from '../brokerOptions';
import { formatBytes, formatDuration } from '../../core/util/units';
import { table } from '../terminal';

function durationOption(args: ParsedArgs, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--${name} must be a duration such as 30s, 2m or 1h (got ${v})`);
  return ms;
}

function statsLine(s: RecorderStats): string {
  if (s.state === 'waiting') return `waiting for broker (${s.waitingFor}) — ${s.sessionName}, ${formatDuration(s.elapsedMs / 1000)}`;
  return `${s.state} ${s.sessionName}: ${s.messages} messages, ${s.rate}/s, ${s.topics} topics, ${formatBytes(s.fileBytes)}, skipped ${s.skippedPaused + s.skippedExcluded}, reconnects ${s.reconnects}, ${formatDuration(s.elapsedMs / 1000)}`;
}

/** Shows live figures on a terminal; finalises on Ctrl-C (a second Ctrl-C exits at once). */
async function runRecorder(recorder: SessionRecorder, quiet = false): Promise<RecorderResult> {
  const tty = process.stderr.isTTY === true && !quiet;
  recorder.on('stats', (s) => {
    if (tty) process.stderr.write(`\r\x1b[K${statsLine(s)}`);
  });
  recorder.on('event', (e) => {
    if (!quiet) process.stderr.write(`${tty ? '\r\x1b[K' : ''}${e.event}${e.detail ? `: ${e.detail}` : ''}\n`);
  });
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`${tty ? '\r\x1b[K' : ''}stopping (Ctrl-C again to quit at once)…\n`);
    void recorder.stop('stopped', 'interrupted by Ctrl-C');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    return await new Promise<RecorderResult>((resolve) => recorder.once('stopped', resolve));
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    if (tty) process.stderr.write('\r\x1b[K');
  }
}

export async function recordCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...BROKER_OPTIONS,
    topic: { value: true, repeat: true },
    exclude: { value: true, repeat: true },
    preset: { value: true },
    out: { value: true },
    name: { value: true },
    duration: { value: true },
    'max-messages': { value: true },
    'max-bytes': { value: true },
    resume: { value: true },
    'connect-timeout': { value: true },
    'clean-session': {},
    'session-expiry': { value: true },
    qos: { value: true },
    'no-index': {},
    quiet: {},
  });
  expectPositionals(args, 0, 0, 'record (--broker URL | --profile NAME) [--topic F]... [--exclude F]... [--preset none|no_cam|analysis] [--out DIR] [--name N] [--duration 30s] [--max-messages N] [--max-bytes N] [--connect-timeout 30s] [--qos 0|1|2] [--clean-session] [--session-expiry 1h]');
  const { profile, password } = await brokerFromArgs(args);
  const maxBytesText = stringOption(args, 'max-bytes');
  const maxBytes = maxBytesText === undefined ? undefined : parseSize(maxBytesText);
  if (maxBytes !== undefined && !(maxBytes > 0)) throw new UsageError(`--max-bytes must be a size such as 10MB (got ${maxBytesText})`);
  const outDir = stringOption(args, 'out') ?? 'sessions';
  const resume = stringOption(args, 'resume');
  const resumeLog = resume ? (await resolveSession(resume)).log : undefined;
  for (const r of await findInterrupted(outDir)) {
    // The recording to resume is interrupted too: it is continued, not closed.
    if (resumeLog && path.resolve(r.logPath) === path.resolve(resumeLog)) continue;
    try {
      const fixed = await finalizeInterrupted(r.logPath);
      process.stderr.write(`closed an interrupted recording: ${fixed.logPath} (${fixed.messages} messages)\n`);
    } catch (err) {
      // Another recorder starting in this folder may be closing it right now.
      process.stderr.write(`mqtt-sessions: ${(err as Error).message}\n`);
    }
  }
  const expiryMs = durationOption(args, 'session-expiry');
  const recorder = await SessionRecorder.open({
    profile,
    password,
    topics: (args.options.topic as string[] | undefined) ?? ['#'],
    exclude: (args.options.exclude as string[] | undefined) ?? [],
    preset: choiceOption(args, 'preset', ['none', 'no_cam', 'analysis'] as const, 'none') as ExclusionPreset,
    outDir,
    name: stringOption(args, 'name') ?? 'session',
    resumeLog,
    maxDurationMs: durationOption(args, 'duration'),
    maxMessages: intOption(args, 'max-messages'),
    maxBytes,
    index: args.options['no-index'] !== true,
    connectTimeoutMs: durationOption(args, 'connect-timeout'),
    subscribeQos: Number(choiceOption(args, 'qos', ['0', '1', '2'] as const, '2')) as 0 | 1 | 2,
    persistentSession: args.options['clean-session'] === true ? false : undefined,
    sessionExpirySec: expiryMs === undefined ? undefined : Math.round(expiryMs / 1000),
  });
  process.stderr.write(`recording ${profileUrl(profile)} into ${recorder.logPath} (Ctrl-C stops)\n`);
  recorder.ready.then(
    () => process.stderr.write(`subscribed to ${((args.options.topic as string[] | undefined) ?? ['#']).join(', ')}\n`),
    () => undefined,
  );
  const result = await runRecorder(recorder, args.options.quiet === true);
  return printResult(result);
}

function printResult(result: RecorderResult): number {
  const s = result.stats;
  process.stdout.write(
    `${result.logPath}: ${result.status} (${result.reason}), ${s.messages} messages, ${s.topics} topics, ${formatBytes(s.fileBytes)}, skipped ${s.skippedPaused} paused + ${s.skippedExcluded} excluded, reconnects ${s.reconnects}${s.reconnects ? ` (${formatDuration(s.outageMs / 1000)} without the broker)` : ''}${s.duplicatesDropped ? `, ${s.duplicatesDropped} redeliveries dropped` : ''}${result.dbPath ? `, indexed as ${path.basename(result.dbPath)}` : ''}\n`,
  );
  if (result.error) process.stderr.write(`mqtt-sessions: ${result.error}\n`);
  return result.status === 'failed' ? 1 : 0;
}

/** The topic recorder: test-topic files from a broker or from a recorded session. */
export async function recordTopicsCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...BROKER_OPTIONS,
    session: { value: true },
    topic: { value: true, repeat: true },
    every: { value: true, repeat: true },
    exclude: { value: true, repeat: true },
    preset: { value: true },
    out: { value: true },
    duration: { value: true },
  });
  expectPositionals(args, 0, 0, 'record-topics (--broker URL | --profile NAME | --session SESSION) [--topic F]... [--every F]... [--exclude F]... [--preset P] [--out DIR] [--duration 30s]');
  const options = {
    outDir: stringOption(args, 'out') ?? 'test_topics',
    topics: (args.options.topic as string[] | undefined) ?? ['#'],
    every: (args.options.every as string[] | undefined) ?? [],
    exclude: (args.options.exclude as string[] | undefined) ?? [],
    preset: choiceOption(args, 'preset', ['none', 'no_cam', 'analysis'] as const, 'none') as ExclusionPreset,
  };
  const sessionArg = stringOption(args, 'session');
  let result: TopicCaptureResult;
  if (sessionArg) {
    if (stringOption(args, 'broker') || stringOption(args, 'profile')) throw new UsageError('give --session or a broker, not both');
    const source = await openSessionSource(await resolveSession(sessionArg));
    try {
      result = await captureTopicsFromSession(source, options);
    } finally {
      source.close();
    }
  } else {
    const maxDurationMs = durationOption(args, 'duration');
    const { profile, password } = await brokerFromArgs(args);
    const rec = await TopicRecorder.start({ ...options, profile, password, maxDurationMs });
    process.stderr.write(`recording topics from ${profile.protocol}://${profile.host} into ${options.outDir}${maxDurationMs ? '' : ' (Ctrl-C stops)'}\n`);
    const onSigint = (): void => void rec.stop();
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigint);
    if (process.stderr.isTTY) rec.on('file', (f) => process.stderr.write(`\r\x1b[K${f.written} files, last: ${f.topic}`));
    result = await new Promise<TopicCaptureResult>((resolve) => rec.once('stopped', resolve));
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  }
  process.stdout.write(`${result.outDir}: ${result.written} test-topic files written from ${result.topics} topics${result.existing ? `, ${result.existing} already there (kept)` : ''}\n`);
  return 0;
}

export async function recoverCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  expectPositionals(args, 1, 1, 'recover DIR');
  const live: LiveRecording[] = [];
  const found = await findInterrupted(args.positionals[0], live);
  for (const l of live) process.stdout.write(`${l.logPath}: being recorded (pid ${l.pid} on ${l.host}), left alone\n`);
  if (found.length === 0) process.stdout.write('No interrupted recordings.\n');
  let failed = 0;
  for (const f of found) {
    try {
      const r = await finalizeInterrupted(f.logPath);
      const how = r.resumedAtLine === undefined ? 'indexed' : `index finished from line ${r.resumedAtLine + 1}`;
      process.stdout.write(`${r.logPath}: closed as interrupted, ${r.messages} messages, ${how}${f.staleLock ? ` (stale lock cleared: ${f.staleLock})` : ''}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`mqtt-sessions: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

export async function brokerCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { port: { value: true }, host: { value: true } });
  expectPositionals(args, 0, 0, 'broker [--port N] [--host H]');
  const broker = await startEmbeddedBroker({ port: intOption(args, 'port') ?? 1883, host: stringOption(args, 'host') ?? '127.0.0.1' });
  process.stdout.write(`embedded MQTT broker (aedes) listening on ${broker.url} — Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await broker.close();
  return 0;
}

/** The demo replays faster than real time: a 20 s recording takes 5 s. */
const DEMO_REPLAY_SPEED = 4;

export async function demoCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { seconds: { value: true }, out: { value: true } });
  expectPositionals(args, 0, 0, 'demo [--seconds 20] [--out DIR]');
  const seconds = intOption(args, 'seconds') ?? 20;
  const outDir = stringOption(args, 'out') ?? 'sessions';
  const broker = await startEmbeddedBroker({ port: 0 });
  process.stdout.write(`1. embedded broker (aedes) on ${broker.url}\n`);
  const profile = profileFromUrl(broker.url, 'embedded');
  const simClient = await connectBroker({ ...profile, clientId: 'factory-simulator' });
  // aedes mishandles QoS 2 for persistent sessions (moscajs/aedes#994): the demo records clean.
  const recorder = await SessionRecorder.start({ profile: { ...profile, clientId: 'demo-recorder' }, outDir, name: 'demo-factory', persistentSession: false });
  const sim = new FactorySimulator(simClient);
  await sim.start();
  process.stdout.write(`2. factory simulator publishing; recording ${seconds} s into ${recorder.logPath}\n`);
  // The simulator stops first and the recorder a moment later, so every published message can arrive.
  const timer = setTimeout(() => {
    sim.stop();
    setTimeout(() => void recorder.stop('completed', `demo ran ${seconds} s`), 300);
  }, seconds * 1000);
  try {
    const result = await runRecorder(recorder);
    clearTimeout(timer);
    await closeClient(simClient);
    const same = result.stats.messages === sim.counts.published;
    process.stdout.write(`3. recorded ${result.stats.messages} of the ${sim.counts.published} messages the simulator published${same ? '' : ' (MISMATCH)'}; ${sim.counts.orders} orders started, ${sim.counts.completed} completed\n`);
    if (result.error) throw new Error(result.error);
    if (!same && result.status === 'completed') throw new Error('the recording does not hold every published message');
    process.stdout.write(`4. indexed: ${result.dbPath}\n\n`);
    const s = await summarizeSession(await resolveSession(result.logPath));
    process.stdout.write(
      `${[
        `Session   ${s.name}`,
        `Format    ${s.format}`,
        `Messages  ${s.messages}`,
        `Topics    ${s.topics}`,
        `Start     ${s.start}`,
        `End       ${s.end}`,
        `Duration  ${formatDuration(s.durationSec)}`,
        `Problems  ${s.problemCount}`,
      ].join('\n')}\n\n${table(['TOPIC', 'MESSAGES'], s.topicCounts.slice(0, 12).map((t) => [t.topic, String(t.count)]))}\n`,
    );
    const prefix = 'replay/';
    process.stdout.write(`\n5. replaying the session at ${DEMO_REPLAY_SPEED}× to the same broker under ${prefix}, a second client listening there\n`);
    const check = await replayAndCheck(await resolveSession(result.logPath), profile, prefix, DEMO_REPLAY_SPEED);
    const exact = check.arrived === check.expected && check.mismatchedTopics.length === 0;
    process.stdout.write(
      `6. replayed ${check.replay.sent} messages in ${formatDuration(check.replay.elapsedMs / 1000)} (session ${formatDuration(s.durationSec)}), latest ${check.replay.maxLatenessMs.toFixed(1)} ms late; ${check.arrived} of ${check.expected} arrived${exact ? ', every topic with the same payload bytes in the same order' : `; MISMATCH on ${check.mismatchedTopics.slice(0, 5).join(', ')}`}\n`,
    );
    if (!exact) throw new Error('the replay did not deliver the recorded messages exactly');
    process.stdout.write('\nNot in the demo yet: analysis (timeline, order flow; issue 5).\n');
    return 0;
  } finally {
    sim.stop();
    await broker.close();
  }
}
