import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { MqttClient } from 'mqtt';
import { closeClient, connectBroker } from '../mqtt/brokerConnection';
import type { BrokerProfile } from '../mqtt/brokerProfile';
import { isValidTopicFilter, topicMatches } from '../mqtt/topicFilter';
import { deepJsonReason } from '../session/deepJson';
import { type QoS, isValidUtf8, payloadBytes } from '../session/sessionMessage';
import type { SessionSource } from '../session/sessionSource';
import { formatTimestamp } from '../session/timestamps';
import { type TestTopic, testTopicFileName, testTopicFromMessage, writeTestTopic } from '../testTopics/testTopicFile';
import { EXCLUSION_PRESETS, type ExclusionPreset, exclusionMatcher } from './exclusions';

export interface TopicCaptureOptions {
  outDir: string;
  /** Topics (filters) of which every message is saved, numbered `__000001`; the rest: the first message only. */
  every?: string[];
  exclude?: string[];
  preset?: ExclusionPreset;
}

export interface CapturedMessage {
  topic: string;
  payload: Uint8Array;
  qos?: QoS;
  retain?: boolean;
  tsMs: number;
}

/**
 * DESIGN §5, the topic recorder: the first message of each topic, or every message of
 * chosen topics, as test-topic files. Holds one entry per topic, nothing per message.
 */
export class TopicCapture {
  private readonly counters = new Map<string, number>();
  private readonly excluded: (topic: string) => boolean;
  written = 0;
  existing = 0;
  skipped = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(private readonly options: TopicCaptureOptions) {
    for (const f of options.every ?? []) if (!isValidTopicFilter(f)) throw new Error(`topic filter "${f}" is not valid`);
    this.excluded = exclusionMatcher([...EXCLUSION_PRESETS[options.preset ?? 'none'], ...(options.exclude ?? [])]);
  }

  /** Files are written one after the other, in arrival order; `drain()` waits for them. */
  add(m: CapturedMessage): void {
    if (this.excluded(m.topic)) {
      this.skipped++;
      return;
    }
    const every = (this.options.every ?? []).some((f) => topicMatches(f, m.topic));
    const n = (this.counters.get(m.topic) ?? 0) + 1;
    if (!every && n > 1) {
      this.skipped++;
      return;
    }
    this.counters.set(m.topic, n);
    const name = testTopicFileName(m.topic, every ? n : undefined);
    const t = testTopicOf({ ...m, timestamp: formatTimestamp(m.tsMs), sequence: every ? n : undefined });
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        if (await writeTestTopic(this.options.outDir, name, t)) this.written++;
        else this.existing++;
      } catch (err) {
        this.failure = new Error(`${this.options.outDir}: ${(err as Error).message}`);
      }
    });
  }

  get topics(): number {
    return this.counters.size;
  }

  async drain(): Promise<void> {
    await this.chain;
    if (this.failure) throw this.failure;
  }
}

/**
 * A payload nested deeper than the limit is kept as its text: turning it into an object
 * would hand it to JSON.stringify, whose recursion overflows the stack.
 */
function testTopicOf(m: Parameters<typeof testTopicFromMessage>[0]): TestTopic {
  const text = isValidUtf8(m.payload) ? Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength).toString('utf8') : undefined;
  if (text === undefined || !deepJsonReason(text)) return testTopicFromMessage(m);
  const { payload: _bytes, ...rest } = testTopicFromMessage({ ...m, payload: new Uint8Array(0) });
  return { ...rest, payload: text };
}

export interface TopicRecordOptions extends TopicCaptureOptions {
  profile: BrokerProfile;
  password?: string;
  topics?: string[];
  maxDurationMs?: number;
}

interface TopicRecorderEvents {
  file: [{ topic: string; written: number }];
  stopped: [TopicCaptureResult];
}

export interface TopicCaptureResult {
  outDir: string;
  written: number;
  existing: number;
  topics: number;
  skipped: number;
}

/** The topic recorder connected to a broker. */
export class TopicRecorder extends EventEmitter<TopicRecorderEvents> {
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<TopicCaptureResult> | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly capture: TopicCapture,
    private readonly options: TopicRecordOptions,
  ) {
    super();
  }

  static async start(options: TopicRecordOptions): Promise<TopicRecorder> {
    const topics = options.topics?.length ? options.topics : ['#'];
    for (const f of topics) if (!isValidTopicFilter(f)) throw new Error(`topic filter "${f}" is not valid`);
    const capture = new TopicCapture(options);
    await mkdir(options.outDir, { recursive: true });
    const client = await connectBroker(options.profile, { password: options.password });
    const r = new TopicRecorder(client, capture, options);
    client.on('message', (topic, payload, packet) => {
      if (r.stopping) return;
      const before = capture.topics;
      capture.add({ topic, payload, qos: packet.qos, retain: packet.retain, tsMs: Date.now() });
      if (capture.topics !== before || (options.every ?? []).some((f) => topicMatches(f, topic))) r.emit('file', { topic, written: capture.written });
    });
    await client.subscribeAsync(Object.fromEntries(topics.map((t) => [t, { qos: 2 as const }])));
    if (options.maxDurationMs) r.timer = setTimeout(() => void r.stop(), options.maxDurationMs);
    return r;
  }

  stop(): Promise<TopicCaptureResult> {
    this.stopping ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      await closeClient(this.client);
      await this.capture.drain();
      const c = this.capture;
      const result = { outDir: this.options.outDir, written: c.written, existing: c.existing, topics: c.topics, skipped: c.skipped };
      this.emit('stopped', result);
      return result;
    })();
    return this.stopping;
  }
}

/** The topic recorder over a recorded session instead of a broker. */
export async function captureTopicsFromSession(source: SessionSource, options: TopicCaptureOptions & { topics?: string[] }): Promise<TopicCaptureResult> {
  const capture = new TopicCapture(options);
  const topics = options.topics?.length ? options.topics : ['#'];
  await mkdir(options.outDir, { recursive: true });
  for await (const batch of source.batches()) {
    for (const m of batch) {
      if (!topics.some((f) => topicMatches(f, m.topic))) continue;
      capture.add({ topic: m.topic, payload: payloadBytes(m), qos: m.qos, retain: m.retain, tsMs: m.tsMs });
    }
    await capture.drain();
  }
  await capture.drain();
  return { outDir: options.outDir, written: capture.written, existing: capture.existing, topics: capture.topics, skipped: capture.skipped };
}
