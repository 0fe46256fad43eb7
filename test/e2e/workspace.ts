import { cp, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { SAMPLES, tempDir } from '../helpers';

/** A workspace as users have it: the ORBIS sessions and test topics, and settings that point at them. */
export async function sampleWorkspace(brokerPort: number): Promise<string> {
  const ws = await tempDir('e2e-ws-');
  await cp(path.join(SAMPLES, 'sessions'), path.join(ws, 'sessions'), { recursive: true });
  await cp(path.join(SAMPLES, 'test_topics'), path.join(ws, 'test_topics'), { recursive: true });
  await mkdir(path.join(ws, '.vscode'), { recursive: true });
  await writeFile(
    path.join(ws, '.vscode', 'settings.json'),
    JSON.stringify({
      'mqttSessions.sessionFolders': ['sessions'],
      'mqttSessions.testTopicFolders': ['test_topics'],
      'mqttSessions.liveSessionFolders': ['live'],
      'mqttSessions.brokers': [{ name: 'e2e-mosquitto', host: '127.0.0.1', port: brokerPort }],
    }),
  );
  return ws;
}

