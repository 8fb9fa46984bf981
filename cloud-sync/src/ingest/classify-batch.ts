import { checkEventArithmetic, containsPan, describeIssues, type EventResult, type TenderEvent } from "@tenderline/shared";
import { checkEvent } from "./event-schema.ts";
import { type BatchWriter, typeRefusal } from "./writer-scope.ts";

/** An event that passed validation and may be new: stored unless the database already holds its id or seq. */
export interface Candidate {
  index: number;
  eventId: string;
  /** What the region needs of the validated event (small enough to pass between threads). */
  event: Pick<TenderEvent, "eventId" | "storeId" | "registerId" | "seq" | "type">;
  /** Canonical JSON of the event as received: what is stored and hashed. */
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
 * settled without the database: invalid events, card numbers, event types the writer may not
 * record (writer-scope.ts), money that does not add up, events of another register, and
 * repeats inside the batch (same id: duplicate or conflict by content hash; same seq, other id: conflict).
 */
export function classifyBatch(registerId: string, events: readonly unknown[], writer: BatchWriter = "register"): Classified {
  const results: Array<IngestResult | undefined> = new Array(events.length);
  const candidates: Candidate[] = [];
  const hashById = new Map<string, string>();
  const idBySeq = new Map<number, string>();

  events.forEach((raw, index) => {
    const checked = checkEvent(raw);
    const eventId = checked.ok ? checked.event.eventId : rawEventId(raw);
    if (!checked.ok) {
      const pan = checked.pan;
      results[index] = {
        index,
        eventId: containsPan(eventId) ? "" : eventId,
        status: "rejected",
        reason: pan ? "pan_detected" : "invalid",
        // describeIssues names fields and rules, never input values, so no card digits leak here.
        detail: describeIssues(checked.error),
        ...(pan ? { httpStatus: 422 } : {}),
      };
      return;
    }
    const { event, body, hash } = checked;
    // Before anything else about it: an event of a type this writer may not record is never stored.
    const refusal = typeRefusal(writer, event.type);
    if (refusal) {
      results[index] = { index, eventId, status: "rejected", ...refusal };
      return;
    }
    // The register (or the order channel) computes these figures; the cloud does not take them on its word.
    const arithmetic = checkEventArithmetic(event);
    if (arithmetic) {
      results[index] = {
        index,
        eventId,
        status: "rejected",
        reason: arithmetic.reason,
        detail: arithmetic.detail,
        httpStatus: 422,
      };
      return;
    }
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
    candidates.push({
      index,
      eventId,
      event: { eventId, storeId: event.storeId, registerId: event.registerId, seq: event.seq, type: event.type },
      body,
      hash,
    });
  });
  return { results, candidates };
}
