import { z } from "zod";

/** Every refusal and failure of every service (region, agent, processor simulator) answers this body, whatever the status. */
export const ErrorBodySchema = z.object({
  /** A stable code for programs: `unauthorized`, `invalid_query`, `wrong_store`, `not_found`, `internal` … */
  error: z.string(),
  /** A sentence for people; it never repeats what was sent, and card numbers in it are masked. */
  message: z.string(),
  /** The fields to fix, one per problem, when the request failed validation. */
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  /** Facts about the refusal a program may act on (`requested`, `returnable`, `retryAfterMs` …). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
