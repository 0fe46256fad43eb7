import * as path from 'node:path';
import { startEmbeddedBroker } from '../../core/broker/embeddedBroker';
import { profileUrl } from '../../core/mqtt/brokerProfile';
import type { ExclusionPreset } from '../../core/record/exclusions';
import type { RecorderResult, RecorderStats } from '../../core/record/recorderStats';
import { SessionRecorder } from '../../core/record/sessionRecorder';
import { type LiveRecording, finalizeInterrupted, findInterrupted } from '../../core/record/sessionRecovery';
import { TopicRecorder, type TopicCaptureResult, captureTopicsFromSession } from '../../core/record/topicRecorder';
import { openSessionSource } from '../../core/session/sessionSource';
import { resolveSession } from '../../core/session/sessionFiles';
import { parseDuration } from '../../core/session/timestamps';
import { type OptionSpec, type ParsedArgs, UsageError, choiceOption, intOption, stringOption } from '../argv';
import { BROKER_OPTIONS, brokerFromArgs } from '../brokerOptions';
import { defineCommand } from '../command';
import { formatBytes, formatDuration, parseByteSize } from '../../core/util/units';

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
export async function runRecorder(recorder: SessionRecorder, quiet = false): Promise<RecorderResult> {
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

/** What a broker is filtered by, for the recorders. */
const FILTERS: Record<string, OptionSpec> = {
  topic: { value: true, repeat: true, arg: 'F', help: 'subscribe to this topic filter (default #)' },
  exclude: { value: true, repeat: true, arg: 'F', help: 'leave out topics matching this filter' },
  preset: { value: true, arg: 'none|no_cam|analysis', help: 'a set of exclusions: no_cam leaves out the camera, analysis also the sensor topics' },
};

export const recordCommand = defineCommand({
  name: 'record',
  usage: '(--broker URL | --profile NAME)',
  summary: 'record a broker into a session (Ctrl-C stops)',
  description: 'Records a broker into <out>/<name>_<UTC stamp>.log, then indexes it; live figures on a terminal; Ctrl-C stops and finalises.',
  notes:
    'A broker that is down is waited for (for ever unless --connect-timeout) and reconnected within 1 s of coming back. An interrupted recording of the folder is closed as interrupted at the next start.',
  options: {
    ...BROKER_OPTIONS,
    ...FILTERS,
    out: { value: true, arg: 'DIR', help: 'the folder of the recording (default sessions)' },
    name: { value: true, arg: 'N', help: 'the name before the UTC stamp (default session)' },
    duration: { value: true, arg: '30s', help: 'stop after this long' },
    'max-messages': { value: true, arg: 'N', help: 'stop after N messages' },
    'max-bytes': { value: true, arg: '10MB', help: 'stop when the .log reaches this size' },
    resume: { value: true, arg: 'SESSION', help: 'continue an interrupted recording, with its client id' },
    'connect-timeout': { value: true, arg: '30s', help: 'give up when the broker cannot be reached for this long' },
    qos: { value: true, arg: '0|1|2', help: 'the subscription QoS (default 2)' },
    'clean-session': { help: 'no persistent broker session (by default kept for QoS 1 and 2)' },
    'session-expiry': { value: true, arg: '1h', help: 'how long the broker keeps the session (MQTT 5)' },
    'no-index': { help: 'write the .log only' },
    quiet: { help: 'no live figures or events on stderr' },
  },
  run: record,
});

async function record(args: ParsedArgs): Promise<number> {
  const { profile, password } = await brokerFromArgs(args);
  const maxBytesText = stringOption(args, 'max-bytes');
  const maxBytes = maxBytesText === undefined ? undefined : parseByteSize(maxBytesText);
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
export const recordTopicsCommand = defineCommand({
  name: 'record-topics',
  usage: '(--broker URL | --profile NAME | --session SESSION)',
  summary: 'test-topic files from a broker or a session',
  description: 'The first message of each topic as test-topic JSON files (every message of --every topics, numbered __000001), from a broker or a recorded session.',
  notes: 'Files already there are kept.',
  options: {
    ...BROKER_OPTIONS,
    session: { value: true, arg: 'SESSION', help: 'take the messages from this session instead of a broker' },
    ...FILTERS,
    every: { value: true, repeat: true, arg: 'F', help: 'keep every message of topics matching this filter' },
    out: { value: true, arg: 'DIR', help: 'the folder of the files (default test_topics)' },
    duration: { value: true, arg: '30s', help: 'stop after this long (a broker; else Ctrl-C stops)' },
  },
  run: recordTopics,
});

async function recordTopics(args: ParsedArgs): Promise<number> {
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

export const recoverCommand = defineCommand({
  name: 'recover',
  usage: 'DIR',
  summary: 'close and index the interrupted recordings of a folder',
  description: 'Closes the interrupted recordings of a folder and indexes them; one whose recorder is alive is left alone; a stale lock is cleared.',
  options: {},
  positionals: [1, 1],
  run: recover,
});

async function recover(args: ParsedArgs): Promise<number> {
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

export const brokerCommand = defineCommand({
  name: 'broker',
  usage: '',
  summary: 'an embedded MQTT broker (aedes)',
  description: 'An embedded MQTT 3.1.1 broker (aedes), on loopback by default; Ctrl-C stops.',
  options: {
    port: { value: true, arg: 'N', help: 'the port (default 1883)' },
    host: { value: true, arg: 'H', help: 'the address to listen on (default 127.0.0.1)' },
  },
  run: runBroker,
});

async function runBroker(args: ParsedArgs): Promise<number> {
  const broker = await startEmbeddedBroker({ port: intOption(args, 'port') ?? 1883, host: stringOption(args, 'host') ?? '127.0.0.1' });
  process.stdout.write(`embedded MQTT broker (aedes) listening on ${broker.url} — Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await broker.close();
  return 0;
}
