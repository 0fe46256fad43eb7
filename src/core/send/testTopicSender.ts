import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { topicNameProblem } from '../mqtt/topicFilter';
import { type TestTopic, readTestTopic, testTopicPayload } from '../testTopics/testTopicFile';

export interface SendResult {
  file: string;
  ok: boolean;
  topic?: string;
  bytes?: number;
  error?: string;
}

/** How long one publish may wait for the broker (its PUBACK/PUBCOMP, or the write at QoS 0). */
export const PUBLISH_TIMEOUT_MS = 10_000;

export interface SendOptions {
  /** Topic rewriting (replay's remap and prefix), identity by default. */
  rewrite?: (topic: string) => string;
  /** Payload rewriting (replay's time-shift), none by default. */
  transform?: (t: TestTopic, payload: Buffer) => Buffer;
  /** Per publish; `PUBLISH_TIMEOUT_MS` by default. */
  publishTimeoutMs?: number;
}

/**
 * Publishes and waits for the broker, at most `timeoutMs` in all. While the client is
 * disconnected nothing is handed to it (mqtt.js would queue the message and send it whenever
 * it reconnects, long after we reported it failed). A message the broker never acknowledges
 * is taken out of the client's store: mqtt.js would otherwise resend it on every reconnect.
 */
export async function publishWithin(client: MqttClient, topic: string, payload: Buffer, opts: IClientPublishOptions, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (!client.connected && !(await connectedWithin(client, timeoutMs))) throw new Error(`not connected to the broker (waited ${timeoutMs / 1000} s)`);
  const left = Math.max(1, deadline - Date.now());
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      for (const [id, entry] of Object.entries(client.outgoing)) if (entry.cb === callback) client.removeOutgoingMessage(Number(id));
      reject(new Error(`no acknowledgement from the broker within ${timeoutMs / 1000} s`));
    }, left);
    const callback = (err?: Error): void => done(err);
    client.publish(topic, payload, opts, callback);
  });
}

/** True once the client is connected, false when `ms` pass first. */
function connectedWithin(client: MqttClient, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onConnect = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('connect', onConnect);
      resolve(false);
    }, ms);
    client.once('connect', onConnect);
  });
}

/** One file: validated, then published with its own QoS and retain flag. Never throws. */
export async function sendTestTopicFile(client: MqttClient, file: string, options: SendOptions = {}): Promise<SendResult> {
  let t: TestTopic;
  let topic: string;
  let payload: Buffer;
  try {
    t = await readTestTopic(file);
    topic = options.rewrite ? options.rewrite(t.topic) : t.topic;
    // The file's topic was checked when it was read; a rewritten one is checked again.
    const problem = topicNameProblem(topic);
    if (problem) return { file, ok: false, topic, error: `${file}: field "topic" ${problem} (after rewriting to ${JSON.stringify(topic)})` };
    payload = testTopicPayload(t);
    if (options.transform) payload = options.transform(t, payload);
  } catch (err) {
    return { file, ok: false, error: oneLine(err, file) };
  }
  const timeoutMs = options.publishTimeoutMs ?? PUBLISH_TIMEOUT_MS;
  try {
    await publishWithin(client, topic, payload, { qos: t.qos, retain: t.retain }, timeoutMs);
    return { file, ok: true, topic, bytes: payload.length };
  } catch (err) {
    return { file, ok: false, topic, error: `${file}: publish to ${topic} failed: ${(err as Error).message}` };
  }
}

/** An error as one line that names the file. */
function oneLine(err: unknown, file: string): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return message.startsWith(file) ? message : `${file}: ${message}`;
}

/**
 * The JSON files of a folder in name order (preloads are sent in name order, DESIGN §3.2).
 * Every entry but a folder is listed, so that a FIFO or device named `*.json` is reported
 * by `readTestTopic` instead of being skipped without a word.
 */
export async function testTopicFilesOf(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((d) => !d.isDirectory() && d.name.toLowerCase().endsWith('.json')).map((d) => d.name);
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
    let r: SendResult;
    try {
      r = await sendTestTopicFile(client, f, options);
    } catch (err) {
      // sendTestTopicFile does not throw; this keeps a future slip from aborting the folder.
      r = { file: f, ok: false, error: oneLine(err, f) };
    }
    results.push(r);
    onResult?.(r);
  }
  return results;
}
