import { randomBytes } from 'node:crypto';
import { type MqttClient, connect } from 'mqtt';
import type { ResponseProbe } from './healthCheck';

/** The broker URL without user name and password, for messages and reports. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

/**
 * A broker round trip: connect, subscribe to a topic of its own, publish to it and wait
 * for the message to come back. Connecting is part of the time on purpose: a broker that
 * is slow to accept clients is slow for the recorder too.
 */
export function mqttRoundTripProbe(url: string, timeoutMs = 10_000): ResponseProbe {
  return {
    component: `broker ${redactUrl(url)}`,
    run: () =>
      new Promise<void>((resolve, reject) => {
        const id = randomBytes(6).toString('hex');
        const topic = `mqtt-sessions/probe/${id}`;
        let client: MqttClient | undefined;
        let settled = false;
        const finish = (err?: Error): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          client?.end(true);
          if (err) reject(err);
          else resolve();
        };
        const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
        try {
          client = connect(url, { clientId: `mqtt-sessions-probe-${id}`, reconnectPeriod: 0, connectTimeout: timeoutMs, clean: true });
        } catch (err) {
          finish(err as Error);
          return;
        }
        client.on('error', (err) => finish(err));
        client.on('close', () => finish(new Error('connection closed by the broker')));
        client.on('message', (t) => {
          if (t === topic) finish();
        });
        client.on('connect', () => {
          client?.subscribe(topic, { qos: 0 }, (err) => {
            if (err) return finish(err);
            client?.publish(topic, 'ping', { qos: 0 }, (perr) => {
              if (perr) finish(perr);
            });
          });
        });
      }),
  };
}
