import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../storage/database.ts";
import { sampleSale, tempDir, testAgent } from "../testing/fixtures.ts";
import { KEPT_PRUNED_ASKS, KEPT_SYNC_ALERTS, Outbox, prunedAsks } from "./outbox.ts";

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

  it("counts a failed attempt without waiting for the disk, and goes back to waiting after it", () => {
    const db = agent.outbox.db;
    // What the connection's sync level was while each failure was written.
    db.exec(`CREATE TEMP TABLE seen_sync (level INTEGER);
      CREATE TEMP TRIGGER failure_sync AFTER UPDATE OF attempts ON outbox
      BEGIN INSERT INTO seen_sync SELECT synchronous FROM pragma_synchronous; END`);
    agent.outbox.recordFailure([5, 6], "B: HTTP 503", 5000);
    // 1 is NORMAL (a WAL commit without fsync), 2 is FULL.
    expect(db.prepare("SELECT level FROM seen_sync").pluck().all()).toEqual([1, 1]);
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    expect(db.prepare("SELECT attempts, last_error FROM outbox WHERE seq = 5").get()).toEqual({
      attempts: 1,
      last_error: "B: HTTP 503",
    });
  });

  it("takes a status read's watermark and gaps in one commit that does not wait for the disk", () => {
    agent.outbox.markAcked([1, 2, 3], "A", 1000);
    agent.outbox.applyRegionStatus({ region: "A", replicatedSeq: 2, gaps: [{ from: 5, to: 6 }], at: 2000 });
    expect(agent.outbox.ackedUnreplicated(10, 1 << 20).map((r) => r.seq)).toEqual([3]);
    expect(agent.queue.read().cloudGaps).toMatchObject([{ region: "A", from: 5, to: 6 }]);
    // Back to waiting for the disk for whatever commits next (a sale).
    expect(agent.db.pragma("synchronous", { simple: true })).toBe(2);
    // A lower watermark (a restored region) takes the rows above it back to unreplicated.
    agent.outbox.applyRegionStatus({ region: "A", replicatedSeq: 1, gaps: [], at: 3000 });
    expect(agent.outbox.ackedUnreplicated(10, 1 << 20).map((r) => r.seq)).toEqual([2, 3]);
    expect(agent.queue.read().cloudGaps).toEqual([]);
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

describe("outbox: a region that forgets", () => {
  let agent: ReturnType<typeof testAgent>;
  beforeEach(() => {
    agent = testAgent();
    for (let i = 0; i < 10; i++) agent.service.recordSale(sampleSale());
    agent.outbox.markAcked([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "A", 1000);
  });
  afterEach(() => agent.done());

  const replicated = () =>
    agent.db.prepare("SELECT seq FROM outbox WHERE replicated_at IS NOT NULL ORDER BY seq").pluck().all() as number[];

  it("a replicatedSeq that goes backwards un-marks the rows above it, and only those", () => {
    expect(agent.outbox.markReplicatedUpTo(8, 2000)).toBe(8);
    expect(replicated()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The same watermark again, or a higher one, changes nothing it had marked.
    expect(agent.outbox.markReplicatedUpTo(8, 3000)).toBe(0);
    expect(agent.db.prepare("SELECT replicated_at FROM outbox WHERE seq = 1").pluck().get()).toBe(2000);
    // The region was restored from a backup: it now says only 1..4 are everywhere.
    expect(agent.outbox.markReplicatedUpTo(4, 4000)).toBe(0);
    expect(replicated()).toEqual([1, 2, 3, 4]);
    expect(agent.outbox.ackedUnreplicated(10, 1 << 20).map((r) => r.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(agent.db.prepare("SELECT replicated_at FROM outbox WHERE seq = 4").pluck().get()).toBe(2000);
    // Nothing held anywhere: every row loses it.
    agent.outbox.markReplicatedUpTo(0, 5000);
    expect(replicated()).toEqual([]);
    expect(agent.outbox.markReplicatedUpTo(10, 6000)).toBe(10);
  });

  it("the first watermark after a restart also un-marks what it no longer covers", () => {
    agent.outbox.markReplicatedUpTo(9, 2000);
    const restarted = new Outbox(agent.db, "store-1", "reg-1");
    restarted.markReplicatedUpTo(6, 3000);
    expect(replicated()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("finds the seqs in a range that were recorded and pruned since", () => {
    agent.db.prepare("DELETE FROM outbox WHERE seq IN (1, 2, 5, 6, 7, 10)").run();
    expect(agent.outbox.prunedInRange(1, 10)).toEqual([
      { from: 1, to: 2 },
      { from: 5, to: 7 },
      { from: 10, to: 10 },
    ]);
    expect(agent.outbox.prunedInRange(3, 4)).toEqual([]);
    expect(agent.outbox.prunedInRange(8, 9)).toEqual([]);
    // Seqs never recorded are not "pruned".
    expect(agent.outbox.prunedInRange(8, 50)).toEqual([{ from: 10, to: 10 }]);
    expect(agent.outbox.prunedInRange(11, 50)).toEqual([]);
  });

  it("notes a region's ask for pruned seqs once per region and range, and keeps the newest", () => {
    expect(agent.outbox.recordPrunedAsk("A", 50, 60, 1000)).toBe(true);
    expect(agent.outbox.recordPrunedAsk("A", 50, 60, 2000)).toBe(false);
    expect(agent.outbox.recordPrunedAsk("B", 50, 60, 3000)).toBe(true);
    expect(prunedAsks(agent.db)).toEqual([
      { region: "B", from: 50, to: 60, at: 3000 },
      { region: "A", from: 50, to: 60, at: 1000 },
    ]);
    for (let i = 0; i < KEPT_PRUNED_ASKS + 5; i++) agent.outbox.recordPrunedAsk("C", i, i, 10_000 + i);
    const kept = prunedAsks(agent.db);
    expect(kept.length).toBe(KEPT_PRUNED_ASKS);
    expect(kept[0]).toEqual({
      region: "C",
      from: KEPT_PRUNED_ASKS + 4,
      to: KEPT_PRUNED_ASKS + 4,
      at: 10_000 + KEPT_PRUNED_ASKS + 4,
    });
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
