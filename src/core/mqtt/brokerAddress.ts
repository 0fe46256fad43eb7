import type { BrokerProfile } from './brokerProfile';

// Without zod: the VS Code views show addresses before anything validates a profile.
const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 8080, wss: 8081 } as const;

export function profilePort(p: Pick<BrokerProfile, 'port' | 'protocol'>): number {
  return p.port ?? DEFAULT_PORTS[p.protocol];
}

export function profileUrl(p: Pick<BrokerProfile, 'port' | 'protocol' | 'host' | 'path'>): string {
  return `${p.protocol}://${p.host.includes(':') ? `[${p.host}]` : p.host}:${profilePort(p)}${p.path ?? ''}`;
}
