import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { IClientOptions, MqttClient } from 'mqtt';
import { type BrokerProfile, profilePort, profileUrl } from './brokerProfile';

export interface ConnectOptions {
  /** From SecretStorage, an environment variable or a prompt: never from a file. */
  password?: string;
  /** Reconnect back-off: first wait and ceiling. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  connectTimeoutMs?: number;
  clean?: boolean;
}

/**
 * Connects with mqtt.js v5. TCP_NODELAY on (small messages are not held back by
 * Nagle), reconnect with exponential back-off. mqtt.js is loaded here, on first use.
 */
export async function connectBroker(profile: BrokerProfile, options: ConnectOptions = {}): Promise<MqttClient> {
  const mqtt = await import('mqtt');
  const min = options.reconnectMinMs ?? 250;
  const max = options.reconnectMaxMs ?? 10_000;
  const opts: IClientOptions = {
    protocol: profile.protocol,
    host: profile.host,
    port: profilePort(profile),
    path: profile.path,
    clientId: profile.clientId ?? `mqtt-sessions-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    username: profile.username,
    password: options.password,
    protocolVersion: profile.mqttVersion === '5' || profile.mqttVersion === 5 ? 5 : 4,
    keepalive: profile.keepalive,
    clean: options.clean ?? true,
    reconnectPeriod: min,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    resubscribe: true,
  };
  if (profile.tls) {
    opts.ca = profile.tls.ca ? readFileSync(profile.tls.ca) : undefined;
    opts.cert = profile.tls.cert ? readFileSync(profile.tls.cert) : undefined;
    opts.key = profile.tls.key ? readFileSync(profile.tls.key) : undefined;
    opts.rejectUnauthorized = profile.tls.rejectUnauthorized;
  }
  const client = mqtt.connect(opts);
  client.on('connect', () => {
    (client.stream as Partial<Socket>).setNoDelay?.(true);
    client.options.reconnectPeriod = min;
  });
  client.on('close', () => {
    // Back off: each failed attempt doubles the wait, up to the ceiling.
    client.options.reconnectPeriod = Math.min(max, Math.max(min, (client.options.reconnectPeriod ?? min) * 2));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      cleanup();
      client.end(true);
      reject(new Error(`${profileUrl(profile)}: ${describeError(err)}`));
    };
    const onConnect = (): void => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => onError(new Error('no answer within the connect timeout')), (options.connectTimeoutMs ?? 10_000) + 500);
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('connect', onConnect);
    };
    client.once('error', onError);
    client.once('connect', onConnect);
  });
  return client;
}

function describeError(err: Error & { code?: string | number }): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused (is the broker running?)';
  if (err.code === 'ENOTFOUND') return 'host not found';
  if (err.code === 'ETIMEDOUT') return 'connection timed out';
  return err.message;
}
