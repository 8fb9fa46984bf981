import {
  canonicalJson,
  containsPan,
  describeIssues,
  type EventResult,
  hasPanIssue,
  sha256Hex,
  type TenderEvent,
} from "@tenderline/shared";
import { RegionEventSchema } from "./event-schema.ts";

/** An event that passed validation and may be new: stored unless the database already holds its id or seq. */
export interface Candidate {
  index: number;
  eventId: string;
  event: TenderEvent;
  /** Canonical JSON of the validated event: what is stored and hashed. */
  body: string;
  hash: string;
}

/** The shared result plus the event's position in the batch and, when refused outright, HTTP semantics. */
export interface IngestResult extends EventResult {
  index: number;
  /** 422 for an event refused for what it contains (a card number): retrying it can never succeed. */
  httpStatus?: number;
}

export interface Classified {
  /** One slot per event of the batch; filled for events already decided (rejected, in-batch duplicate). */
  results: Array<IngestResult | undefined>;
  candidates: Candidate[];
}

function rawEventId(raw: unknown): string {
  if (raw !== null && typeof raw === "object" && "eventId" in raw && typeof raw.eventId === "string") {
    return raw.eventId.slice(0, 64);
  }
  return "";
}

/**
 * Validates each event on its own (one bad event does not sink the batch) and settles what can be
 * settled without the database: invalid events, card numbers, events of another register, and
 * repeats inside the batch (same id: duplicate or conflict by content hash; same seq, other id: conflict).
 */
export function classifyBatch(registerId: string, events: readonly unknown[]): Classified {
  const results: Array<IngestResult | undefined> = new Array(events.length);
  const candidates: Candidate[] = [];
  const hashById = new Map<string, string>();
  const idBySeq = new Map<number, string>();

  events.forEach((raw, index) => {
    const parsed = RegionEventSchema.safeParse(raw);
    const eventId = parsed.success ? parsed.data.eventId : rawEventId(raw);
    if (!parsed.success) {
      const pan = hasPanIssue(parsed.error);
      results[index] = {
        index,
        eventId: containsPan(eventId) ? "" : eventId,
        status: "rejected",
        reason: pan ? "pan_detected" : "invalid",
        // describeIssues names fields and rules, never input values, so no card digits leak here.
        detail: describeIssues(parsed.error),
        ...(pan ? { httpStatus: 422 } : {}),
      };
      return;
    }
    const event = parsed.data;
    if (event.registerId !== registerId) {
      results[index] = {
        index,
        eventId,
        status: "rejected",
        reason: "wrong_register",
        detail: `event belongs to register ${event.registerId} but the batch is for register ${registerId}; send it in that register's batch`,
      };
      return;
    }
    const body = canonicalJson(event);
    const hash = sha256Hex(body);
    const seenHash = hashById.get(eventId);
    if (seenHash !== undefined) {
      results[index] =
        seenHash === hash
          ? { index, eventId, status: "duplicate" }
          : {
              index,
              eventId,
              status: "rejected",
              reason: "conflict",
              detail: "this eventId appears earlier in the batch with different content",
            };
      return;
    }
    const seqOwner = idBySeq.get(event.seq);
    if (seqOwner !== undefined) {
      results[index] = {
        index,
        eventId,
        status: "rejected",
        reason: "seq_conflict",
        detail: `seq ${event.seq} is already used in this batch by event ${seqOwner}`,
      };
      return;
    }
    hashById.set(eventId, hash);
    idBySeq.set(event.seq, eventId);
    candidates.push({ index, eventId, event, body, hash });
  });
  return { results, candidates };
}
