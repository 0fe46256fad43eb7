import type { MqttClient } from 'mqtt';

/**
 * Caps how long incoming messages may hold the event loop in one go. mqtt.js handles a
 * socket read's packets back to back and libuv reads up to 32 × 64 KiB per poll, so a
 * flood of small messages would keep the loop busy for ~10,000 handlers at a time. Once
 * a turn has spent `budgetMs`, the message's completion (`handleMessage`, mqtt.js's
 * backpressure hook) is deferred to `setImmediate`: mqtt.js stops pulling from the socket
 * until then, timers and I/O get their turn, and the unread data waits in TCP buffers
 * (the broker holds it) instead of in our memory.
 */
export function limitTurnWork(client: MqttClient, budgetMs = 10): void {
  let turnStart = 0;
  const endTurn = (): void => {
    turnStart = 0;
  };
  client.handleMessage = (_packet, callback) => {
    const now = performance.now();
    if (turnStart === 0) {
      turnStart = now;
      setImmediate(endTurn);
      callback();
    } else if (now - turnStart < budgetMs) callback();
    else {
      turnStart = 0;
      setImmediate(() => callback());
    }
  };
}
