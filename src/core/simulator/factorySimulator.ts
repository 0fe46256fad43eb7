import type { MqttClient } from 'mqtt';

/** The ORBIS factory of the samples: module serial numbers and types (ccu/state/layout). */
export const FACTORY_MODULES = [
  { type: 'HBW', serialNumber: 'SVR3QA0022' },
  { type: 'DRILL', serialNumber: 'SVR4H76449' },
  { type: 'MILL', serialNumber: 'SVR3QA2098' },
  { type: 'DPS', serialNumber: 'SVR4H73275' },
  { type: 'AIQS', serialNumber: 'SVR4H76530' },
  { type: 'CHRG', serialNumber: 'CHRG0' },
] as const;

export const FTS_SERIAL = '5iO4';
const COLORS = ['WHITE', 'RED', 'BLUE'] as const;

export interface SimulatorOptions {
  /** A new production order every this many ms. */
  orderEveryMs?: number;
  /** Time between the steps of an order. */
  stepMs?: number;
  /** Sensor messages every this many ms. */
  sensorEveryMs?: number;
  seed?: number;
}

export interface SimulatorCounts {
  published: number;
  orders: number;
  completed: number;
}

/**
 * Publishes factory-like traffic modelled on the ORBIS samples: production requests on
 * `ccu/order/request`; the CCU's `ccu/order/active` list; module and FTS `order`,
 * `state` and `connection` messages carrying the `orderId` from HBW through DRILL or MILL
 * and AIQS to DPS; sensors; a retained `ccu/state/layout`.
 */
export class FactorySimulator {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly active = new Map<string, Record<string, unknown>>();
  private headerId = 0;
  private seed: number;
  private running = false;
  readonly counts: SimulatorCounts = { published: 0, orders: 0, completed: 0 };

  constructor(private readonly client: MqttClient, private readonly options: SimulatorOptions = {}) {
    this.seed = options.seed ?? 42;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.publish('ccu/state/layout', { modules: FACTORY_MODULES.map((m) => ({ ...m, placeholder: false })), intersections: [1, 2, 3, 4].map((i) => ({ id: String(i) })) }, { qos: 1, retain: true });
    for (const m of FACTORY_MODULES) {
      await this.publish(`module/v1/ff/${m.serialNumber}/connection`, { headerId: this.nextHeader(), timestamp: now(), version: '1.0.0', manufacturer: 'Fischertechnik', serialNumber: m.serialNumber, connectionState: 'ONLINE' }, { qos: 1, retain: true });
    }
    await this.publish(`fts/v1/ff/${FTS_SERIAL}/connection`, { headerId: this.nextHeader(), timestamp: now(), serialNumber: FTS_SERIAL, connectionState: 'ONLINE' }, { qos: 1, retain: true });
    this.every(this.options.orderEveryMs ?? 3000, () => this.newOrder(), true);
    this.every(this.options.sensorEveryMs ?? 1000, () => this.sensors(), true);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private every(ms: number, fn: () => void, now = false): void {
    const tick = (): void => {
      if (!this.running) return;
      fn();
      this.later(ms, tick);
    };
    if (now) tick();
    else this.later(ms, tick);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.running) fn();
    }, ms);
    this.timers.add(t);
  }

  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  private uuid(): string {
    const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(this.random() * 16).toString(16)).join('');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  }

  private nextHeader(): number {
    return ++this.headerId;
  }

  private newOrder(): void {
    const type = COLORS[Math.floor(this.random() * COLORS.length)];
    const orderId = this.uuid();
    const workpieceId = `04${Math.floor(this.random() * 2 ** 48).toString(16).padStart(12, '0')}`;
    this.counts.orders++;
    void this.publish('ccu/order/request', { type, timestamp: now(), orderType: 'PRODUCTION' }, { qos: 2 });
    const machine = this.random() < 0.5 ? 'DRILL' : 'MILL';
    const route = ['HBW', machine, 'AIQS', 'DPS'] as const;
    const commands: Record<string, string> = { HBW: 'PICK', DRILL: 'DRILL', MILL: 'MILL', AIQS: 'CHECK_QUALITY', DPS: 'DROP' };
    const order = { orderType: 'PRODUCTION', type, timestamp: now(), orderId, workpieceId, state: 'IN_PROGRESS', startedAt: now(), productionSteps: route.map((m) => ({ id: this.uuid(), type: 'MANUFACTURE', command: commands[m], moduleType: m, state: 'ENQUEUED' })) };
    this.active.set(orderId, order);
    this.publishActive();
    const stepMs = this.options.stepMs ?? 250;
    let t = stepMs;
    let from = 'DPS';
    route.forEach((moduleType, i) => {
      const module = FACTORY_MODULES.find((m) => m.type === moduleType);
      if (!module) return;
      const actionId = this.uuid();
      const source = from;
      from = moduleType;
      this.later(t, () => this.fts(orderId, source, moduleType, workpieceId, i));
      this.later(t + stepMs, () => {
        void this.publish(`module/v1/ff/${module.serialNumber}/order`, { headerId: this.nextHeader(), timestamp: now(), serialNumber: module.serialNumber, orderId, orderUpdateId: i, action: { id: actionId, command: commands[moduleType], metadata: { type, workpieceId } } });
        this.moduleState(module.serialNumber, orderId, actionId, commands[moduleType], 'RUNNING', workpieceId);
        (order.productionSteps[i] as Record<string, unknown>).state = 'IN_PROGRESS';
        this.publishActive();
      });
      this.later(t + 2 * stepMs, () => {
        this.moduleState(module.serialNumber, orderId, actionId, commands[moduleType], 'FINISHED', workpieceId);
        (order.productionSteps[i] as Record<string, unknown>).state = 'FINISHED';
        this.publishActive();
      });
      t += 3 * stepMs;
    });
    this.later(t, () => {
      this.active.delete(orderId);
      this.counts.completed++;
      void this.publish('ccu/order/completed', [{ ...order, state: 'FINISHED', stoppedAt: now() }]);
      this.publishActive();
    });
  }

  private fts(orderId: string, source: string, target: string, workpieceId: string, updateId: number): void {
    void this.publish(`fts/v1/ff/${FTS_SERIAL}/order`, { headerId: this.nextHeader(), timestamp: now(), orderId, orderUpdateId: updateId, serialNumber: FTS_SERIAL, nodes: [{ id: source }, { id: target }] });
    void this.publish(`fts/v1/ff/${FTS_SERIAL}/state`, { headerId: this.nextHeader(), timestamp: now(), serialNumber: FTS_SERIAL, orderId, orderUpdateId: updateId, driving: true, lastNodeId: source, loads: [{ loadId: workpieceId, loadType: 'WORKPIECE' }], errors: [] });
  }

  private moduleState(serial: string, orderId: string, actionId: string, command: string, state: string, workpieceId: string): void {
    void this.publish(`module/v1/ff/${serial}/state`, { headerId: this.nextHeader(), timestamp: now(), serialNumber: serial, orderId, orderUpdateId: 0, actionState: { id: actionId, command, state }, loads: [{ loadId: workpieceId }], errors: [] });
  }

  private publishActive(): void {
    void this.publish('ccu/order/active', [...this.active.values()]);
  }

  private sensors(): void {
    const r = this.random();
    void this.publish('/j1/txt/1/i/bme680', { ts: now(), t: 21 + r * 2, rt: 21.5, h: 40 + r * 5, rh: 41, p: 1013 + r, iaq: 50 + Math.floor(r * 20), aq: 1 });
    void this.publish('/j1/txt/1/i/ldr', { ts: now(), br: Math.floor(800 + r * 100), ldr: Math.floor(15000 + r * 1000) });
    void this.publish('osf/arduino/vibration/mpu6050-1/state', { vibrationLevel: 'green', vibrationDetected: false, impulseCount: this.headerId, magnitude: Math.floor(16000 + r * 1000), timestamp: now() });
    void this.publish('/j1/txt/1/i/cam', { ts: now(), data: `data:image/jpeg;base64,/9j/4AAQSkZJRg${'A'.repeat(200)}` });
  }

  private async publish(topic: string, payload: unknown, opts: { qos?: 0 | 1 | 2; retain?: boolean } = {}): Promise<void> {
    if (!this.client.connected) return;
    try {
      await this.client.publishAsync(topic, JSON.stringify(payload), { qos: opts.qos ?? 0, retain: opts.retain ?? false });
      this.counts.published++;
    } catch {
      /* the broker went away: not published */
    }
  }
}

function now(): string {
  return new Date().toISOString();
}
