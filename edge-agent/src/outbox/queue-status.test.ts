import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleSale, testAgent } from "../testing/fixtures.ts";

/** What the queue reading must equal: the counts read from every outbox row. */
function fromEveryRow(agent: ReturnType<typeof testAgent>) {
  const byType = agent.db
    .prepare("SELECT state, type, COUNT(*) AS count FROM outbox GROUP BY state, type ORDER BY state, type")
    .all();
  const oldest = agent.db.prepare("SELECT MIN(seq) AS seq FROM outbox WHERE state = 'pending'").get() as { seq: number | null };
  const dead = (agent.db.prepare("SELECT seq FROM outbox WHERE state = 'dead' ORDER BY seq").all() as Array<{ seq: number }>).map(
    (r) => r.seq,
  );
  return { byType, oldestPendingSeq: oldest.seq, dead };
}

describe("queue status", () => {
  let agent: ReturnType<typeof testAgent>;
  beforeEach(() => {
    agent = testAgent();
  });
  afterEach(() => agent.done());

  it("counts exactly what the outbox holds through acks, dead letters, retries, replication and pruning", () => {
    // A fixed pseudo-random run of what the register and its sync engine do, checked after each step.
    let seed = 20261126;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let now = Date.UTC(2026, 10, 26);
    let last = 0;
    for (let step = 0; step < 400; step++) {
      now += 1000;
      const op = random(10);
      if (op < 4 || last === 0) {
        last = agent.service.recordSale(sampleSale()).body.seq;
      } else if (op < 7) {
        // Acks arrive mostly in order, sometimes for a later seq first.
        const pending = agent.outbox.pendingBatch(3, 1 << 20).map((r) => r.seq);
        if (pending.length > 0) agent.outbox.markAcked([pending[random(pending.length)] as number], "A", now);
      } else if (op === 7) {
        const pending = agent.outbox.pendingBatch(5, 1 << 20).map((r) => r.seq);
        if (pending.length > 0)
          agent.outbox.markDead([{ seq: pending[random(pending.length)] as number, reason: "rejected: invalid" }]);
      } else if (op === 8) {
        const dead = fromEveryRow(agent).dead;
        if (dead.length > 0) agent.outbox.requeueDead(dead[random(dead.length)] as number, "retried by the manager");
      } else {
        // Replicated long ago: past the retention window, so the prune that follows removes them.
        agent.outbox.markReplicatedUpTo(random(last + 1), 1);
        agent.prune(now);
      }
      const q = agent.queue.read();
      const truth = fromEveryRow(agent);
      expect(q.byType, `step ${step}`).toEqual(truth.byType);
      expect(q.oldestPendingSeq, `step ${step}`).toBe(truth.oldestPendingSeq);
      expect(
        q.deadLetters.map((d) => d.seq),
        `step ${step}`,
      ).toEqual(truth.dead.slice(0, 100));
    }
    // The run went through every state, and retention really removed rows.
    expect(Number(agent.db.prepare("SELECT MIN(seq) AS s FROM outbox").pluck().get())).toBeGreaterThan(1);
  });
});
