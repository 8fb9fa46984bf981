import { z } from "zod";
import { QueueStatusSchema } from "./agent-queue.ts";

/**
 * The fleet runner (edge-agent/src/fleet): many registers' agent cores in one process, for scale
 * drills. Its own endpoints, beside each register's API under /r/{registerId}/.
 */

/** GET /fleet/queues: every register's GET /api/v1/queue answer, keyed by registerId, in one response. */
export const FleetQueuesSchema = z.object({
  /** When the statuses were read (ISO 8601). */
  at: z.string(),
  registers: z.record(z.string(), QueueStatusSchema),
});
export type FleetQueues = z.infer<typeof FleetQueuesSchema>;

/** GET /fleet/memory: what the fleet process holds, and its share per register. */
export const FleetMemorySchema = z.object({
  registers: z.number().int().nonnegative(),
  rssBytes: z.number().int().nonnegative(),
  heapUsedBytes: z.number().int().nonnegative(),
  /** rssBytes / registers: the process's whole footprint (its baseline included), the figure a memory budget per register is held to; 0 with no registers. */
  perRegisterBytes: z.number().int().nonnegative(),
  /** RSS before the first register started: Node, the modules, the server. */
  baselineRssBytes: z.number().int().nonnegative(),
});
export type FleetMemory = z.infer<typeof FleetMemorySchema>;
