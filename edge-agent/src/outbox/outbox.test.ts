import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../storage/database.ts";
import { sampleSale, tempDir, testAgent } from "../testing/fixtures.ts";
import { KEPT_SYNC_ALERTS, Outbox } from "./outbox.ts";

describe("outbox: what the sync engine uses", () => {
  let agent: ReturnType<typeof testAgent>;
  beforeEach(() => {
    agent = testAgent();
    for (let i = 0; i < 6; i++) agent.service.recordSale(sampleSale());
  });
  afterEach(() => agent.done());

  it("gives pending rows in seq order, cut by count and bytes (always at least one)", () => {
    expect(agent.outbox.pendingBatch(4, 1 << 20).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    const one = agent.outbox.pendingBatch(10, 1 << 20)[0]?.bytes as number;
    expect(agent.outbox.pendingBatch(10, one * 2 + 1).map((r) => r.seq)).toEqual([1, 2]);
    expect(agent.outbox.pendingBatch(10, 1).map((r) => r.seq)).toEqual([1]);
    expect(agent.outbox.pendingBatch(10, 1 << 20, 4).map((r) => r.seq)).toEqual([5, 6]);
    const row = agent.outbox.pendingBatch(1, 1 << 20)[0];
    expect(JSON.parse(row?.body as string)).toMatchObject({
      seq: 1,
      eventId: row?.eventId,
      storeId: "store-1",
      registerId: "reg-1",
    });
  });

  it("acks, dead letters, failures, replication and gaps move rows between states", () => {
    agent.outbox.markAcked([1, 2, 3], "A", 1000);
    agent.outbox.markDead([{ seq: 4, reason: "rejected: invalid" }]);
    agent.outbox.recordFailure([5, 6], "timeout", 5000);
    expect(agent.outbox.pendingBatch(10, 1 << 20).map((r) => r.seq)).toEqual([5, 6]);
    expect(agent.outbox.ackedUnreplicated(10, 1 << 20).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(agent.outbox.markReplicatedUpTo(2)).toBe(2);
    expect(agent.outbox.ackedUnreplicated(10, 1 << 20).map((r) => r.seq)).toEqual([3]);
    // A dead letter is not resent for a gap; acked rows are.
    expect(agent.outbox.rowsInRange(3, 5, 10).map((r) => r.seq)).toEqual([3, 5]);
    // An ack for a row already acked by another region records the newer region.
    agent.outbox.markAcked([3], "B", 2000);
    expect(agent.db.prepare("SELECT acked_region AS r FROM outbox WHERE seq = 3").get()).toEqual({ r: "B" });
    agent.outbox.setCloudGaps("B", [{ from: 5, to: 6 }]);

    const q = agent.queue.read();
    expect(q.counts).toEqual({ pending: 2, acked: 3, dead: 1, unreplicated: 1 });
    expect(q.deadLetters).toMatchObject([{ seq: 4, reason: "rejected: invalid" }]);
    expect(q.oldestPendingSeq).toBe(5);
    expect(q.cloudGaps).toMatchObject([{ region: "B", from: 5, to: 6 }]);
    expect(agent.db.prepare("SELECT attempts, last_error AS e FROM outbox WHERE seq = 5").get()).toEqual({
      attempts: 1,
      e: "timeout",
    });
  });

  it("append outside a transaction is refused", () => {
    expect(() => agent.outbox.append({ type: "sale.completed", occurredAt: new Date().toISOString(), payload: {} })).toThrowError(
      /inside Outbox.transaction/,
    );
  });

  it("puts a dead letter back in the queue as recorded, and wakes the sync engine", () => {
    let wakes = 0;
    agent.outbox.onCommit(() => wakes++);
    const body = agent.outbox.rowsInRange(4, 4, 1)[0]?.body;
    agent.outbox.markDead([{ seq: 4, reason: "rejected: invalid" }]);
    expect(agent.outbox.pendingBatch(10, 1 << 20).map((r) => r.seq)).toEqual([1, 2, 3, 5, 6]);
    expect(agent.outbox.requeueDead(4, "retried by the store manager")).toBe(true);
    expect(wakes).toBe(1);
    const again = agent.outbox.pendingBatch(10, 1 << 20);
    expect(again.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(again[3]?.body).toBe(body);
    // Only a dead letter can be requeued: a pending or acked row is left alone, and nothing wakes.
    expect(agent.outbox.requeueDead(4, "again")).toBe(false);
    agent.outbox.markAcked([1], "A");
    expect(agent.outbox.requeueDead(1, "again")).toBe(false);
    expect(wakes).toBe(1);
  });
});

describe("outbox: sync alerts", () => {
  it("keeps them across a restart, oldest first, and only the newest 100", () => {
    const { dir, cleanup } = tempDir();
    try {
      const first = openDatabase(dir);
      const outbox = new Outbox(first, "store-1", "reg-1");
      for (let seq = 1; seq <= 103; seq++) {
        outbox.recordAlert(
          { kind: seq === 103 ? "conflict" : "dead_letter", seq, eventId: `e${seq}`, reason: `r${seq}` },
          seq * 1000,
        );
      }
      first.close();

      const reopened = openDatabase(dir);
      try {
        const alerts = new Outbox(reopened, "store-1", "reg-1").alerts();
        expect(alerts.length).toBe(KEPT_SYNC_ALERTS);
        expect(alerts[0]).toEqual({ at: 4000, kind: "dead_letter", seq: 4, eventId: "e4", reason: "r4" });
        expect(alerts.at(-1)).toEqual({ at: 103_000, kind: "conflict", seq: 103, eventId: "e103", reason: "r103" });
      } finally {
        reopened.close();
      }
    } finally {
      cleanup();
    }
  });
});
