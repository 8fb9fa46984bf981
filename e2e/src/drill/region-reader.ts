/** Reads what a region holds, for the drill's checks: its whole feed, digest, register status, metrics. */
import { FeedItemSchema, RegionApiError, RegionClient } from "@tenderline/shared";
import { z } from "zod";

/** The feed's reads are long under the drill's load: a page may take a while. */
const READ_TIMEOUT_MS = 60_000;

/** The feed leaves an event as the register sent it: the drill reads the envelope's fields. */
const FeedEventSchema = z.looseObject({
  eventId: z.string(),
  storeId: z.string(),
  registerId: z.string(),
  seq: z.number().int(),
  type: z.string(),
  occurredAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
});

/** An event's `{ state, tenders }`, or a tender result (kind `tender_result`) with its own fields. */
const FeedReconciliationSchema = z
  .looseObject({
    state: z.string().optional(),
    tenders: z.array(z.looseObject({ tenderId: z.string(), state: z.string() })).optional(),
  })
  .nullable();

const FeedEventItemSchema = FeedItemSchema.extend({
  event: FeedEventSchema.nullable(),
  reconciliation: FeedReconciliationSchema,
});
export type FeedEventItem = z.infer<typeof FeedEventItemSchema>;

export async function readWholeFeed(baseUrl: string, token: string): Promise<FeedEventItem[]> {
  const items = await new RegionClient(baseUrl, token, { timeoutMs: READ_TIMEOUT_MS }).wholeFeed({ limit: 1000 });
  return items.map((item, i) => {
    const parsed = FeedEventItemSchema.safeParse(item);
    if (!parsed.success) {
      throw new Error(`GET ${baseUrl}/v1/feed: item ${i} (${item.cursor}) is not an event as sent: ${parsed.error.message}`);
    }
    return parsed.data;
  });
}

/** The digest's bytes: two converged regions answer the same. */
export function readDigest(baseUrl: string, token: string): Promise<string> {
  return new RegionClient(baseUrl, token, { timeoutMs: READ_TIMEOUT_MS }).digestText();
}

export async function readRegister(
  baseUrl: string,
  token: string,
  storeId: string,
  registerId: string,
): Promise<{ contiguousSeq: number; gaps: Array<{ from: number; to: number }> }> {
  const status = await new RegionClient(baseUrl, token, { timeoutMs: READ_TIMEOUT_MS }).registerStatus(storeId, registerId);
  // A register that never reached this region has nothing here: seq 0, which the check reports.
  return status ?? { contiguousSeq: 0, gaps: [] };
}

/** Events a region has accepted so far (its ingest counter), or undefined when it does not answer. */
export async function acceptedCount(baseUrl: string, adminToken: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await new RegionClient(baseUrl, adminToken, { timeoutMs: 800 }).metrics();
  } catch (error) {
    if (error instanceof RegionApiError) return undefined; // a dead region is part of the drill
    throw error;
  }
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("tenderline_ingest_events_total{") && line.includes('outcome="accepted"')) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** The over_refund exception's detail, as far as the drill reads it. */
const OverRefundDetailSchema = z.looseObject({
  originalTransactionId: z.string(),
  overdrawnTenders: z.array(z.looseObject({ tenderId: z.string() })),
});

/** The tenders a region raised over_refund for: original transaction id -> its overdrawn tender ids. */
export async function readOverRefunds(baseUrl: string, adminToken: string): Promise<Map<string, Set<string>>> {
  const list = await new RegionClient(baseUrl, adminToken, { timeoutMs: READ_TIMEOUT_MS }).exceptions({
    kind: "over_refund",
    limit: 1000,
  });
  const raised = new Map<string, Set<string>>();
  for (const item of list.items) {
    const detail = OverRefundDetailSchema.parse(item.detail);
    raised.set(detail.originalTransactionId, new Set(detail.overdrawnTenders.map((t) => t.tenderId)));
  }
  return raised;
}
