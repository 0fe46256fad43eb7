import type { Database } from 'node-sqlite3-wasm';
import { tableColumns } from '../../db/sqlite';
import type { SessionMessage } from '../../session/sessionMessage';
import { isOrderCandidate } from './orderCandidates';
import { OrderTracker } from './orderTracker';
import type { ModuleKnowledge, OrdersResult } from './orderTypes';

/**
 * The order summaries of a session, gathered while its index is written and kept in it:
 * the list of orders then costs one row, not a pass over every payload (3.6 s at a
 * million messages). Raise the version whenever the tracker's result changes: an index
 * holding another version is read by the pass again.
 */
export const ORDER_CACHE_VERSION = 2;

const CREATE_ORDER_CACHE = 'CREATE TABLE order_cache (version INTEGER NOT NULL, result TEXT NOT NULL, modules TEXT NOT NULL)';

/** Feeds the messages of an index being written, in id order, to a summary tracker. */
export class OrderCacheFeed {
  private readonly tracker = new OrderTracker({ detail: false });

  add(id: number, m: SessionMessage): void {
    if (m.payloadEncoding !== 'utf8' || !isOrderCandidate(m.topic, m.payload)) return;
    this.tracker.add({ id, topic: m.topic, payload: m.payload, tsMs: m.tsMs, timestamp: m.timestamp });
  }

  /** Into the index, inside the caller's transaction. */
  write(db: Database): void {
    db.exec(CREATE_ORDER_CACHE);
    db.run('INSERT INTO order_cache(version, result, modules) VALUES (?, ?, ?)', [ORDER_CACHE_VERSION, JSON.stringify(this.tracker.result()), JSON.stringify(this.tracker.modules)]);
  }
}

function cached(db: Database, column: 'result' | 'modules'): unknown {
  if (!tableColumns(db, 'order_cache').includes(column)) return undefined;
  const row = db.get(`SELECT ${column} AS value FROM order_cache WHERE version = ?`, [ORDER_CACHE_VERSION]);
  return row ? JSON.parse(String(row.value)) : undefined;
}

/** The summaries kept in the index, when it has them in this version. */
export function cachedOrders(db: Database): OrdersResult | undefined {
  return cached(db, 'result') as OrdersResult | undefined;
}

/** What the whole pass learnt about the modules (layout, factsheets, payloads), when kept. */
export function cachedModules(db: Database): ModuleKnowledge | undefined {
  return cached(db, 'modules') as ModuleKnowledge | undefined;
}
