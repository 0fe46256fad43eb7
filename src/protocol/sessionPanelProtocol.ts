/**
 * Messages between the session panel (webview/sessionPanel) and the extension
 * (src/extension/panels/sessionPanel.ts). Shared by both sides; the extension validates
 * what the webview sends with `sessionPanelRequestSchema` (the webview is outside).
 */
import { z } from 'zod';
import type { MessageDetail, MessagePage } from '../core/analysis/messageBrowser';
import type { CategoryStats } from '../core/analysis/sessionStats';
import type { Timeline } from '../core/analysis/timeline';

export { SESSION_PANEL_VIEW_TYPE } from './panelViewTypes';

export interface PanelTopic {
  topic: string;
  category: string;
  subcategory: string;
  count: number;
  prefiltered?: string;
}

/** What the panel keeps across reloads (webview state, and the serializer's argument). */
export interface SessionPanelState {
  sessionPath: string;
  fromMs?: number;
  toMs?: number;
  hiddenCategories: string[];
  showPrefiltered: boolean;
  selectedId?: number;
  /** Opened on one topic (the Sessions view's topic): only its lane shows until "Show all topics". */
  onlyTopic?: string;
}

/** Where the panel opens: a topic's lane, or one message (a search hit) listed and shown. */
export interface SessionPanelFocus {
  topic?: string;
  message?: { id: number; tsMs: number; topic: string };
}

export type SessionPanelEvent =
  | {
      type: 'init';
      name: string;
      stats: { messages: number; topics: number; start?: string; end?: string; startMs?: number; endMs?: number; durationSec: number; bytes: number };
      categories: CategoryStats[];
      topics: PanelTopic[];
      state: SessionPanelState;
      /** False in an untrusted workspace: Replay Selection… is disabled, with the reason. */
      trusted: boolean;
    }
  | { type: 'focus'; focus: SessionPanelFocus }
  | { type: 'trust'; trusted: boolean }
  | { type: 'timeline'; requestId: number; timeline: Timeline; elapsedMs: number }
  | { type: 'messages'; requestId: number; page: MessagePage }
  | { type: 'detail'; requestId: number; detail?: MessageDetail }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

const range = { fromMs: z.number().finite().optional(), toMs: z.number().finite().optional() };
const topics = z.array(z.string().max(65_535)).max(10_000);

export const sessionPanelRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('timeline'), requestId: z.number().int(), ...range, topics, bins: z.number().int().min(1).max(2000) }),
  z.object({ type: z.literal('messages'), requestId: z.number().int(), ...range, topics, offset: z.number().int().min(0), limit: z.number().int().min(1).max(500) }),
  z.object({ type: z.literal('detail'), requestId: z.number().int(), id: z.number().int().min(1) }),
  z.object({ type: z.literal('saveTestTopic'), id: z.number().int().min(1) }),
  z.object({ type: z.literal('exportSelection'), ...range, topics }),
  z.object({ type: z.literal('replaySelection'), ...range, topics }),
  z.object({
    type: z.literal('state'),
    state: z.object({
      sessionPath: z.string(),
      ...range,
      hiddenCategories: z.array(z.string()).max(1000),
      showPrefiltered: z.boolean(),
      selectedId: z.number().int().optional(),
      onlyTopic: z.string().max(65_535).optional(),
    }),
  }),
]);

export type SessionPanelRequest = z.output<typeof sessionPanelRequestSchema>;
