import { EventEmitter } from 'node:events';
import { fsync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { buildIndexInWorker } from '../index/indexClient';
import { connectBroker } from '../mqtt/brokerConnection';
import { type BrokerProfile, profilePort } from '../mqtt/brokerProfile';
import { isValidTopicFilter } from '../mqtt/topicFilter';
import { limitTurnWork } from '../mqtt/turnBudget';
import { SessionLogWriter } from '../session/logWriter';
import { encodePayload } from '../session/sessionMessage';
import { formatTimestamp, sessionStamp } from '../session/timestamps';
import { EXCLUSION_PRESETS, type ExclusionPreset, exclusionMatcher } from './exclusions';
import type { RecorderResult, RecorderStats, SessionStatus } from './recorderStats';
import { releaseLock, takeLock } from './sessionLock';

export const RECORDER_VERSION = 'mqtt-session-manager 0.1.0';
const FLUSH_BYTES = 256 * 1024;

export interface RecorderOptions {
  profile: BrokerProfile;
  password?: string;
  /** Subscription filters; default `#`. */
  topics?: string[];
  exclude?: string[];
  preset?: ExclusionPreset;
  outDir: string;
  /** Session name; the file is `<name>_<YYYYMMDD_HHMMSS>.log` (UTC). */
  name?: string;
  /** Continue this existing `.log` instead of starting a new one. */
  resumeLog?: string;
  maxDurationMs?: number;
  maxMessages?: number;
  maxBytes?: number;
  /** Subscription QoS: 2 keeps the publisher's QoS. */
  subscribeQos?: 0 | 1 | 2;
  flushMs?: number;
  syncMs?: number;
  statsMs?: number;
  /** Build the `.db` index when the recording ends (default true). */
  index?: boolean;
}

interface RecorderEvents {
  stats: [RecorderStats];
  event: [{ event: string; detail?: string }];
  stopped: [RecorderResult];
}

/**
 * Records MQTT traffic into a session `.log`: every message reaches the OS within
 * `flushMs` (50 ms) of arrival and the disk within `syncMs` (1 s). Nothing is held but
 * the current flush window, however long it runs.
 */
export class SessionRecorder extends EventEmitter<RecorderEvents> {
  private client: MqttClient | undefined;
  private readonly writer: SessionLogWriter;
  private readonly excluded: (topic: string) => boolean;
  private readonly topics = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private paused = false;
  private connected = false;
  private stopping: Promise<RecorderResult> | undefined;
  private readonly startedAt = Date.now();
  private messages = 0;
  private bytes = 0;
  private skippedPaused = 0;
  private skippedExcluded = 0;
  private reconnects = 0;
  private flushedMessages = 0;
  private lastStatsAt = Date.now();
  private lastStatsMessages = 0;
  private syncing = false;

  private constructor(
    private readonly options: RecorderOptions,
    readonly logPath: string,
    readonly sessionName: string,
    resumed: boolean,
  ) {
    super();
    this.writer = new SessionLogWriter(logPath, resumed ? 'append' : 'create');
    this.excluded = exclusionMatcher([...EXCLUSION_PRESETS[options.preset ?? 'none'], ...(options.exclude ?? [])]);
  }

  static async start(options: RecorderOptions): Promise<SessionRecorder> {
    const topics = options.topics?.length ? options.topics : ['#'];
    for (const f of [...topics, ...(options.exclude ?? [])]) if (!isValidTopicFilter(f)) throw new Error(`topic filter "${f}" is not valid`);
    await mkdir(options.outDir, { recursive: true });
    const resumed = options.resumeLog !== undefined;
    const name = options.resumeLog ? path.basename(options.resumeLog, '.log') : `${options.name ?? 'session'}_${sessionStamp(Date.now())}`;
    const logPath = options.resumeLog ?? path.join(options.outDir, `${name}.log`);
    if (resumed) await stat(logPath);
    await takeLock(logPath);
    let recorder: SessionRecorder;
    try {
      recorder = new SessionRecorder({ ...options, topics }, logPath, name, resumed);
    } catch (err) {
      await releaseLock(logPath);
      throw err;
    }
    await recorder.begin(resumed);
    return recorder;
  }

  private async begin(resumed: boolean): Promise<void> {
    const { profile, topics = ['#'] } = this.options;
    if (resumed) this.writer.writeRecord('event', { event: 'resume-session', timestamp: formatTimestamp(Date.now()) });
    else {
      this.writer.writeMeta({
        sessionName: this.options.name ?? 'session',
        logFileName: path.basename(this.logPath),
        recordingStartedAt: formatTimestamp(this.startedAt),
        brokerHost: profile.host,
        brokerPort: profilePort(profile),
        brokerProtocol: profile.protocol,
        mqttVersion: String(profile.mqttVersion),
        topicFilters: topics,
        exclusions: this.options.exclude ?? [],
        recordingExclusionPreset: this.options.preset ?? 'none',
        sessionRecorderVersion: RECORDER_VERSION,
      });
    }
    this.flushOrFail();
    try {
      this.client = await connectBroker(profile, { password: this.options.password });
      limitTurnWork(this.client);
    } catch (err) {
      this.writer.close({ status: 'failed', reason: (err as Error).message, messages: 0, endedAt: formatTimestamp(Date.now()) });
      await releaseLock(this.logPath);
      throw err;
    }
    this.connected = true;
    const client = this.client;
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    client.on('close', () => {
      if (!this.connected || this.stopping) return;
      this.connected = false;
      this.event('disconnect');
    });
    client.on('connect', () => {
      if (this.connected) return;
      this.connected = true;
      this.reconnects++;
      this.event('reconnect');
    });
    client.on('error', (err) => this.emit('event', { event: 'error', detail: err.message }));
    const qos = this.options.subscribeQos ?? 2;
    await client.subscribeAsync(Object.fromEntries(topics.map((t) => [t, { qos }])));

    const { flushMs = 50, syncMs = 1000, statsMs = 1000 } = this.options;
    this.timers.push(setInterval(() => this.flushOrFail(), flushMs));
    this.timers.push(setInterval(() => this.syncAsync(), syncMs));
    this.timers.push(setInterval(() => this.emit('stats', this.stats()), statsMs));
    if (this.options.maxDurationMs) this.timers.push(setTimeout(() => void this.stop('auto-stopped', 'duration reached'), this.options.maxDurationMs));
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.stopping) return;
    if (this.paused) {
      this.skippedPaused++;
      return;
    }
    if (this.excluded(topic)) {
      this.skippedExcluded++;
      return;
    }
    const now = Date.now();
    this.writer.writeMessage({
      topic,
      ...encodePayload(payload),
      timestamp: formatTimestamp(now),
      tsMs: now,
      qos: packet.qos,
      retain: packet.retain,
      props: packet.properties ? jsonProps(packet.properties as Record<string, unknown>) : undefined,
    });
    this.messages++;
    this.bytes += payload.length;
    this.topics.add(topic);
    // In a burst, hand lines over early: a short buffer is cheap to write and its strings
    // die young (no old-generation garbage collections stalling the event loop).
    if (this.writer.bufferedBytes > FLUSH_BYTES) this.flushOrFail();
    const { maxMessages, maxBytes } = this.options;
    if (maxMessages !== undefined && this.messages >= maxMessages) void this.stop('auto-stopped', `${maxMessages} messages reached`);
    else if (maxBytes !== undefined && this.writer.bytesWritten + this.writer.bufferedBytes >= maxBytes) void this.stop('auto-stopped', `${maxBytes} bytes reached`);
  }

  pause(): void {
    if (this.paused || this.stopping) return;
    this.paused = true;
    this.event('pause');
  }

  resume(): void {
    if (!this.paused || this.stopping) return;
    this.paused = false;
    this.event('resume');
  }

  get isPaused(): boolean {
    return this.paused;
  }

  stats(): RecorderStats {
    const now = Date.now();
    const rate = ((this.messages - this.lastStatsMessages) * 1000) / Math.max(1, now - this.lastStatsAt);
    this.lastStatsAt = now;
    this.lastStatsMessages = this.messages;
    return {
      state: this.stopping ? 'stopping' : !this.client ? 'connecting' : !this.connected ? 'reconnecting' : this.paused ? 'paused' : 'recording',
      sessionName: this.sessionName,
      logPath: this.logPath,
      elapsedMs: now - this.startedAt,
      messages: this.messages,
      rate: Math.round(rate * 10) / 10,
      bytes: this.bytes,
      topics: this.topics.size,
      skippedPaused: this.skippedPaused,
      skippedExcluded: this.skippedExcluded,
      reconnects: this.reconnects,
      fileBytes: this.writer.bytesWritten,
      unflushed: this.messages - this.flushedMessages,
      indexLag: this.messages,
    };
  }

  /** Stops, writes `session_end`, syncs, closes, then builds the index. Safe to call twice. */
  stop(status: SessionStatus = 'stopped', reason = 'stopped by the user', error?: string): Promise<RecorderResult> {
    this.stopping ??= this.finish(status, reason, error);
    return this.stopping;
  }

  private async finish(status: SessionStatus, reason: string, error?: string): Promise<RecorderResult> {
    for (const t of this.timers) clearInterval(t);
    if (this.client) await this.client.endAsync().catch(() => undefined);
    const stats = this.stats();
    let writeError = error;
    try {
      this.writer.close({
        status,
        reason,
        messages: stats.messages,
        bytes: stats.bytes,
        topics: stats.topics,
        skipped: { paused: stats.skippedPaused, excluded: stats.skippedExcluded },
        reconnects: stats.reconnects,
        endedAt: formatTimestamp(Date.now()),
        durationSec: stats.elapsedMs / 1000,
        ...(error ? { error } : {}),
      });
    } catch (err) {
      writeError ??= (err as Error).message;
      status = 'failed';
    }
    await releaseLock(this.logPath);
    const result: RecorderResult = { status, reason, logPath: this.logPath, stats: { ...stats, state: 'stopped', unflushed: 0, indexLag: stats.messages }, error: writeError };
    if (this.options.index !== false && !writeError) {
      const dbPath = this.logPath.replace(/\.log$/, '.db');
      try {
        await buildIndexInWorker(this.logPath, dbPath);
        result.dbPath = dbPath;
        result.stats.indexLag = 0;
      } catch (err) {
        result.error = `index: ${(err as Error).message}`;
      }
    }
    this.emit('stopped', result);
    return result;
  }

  private event(event: string, detail?: string): void {
    this.writer.writeRecord('event', { event, timestamp: formatTimestamp(Date.now()), ...(detail ? { detail } : {}) });
    this.emit('event', { event, detail });
  }

  /** A write error (disk full, read-only) ends the recording; what was written stays. */
  private flushOrFail(): void {
    if (this.stopping) return;
    try {
      this.writer.flush();
      this.flushedMessages = this.messages;
    } catch (err) {
      void this.stop('failed', 'write error', `${this.logPath}: ${(err as Error).message}`);
    }
  }

  /** fsync off the event loop (libuv thread pool): the recorder keeps reading meanwhile. */
  private syncAsync(): void {
    if (this.syncing || this.stopping) return;
    this.flushOrFail();
    if (this.stopping) return;
    this.syncing = true;
    fsync(this.writer.fd, () => {
      this.syncing = false;
    });
  }
}

/** MQTT 5 properties as JSON: binary fields (correlation data) as base64. */
function jsonProps(props: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k] = Buffer.isBuffer(v) ? { base64: v.toString('base64') } : v;
  }
  return Object.keys(out).length ? out : undefined;
}
