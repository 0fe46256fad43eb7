import * as vscode from 'vscode';
import type { MqttClient } from 'mqtt';
import type { EmbeddedBroker } from '../core/broker/embeddedBroker';
import type { BrokerProfile } from '../core/mqtt/brokerProfile';
import type { RecorderResult, RecorderStats } from '../core/record/recorderStats';
import type { SessionRecorder } from '../core/record/sessionRecorder';
import type { ReplayProgress, SessionReplayer } from '../core/replay/sessionReplayer';
import { Disposable } from './lifecycle';

export interface RunningRecording {
  recorder: SessionRecorder;
  profile: BrokerProfile;
  stats?: RecorderStats;
}

export interface RunningReplay {
  replayer: SessionReplayer;
  client: MqttClient;
  session: string;
  profile: BrokerProfile;
  progress?: ReplayProgress;
}

/**
 * What runs right now — a recording, a replay, the embedded broker — and the one
 * status-bar item that shows it. Views and commands read it; it tells them of changes.
 */
/** How long closing waits for the recording and the broker to end. */
const SHUTDOWN_MS = 4000;

export class Activity extends Disposable {
  private stopping: Promise<void> | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly status = this.register(vscode.window.createStatusBarItem('mqttSessions.activity', vscode.StatusBarAlignment.Left, 50));
  recording: RunningRecording | undefined;
  replay: RunningReplay | undefined;
  broker: EmbeddedBroker | undefined;
  lastRecording: RecorderResult | undefined;

  constructor() {
    super();
    this.status.name = vscode.l10n.t('MQTT Sessions activity');
  }

  startedRecording(recorder: SessionRecorder, profile: BrokerProfile): void {
    const running: RunningRecording = { recorder, profile };
    this.recording = running;
    recorder.on('stats', (s) => {
      running.stats = s;
      this.update();
    });
    recorder.on('event', () => this.update());
    recorder.once('stopped', (result) => {
      if (this.recording === running) this.recording = undefined;
      this.lastRecording = result;
      this.update();
    });
    running.stats = recorder.stats();
    this.update();
  }

  startedReplay(replay: RunningReplay): void {
    this.replay = replay;
    replay.replayer.on('progress', (p) => {
      replay.progress = p;
      this.update();
    });
    this.update();
  }

  endedReplay(replay: RunningReplay): void {
    if (this.replay === replay) this.replay = undefined;
    this.update();
  }

  setBroker(broker: EmbeddedBroker | undefined): void {
    this.broker = broker;
    this.update();
  }

  /** The status bar shows a recording first, else a replay; a click pauses or resumes it. */
  private update(): void {
    const r = this.recording;
    const p = this.replay;
    if (r) {
      const s = r.stats;
      const paused = r.recorder.isPaused;
      this.status.text = `$(${paused ? 'debug-pause' : 'record'}) ${s?.messages ?? 0} · ${s?.rate ?? 0}/s`;
      this.status.tooltip = vscode.l10n.t('Recording {0} from {1}: {2} messages, {3} topics. Click to pause or resume.', s?.sessionName ?? '', r.profile.name, s?.messages ?? 0, s?.topics ?? 0);
      this.status.command = paused ? 'mqttSessions.resumeRecording' : 'mqttSessions.pauseRecording';
      this.status.show();
    } else if (p) {
      const pr = p.progress;
      this.status.text = `$(${p.replayer.paused ? 'debug-pause' : 'play'}) ${pr?.sent ?? 0}/${pr?.total ?? '…'}`;
      this.status.tooltip = vscode.l10n.t('Replaying {0} to {1}. Click to pause or resume.', p.session, p.profile.name);
      this.status.command = 'mqttSessions.pauseReplay';
      this.status.show();
    } else this.status.hide();
    this.changed.fire();
  }

  /**
   * Ends what runs when VS Code closes the extension: the recording's `session_end` line
   * is written (its index is finished too, or by recovery at the next start when VS Code
   * stops waiting), the replay stops, the embedded broker closes. Settles within
   * SHUTDOWN_MS: VS Code waits for `deactivate` only a few seconds.
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      const recording = this.recording?.recorder.stop('stopped', 'VS Code closed the extension');
      this.replay?.replayer.stop();
      const broker = this.broker?.close();
      await Promise.race([Promise.allSettled([recording, broker]), new Promise((r) => setTimeout(r, SHUTDOWN_MS))]);
    })();
    return this.stopping;
  }

  override dispose(): void {
    void this.shutdown();
    super.dispose();
  }
}
