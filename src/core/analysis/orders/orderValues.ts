import { isValidTimeMs } from '../../session/timestamps';
import { ORDER_WORDS, type OrderState, type RequestState, type TopicInfo, type WorkpieceKind } from './orderTypes';

/** Small pieces of reading order payloads: ids, serials, times, colours. */


/**
 * Every distinct `orderId` in a JSON document, nested objects and arrays included, in
 * document order. Empty strings, null and the number 0 (the factory's "no order") are
 * skipped; VDA 5050 error references `{referenceKey: "orderId", referenceValue}` count.
 * Iterative: any depth is fine.
 */
export function findOrderIds(doc: unknown): string[] {
  const seen = new Set<string>();
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const start = stack.length;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (isObject(node[i])) stack.push(node[i]);
    } else {
      const o = node as Record<string, unknown>;
      const own = ownOrderId(o);
      if (own !== undefined) seen.add(own);
      for (const k in o) {
        const v = o[k];
        if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
    reverseFrom(stack, start);
  }
  return [...seen];
}

/** `module/v1/ff/<SERIAL>/...`, `module/v1/ff/NodeRed/<SERIAL>/...`, `fts/v1/ff/<SERIAL>/...`. */
export function topicInfoOf(topic: string): TopicInfo {
  const fts = topic.startsWith('fts/');
  const none: TopicInfo = { topic, serial: undefined, fts: false };
  if (!fts && !topic.startsWith('module/')) return none;
  const parts = topic.split('/');
  if (parts.length < 5) return none;
  let serial = parts[3];
  if (!fts && serial === 'NodeRed') {
    if (parts.length < 6) return none;
    serial = parts[4];
  }
  return serial ? { topic, serial, fts } : none;
}

/** Times in ascending order; unknown times (NaN) last. */
export function compareMs(a: number, b: number): number {
  if (a === b) return 0;
  if (a !== a) return 1;
  if (b !== b) return -1;
  return a - b;
}

/** A known time before `than`, or any known time when `than` is unknown. */
export function isEarlier(ms: number, than: number): boolean {
  return ms < than || (than !== than && ms === ms);
}

export function isLaterOrSame(ms: number, than: number): boolean {
  return ms >= than || (than !== than && ms === ms);
}

export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function addSerial(o: OrderState, serial: string): void {
  if (serial === o.lastSerial) return;
  o.lastSerial = serial;
  o.serials.add(serial);
}

export function mentionsOrderWords(payload: string): boolean {
  for (const w of ORDER_WORDS) if (payload.includes(w)) return true;
  return false;
}

export function compatible(r: RequestState, o: OrderState): boolean {
  if (r.type !== undefined && o.type !== undefined && r.type !== o.type) return false;
  if (r.workpieceType !== undefined && o.workpieceType !== undefined && r.workpieceType !== o.workpieceType) return false;
  if (r.workpieceId !== undefined && o.workpieces.size > 0 && !o.workpieces.has(r.workpieceId)) return false;
  return true;
}

/** The object's own order id: `orderId`, or a VDA 5050 error reference to one. */
export function ownOrderId(o: Record<string, unknown>): string | undefined {
  const id = orderIdValue(o.orderId);
  if (id !== undefined) return id;
  return o.referenceKey === 'orderId' ? orderIdValue(o.referenceValue) : undefined;
}

/** Non-empty strings; numbers other than 0 (the factory's "no order" placeholder) as text. */
export function orderIdValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && v !== 0 && Number.isFinite(v)) return String(v);
  return undefined;
}

export function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The colour beside a workpiece id: `type`/`workpieceType` (CCU, module orders), `loadType` (loads), `metadata.type` (NFC read). */
export function workpieceColour(kind: WorkpieceKind, from: Record<string, unknown>): string | undefined {
  switch (kind) {
    case 'workpieceId':
      return nonEmpty(from.type) ?? nonEmpty(from.workpieceType);
    case 'loadId':
      return nonEmpty(from.loadType);
    case 'nfcRead': {
      const meta = from.metadata;
      return isObject(meta) ? nonEmpty((meta as Record<string, unknown>).type) : undefined;
    }
    default:
      return undefined;
  }
}

export function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}

/** More than one load with an id: a stock list. */
export function isStockList(v: object): boolean {
  if (!Array.isArray(v)) return false;
  let n = 0;
  for (const x of v) if (isObject(x) && nonEmpty((x as Record<string, unknown>).loadId) !== undefined && ++n > 1) return true;
  return false;
}

/** Children were pushed in document order; reversed, they pop in document order. */
export function reverseFrom<T>(a: T[], start: number): void {
  for (let i = start, j = a.length - 1; i < j; i++, j--) {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

let isoMinute = Number.NaN;
let isoPrefix = '';

/**
 * ISO 8601 UTC with milliseconds (as `Date.toISOString`), or the session's text if the
 * time is unknown. The text up to the minute is cached: result() formats every
 * transition, and they come in runs within a minute.
 */
export function isoOf(ms: number, fallback: string): string {
  // Out of Date's range (an index written before such rows were refused): the text as it is.
  if (!isValidTimeMs(ms)) return fallback;
  const whole = Math.floor(ms);
  const minute = Math.floor(whole / 60_000);
  if (minute !== isoMinute) {
    const full = new Date(minute * 60_000).toISOString();
    if (full.length !== 24) return new Date(whole).toISOString(); // years beyond 9999: no shortcut
    isoPrefix = full.slice(0, 17);
    isoMinute = minute;
  }
  const inMinute = whole - minute * 60_000;
  const sec = Math.floor(inMinute / 1000);
  const milli = inMinute - sec * 1000;
  return `${isoPrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

