import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MqttClient } from 'mqtt';
import type { Activity, RunningReplay } from '../activity';
import { type ChosenBroker, confirmPublish, pickBroker, requireTrust } from '../brokerPicker';
import type { ExtensionServices } from '../services';
import { sessionArg } from './sessionArg';
import { existingFolders, readSettings } from '../settings';

/** How a replay ended: the Recorder view keeps it as a "last replay" row until dismissed or the next replay. */
export interface LastReplay {
  session: string;
  broker: string;
  state: string;
  sent: number;
  total: number;
  pass: number;
  maxLatenessMs: number;
  elapsedMs: number;
  error?: string;
}

const replayEnded = new vscode.EventEmitter<LastReplay>();
export const onDidEndReplay = replayEnded.event;

async function connect(broker: ChosenBroker): Promise<MqttClient> {
  const { connectBroker } = await import('../../core/mqtt/brokerConnection');
  return connectBroker(broker.profile, { password: broker.password });
}

/** Replay Session…: session, broker, speed and options; progress in the status bar and the Recorder view. */
export interface ReplaySelection {
  fromMs?: number;
  toMs?: number;
  topics: string[];
}

export async function replaySession(d: ExtensionServices, arg?: unknown, selection?: ReplaySelection): Promise<void> {
  if (!requireTrust(vscode.l10n.t('Replay'))) return;
  if (d.activity.replay) return void vscode.window.showInformationMessage(vscode.l10n.t('A replay is already running: stop it first.'));
  const files = await sessionArg(arg, vscode.l10n.t('Replay which session?'));
  if (!files) return;
  const broker = await pickBroker(d.secrets, d.choices, d.activity, vscode.l10n.t('Replay to which broker?'));
  if (!broker) return;
  const speeds = ['1', '2', '5', '10', '0.5', 'max'];
  const lastSpeed = d.choices.get('replaySpeed', '1');
  const speedPick = await vscode.window.showQuickPick(
    speeds.sort((a, b) => Number(b === lastSpeed) - Number(a === lastSpeed)).map((s) => ({ label: s === 'max' ? 'max' : `${s}×`, speed: s })),
    { placeHolder: vscode.l10n.t('Speed') },
  );
  if (!speedPick) return;
  d.choices.set('replaySpeed', speedPick.speed);
  const options = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Loop'), key: 'loop', picked: d.choices.get('replayLoop', false) },
      { label: vscode.l10n.t('Send preloads first'), key: 'preloads', picked: d.choices.get('replayPreloads', false) },
      { label: vscode.l10n.t('Move payload times to now'), key: 'timeshift', picked: d.choices.get('replayTimeshift', false) },
    ],
    { canPickMany: true, placeHolder: vscode.l10n.t('Options (Enter for none)') },
  );
  if (!options) return;
  const has = (k: string): boolean => options.some((o) => o.key === k);
  d.choices.set('replayLoop', has('loop'));
  d.choices.set('replayPreloads', has('preloads'));
  d.choices.set('replayTimeshift', has('timeshift'));
  let preloadsDir: string | undefined;
  if (has('preloads')) {
    for (const dir of await existingFolders(readSettings().testTopicFolders)) {
      const pre = path.join(dir, 'preloads');
      if ((await vscode.workspace.fs.stat(vscode.Uri.file(pre)).then(() => true, () => false))) {
        preloadsDir = pre;
        break;
      }
    }
  }
  if (!(await confirmPublish(broker.profile, vscode.l10n.t('Replay {0}', files.name)))) return;
  const { SessionReplayer } = await import('../../core/replay/sessionReplayer');
  let client: MqttClient;
  try {
    client = await connect(broker);
  } catch (err) {
    return void vscode.window.showErrorMessage(vscode.l10n.t('Cannot replay: {0}', (err as Error).message));
  }
  const replayer = new SessionReplayer(files, client, {
    speed: speedPick.speed === 'max' ? 'max' : Number(speedPick.speed),
    loop: has('loop'),
    preloadsDir,
    timeshift: has('timeshift'),
    naive: readSettings().naiveTimestamps,
    fromMs: selection?.fromMs !== undefined ? Math.max(0, selection.fromMs) : 0,
    toMs: selection?.toMs,
    topics: selection?.topics ?? [],
  });
  const running: RunningReplay = { replayer, client, session: files.name, profile: broker.profile };
  d.activity.startedReplay(running);
  d.log.info('replay', `replaying ${files.name} to ${broker.profile.name} at ${speedPick.label}`);
  void replayer.run().then(
    (r) => {
      replayEnded.fire({ session: files.name, broker: broker.profile.name, state: r.state, sent: r.sent, total: r.total, pass: r.pass, maxLatenessMs: r.maxLatenessMs, elapsedMs: r.elapsedMs });
      d.log.info('replay', `${files.name}: ${r.state}, ${r.sent} messages in ${r.pass} pass(es), latest ${r.maxLatenessMs.toFixed(1)} ms late`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Replay of {0} {1}: {2} messages sent.', files.name, r.state, r.sent));
    },
    (err: Error) => {
      const p = running.progress;
      replayEnded.fire({ session: files.name, broker: broker.profile.name, state: 'failed', sent: p?.sent ?? 0, total: p?.total ?? 0, pass: p?.pass ?? 1, maxLatenessMs: p?.maxLatenessMs ?? 0, elapsedMs: 0, error: err.message });
      d.log.error('replay', err.message);
      void vscode.window.showErrorMessage(vscode.l10n.t('Replay failed: {0}', err.message));
    },
  ).finally(() => {
    d.activity.endedReplay(running);
    void import('../../core/mqtt/brokerConnection').then((m) => m.closeClient(client));
  });
}

export function toggleReplayPause(activity: Activity): void {
  const r = activity.replay?.replayer;
  if (!r) return;
  if (r.paused) r.resume();
  else r.pause();
}

export function stopReplay(activity: Activity): void {
  activity.replay?.replayer.stop();
}

/** Send Test Topic / Send All Preloads / Send to MQTT Broker: each file validated, a result per file. */
export async function sendFiles(d: ExtensionServices, files: string[], what: string): Promise<void> {
  if (!requireTrust(vscode.l10n.t('Sending'))) return;
  if (files.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('No test-topic files to send.'));
  files = await onlyTestTopics(files);
  if (files.length === 0) return;
  const broker = await pickBroker(d.secrets, d.choices, d.activity, vscode.l10n.t('Send to which broker?'));
  if (!broker) return;
  if (!(await confirmPublish(broker.profile, what))) return;
  const { sendTestTopics } = await import('../../core/send/testTopicSender');
  let client: MqttClient;
  try {
    client = await connect(broker);
  } catch (err) {
    return void vscode.window.showErrorMessage(vscode.l10n.t('Cannot send: {0}', (err as Error).message));
  }
  try {
    const results = await sendTestTopics(client, files);
    const bad = results.filter((r) => !r.ok);
    for (const r of results) (r.ok ? d.log.info : d.log.warn).call(d.log, 'send', r.ok ? `sent ${r.file} → ${r.topic}` : (r.error ?? r.file));
    if (bad.length) void vscode.window.showWarningMessage(vscode.l10n.t('Sent {0} of {1}; {2}', results.length - bad.length, results.length, bad.map((b) => b.error).join('; ')));
    else void vscode.window.showInformationMessage(results.length === 1 ? vscode.l10n.t('Sent {0} to {1}.', path.basename(files[0]), results[0].topic ?? '') : vscode.l10n.t('Sent {0} test topics to {1}.', results.length, broker.profile.name));
  } finally {
    await (await import('../../core/mqtt/brokerConnection')).closeClient(client);
  }
}

/**
 * The files that are test topics (schema-checked) before any broker is asked for: a JSON
 * file of another kind (settings.json) is named with the reason and left out.
 */
async function onlyTestTopics(files: string[]): Promise<string[]> {
  const { readTestTopic } = await import('../../core/testTopics/testTopicFile');
  const ok: string[] = [];
  const bad: string[] = [];
  for (const f of files) {
    try {
      await readTestTopic(f);
      ok.push(f);
    } catch (err) {
      bad.push(`${path.basename(f)}: ${(err as Error).message.replace(`${f}: `, '')}`);
    }
  }
  if (bad.length) {
    const head = files.length === 1 ? vscode.l10n.t('{0} is not a test topic, nothing was sent. A test topic is a JSON file with "topic" and "payload".', path.basename(files[0])) : vscode.l10n.t('{0} of {1} files are not test topics and are left out.', bad.length, files.length);
    void vscode.window.showWarningMessage(`${head} ${bad.slice(0, 3).join('; ')}${bad.length > 3 ? ' …' : ''}`);
  }
  return ok;
}

/** The files a send command means: a view item, explorer selections, or a pick. */
export async function filesToSend(arg: unknown, selection: unknown): Promise<string[]> {
  const { expandTestTopicPaths } = await import('../../core/send/testTopicSender');
  if (Array.isArray(selection) && selection.every((s) => s instanceof vscode.Uri)) return expandTestTopicPaths((selection as vscode.Uri[]).map((u) => u.fsPath));
  if (arg instanceof vscode.Uri) return [arg.fsPath];
  const node = arg as { kind?: string; file?: string; dir?: string } | undefined;
  if (node?.kind === 'file' && node.file) return [node.file];
  if ((node?.kind === 'preloads' || node?.kind === 'folder') && node.dir) return expandTestTopicPaths([node.dir]);
  const all: string[] = [];
  for (const dir of await existingFolders(readSettings().testTopicFolders)) all.push(...(await expandTestTopicPaths([dir])));
  const picked = await vscode.window.showQuickPick(
    all.map((f) => ({ label: path.basename(f), description: vscode.workspace.asRelativePath(f), file: f })),
    { placeHolder: vscode.l10n.t('Send which test topic?'), canPickMany: true },
  );
  return picked?.map((p) => p.file) ?? [];
}

export async function allPreloads(): Promise<string[]> {
  const { testTopicFilesOf } = await import('../../core/send/testTopicSender');
  const out: string[] = [];
  for (const dir of await existingFolders(readSettings().testTopicFolders)) out.push(...(await testTopicFilesOf(path.join(dir, 'preloads')).catch(() => [])));
  return out;
}
