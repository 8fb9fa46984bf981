import { z } from "zod";

/** POST /api/v1/sync/pause and /resume (a manager): whether sync is now paused, and which manager said so. */
export const SyncPausedSchema = z.object({ paused: z.boolean(), by: z.string() });
export type SyncPaused = z.infer<typeof SyncPausedSchema>;

/** POST /api/v1/sync/now (a manager): a round of sync is asked for (it also lifts a pause). */
export const SyncNowSchema = z.object({ requested: z.literal(true), by: z.string() });
export type SyncNow = z.infer<typeof SyncNowSchema>;

/** GET /api/v1/health. */
export const AgentHealthSchema = z.object({ status: z.literal("ok") });
export type AgentHealth = z.infer<typeof AgentHealthSchema>;
