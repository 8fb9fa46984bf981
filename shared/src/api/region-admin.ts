import { z } from "zod";

const count = z.number().int().nonnegative();

/** One peer's pull in a replication round. */
export const PullSummarySchema = z.object({
  peer: z.string(),
  pages: count,
  accepted: count,
  duplicate: count,
  rejected: count,
  /** Times the peer said its log was rewound (a new epoch) and it was re-scanned from 0. */
  rescans: count.optional(),
  error: z.string().optional(),
  /** The peer's credential records (revocations, rotations) pulled in the same round. */
  credentials: z.object({ peer: z.string(), changed: count, error: z.string().optional() }).optional(),
});
export type PullSummary = z.infer<typeof PullSummarySchema>;

/** `POST /v1/admin/replicate`: pull every peer now. */
export const ReplicateResponseSchema = z.object({ region: z.string(), peers: z.array(PullSummarySchema) });
export type ReplicateResponse = z.infer<typeof ReplicateResponseSchema>;

/** `POST /v1/admin/jobs`: run the background jobs once now. */
export const JobsResponseSchema = z.object({
  region: z.string(),
  indexed: count,
  /** Null when the region has no processor to reconcile with. */
  reconcile: z
    .object({
      claimed: count,
      results: z.record(z.string(), count),
      retried: count,
      error: z.string().optional(),
    })
    .nullable(),
  refunds: z.object({ checked: count, overRefunds: count }),
  anomalies: count,
});
export type JobsResponse = z.infer<typeof JobsResponseSchema>;
