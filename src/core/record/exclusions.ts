import { topicMatches } from '../mqtt/topicFilter';

export type ExclusionPreset = 'none' | 'no_cam' | 'analysis';

/** DESIGN §5: `no_cam` drops the camera; `analysis` also drops the sensor topics. */
export const EXCLUSION_PRESETS: Record<ExclusionPreset, readonly string[]> = {
  none: [],
  no_cam: ['/j1/txt/1/i/cam'],
  analysis: ['/j1/txt/1/i/cam', '/j1/txt/1/i/bme680', '/j1/txt/1/i/ldr', 'osf/arduino/#'],
};

/** Exclusion filters → a fast predicate (exact topics in a set, wildcards matched). */
export function exclusionMatcher(filters: readonly string[]): (topic: string) => boolean {
  const exact = new Set(filters.filter((f) => !f.includes('+') && !f.includes('#')));
  const wild = filters.filter((f) => f.includes('+') || f.includes('#'));
  if (exact.size === 0 && wild.length === 0) return () => false;
  return (topic) => exact.has(topic) || wild.some((f) => topicMatches(f, topic));
}
