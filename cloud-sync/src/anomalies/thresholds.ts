import { z } from "zod";

/** Anomaly thresholds; configuration may give any subset (the rest keep these defaults). */
export const AnomalyThresholdsSchema = z.object({
  /** Conflicts (same eventId other content, or a reused seq) from one store within the window. */
  conflicts: z.number().int().positive().default(1),
  conflictWindowMinutes: z.number().positive().default(60),
  /** Duplicates from one store within the window: a register replaying in a loop. */
  duplicateStorm: z.number().int().positive().default(10_000),
  duplicateWindowMinutes: z.number().positive().default(10),
  /** A register's gap open for longer than this. */
  gapMaxAgeMinutes: z.number().positive().default(15),
  /** Nothing from any register of a store (directly or through a peer) for this long. */
  storeSilentMinutes: z.number().positive().default(60),
  /** Share of offline card tenders the processor declined, over the window, given enough of them. */
  declineRate: z.number().min(0).max(1).default(0.2),
  declineMinSample: z.number().int().positive().default(5),
  declineWindowMinutes: z
    .number()
    .positive()
    .default(24 * 60),
  /** A peer's unpulled records older than this. */
  replicationLagSeconds: z.number().positive().default(300),
});
export type AnomalyThresholds = z.infer<typeof AnomalyThresholdsSchema>;
