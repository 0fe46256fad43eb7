import type { MqttClient } from 'mqtt';
import { closeClient, connectBroker } from '../mqtt/brokerConnection';
import { type BrokerProfile, isMqtt5 } from '../mqtt/brokerProfile';

/**
 * A finished recording leaves no session on the broker to queue messages for nobody:
 * MQTT 5 sets the expiry to 0 on disconnect; 3.1.1 connects once more with a clean session.
 */
export async function endBrokerSession(client: MqttClient, profile: BrokerProfile, persistent: boolean, password?: string): Promise<void> {
  const v5 = isMqtt5(profile);
  const wasConnected = client.connected;
  if (persistent && v5 && wasConnected) {
    await closeClient(client, { reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    return;
  }
  await closeClient(client);
  if (!persistent || v5 || !wasConnected) return;
  try {
    const cleaner = await connectBroker(profile, { password, clean: true, connectTimeoutMs: 2000 });
    await closeClient(cleaner);
  } catch {
    // The broker went away meanwhile: it keeps the session, which costs only its queue.
  }
}
