import { SaleRecordedSchema } from "@tenderline/shared";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { dbPath } from "../storage/database.ts";
import { startAgentProcess, writeConfig } from "../testing/agent-process.ts";
import { sampleSale, tempDir } from "../testing/fixtures.ts";

const ROUNDS = 12;
const CLIENTS = 8;

interface Acked {
  seq: number;
  eventId: string;
}

/** Posts sales from `clients` loops until the process dies; returns every 201 it got. */
async function hammer(url: string, clients: number, acked: Acked[]): Promise<void> {
  const loop = async () => {
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${url}/api/v1/sales`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(sampleSale()),
        });
      } catch (error) {
        // The connection died with the process: the only way this loop ends.
        expect(String((error as Error).cause ?? error)).toMatch(
          /ECONNREFUSED|ECONNRESET|socket|other side closed|terminated|fetch failed/i,
        );
        return;
      }
      let answer: unknown;
      try {
        answer = await res.json();
      } catch (error) {
        // Killed while the answer was on the wire: not a 201 the register saw.
        expect(error).toBeInstanceOf(Error);
        return;
      }
      if (res.status !== 201) throw new Error(`unexpected ${res.status}: ${JSON.stringify(answer)}`);
      const { seq, eventId } = SaleRecordedSchema.parse(answer);
      acked.push({ seq, eventId });
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
}

describe("crash safety: SIGKILL while recording sales", () => {
  const { dir, cleanup } = tempDir("tl-crash-");
  afterAll(cleanup);

  it(`every 201 survives ${ROUNDS} SIGKILLs, seqs stay 1..n, integrity ok`, async () => {
    const configFile = writeConfig(dir, { storeId: "s1", registerId: "r1", dataDir: "data", port: 0, logLevel: "warn" });
    const acked: Acked[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const agent = await startAgentProcess(configFile);
      const load = hammer(agent.url, CLIENTS, acked);
      // A random point in the load: early (mid-first-requests) to well into it.
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 300)));
      await agent.kill("SIGKILL");
      await load;

      const db = new Database(dbPath(`${dir}/data`));
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
        const stats = db
          .prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT seq) AS d, MIN(seq) AS lo, MAX(seq) AS hi FROM outbox")
          .get() as {
          n: number;
          d: number;
          lo: number | null;
          hi: number | null;
        };
        expect(stats.d).toBe(stats.n);
        if (stats.n > 0) {
          expect(stats.lo).toBe(1);
          expect(stats.hi).toBe(stats.n);
        }
        const bySeq = new Map(
          (db.prepare("SELECT seq, event_id AS eventId FROM outbox").all() as Acked[]).map((r) => [r.seq, r.eventId]),
        );
        for (const a of acked) expect(bySeq.get(a.seq)).toBe(a.eventId);
        // Every outbox row has its ledger row: they were written in one transaction.
        expect(db.prepare("SELECT COUNT(*) AS n FROM transactions").get()).toEqual({ n: stats.n });
      } finally {
        db.close();
      }
    }
    expect(acked.length).toBeGreaterThan(ROUNDS);
  }, 180_000);
});
