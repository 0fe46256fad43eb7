import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { z } from 'zod';
import { type Database, finalizeQuietly } from '../db/sqlite';
import { topicTotals } from '../index/topicTotals';
import { topicMatches, topicNameProblem } from '../mqtt/topicFilter';
import { sendTestTopics, testTopicFilesOf, type SendResult } from '../send/testTopicSender';
import type { SessionFiles } from '../session/sessionFiles';
import { type QoS, payloadBytes } from '../session/sessionMessage';
import { openSessionSource } from '../session/sessionSource';
import type { NaiveTimeZone } from '../session/timestamps';
import { ReplayClock } from './replayClock';
import { PayloadTimeShifter } from './timeShift';
import { parseRemap, topicRewriter } from './topicRewrite';

/** Replay options as they come from the CLI, a setting or a webview: validated here. */
export const replayOptionsSchema = z
  .object({
    speed: z.union([z.number().min(0.1, 'must be at least 0.1').max(100, 'must be at most 100'), z.literal('max')]).default(1),
    loop: z.boolean().default(false),
    /** Offsets from the session's first message. */
    fromMs: z.number().min(0).default(0),
    toMs: z.number().min(0).optional(),
    topics: z.array(z.string()).default([]),
    exclude: z.array(z.string()).default([]),
    prefix: z.string().default(''),
    remap: z.array(z.string()).default([]),
    retain: z.enum(['keep', 'clear', 'none']).default('keep'),
    qos: z.union([z.literal('keep'), z.literal(0), z.literal(1), z.literal(2)]).default('keep'),
    preloadsDir: z.string().optional(),
    timeshift: z.boolean().default(false),
    /** Publishes not yet written (QoS 0) or acknowledged (QoS 1, 2): the bound on memory. */
    maxInFlight: z.number().int().min(1).default(1000),
    /** How long the broker may stay away before the replay gives up (ms). */
    brokerTimeoutMs: z.number().min(0).default(30_000),
    naive: z.enum(['utc', 'local']).default('utc'),
  })
  .refine((o) => o.toMs === undefined || o.toMs > o.fromMs, { message: 'the end must be after the start', path: ['toMs'] });

export type ReplayOptions = z.output<typeof replayOptionsSchema>;
export type ReplayOptionsInput = z.input<typeof replayOptionsSchema>;

export function parseReplayOptions(input: ReplayOptionsInput): ReplayOptions {
  const r = replayOptionsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`replay option "${issue.path.join('.')}": ${issue.message}`);
}

export interface ReplayProgress {
  state: 'preloads' | 'replaying' | 'paused' | 'waiting' | 'stopped' | 'done';
  sent: number;
  /** Messages of one pass (after filters and range). */
  total: number;
  pass: number;
  /** Session time of the last message sent, from the start offset. */
  positionMs: number;
  /** How late the last message went out (ms; 0 at `max`). */
  latenessMs: number;
  maxLatenessMs: number;
  /** Broker outages the replay waited through, and their time (ms): the deadlines moved by it. */
  outages: number;
  outageMs: number;
  /** QoS 0 publishes in the socket when the connection broke: they may not have arrived. */
  lostInOutage: number;
  /** Messages not sent because their topic (after prefix and remap) is not a valid topic name. */
  invalidTopics: number;
}

export interface ReplayResult extends ReplayProgress {
  preloads: SendResult[];
  /** Retained topics cleared at the end (retain policy `clear`). */
  cleared: number;
  elapsedMs: number;
  /** Epoch ms (sub-millisecond) at which the last pass's first message was due: message `o` ms into the session is due `o / speed` later. */
  startedAt?: number;
  /** The first topic not sent, with why. */
  firstInvalidTopic?: string;
}

interface ReplayerEvents {
  progress: [ReplayProgress];
}

/**
 * Replays a session to a broker (DESIGN §6). Reads the session in batches (never whole),
 * sends each message at its deadline from the replay's start, and never has more than
 * `maxInFlight` publishes outstanding, so `max` speed follows the broker instead of
 * buffering the session.
 */
export class SessionReplayer extends EventEmitter<ReplayerEvents> {
  private readonly options: ReplayOptions;
  private readonly clock: ReplayClock;
  private readonly rewrite: (topic: string) => string;
  private stopped = false;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private publishError: Error | undefined;
  private readonly retainedTopics = new Set<string>();
  private startedAt: number | undefined;
  private progress: ReplayProgress = { state: 'replaying', sent: 0, total: 0, pass: 0, positionMs: 0, latenessMs: 0, maxLatenessMs: 0, outages: 0, outageMs: 0, lostInOutage: 0, invalidTopics: 0 };
  private brokerDownAt: number | undefined;
  /** The clock is held by the outage, not by the user. */
  private heldByOutage = false;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private firstInvalidTopic: string | undefined;
  private readonly onClose = (): void => this.brokerLost();
  /** Stopped by the user or ended by an error: every wait ends. */
  private readonly over = (): boolean => this.stopped || this.publishError !== undefined;
  private readonly onConnect = (): void => this.brokerBack();

  constructor(
    private readonly files: SessionFiles,
    private readonly client: MqttClient,
    options: ReplayOptionsInput,
  ) {
    super();
    this.options = parseReplayOptions(options);
    this.clock = new ReplayClock(this.options.speed === 'max' ? 1 : this.options.speed);
    this.rewrite = topicRewriter(this.options.remap.map(parseRemap), this.options.prefix);
  }

  pause(): void {
    if (this.stopped) return;
    this.clock.pause();
    this.heldByOutage = false;
    if (this.brokerDownAt === undefined) this.progress.state = 'paused';
    this.emit('progress', { ...this.progress });
  }

  resume(): void {
    // While the broker is away the clock stays held; it runs again when the broker is back.
    if (this.brokerDownAt !== undefined) this.heldByOutage = true;
    else this.clock.resume();
    if (this.progress.state === 'paused') this.progress.state = 'replaying';
    this.emit('progress', { ...this.progress });
  }

  /**
   * The broker went away: hold the clock (deadlines move by the outage, so the timing
   * after it stays the session's), give up after `brokerTimeoutMs`.
   */
  private brokerLost(): void {
    if (this.stopped || this.brokerDownAt !== undefined) return;
    this.brokerDownAt = performance.now();
    if (!this.clock.paused) {
      this.clock.pause();
      this.heldByOutage = true;
    }
    this.progress.state = 'waiting';
    this.emit('progress', { ...this.progress });
    this.giveUpTimer = setTimeout(() => {
      const p = this.progress;
      this.publishError ??= new Error(
        `the broker has been unreachable for ${Math.round(this.options.brokerTimeoutMs / 1000)} s: replay given up after ${p.sent} of ${p.total} messages (pass ${p.pass}, at ${(p.positionMs / 1000).toFixed(1)} s)`,
      );
      this.clock.interrupt();
      this.drained?.();
    }, this.options.brokerTimeoutMs);
  }

  private brokerBack(): void {
    if (this.brokerDownAt === undefined) return;
    clearTimeout(this.giveUpTimer);
    this.progress.outages++;
    this.progress.outageMs += performance.now() - this.brokerDownAt;
    this.brokerDownAt = undefined;
    this.progress.state = this.heldByOutage || !this.clock.paused ? 'replaying' : 'paused';
    if (this.heldByOutage) this.clock.resume();
    this.heldByOutage = false;
    this.emit('progress', { ...this.progress });
  }

  get paused(): boolean {
    return this.clock.paused;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.giveUpTimer);
    this.clock.interrupt();
    this.drained?.();
  }

  private included(topic: string): boolean {
    const { topics, exclude } = this.options;
    if (topics.length && !topics.some((f) => topicMatches(f, topic))) return false;
    return !exclude.some((f) => topicMatches(f, topic));
  }

  /** In the replay: within the range (as offsets from the session's first message) and the topic filters. */
  private inPass(offsetMs: number, topic: string): boolean {
    const { fromMs, toMs } = this.options;
    return offsetMs >= fromMs && (toMs === undefined || offsetMs <= toMs) && this.included(topic);
  }

  /**
   * Messages of one pass (the progress total): counted by the session's current index when
   * it has one (per included topic, on its (topic, time) index), else streamed once.
   */
  private async countPass(): Promise<number> {
    const source = await openSessionSource(this.files, { naive: this.options.naive as NaiveTimeZone });
    try {
      if (source.index) return this.countIndexed(source.index.db);
      let n = 0;
      let first: number | undefined;
      for await (const batch of source.batches()) {
        for (const m of batch) {
          first ??= m.tsMs;
          if (this.inPass(m.tsMs - first, m.topic)) n++;
        }
      }
      return n;
    } finally {
      source.close();
    }
  }

  private countIndexed(db: Database): number {
    const head = db.get('SELECT ts_ms FROM mqtt_messages ORDER BY id LIMIT 1');
    if (!head) return 0;
    const first = Number(head.ts_ms);
    const { fromMs, toMs } = this.options;
    // The range as the pass tests it (offsets from the first message, in doubles), the
    // index narrowed by a millisecond's margin around it.
    const stmt = db.prepare(
      `SELECT COUNT(*) AS n FROM mqtt_messages WHERE topic = ? AND ts_ms >= ? AND ts_ms - ? >= ?
       ${toMs === undefined ? '' : 'AND ts_ms <= ? AND ts_ms - ? <= ?'}`,
    );
    try {
      let n = 0;
      for (const t of topicTotals(db)) {
        if (!this.included(t.topic)) continue;
        const params = [t.topic, first + fromMs - 1, first, fromMs, ...(toMs === undefined ? [] : [first + toMs + 1, first, toMs])];
        n += Number(stmt.get(params)?.n ?? 0);
      }
      return n;
    } finally {
      finalizeQuietly(stmt);
    }
  }

  private publish(topic: string, payload: Buffer, qos: QoS, retain: boolean): void {
    this.inFlight++;
    this.client.publish(topic, payload, { qos, retain }, (err) => {
      this.inFlight--;
      // mqtt.js fails QoS 0 publishes still in the socket when it closes; QoS 1/2 ones it
      // keeps and sends again after the reconnect.
      if (err && qos === 0 && /connection closed/i.test(err.message)) this.progress.lostInOutage++;
      else if (err && !this.publishError) this.publishError = new Error(`publish to ${topic} failed: ${err.message}`);
      if (this.inFlight < this.options.maxInFlight) this.drained?.();
    });
  }

  private async belowWindow(): Promise<void> {
    while (this.inFlight >= this.options.maxInFlight && !this.stopped && !this.publishError) await new Promise<void>((r) => (this.drained = r));
    this.drained = undefined;
  }

  /**
   * Waits for the last acknowledgements: 10 s while the broker is there (an outage
   * extends it; the give-up timer bounds that), then an error naming what is missing.
   */
  private async allSent(): Promise<void> {
    let until = Date.now() + 10_000;
    while (this.inFlight > 0 && !this.publishError && !this.stopped) {
      if (this.brokerDownAt !== undefined) until = Date.now() + 10_000;
      if (Date.now() > until) throw new Error(`${this.inFlight} publishes were not acknowledged by the broker within 10 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async run(): Promise<ReplayResult> {
    this.client.on('close', this.onClose);
    this.client.on('connect', this.onConnect);
    try {
      return await this.runWatched();
    } finally {
      this.client.off('close', this.onClose);
      this.client.off('connect', this.onConnect);
      clearTimeout(this.giveUpTimer);
    }
  }

  private async runWatched(): Promise<ReplayResult> {
    const t0 = performance.now();
    const o = this.options;
    if (!this.client.connected) this.brokerLost();
    this.progress.total = await this.countPass();
    let preloads: SendResult[] = [];
    if (o.preloadsDir) {
      this.progress.state = 'preloads';
      this.emit('progress', { ...this.progress });
      // Each preload on its own: its first time becomes now.
      const shiftNow = o.timeshift ? (_t: unknown, p: Buffer) => Buffer.from(new PayloadTimeShifter().shift(p.toString('utf8'), Date.now()) ?? p.toString('utf8')) : undefined;
      preloads = await sendTestTopics(this.client, await testTopicFilesOf(o.preloadsDir), { rewrite: this.rewrite, transform: shiftNow });
    }
    this.progress.state = this.brokerDownAt !== undefined ? 'waiting' : this.clock.paused ? 'paused' : 'replaying';
    const ticker = setInterval(() => this.emit('progress', { ...this.progress }), 250);
    try {
      do {
        this.progress.pass++;
        await this.onePass();
      } while (o.loop && !this.stopped && !this.publishError);
      if (!this.publishError) await this.allSent();
      if (this.publishError) throw this.publishError;
    } finally {
      clearInterval(ticker);
    }
    if (this.progress.invalidTopics) this.emit('progress', { ...this.progress });
    let cleared = 0;
    if (o.retain === 'clear') {
      for (const topic of this.retainedTopics) this.publish(topic, Buffer.alloc(0), 1, true);
      cleared = this.retainedTopics.size;
      await this.allSent();
    }
    this.progress.state = this.stopped ? 'stopped' : 'done';
    this.emit('progress', { ...this.progress });
    return { ...this.progress, preloads, cleared, elapsedMs: performance.now() - t0, startedAt: this.startedAt, firstInvalidTopic: this.firstInvalidTopic };
  }

  private async onePass(): Promise<void> {
    const o = this.options;
    const max = o.speed === 'max';
    const speed = max ? 1 : (o.speed as number);
    const source = await openSessionSource(this.files, { naive: o.naive as NaiveTimeZone });
    let first: number | undefined;
    let wallStart = 0;
    const shifter = o.timeshift ? new PayloadTimeShifter(speed) : undefined;
    try {
      for await (const batch of source.batches()) {
        for (const m of batch) {
          if (this.stopped || this.publishError) return;
          first ??= m.tsMs;
          const off = m.tsMs - first;
          if (!this.inPass(off, m.topic)) continue;
          const rel = off - o.fromMs;
          if (wallStart === 0) {
            // The clock starts at the first message sent, not before the first read.
            this.clock.restart();
            wallStart = Date.now();
            this.startedAt = performance.timeOrigin + this.clock.deadline(0);
          }
          if (!max) await this.clock.waitFor(rel, this.over);
          else if (this.clock.paused) await this.clock.waitFor(0, this.over);
          if (this.inFlight >= o.maxInFlight) await this.belowWindow();
          if (this.over()) return;
          let payload = payloadBytes(m);
          if (shifter && m.payloadEncoding === 'utf8') {
            const shifted = shifter.shift(m.payload, max ? Date.now() : wallStart + rel / speed);
            if (shifted !== undefined) payload = Buffer.from(shifted, 'utf8');
          }
          const topic = this.rewrite(m.topic);
          const bad = topicNameProblem(topic);
          if (bad) {
            // Never sent: a broker drops the client for a malformed topic, and every reconnect again.
            this.progress.invalidTopics++;
            this.firstInvalidTopic ??= `${JSON.stringify(topic)}: ${bad}`;
            continue;
          }
          const retain = o.retain === 'none' ? false : m.retain === true;
          if (retain && o.retain === 'clear') this.retainedTopics.add(topic);
          this.publish(topic, payload, o.qos === 'keep' ? (m.qos ?? 0) : o.qos, retain);
          const late = max ? 0 : Math.max(0, performance.now() - this.clock.deadline(rel));
          const p = this.progress;
          p.sent++;
          p.positionMs = rel;
          p.latenessMs = late;
          if (late > p.maxLatenessMs) p.maxLatenessMs = late;
        }
      }
    } finally {
      source.close();
    }
  }
}
