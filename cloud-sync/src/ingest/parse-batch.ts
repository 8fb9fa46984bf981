import { containsPan, describeIssues, EventBatchSchema } from "@tenderline/shared";
import { type Classified, classifyBatch } from "./classify-batch.ts";
import type { BatchWriter } from "./writer-scope.ts";

/** A batch body read and classified: everything about it that needs no database and no token. */
export interface ParsedBatch {
  ok: true;
  storeId: string;
  registerId: string;
  eventCount: number;
  /** Index of the first event that claims another store than the batch's (-1: none). */
  foreignIndex: number;
  classified: Classified;
}

export interface BatchRefusal {
  ok: false;
  status: 400 | 422;
  code: string;
  message: string;
}

const utf8 = new TextDecoder();

/** parseBatch of a body as received: UTF-8 bytes (a malformed sequence reads as U+FFFD, as a text body would). */
export function parseBatchBytes(body: ArrayBuffer, writer: BatchWriter = "register"): ParsedBatch | BatchRefusal {
  return parseBatch(utf8.decode(body), writer);
}

/**
 * Reads a batch body: malformed JSON or a malformed batch is refused as a whole (400), a card
 * number in its header too (422); otherwise every event is validated and classified on its own,
 * for the writer the credential says it is (a register or an order channel: writer-scope.ts).
 * Pure CPU work, so it can run on a worker thread (classify-pool.ts).
 */
export function parseBatch(text: string, writer: BatchWriter = "register"): ParsedBatch | BatchRefusal {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // The parser's message can quote the input, which may hold a card number: say only what to fix.
    return {
      ok: false,
      status: 400,
      code: "malformed_json",
      message: "the body must be a JSON object { storeId, registerId, events: [...] }",
    };
  }
  const batch = EventBatchSchema.safeParse(body);
  if (!batch.success) return { ok: false, status: 400, code: "invalid_batch", message: describeIssues(batch.error) };
  const { storeId, registerId, events } = batch.data;
  if (containsPan(storeId) || containsPan(registerId)) {
    return {
      ok: false,
      status: 422,
      code: "pan_detected",
      message: "a full card number is not allowed in storeId or registerId",
    };
  }
  const foreignIndex = events.findIndex(
    (e) => e !== null && typeof e === "object" && "storeId" in e && (e as { storeId: unknown }).storeId !== storeId,
  );
  return {
    ok: true,
    storeId,
    registerId,
    eventCount: events.length,
    foreignIndex,
    classified: classifyBatch(registerId, events, writer),
  };
}
