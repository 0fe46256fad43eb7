import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { IClientOptions, IConnackPacket, MqttClient } from 'mqtt';
import { type BrokerProfile, isMqtt5, profilePort, profileUrl } from './brokerProfile';

/** Ceiling of the reconnect wait, jitter included: a broker that is back is found within it. */
export const RECONNECT_CEILING_MS = 1000;
const RECONNECT_FIRST_MS = 100;

export interface ConnectOptions {
  /** From SecretStorage, an environment variable or a prompt: never from a file. */
  password?: string;
  /** Reconnect back-off: first wait and ceiling (jitter included; at most 1 s by default). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How long one connection attempt may take before it counts as failed. */
  connectTimeoutMs?: number;
  /**
   * How long to keep trying to reach the broker at first: 0 (the default) fails on the
   * first error, `Infinity` waits for ever. Refusals that no retry can cure (bad
   * credentials, not authorised, a client id the broker rejects) fail at once anyway.
   */
  waitMs?: number;
  /** Told each new reason while waiting (once per distinct reason). */
  onWaiting?: (reason: string) => void;
  /** MQTT 3.1.1 clean session / MQTT 5 clean start (default true). */
  clean?: boolean;
  /** MQTT 5: how long the broker keeps the session after a disconnect (seconds). */
  sessionExpirySec?: number;
  /** Gives up the first connection (a recorder stopped while it waits for the broker). */
  signal?: AbortSignal;
  /**
   * Called with the client before it connects. A broker that kept the session sends the
   * messages it held right behind its CONNACK, in the same read: a `message` listener
   * added after the connect resolves would miss them (and mqtt.js acknowledges them).
   */
  prepare?: (client: MqttClient) => void;
}

/** CONNACK return codes (3.1.1) and reason codes (5) that waiting cannot cure. */
const FATAL_CONNACK = new Set([1, 2, 4, 5, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c, 0x90, 0x95, 0x9a]);

/**
 * Connects with mqtt.js v5. TCP_NODELAY on (small messages are not held back by Nagle).
 * Reconnects with a jittered back-off capped at 1 s, run here rather than by mqtt.js:
 * its interval timer keeps the period it started with, so a doubled back-off kept a
 * recorder away for many seconds after the broker was back. mqtt.js is loaded on first use.
 */
export async function connectBroker(profile: BrokerProfile, options: ConnectOptions = {}): Promise<MqttClient> {
  const mqtt = await import('mqtt');
  const v5 = isMqtt5(profile);
  const opts: IClientOptions = {
    protocol: profile.protocol,
    host: profile.host,
    port: profilePort(profile),
    path: profile.path,
    clientId: profile.clientId ?? randomClientId(),
    username: profile.username,
    password: options.password,
    protocolVersion: v5 ? 5 : 4,
    keepalive: profile.keepalive,
    clean: options.clean ?? true,
    reconnectPeriod: 0,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    resubscribe: true,
    ...(v5 && options.sessionExpirySec !== undefined ? { properties: { sessionExpiryInterval: options.sessionExpirySec } } : {}),
  };
  if (profile.tls) {
    opts.ca = profile.tls.ca ? readFileSync(profile.tls.ca) : undefined;
    opts.cert = profile.tls.cert ? readFileSync(profile.tls.cert) : undefined;
    opts.key = profile.tls.key ? readFileSync(profile.tls.key) : undefined;
    opts.rejectUnauthorized = profile.tls.rejectUnauthorized;
  }
  const client = mqtt.connect(opts);
  options.prepare?.(client);
  keepReconnecting(client, options.reconnectMinMs ?? RECONNECT_FIRST_MS, options.reconnectMaxMs ?? RECONNECT_CEILING_MS);
  client.on('connect', () => (client.stream as Partial<Socket>).setNoDelay?.(true));
  await firstConnection(client, profile, options);
  return client;
}

/** Our own reconnect loop: waits double each failed attempt, capped, with jitter (no herd). */
function keepReconnecting(client: MqttClient, minMs: number, maxMs: number): void {
  let wait = minMs;
  let timer: NodeJS.Timeout | undefined;
  client.on('connect', () => {
    wait = minMs;
  });
  client.on('close', () => {
    if (timer || client.disconnecting || client.disconnected) return;
    // Jitter in the upper quarter of the wait, never past the ceiling.
    const delay = Math.min(maxMs, wait * (0.75 + Math.random() * 0.25));
    wait = Math.min(maxMs, wait * 2);
    timer = setTimeout(() => {
      timer = undefined;
      // With its own stores: a bare reconnect() starts empty ones, and the QoS 1/2
      // publishes still waiting for their acknowledgement would never be sent again.
      if (!client.connected && !client.disconnecting && !client.disconnected) client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
  });
  client.on('end', () => {
    clearTimeout(timer);
    timer = undefined;
  });
}

function firstConnection(client: MqttClient, profile: BrokerProfile, options: ConnectOptions): Promise<void> {
  const waitMs = options.waitMs ?? 0;
  const url = profileUrl(profile);
  return new Promise<void>((resolve, reject) => {
    let lastReason = '';
    const fail = (reason: string): void => {
      cleanup();
      client.end(true);
      reject(new Error(`${url}: ${reason}`));
    };
    const onError = (err: Error & { code?: string | number }): void => {
      const reason = describeError(err);
      if (waitMs === 0 || (typeof err.code === 'number' && FATAL_CONNACK.has(err.code))) return fail(reason);
      if (reason !== lastReason) options.onWaiting?.(reason);
      lastReason = reason;
    };
    const onClose = (): void => {
      if (waitMs === 0 && !lastReason) fail('the broker closed the connection');
    };
    const onConnect = (_p: IConnackPacket): void => {
      cleanup();
      resolve();
    };
    const limit = waitMs === 0 ? (options.connectTimeoutMs ?? 10_000) + 500 : waitMs;
    const timer = Number.isFinite(limit)
      ? setTimeout(() => fail(waitMs === 0 ? 'no answer within the connect timeout' : `not reachable within ${Math.round(limit / 1000)} s${lastReason ? ` (${lastReason})` : ''}`), limit)
      : undefined;
    const onAbort = (): void => fail('gave up waiting for the broker');
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      client.off('error', onError);
      client.off('close', onClose);
      client.off('connect', onConnect);
    };
    client.on('error', onError);
    client.on('close', onClose);
    client.once('connect', onConnect);
  });
}

/**
 * Ends a client whatever its state. mqtt.js's `end` waits for the socket's close, which
 * never comes again once the socket is already gone (a broker that died): a disconnected
 * client is ended by force, and nothing waits more than `ms`.
 */
export async function closeClient(client: MqttClient, options: { reasonCode?: number; properties?: Record<string, unknown> } = {}, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.connected ? client.endAsync(false, options) : client.endAsync(true);
  await Promise.race([ended.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

export function randomClientId(prefix = 'mqtt-sessions'): string {
  return `${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}

export function describeError(err: Error & { code?: string | number }): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused (is the broker running?)';
  if (err.code === 'ENOTFOUND') return 'host not found';
  if (err.code === 'ETIMEDOUT') return 'connection timed out';
  return err.message;
}
