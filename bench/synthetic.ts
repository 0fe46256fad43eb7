import { rm, stat } from 'node:fs/promises';
import { SessionLogWriter } from '../src/core/session/logWriter';
import { formatTimestamp } from '../src/core/session/timestamps';

const MODULES = [
  ['HBW', 'SVR3QA0022'], ['DRILL', 'SVR4H76449'], ['MILL', 'SVR3QA2098'], ['DPS', 'SVR4H73275'], ['AIQS', 'SVR4H76530'], ['CHRG', 'CHRG0'],
] as const;

/** 50 factory-like topics: modules, FTS, CCU, TXT sensors (as in the ORBIS samples). */
export function syntheticTopics(): string[] {
  const topics: string[] = [];
  for (const [, serial] of MODULES) for (const leaf of ['state', 'order', 'connection', 'factsheet', 'instantAction']) topics.push(`module/v1/ff/${serial}/${leaf}`);
  for (const fts of ['5iO4', '7kP2']) for (const leaf of ['state', 'order', 'connection', 'factsheet', 'instantAction']) topics.push(`fts/v1/ff/${fts}/${leaf}`);
  for (const leaf of ['order/active', 'order/completed', 'order/request', 'state/layout', 'state/config', 'state/stock', 'pairing/state', 'global', 'status']) topics.push(`ccu/${leaf}`);
  for (const leaf of ['i/bme680', 'i/ldr', 'i/cam', 'i/broadcast', 'f/i/state/dso', 'f/o/order']) topics.push(`/j1/txt/1/${leaf}`);
  topics.push('osf/arduino/vibration/mpu6050-1/state', 'osf/arduino/flame/flame-1/state', 'osf/arduino/temp/dht-1/state', 'module/v1/ff/NodeRed/status', 'ccu/state/version-mismatch');
  return topics.slice(0, 50);
}

export function uuid(i: number): string {
  const h = (i * 2654435761) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(4, 7)}-${hex}${hex.slice(0, 4)}`;
}

/** About 200 bytes of JSON carrying an orderId, like a module state message. */
export function syntheticPayload(i: number, topic: string, tsMs: number): string {
  const order = uuid(Math.floor(i / 2000));
  const state = ['RUNNING', 'FINISHED', 'WAITING', 'FAILED'][i % 4];
  return JSON.stringify({
    headerId: i,
    timestamp: formatTimestamp(tsMs),
    serialNumber: topic.split('/')[3] ?? 'CCU',
    orderId: order,
    orderUpdateId: i % 7,
    actionState: { command: ['PICK', 'DROP', 'DOCK', 'CHECK_QUALITY'][i % 4], state },
    workpieceId: `04${(i % 997).toString(16).padStart(12, '0')}`,
  });
}

/** Writes the synthetic session unless a file of that many messages is already there. */
export async function ensureSyntheticSession(path: string, count: number): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st && st.size > count * 150 && st.size < count * 400) return;
  if (st) await rm(path);
  const topics = syntheticTopics();
  const t0 = Date.UTC(2026, 0, 15, 8, 0, 0);
  const w = new SessionLogWriter(path, 'create');
  w.writeMeta({ sessionName: 'synthetic-factory', recordingStartedAt: formatTimestamp(t0), note: 'benchmark data' });
  for (let i = 0; i < count; i++) {
    const ts = t0 + i * 10;
    const topic = topics[i % topics.length];
    w.writeMessage({ topic, payload: syntheticPayload(i, topic, ts), payloadEncoding: 'utf8', timestamp: formatTimestamp(ts), tsMs: ts, qos: i % 3 === 0 ? 1 : 0, retain: false });
    if (i % 10000 === 0) w.flush();
  }
  w.close({ status: 'completed', messages: count });
}
