import { EXCLUSION_PRESETS, exclusionMatcher } from '../record/exclusions';

export interface TopicCategory {
  category: string;
  /** The topic's last segment: state, order, connection, factsheet, instantAction, ... */
  subcategory: string;
}

/** DESIGN §7: `ccu/` CCU, `fts/` FTS, `module/` Module, `/j1/txt/` TXT, else the first segment in capitals. */
export function categorizeTopic(topic: string): TopicCategory {
  const segments = topic.split('/');
  const subcategory = segments[segments.length - 1] || '(empty)';
  if (topic.startsWith('ccu/')) return { category: 'CCU', subcategory };
  if (topic.startsWith('fts/')) return { category: 'FTS', subcategory };
  if (topic.startsWith('module/')) return { category: 'Module', subcategory };
  if (topic.startsWith('/j1/txt/')) return { category: 'TXT', subcategory };
  const first = segments.find((s) => s !== '');
  return { category: first ? first.toUpperCase() : '(empty)', subcategory };
}

const CAMERA = EXCLUSION_PRESETS.no_cam;
const SENSORS = EXCLUSION_PRESETS.analysis.filter((f) => !CAMERA.includes(f));
const isCamera = exclusionMatcher(CAMERA);
const isSensor = exclusionMatcher(SENSORS);

/**
 * Why a topic is hidden by default in analysis views (camera, sensors, pairing,
 * connection and factsheet topics: many messages, little about the production), or
 * undefined when it is shown. The views can show them again.
 */
export function prefilterReason(topic: string): 'camera' | 'sensors' | 'pairing' | 'connection' | 'factsheet' | undefined {
  if (isCamera(topic)) return 'camera';
  if (isSensor(topic)) return 'sensors';
  if (topic.startsWith('ccu/pairing/')) return 'pairing';
  const last = topic.slice(topic.lastIndexOf('/') + 1);
  if (last === 'connection') return 'connection';
  if (last === 'factsheet') return 'factsheet';
  return undefined;
}
