import { z } from "zod";

/** `GET /v1/replication/log` (peer regions only). One record of a region's log as peers pull it: the stored bytes and what they are about. */
export const LogRecordSchema = z.object({
  pos: z.number().int().positive(),
  recordId: z.string().uuid(),
  kind: z.enum(["event", "tender_result"]),
  originRegion: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  body: z.string().min(2),
  storeId: z.string().min(1),
  registerId: z.string().nullable(),
  seq: z.number().int().positive().nullable(),
  eventType: z.string().nullable(),
  subjectEventId: z.string().uuid().nullable(),
  tenderId: z.string().nullable(),
});
export type LogRecord = z.infer<typeof LogRecordSchema>;

export const LogPageSchema = z.object({
  region: z.string(),
  records: z.array(LogRecordSchema),
  /** Continue after this position; it also covers records left out (those that came from the puller itself). */
  nextCursor: z.number().int().nonnegative(),
  /** The highest position in this region's log right now. */
  head: z.number().int().nonnegative(),
  /** When the first record after nextCursor was ingested here (null when nothing is left). */
  pendingSince: z.string().nullable(),
  /** This region's contiguousSeq for every register seen in the scanned range. */
  watermarks: z.array(z.object({ storeId: z.string(), registerId: z.string(), contiguousSeq: z.number().int().nonnegative() })),
  /** The log's epoch: positions are comparable only within one (it changes when the log was rewound). */
  epoch: z.string().optional(),
  /** The id of the record at nextCursor, sent back as `afterRecord` so a rewound log is found out. */
  cursorRecord: z.string().nullable().optional(),
});

/**
 * 409 `log_epoch_changed`: the puller's cursor belongs to an earlier history of this log (it was
 * restored or lost its tail). Re-scan from 0 under `epoch`: applying is idempotent.
 */
export const LogEpochChangedSchema = z.object({ epoch: z.string(), startsAfter: z.number().int().nonnegative() });
export type LogEpochChanged = z.infer<typeof LogEpochChangedSchema>;

/** `GET /v1/replication/cursor` (peer regions): the caller's log as this region has read it. */
export const PeerCursorSchema = z.object({
  region: z.string(),
  peer: z.string(),
  epoch: z.string().nullable(),
  cursor: z.number().int().nonnegative(),
  cursorRecord: z.string().nullable(),
});
export type PeerCursor = z.infer<typeof PeerCursorSchema>;
export type LogPage = z.infer<typeof LogPageSchema>;
