import { canonicalJson, sha256Hex } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listExceptions } from "../exceptions/exception-store.ts";
import type { Database } from "../storage/database.ts";
import { saleEvent } from "../testing/events.ts";
import { type TestStore, testStore } from "../testing/test-databases.ts";
import { applyPage } from "./apply-page.ts";
import type { LogPage } from "./log-page.ts";

function record(pos: number, event: ReturnType<typeof saleEvent>): LogPage["records"][number] {
  const body = canonicalJson(event);
  return {
    pos,
    recordId: event.eventId,
    kind: "event",
    originRegion: "B",
    hash: sha256Hex(body),
    body,
    storeId: event.storeId,
    registerId: event.registerId,
    seq: event.seq,
    eventType: event.type,
    subjectEventId: null,
    tenderId: null,
  };
}

describe("applying a page pulled from a peer", () => {
  let store: TestStore;
  let db: Database;
  beforeAll(async () => {
    store = await testStore("pglite", "apply-page");
    db = await store.open();
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it("checks a peer's records like any input: one holding a card number is not stored and is raised, the rest are", async () => {
    const clean = saleEvent({ registerId: "r-peer", seq: 1 });
    const tainted = saleEvent({ registerId: "r-peer", seq: 2 }) as ReturnType<typeof saleEvent> & { payload: { note?: string } };
    tainted.payload.note = "٤١١١ ١١١١ ١١١١ ١١١١";
    const page: LogPage = {
      region: "B",
      records: [record(1, clean), record(2, tainted)],
      nextCursor: 2,
      head: 2,
      pendingSince: null,
      watermarks: [],
    };
    expect(await applyPage(db, "B", page)).toEqual({ accepted: 1, duplicate: 0, rejected: 1 });
    const stored = await db.query<{ record_id: string }>("SELECT record_id FROM records WHERE register_id = 'r-peer'");
    expect(stored.map((r) => r.record_id)).toEqual([clean.eventId]);
    const raised = await listExceptions(db, { limit: 10, state: "open", kind: "replication_conflict" });
    expect(raised.map((e) => [e.subject, (e.detail as { reason: string }).reason])).toEqual([[tainted.eventId, "pan_detected"]]);
  });
});
