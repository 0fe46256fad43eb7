import { EventEmitter } from 'node:events';
import { fsync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { IConnackPacket, IPublishPacket, MqttClient } from 'mqtt';
import { closeClient, connectBroker, randomClientId } from '../mqtt/brokerConnection';
import { isMqtt5, profilePort } from '../mqtt/brokerProfile';
import { isValidTopicFilter } from '../mqtt/topicFilter';
import { limitTurnWork } from '../mqtt/turnBudget';
import { SessionLogWriter } from '../session/logWriter';
import { encodePayload } from '../session/sessionMessage';
import { formatTimestamp, sessionStamp } from '../session/timestamps';
import { EXCLUSION_PRESETS, exclusionMatcher } from './exclusions';
import type { RecorderResult, RecorderStats, RecordingStatus } from './recorderStats';
import { endBrokerSession } from './brokerSession';
import type { RecorderOptions } from './recorderOptions';
import { RecordingIndex } from './recordingIndex';
import { RedeliveryFilter } from './redeliveryFilter';
import { claimLogFile, metaOfLog } from './sessionClaim';
import { releaseLock } from './sessionLock';

export const RECORDER_VERSION = 'mqtt-session-manager 0.1.0';
export type { RecorderOptions } from './recorderOptions';
const FLUSH_BYTES = 256 * 1024;


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
  private readonly redelivered = new RedeliveryFilter();
  private disconnectedAt: number | undefined;
  private outages = 0;
  private outageMsTotal = 0;
  private waitingReason: string | undefined;
  /** Resolves once the recorder is connected and subscribed for the first time. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private failStart!: (err: Error) => void;
  private readonly giveUp = new AbortController();
  /** The recording's index: kept current while it records, finished at the stop. */
  private index: RecordingIndex | undefined;

  private constructor(
    private readonly options: RecorderOptions,
    readonly logPath: string,
    readonly sessionName: string,
    resumed: boolean,
  ) {
    super();
    this.writer = new SessionLogWriter(logPath, resumed ? 'append' : 'create');
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failStart = reject;
    });
    this.ready.catch(() => undefined);
    this.excluded = exclusionMatcher([...EXCLUSION_PRESETS[options.preset ?? 'none'], ...(options.exclude ?? [])]);
  }

  /** Opens the session and waits until the recorder is subscribed (or fails). */
  static async start(options: RecorderOptions): Promise<SessionRecorder> {
    const recorder = await SessionRecorder.open(options);
    try {
      await recorder.ready;
    } catch (err) {
      await recorder.stop();
      throw err;
    }
    return recorder;
  }

  /**
   * Opens the session file and starts connecting; returns at once. The recorder waits
   * for the broker (state `waiting`) as long as `connectTimeoutMs` allows; `ready`
   * resolves at the first subscription, and rejects (the recording ending as `failed`)
   * when the broker cannot be reached in time or refuses us.
   */
  static async open(options: RecorderOptions): Promise<SessionRecorder> {
    const topics = options.topics?.length ? options.topics : ['#'];
    for (const f of [...topics, ...(options.exclude ?? [])]) if (!isValidTopicFilter(f)) throw new Error(`topic filter "${f}" is not valid`);
    await mkdir(options.outDir, { recursive: true });
    const resumed = options.resumeLog !== undefined;
    let clientId = options.profile.clientId;
    if (options.resumeLog) {
      await stat(options.resumeLog);
      const meta = await metaOfLog(options.resumeLog);
      // The broker holds the session of the client id the recording used: resume with it.
      if (!clientId && typeof meta?.clientId === 'string') clientId = meta.clientId;
    }
    clientId ??= randomClientId('mqtt-sessions-rec');
    const base = `${options.name ?? 'session'}_${sessionStamp(Date.now())}`;
    const logPath = await claimLogFile(options.resumeLog ?? path.join(options.outDir, base), resumed);
    const name = path.basename(logPath, '.log');
    let recorder: SessionRecorder;
    try {
      recorder = new SessionRecorder({ ...options, topics, profile: { ...options.profile, clientId } }, logPath, name, resumed);
    } catch (err) {
      await releaseLock(logPath);
      throw err;
    }
    recorder.begin(resumed);
    return recorder;
  }

  private get persistent(): boolean {
    return this.options.persistentSession ?? (this.options.subscribeQos ?? 2) > 0;
  }

  private begin(resumed: boolean): void {
    const { profile, topics = ['#'] } = this.options;
    if (resumed) this.writer.writeRecord('event', { event: 'resume-session', timestamp: formatTimestamp(Date.now()), clientId: profile.clientId });
    else {
      this.writer.writeMeta({
        sessionName: this.options.name ?? 'session',
        logFileName: path.basename(this.logPath),
        recordingStartedAt: formatTimestamp(this.startedAt),
        brokerHost: profile.host,
        brokerPort: profilePort(profile),
        brokerProtocol: profile.protocol,
        mqttVersion: String(profile.mqttVersion),
        clientId: profile.clientId,
        persistentSession: this.persistent,
        topicFilters: topics,
        exclusions: this.options.exclude ?? [],
        recordingExclusionPreset: this.options.preset ?? 'none',
        sessionRecorderVersion: RECORDER_VERSION,
      });
    }
    this.flushOrFail();
    if (this.options.index !== false) this.index = RecordingIndex.start(this.logPath, resumed);
    const { flushMs = 50, syncMs = 1000, statsMs = 1000 } = this.options;
    this.timers.push(setInterval(() => this.flushOrFail(), flushMs));
    this.timers.push(setInterval(() => this.syncAsync(), syncMs));
    this.timers.push(setInterval(() => this.emit('stats', this.stats()), statsMs));
    if (this.options.maxDurationMs) this.timers.push(setTimeout(() => void this.stop('auto-stopped', 'duration reached'), this.options.maxDurationMs));
    void this.connect();
  }

  private async connect(): Promise<void> {
    const { profile } = this.options;
    const v5 = isMqtt5(profile);
    let client: MqttClient;
    try {
      client = await connectBroker(profile, {
        password: this.options.password,
        waitMs: this.options.connectTimeoutMs ?? Number.POSITIVE_INFINITY,
        onWaiting: (reason) => {
          if (this.stopping) return;
          this.waitingReason = reason;
          this.event('waiting-for-broker', reason);
        },
        clean: !this.persistent,
        signal: this.giveUp.signal,
        prepare: (c) => {
          limitTurnWork(c);
          c.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
        },
        sessionExpirySec: this.persistent && v5 ? (this.options.sessionExpirySec ?? 3600) : undefined,
      });
    } catch (err) {
      if (this.stopping) return;
      const message = (err as Error).message;
      this.failStart(new Error(message));
      void this.stop('failed', 'could not connect', message);
      return;
    }
    if (this.stopping) {
      await closeClient(client);
      return;
    }
    this.client = client;
    this.waitingReason = undefined;
    client.on('close', () => {
      if (!this.connected || this.stopping) return;
      this.connected = false;
      this.disconnectedAt = Date.now();
      this.event('disconnect');
    });
    client.on('connect', (connack) => this.onReconnect(client, connack));
    client.on('error', (err) => {
      if (!this.stopping) this.emit('event', { event: 'error', detail: err.message });
    });
    this.connected = true;
    try {
      await this.subscribe(client);
    } catch (err) {
      const message = `subscribe: ${(err as Error).message}`;
      this.failStart(new Error(message));
      void this.stop('failed', 'could not subscribe', message);
      return;
    }
    this.markReady();
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const qos = this.options.subscribeQos ?? 2;
    const granted = await client.subscribeAsync(Object.fromEntries((this.options.topics ?? ['#']).map((t) => [t, { qos }])));
    const refused = granted.filter((g) => g.qos === 128 || g.qos > 2);
    if (refused.length) throw new Error(`the broker refused ${refused.map((g) => g.topic).join(', ')}`);
  }

  /** Back after an outage: the outage as an event; subscribe again unless the broker kept the session. */
  private onReconnect(client: MqttClient, connack: IConnackPacket): void {
    if (this.connected || this.stopping) return;
    this.connected = true;
    this.reconnects++;
    this.redelivered.reconnected();
    const outageMs = this.disconnectedAt === undefined ? 0 : Date.now() - this.disconnectedAt;
    this.outages++;
    this.outageMsTotal += outageMs;
    this.disconnectedAt = undefined;
    const sessionPresent = connack.sessionPresent === true;
    this.writer.writeRecord('event', { event: 'reconnect', timestamp: formatTimestamp(Date.now()), outageMs, sessionPresent });
    this.emit('event', { event: 'reconnect', detail: `after ${(outageMs / 1000).toFixed(1)} s${sessionPresent ? ', session kept by the broker' : ''}` });
    if (!sessionPresent) {
      this.subscribe(client).catch((err) => this.event('error', `subscribe after reconnect: ${(err as Error).message}`));
    }
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
    if (packet.qos > 0 && this.redelivered.seen(packet.messageId, packet.dup, topic, payload)) return;
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
      state: this.stopping ? 'stopping' : !this.client ? (this.waitingReason ? 'waiting' : 'connecting') : !this.connected ? 'reconnecting' : this.paused ? 'paused' : 'recording',
      waitingFor: this.client ? undefined : this.waitingReason,
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
      outageMs: this.outageMsTotal + (this.disconnectedAt === undefined ? 0 : now - this.disconnectedAt),
      duplicatesDropped: this.redelivered.dropped,
      fileBytes: this.writer.bytesWritten,
      unflushed: this.messages - this.flushedMessages,
      indexLag: this.messages - (this.index?.indexed ?? 0),
    };
  }

  /** Stops, writes `session_end`, syncs, closes, then builds the index. Safe to call twice. */
  stop(status: RecordingStatus = 'stopped', reason = 'stopped by the user', error?: string): Promise<RecorderResult> {
    this.stopping ??= this.finish(status, reason, error);
    return this.stopping;
  }

  private async finish(status: RecordingStatus, reason: string, error?: string): Promise<RecorderResult> {
    for (const t of this.timers) clearInterval(t);
    this.failStart(new Error(error ?? reason));
    this.giveUp.abort();
    if (this.client) await endBrokerSession(this.client, this.options.profile, this.persistent, this.options.password);
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
        outages: this.outages,
        outageMs: stats.outageMs,
        duplicatesDropped: stats.duplicatesDropped,
        clientId: this.options.profile.clientId,
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
    if (this.options.index !== false && !writeError && !(status === 'failed' && stats.messages === 0)) {
      const index = this.index ?? RecordingIndex.atTheEnd(this.logPath);
      try {
        await index.finish((detail) => this.emit('event', { event: 'index', detail }));
        result.dbPath = index.dbPath;
        result.stats.indexLag = 0;
      } catch (err) {
        result.error = `index: ${(err as Error).message}`;
      }
    } else await this.index?.abort();
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
