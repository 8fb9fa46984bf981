import { z } from "zod";

/** One register's events as a region holds them: a count and a hash, nothing region-specific. */
export const RegisterDigestSchema = z.object({
  storeId: z.string(),
  registerId: z.string(),
  count: z.number().int().nonnegative(),
  /** SHA-256 over the content hashes of the register's events in seq order. */
  hash: z.string(),
});
export type RegisterDigest = z.infer<typeof RegisterDigestSchema>;

/**
 * `GET /v1/digest`: two regions holding the same events and results answer the same bytes. A
 * store's or register's credential sees its own store's registers only, without tenderResults.
 */
export const DigestSchema = z.object({
  registers: z.array(RegisterDigestSchema),
  tenderResults: z.object({ count: z.number().int().nonnegative(), hash: z.string() }).optional(),
});
export type DigestResponse = z.infer<typeof DigestSchema>;
