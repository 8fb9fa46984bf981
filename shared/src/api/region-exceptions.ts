import { z } from "zod";

/** A problem the region found (a decline, a conflict, a gap, a silent store …), one per key. */
export const ExceptionItemSchema = z.object({
  key: z.string(),
  kind: z.string(),
  storeId: z.string().nullable(),
  subject: z.string(),
  /** One readable sentence (the manager screen shows it). */
  message: z.string(),
  detail: z.record(z.string(), z.unknown()),
  raisedAt: z.string(),
  updatedAt: z.string(),
  occurrences: z.number().int().positive(),
  /** When the rules stopped finding it (condition kinds only); null while open. */
  resolvedAt: z.string().nullable(),
});
export type ExceptionItem = z.infer<typeof ExceptionItemSchema>;

/** `GET /v1/exceptions?state=&kind=&storeId=&minAgeSeconds=&maxAgeSeconds=&limit=`. */
export const ExceptionListSchema = z.object({
  region: z.string(),
  items: z.array(ExceptionItemSchema),
});
export type ExceptionList = z.infer<typeof ExceptionListSchema>;
