import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { MqttClient } from 'mqtt';
import { type TestTopic, readTestTopic, testTopicPayload } from '../testTopics/testTopicFile';

export interface SendResult {
  file: string;
  ok: boolean;
  topic?: string;
  bytes?: number;
  error?: string;
}

export interface SendOptions {
  /** Topic rewriting (replay's remap and prefix), identity by default. */
  rewrite?: (topic: string) => string;
  /** Payload rewriting (replay's time-shift), none by default. */
  transform?: (t: TestTopic, payload: Buffer) => Buffer;
}

/** One file: validated, then published with its own QoS and retain flag. Never throws. */
export async function sendTestTopicFile(client: MqttClient, file: string, options: SendOptions = {}): Promise<SendResult> {
  let t: TestTopic;
  try {
    t = await readTestTopic(file);
  } catch (err) {
    return { file, ok: false, error: (err as Error).message };
  }
  const topic = options.rewrite ? options.rewrite(t.topic) : t.topic;
  let payload = testTopicPayload(t);
  if (options.transform) payload = options.transform(t, payload);
  try {
    await client.publishAsync(topic, payload, { qos: t.qos, retain: t.retain });
    return { file, ok: true, topic, bytes: payload.length };
  } catch (err) {
    return { file, ok: false, topic, error: `${file}: publish to ${topic} failed: ${(err as Error).message}` };
  }
}

/** The JSON files of a folder in name order (preloads are sent in name order, DESIGN §3.2). */
export async function testTopicFilesOf(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.json'));
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((f) => path.join(dir, f));
}

/** Files and folders as given; a folder means its JSON files (its `preloads/` first, when it has one). */
export async function expandTestTopicPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new Error(`${p}: no such file or folder`);
    if (!st.isDirectory()) {
      out.push(p);
      continue;
    }
    const pre = path.join(p, 'preloads');
    if (path.basename(p) !== 'preloads' && (await stat(pre).catch(() => undefined))?.isDirectory()) out.push(...(await testTopicFilesOf(pre)));
    out.push(...(await testTopicFilesOf(p)));
  }
  return out;
}

/** Each file in turn; a bad file is reported and the others still go. */
export async function sendTestTopics(client: MqttClient, files: readonly string[], options: SendOptions = {}, onResult?: (r: SendResult) => void): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const f of files) {
    const r = await sendTestTopicFile(client, f, options);
    results.push(r);
    onResult?.(r);
  }
  return results;
}
