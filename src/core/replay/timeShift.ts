import { formatTimestamp } from '../session/timestamps';

/** DESIGN §6: the payload time fields moved to the replay's time. */
export const TIME_FIELDS: ReadonlySet<string> = new Set(['timestamp', 'ts', 'startedAt', 'stoppedAt', 'receivedAt', 'createdAt', 'updatedAt', 'finishedAt']);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Rewrites time fields anywhere in a JSON payload (nested objects and lists, such as
 * `ccu/order/active`) with `map(ms)`. ISO strings stay ISO (UTC, ms, `Z`); epoch
 * milliseconds stay numbers. Returns undefined when the payload is not JSON or has none.
 */
export function shiftPayloadTimes(text: string, map: (ms: number) => number): string | undefined {
  if (!text || (text[0] !== '{' && text[0] !== '[')) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  let changed = false;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) {
        if (TIME_FIELDS.has(k)) {
          if (typeof x === 'string' && ISO.test(x)) {
            const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(x) ? x : `${x}Z`);
            if (Number.isFinite(ms)) {
              o[k] = formatTimestamp(map(ms));
              changed = true;
            }
          } else if (typeof x === 'number' && x > 1e12 && x < 1e14) {
            o[k] = Math.round(map(x));
            changed = true;
          }
        } else walk(x);
      }
    }
  };
  walk(doc);
  return changed ? JSON.stringify(doc) : undefined;
}

/**
 * "To now" for a whole replay: the first payload time met is anchored to the moment its
 * message is sent, and every other payload time keeps its distance to it (divided by
 * the speed). Payload clocks need not agree with the recorder's clock (the old recorder
 * wrote local time without a zone): only payload times are compared with each other.
 */
export class PayloadTimeShifter {
  private anchor: { payloadMs: number; wallMs: number } | undefined;

  constructor(private readonly speed = 1) {}

  /** The payload with its times moved, or undefined when it has none. */
  shift(text: string, sendWallMs: number): string | undefined {
    return shiftPayloadTimes(text, (ms) => {
      this.anchor ??= { payloadMs: ms, wallMs: sendWallMs };
      return this.anchor.wallMs + (ms - this.anchor.payloadMs) / this.speed;
    });
  }
}
