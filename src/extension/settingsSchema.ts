import { z } from 'zod';

/** The settings of DESIGN §3, validated at the edge: a wrong value falls back to its default. */
export function buildSettingsSchema() {
  return z.object({
    sessionFolders: z.array(z.string()).catch(['data/omf-data/sessions', 'data/osf-data/sessions', 'sessions']),
    testTopicFolders: z.array(z.string()).catch(['data/omf-data/test_topics', 'data/osf-data/test_topics']),
    liveSessionFolders: z.array(z.string()).catch(['reports/experiments/live_sessions']),
    logFolder: z.string().catch('logs'),
    naiveTimestamps: z.enum(['utc', 'local']).catch('utc'),
    recordPreset: z.enum(['none', 'no_cam', 'analysis']).catch('none'),
    brokers: z.array(z.unknown()).catch([]),
  });
}

export type SettingsSchema = ReturnType<typeof buildSettingsSchema>;
