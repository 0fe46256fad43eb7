/** How the orders panel writes ids, times and durations (times are UTC, as the session stores them). */

/** The first 8 characters of an order id: enough to tell ORBIS's UUIDs apart at a glance. */
export const shortId = (id: string): string => (id.length > 8 ? id.slice(0, 8) : id);

/** `2026-08-07T09:28:24.808Z` → `09:28:24.808`; anything else is shown as it is. */
export function timeOfDay(iso: string): string {
  const m = /T(\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(iso);
  return m ? m[1] : iso;
}

/** `2026-08-07T…` → `2026-08-07`. */
export const dateOf = (iso: string): string => iso.slice(0, 10);

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${min} min ${s} s` : `${min} min`;
}

/** `+1.234 s` from the order's start. */
export const offset = (ms: number): string => `+${(ms / 1000).toFixed(3)} s`;
