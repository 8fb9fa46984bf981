import { ServiceError } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyBatch } from "../ingest/classify-batch.ts";
import { ingestBatch } from "../ingest/ingest-batch.ts";
import type { Database } from "../storage/database.ts";
import { saleEvent } from "../testing/events.ts";
import { type TestStore, testStore } from "../testing/test-databases.ts";
import { listEpochs } from "./log-epochs.ts";
import { readLogPage } from "./log-page.ts";

describe("a peer's cursor into this log", () => {
  let store: TestStore;
  let db: Database;
  beforeAll(async () => {
    store = await testStore("pglite", "log_page");
    db = await store.open();
    const events = [1, 2, 3].map((seq) => saleEvent({ registerId: "r1", seq, occurredAt: new Date().toISOString() }));
    await ingestBatch(db, "A", { storeId: "s1", registerId: "r1", events: [], classified: classifyBatch("r1", events) });
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (error: unknown) => error as ServiceError,
    );

  it("goes on from a cursor that names the record at its position, and says which record ends the page", async () => {
    const first = await readLogPage(db, "A", "B", 0, 2);
    expect(first.records).toHaveLength(2);
    expect(first.cursorRecord).toBe(first.records[1]?.recordId);
    const next = await readLogPage(db, "A", "B", first.nextCursor, 10, {
      epoch: first.epoch,
      afterRecord: first.cursorRecord ?? "",
    });
    expect(next.records).toHaveLength(1);
  });

  it("found to name another record while running: a new epoch from the last start known to be shared, and the peer is told", async () => {
    const page = await readLogPage(db, "A", "B", 0, 10);
    const error = await refusal(
      readLogPage(db, "A", "B", page.nextCursor, 10, { epoch: page.epoch, afterRecord: "00000000-0000-7000-8000-000000000000" }),
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect(error?.status).toBe(409);
    expect(error?.code).toBe("log_epoch_changed");
    const epochs = await listEpochs(db);
    expect(epochs).toHaveLength(2);
    // Writes may have reused positions since the rewind: only the previous epoch's start is shared.
    expect(epochs[1]).toMatchObject({
      startsAfter: 0,
      reason: expect.stringMatching(/peer B had read this log up to position 3/),
    });
    // A cursor of the old epoch past the shared start is told the new epoch; one of the new epoch reads on.
    const old = await refusal(readLogPage(db, "A", "B", 2, 10, { epoch: page.epoch }));
    expect(old?.code).toBe("log_epoch_changed");
    expect((await readLogPage(db, "A", "B", 0, 10, { epoch: epochs[1]?.epoch })).records).toHaveLength(3);
  });
});
