import { z } from "zod";
import { AgentSyncStatusSchema } from "./agent-sync-status.ts";

/** An event the regions refused for good, kept on the register until a manager retries it. */
export const DeadLetterSchema = z.object({
  seq: z.number().int().positive(),
  eventId: z.string(),
  type: z.string(),
  reason: z.string(),
  attempts: z.number().int().nonnegative(),
  recordedAt: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** What the register's outbox itself knows about the queue. */
export const LocalQueueStatusSchema = z.object({
  lastSeq: z.number().int().nonnegative(),
  counts: z.object({
    pending: z.number().int().nonnegative(),
    acked: z.number().int().nonnegative(),
    dead: z.number().int().nonnegative(),
    unreplicated: z.number().int().nonnegative(),
  }),
  byType: z.array(z.object({ type: z.string(), state: z.string(), count: z.number().int().nonnegative() })),
  oldestPendingAgeMs: z.number().nonnegative().nullable(),
  oldestPendingSeq: z.number().int().positive().nullable(),
  deadLetters: z.array(DeadLetterSchema),
  offlineCards: z.array(
    z.object({
      currency: z.string(),
      outstanding: z.number().int(),
      count: z.number().int().nonnegative(),
      oldestAgeMs: z.number().nullable(),
    }),
  ),
  cloudGaps: z.array(z.object({ region: z.string(), from: z.number().int(), to: z.number().int(), reportedAt: z.string() })),
});
export type LocalQueueStatus = z.infer<typeof LocalQueueStatusSchema>;

/** GET /api/v1/queue: the outbox's view plus the sync engine's (`sync`, null when sync is off). */
export const QueueStatusSchema = LocalQueueStatusSchema.extend({ sync: AgentSyncStatusSchema });
export type QueueStatus = z.infer<typeof QueueStatusSchema>;

/** POST /screens/api/dead-letters/{seq}/retry (a manager): the dead letter is pending again. */
export const DeadLetterRetriedSchema = z.object({ retried: z.number().int().positive() });
export type DeadLetterRetried = z.infer<typeof DeadLetterRetriedSchema>;
