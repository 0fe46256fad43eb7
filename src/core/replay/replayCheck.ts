import type { MqttClient } from 'mqtt';
import { closeClient, connectBroker } from '../mqtt/brokerConnection';
import type { BrokerProfile } from '../mqtt/brokerProfile';
import type { SessionFiles } from '../session/sessionFiles';
import { payloadBytes } from '../session/sessionMessage';
import { openSessionSource } from '../session/sessionSource';
import { type ReplayResult, SessionReplayer } from './sessionReplayer';

export interface ReplayCheck {
  replay: ReplayResult;
  expected: number;
  arrived: number;
  /** Topics whose messages did not arrive exactly (bytes, count, order within the topic). */
  mismatchedTopics: string[];
}

/** Per topic, the payloads in session order. */
async function payloadsByTopic(files: SessionFiles): Promise<Map<string, Buffer[]>> {
  const byTopic = new Map<string, Buffer[]>();
  const source = await openSessionSource(files);
  try {
    for await (const batch of source.batches()) {
      for (const m of batch) {
        const list = byTopic.get(m.topic) ?? [];
        list.push(payloadBytes(m));
        byTopic.set(m.topic, list);
      }
    }
  } finally {
    source.close();
  }
  return byTopic;
}

/**
 * Replays a session under a topic prefix while a second client listens on that prefix,
 * then compares what arrived with the session: same topics, same payload bytes, same
 * order within each topic (brokers keep order per topic, not across topics of mixed QoS).
 * Holds the session's payloads in memory: meant for demo-sized sessions.
 */
export async function replayAndCheck(files: SessionFiles, profile: BrokerProfile, prefix: string, speed: number | 'max'): Promise<ReplayCheck> {
  const expected = await payloadsByTopic(files);
  const arrived = new Map<string, Buffer[]>();
  let count = 0;
  const listener: MqttClient = await connectBroker({ ...profile, clientId: `replay-check-${process.pid}` });
  const publisher: MqttClient = await connectBroker({ ...profile, clientId: `replay-${process.pid}` });
  try {
    listener.on('message', (topic, payload) => {
      const original = topic.slice(prefix.length);
      const list = arrived.get(original) ?? [];
      list.push(Buffer.from(payload));
      arrived.set(original, list);
      count++;
    });
    await listener.subscribeAsync({ [`${prefix}#`]: { qos: 2 } });
    const replay = await new SessionReplayer(files, publisher, { speed, prefix }).run();
    let total = 0;
    for (const list of expected.values()) total += list.length;
    // Delivery to the listener trails the last publish by a little.
    const until = Date.now() + 5000;
    while (count < total && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const mismatchedTopics = [...new Set([...expected.keys(), ...arrived.keys()])].filter((topic) => {
      const a = expected.get(topic) ?? [];
      const b = arrived.get(topic) ?? [];
      return a.length !== b.length || a.some((p, i) => !p.equals(b[i]));
    });
    return { replay, expected: total, arrived: count, mismatchedTopics };
  } finally {
    await Promise.all([closeClient(listener), closeClient(publisher)]);
  }
}
