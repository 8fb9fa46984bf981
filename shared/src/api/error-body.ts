import { z } from "zod";

/** Every refusal and failure of a region (and of its routes) answers this body, whatever the status. */
export const ErrorBodySchema = z.object({
  /** A stable code for programs: `unauthorized`, `invalid_query`, `wrong_store`, `not_found`, `internal` … */
  error: z.string(),
  /** A sentence for people; it never repeats what was sent, and card numbers in it are masked. */
  message: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
