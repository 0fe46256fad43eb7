import { z } from 'zod';

/** A broker profile as kept in the setting `mqttSessions.brokers` (never with a password). */
export const brokerProfileSchema = z
  .object({
    name: z.string().min(1),
    host: z.string().min(1).default('localhost'),
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(['mqtt', 'mqtts', 'ws', 'wss']).default('mqtt'),
    /** Path of a WebSocket endpoint. */
    path: z.string().optional(),
    clientId: z.string().optional(),
    username: z.string().optional(),
    mqttVersion: z.union([z.literal('3.1.1'), z.literal('5'), z.literal(4), z.literal(5)]).default('3.1.1'),
    keepalive: z.number().int().min(0).max(65535).default(30),
    tls: z
      .object({
        ca: z.string().optional(),
        cert: z.string().optional(),
        key: z.string().optional(),
        rejectUnauthorized: z.boolean().default(true),
      })
      .optional(),
    role: z.enum(['test', 'production']).default('test'),
  })
  .strict();

export type BrokerProfile = z.output<typeof brokerProfileSchema>;
export type BrokerProfileInput = z.input<typeof brokerProfileSchema>;

export const DEFAULT_PROFILE: BrokerProfile = brokerProfileSchema.parse({ name: 'localhost', host: 'localhost', port: 1883 });

export { profilePort, profileUrl } from './brokerAddress';

/** The profile speaks MQTT 5 (the setting takes `"5"` or `5`). */
export function isMqtt5(profile: Pick<BrokerProfile, 'mqttVersion'>): boolean {
  return profile.mqttVersion === '5' || profile.mqttVersion === 5;
}

/** One line naming the profile and the first field that is wrong. */
export function parseBrokerProfile(value: unknown, where: string): BrokerProfile {
  const r = brokerProfileSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`${where}: field "${issue.path.join('.') || '(profile)'}": ${issue.message}`);
}

/** `mqtt://user@host:1883`, `ws://host:8080/mqtt` → a profile (what `--broker URL` takes). */
export function profileFromUrl(url: string, name = url): BrokerProfile {
  let u: URL;
  try {
    u = new URL(url.includes('://') ? url : `mqtt://${url}`);
  } catch {
    throw new Error(`--broker ${url}: not a broker URL (mqtt://host:port)`);
  }
  const protocol = u.protocol.replace(/:$/, '').replace(/^tcp$/, 'mqtt');
  return parseBrokerProfile(
    {
      name,
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : undefined,
      protocol,
      path: u.pathname && u.pathname !== '/' ? u.pathname : undefined,
      username: u.username ? decodeURIComponent(u.username) : undefined,
    },
    `--broker ${url}`,
  );
}
