import { closeClient, connectBroker } from '../../core/mqtt/brokerConnection';
import { profileUrl } from '../../core/mqtt/brokerProfile';
import { type ConfirmPublish, guardPublish } from '../../core/mqtt/publishGuard';
import { type ReplayProgress, SessionReplayer, parseReplayOptions } from '../../core/replay/sessionReplayer';
import { expandTestTopicPaths, sendTestTopics } from '../../core/send/testTopicSender';
import { resolveSession } from '../../core/session/sessionFiles';
import { parseDuration } from '../../core/session/timestamps';
import { type ParsedArgs, UsageError, choiceOption, stringOption } from '../argv';
import { BROKER_OPTIONS, brokerFromArgs } from '../brokerOptions';
import { defineCommand } from '../command';
import { askYesNo } from '../terminal';
import { formatDuration } from '../../core/util/units';

function offsetOption(args: ParsedArgs, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : parseDuration(v);
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`--${name} must be an offset such as 10s, 2m or 90 (seconds) (got ${v})`);
  return ms;
}

/** `--yes` answers for the user; otherwise a prompt on a terminal, else no. */
function confirmFromArgs(args: ParsedArgs): ConfirmPublish {
  return async (question) => {
    if (args.options.yes === true) return true;
    if (!process.stdin.isTTY) {
      process.stderr.write(`${question} Not asked: no terminal (give --yes to confirm).\n`);
      return false;
    }
    return askYesNo(question);
  };
}

function progressLine(p: ReplayProgress): string {
  const pct = p.total ? ` (${((100 * ((p.sent - 1) % p.total + 1)) / p.total).toFixed(0)} %)` : '';
  return `${p.state} pass ${p.pass}: ${p.sent} sent of ${p.total}${pct}, at ${formatDuration(p.positionMs / 1000)}, late ${p.latenessMs.toFixed(1)} ms`;
}

const YES = { yes: { help: 'publish to a production broker without asking' } };

export const replayCommand = defineCommand({
  name: 'replay',
  usage: 'SESSION (--broker URL | --profile NAME)',
  summary: 'publish a session again with its timing',
  description: 'Publishes a session again on its own timing (absolute deadlines: lateness never accumulates); Ctrl-C stops.',
  notes:
    'A broker that goes away holds the replay; it resumes where it stopped, or gives up after --broker-timeout (exit 1). Ctrl-C exits 130 with the position reached. Topics that are not valid topic names are not sent (counted, exit 1). A profile with "role": "production" is asked for on a terminal, or needs --yes.',
  options: {
    ...BROKER_OPTIONS,
    speed: { value: true, arg: '0.1..100|max', help: 'how fast (default 1); max follows the broker\'s acknowledgements' },
    loop: { help: 'start again at the end, until Ctrl-C' },
    from: { value: true, arg: '10s', help: 'start this far into the session' },
    to: { value: true, arg: '2m', help: 'stop this far into the session' },
    topic: { value: true, repeat: true, arg: 'F', help: 'only topics matching this filter' },
    exclude: { value: true, repeat: true, arg: 'F', help: 'leave out topics matching this filter' },
    prefix: { value: true, arg: 'P', help: 'put P before every topic' },
    remap: { value: true, repeat: true, arg: 'OLD=NEW', help: 'rename topics matching the filter OLD; + and # in NEW take the levels they matched (module/+/ff/#=lab/+/#)' },
    retain: { value: true, arg: 'keep|clear|none', help: 'keep: as recorded (default); clear: as recorded, cleared at the end; none: never retained' },
    qos: { value: true, arg: 'keep|0|1|2', help: 'the QoS of every publish (default keep)' },
    preloads: { value: true, arg: 'DIR', help: 'send the test topics of this folder first' },
    timeshift: { help: "move the payloads' time fields to the replay's time" },
    'broker-timeout': { value: true, arg: '30s', help: 'how long to wait for a broker that is down' },
    ...YES,
    quiet: { help: 'no progress or start line on stderr' },
  },
  positionals: [1, 1],
  run: replay,
});

async function replay(args: ParsedArgs): Promise<number> {
  const speedText = stringOption(args, 'speed') ?? '1';
  const speed = speedText === 'max' ? 'max' : Number(speedText.replace(/x$/i, ''));
  if (speed !== 'max' && !Number.isFinite(speed)) throw new UsageError(`--speed must be a number from 0.1 to 100, or max (got ${speedText})`);
  const qos = choiceOption(args, 'qos', ['keep', '0', '1', '2'] as const, 'keep');
  let options;
  try {
    options = parseReplayOptions({
      speed,
      loop: args.options.loop === true,
      fromMs: offsetOption(args, 'from'),
      toMs: offsetOption(args, 'to'),
      topics: (args.options.topic as string[] | undefined) ?? [],
      exclude: (args.options.exclude as string[] | undefined) ?? [],
      prefix: stringOption(args, 'prefix'),
      remap: (args.options.remap as string[] | undefined) ?? [],
      retain: choiceOption(args, 'retain', ['keep', 'clear', 'none'] as const, 'keep'),
      qos: qos === 'keep' ? 'keep' : (Number(qos) as 0 | 1 | 2),
      preloadsDir: stringOption(args, 'preloads'),
      timeshift: args.options.timeshift === true,
      brokerTimeoutMs: offsetOption(args, 'broker-timeout'),
    });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^replay option "(\w+)"/, (_, f: string) => `--${{ fromMs: 'from', toMs: 'to' }[f] ?? f}`));
  }
  const files = await resolveSession(args.positionals[0]);
  const { profile, password } = await brokerFromArgs(args);
  await guardPublish(profile, `Replay ${files.name}`, confirmFromArgs(args));
  // A broker that is down at the start is waited for as long as one that goes away mid-way.
  const client = await connectBroker(profile, { password, waitMs: options.brokerTimeoutMs });
  const replayer = new SessionReplayer(files, client, options);
  const quiet = args.options.quiet === true;
  const tty = process.stderr.isTTY === true && !quiet;
  replayer.on('progress', (p) => {
    if (tty) process.stderr.write(`\r\x1b[K${progressLine(p)}`);
  });
  if (!quiet) process.stderr.write(`replaying ${files.name} to ${profileUrl(profile)} at ${speed === 'max' ? 'max speed' : `${speed}×`}${options.loop ? ', looping' : ''} (Ctrl-C stops)\n`);
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(130);
    replayer.stop();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const r = await replayer.run();
    if (tty) process.stderr.write('\r\x1b[K');
    for (const p of r.preloads) if (!p.ok) process.stderr.write(`mqtt-sessions: preload ${p.error}\n`);
    if (r.preloads.length) process.stdout.write(`preloads: ${r.preloads.filter((p) => p.ok).length} of ${r.preloads.length} sent\n`);
    const stopped = r.state === 'stopped';
    const faults = [
      r.outages ? `waited ${formatDuration(r.outageMs / 1000)} through ${r.outages} broker outage${r.outages === 1 ? '' : 's'} (deadlines moved by it)` : '',
      r.lostInOutage ? `${r.lostInOutage} QoS 0 messages may be lost in them` : '',
      r.invalidTopics ? `${r.invalidTopics} not sent: invalid topic (first ${r.firstInvalidTopic})` : '',
    ].filter(Boolean);
    process.stdout.write(
      `${files.name}: ${stopped ? `stopped at message ${r.sent} of ${r.total}${r.pass > 1 ? ` in pass ${r.pass}` : ''}, ${formatDuration(r.positionMs / 1000)} into the session` : `replayed, ${r.sent} messages in ${r.pass} pass${r.pass === 1 ? '' : 'es'} (${r.total} a pass)`}, ${formatDuration(r.elapsedMs / 1000)}, latest ${r.maxLatenessMs.toFixed(1)} ms late${r.cleared ? `, ${r.cleared} retained topics cleared` : ''}${faults.length ? `; ${faults.join('; ')}` : ''}\n`,
    );
    // An unfinished replay never exits 0: 130 as a shell reports Ctrl-C.
    if (stopped) return 130;
    return r.preloads.some((p) => !p.ok) || r.invalidTopics ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await closeClient(client);
  }
}

export const sendCommand = defineCommand({
  name: 'send',
  usage: 'FILE|DIR... (--broker URL | --profile NAME)',
  summary: 'publish test-topic files',
  description: "Publishes test-topic files with their own QoS and retain: a folder's preloads/ first, then its files in name order.",
  notes: 'A bad file is named with its field; the others still go (exit 1).',
  options: { ...BROKER_OPTIONS, ...YES, json: { help: 'print the results as JSON' } },
  positionals: [1, Number.POSITIVE_INFINITY],
  run: send,
});

async function send(args: ParsedArgs): Promise<number> {
  const files = await expandTestTopicPaths(args.positionals);
  if (files.length === 0) throw new Error(`${args.positionals.join(', ')}: no .json files`);
  const { profile, password } = await brokerFromArgs(args);
  await guardPublish(profile, `Send ${files.length} test topic${files.length === 1 ? '' : 's'}`, confirmFromArgs(args));
  const client = await connectBroker(profile, { password });
  try {
    const results = await sendTestTopics(client, files, {}, (r) => {
      if (args.options.json === true) return;
      if (r.ok) process.stdout.write(`sent ${r.file} → ${r.topic} (${r.bytes} bytes)\n`);
      else process.stderr.write(`mqtt-sessions: ${r.error}\n`);
    });
    if (args.options.json === true) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    const bad = results.filter((r) => !r.ok).length;
    if (args.options.json !== true) process.stdout.write(`${results.length - bad} of ${results.length} sent${bad ? `, ${bad} failed` : ''}\n`);
    return bad ? 1 : 0;
  } finally {
    await closeClient(client);
  }
}
