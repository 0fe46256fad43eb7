import * as path from 'node:path';
import * as vscode from 'vscode';
import { profileUrl } from '../../core/mqtt/brokerAddress';
import type { ExclusionPreset } from '../../core/record/exclusions';
import { formatBytes } from '../../core/util/units';
import type { Activity } from '../activity';
import { pickBroker, requireTrust } from '../brokerPicker';
import { readSettings, recordingFolder } from '../settings';
import type { ExtensionServices } from '../services';


/** Start Recording…: broker, topic filters, preset and name, then a recorder in the extension host (writes stay off the UI thread). */
export async function startRecording(d: ExtensionServices, resumeLog?: string): Promise<void> {
  if (!requireTrust(vscode.l10n.t('Recording'))) return;
  if (d.activity.recording) return void vscode.window.showInformationMessage(vscode.l10n.t('A recording is already running: stop it first.'));
  const settings = readSettings();
  const outDir = await recordingFolder(settings);
  if (!outDir) return void vscode.window.showWarningMessage(vscode.l10n.t('Open a folder first: recordings are saved in the workspace.'));
  const broker = await pickBroker(d.secrets, d.choices, d.activity, vscode.l10n.t('Record from which broker?'));
  if (!broker) return;
  let topics = ['#'];
  let preset: ExclusionPreset = settings.recordPreset;
  let name = 'session';
  if (!resumeLog) {
    const filters = await vscode.window.showInputBox({
      prompt: vscode.l10n.t('Topic filters, separated by spaces'),
      value: d.choices.get('recordTopics', '#'),
    });
    if (filters === undefined) return;
    topics = filters.split(/\s+/).filter(Boolean);
    d.choices.set('recordTopics', filters);
    const presets: (vscode.QuickPickItem & { preset: ExclusionPreset })[] = [
      { label: 'none', description: vscode.l10n.t('record everything'), preset: 'none' },
      { label: 'no_cam', description: vscode.l10n.t('leave out the camera'), preset: 'no_cam' },
      { label: 'analysis', description: vscode.l10n.t('leave out the camera and sensors'), preset: 'analysis' },
    ];
    const lastPreset = d.choices.get<ExclusionPreset>('recordPreset', preset);
    const picked = await vscode.window.showQuickPick(
      presets.sort((a, b) => Number(b.preset === lastPreset) - Number(a.preset === lastPreset)),
      { placeHolder: vscode.l10n.t('Exclusion preset') },
    );
    if (!picked) return;
    preset = picked.preset;
    d.choices.set('recordPreset', preset);
    const typed = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Session name'), value: d.choices.get('recordName', 'session') });
    if (!typed) return;
    name = typed.trim().replace(/[^A-Za-z0-9._-]+/g, '_');
    d.choices.set('recordName', typed);
  }
  const { SessionRecorder } = await import('../../core/record/sessionRecorder');
  try {
    // Opened at once: a broker that is down is waited for (the Recorder view shows it).
    const recorder = await SessionRecorder.open({ profile: broker.profile, password: broker.password, topics, preset, outDir, name, resumeLog });
    d.activity.startedRecording(recorder, broker.profile);
    d.log.info('record', `recording ${recorder.logPath} from ${profileUrl(broker.profile)}`, { topics, preset });
    let toldWaiting = false;
    recorder.on('event', (e) => {
      d.log.info('record', `${e.event}${e.detail ? `: ${e.detail}` : ''}`);
      if (e.event !== 'waiting-for-broker' || toldWaiting) return;
      toldWaiting = true;
      void vscode.window.showWarningMessage(vscode.l10n.t('Waiting for the broker {0} ({1}): the recording starts when it answers.', profileUrl(broker.profile), e.detail ?? ''));
    });
    recorder.once('stopped', (r) => {
      d.log.info('record', `recording ${r.status}: ${r.stats.messages} messages in ${r.logPath}`, { reason: r.reason });
      if (r.error) void vscode.window.showErrorMessage(vscode.l10n.t('Recording stopped: {0}', r.error));
      else void vscode.window.showInformationMessage(vscode.l10n.t('Recording {0}: {1} messages.', r.status, r.stats.messages));
    });
  } catch (err) {
    d.log.error('record', (err as Error).message);
    void vscode.window.showErrorMessage(vscode.l10n.t('Cannot record: {0}', (err as Error).message));
  }
}

export function pauseRecording(activity: Activity): void {
  activity.recording?.recorder.pause();
}

export function resumeRecording(activity: Activity): void {
  activity.recording?.recorder.resume();
}

export async function stopRecording(activity: Activity): Promise<void> {
  const r = activity.recording;
  if (!r) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Stopping the recording and building its index…') }, () => r.recorder.stop('stopped', 'stopped in VS Code'));
}

/** After a reload or a crash: an interrupted recording is offered to resume or finalise. */
export async function offerRecovery(d: ExtensionServices, folders: readonly string[]): Promise<void> {
  const { findInterrupted, finalizeInterrupted } = await import('../../core/record/sessionRecovery');
  for (const dir of folders) {
    for (const s of await findInterrupted(dir).catch(() => [])) {
      const resume = vscode.l10n.t('Resume Recording');
      const finalize = vscode.l10n.t('Finalise');
      const answer = await vscode.window.showWarningMessage(vscode.l10n.t('The recording {0} was interrupted ({1}, last written {2}). Resume it or finalise it?', path.basename(s.logPath), formatBytes(s.sizeBytes), s.modified), resume, finalize);
      if (answer === finalize) {
        const r = await finalizeInterrupted(s.logPath);
        d.log.info('record', `finalised ${s.logPath} as interrupted (${r.messages} messages)`);
      } else if (answer === resume && vscode.workspace.isTrusted) await startRecording(d, s.logPath);
    }
  }
}
