import { OperatorHealthSchema } from "@tenderline/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegionProcess, startRegionProcess } from "../server/region-process.ts";
import { pgSessionLock } from "../storage/session-lock.ts";
import { freePort } from "../testing/free-port.ts";
import { createPgTestDatabase, type PgTestDatabase } from "../testing/test-databases.ts";
import { JobLeader } from "./job-leader.ts";

const ADMIN = "tl_admin_bootstrap_leaders_000001";
const JOBS = ["replicator", "region-jobs"] as const;
/** How soon another instance must lead a job after its leader is SIGKILLed: the poll's deadline. */
const TAKEOVER_BOUND_MS = 5000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("job leadership over PostgreSQL", () => {
  let database: PgTestDatabase;
  const running: RegionProcess[] = [];
  beforeAll(async () => {
    database = await createPgTestDatabase("job_leader");
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await database.drop();
  });

  it("grants a job's lock to one session at a time; the follower takes it once the leader lets go", async () => {
    const first = new JobLeader("test-job", pgSessionLock(database.url, "test-job"), { retryMs: 60_000 });
    const second = new JobLeader("test-job", pgSessionLock(database.url, "test-job"), { retryMs: 60_000 });
    const other = new JobLeader("other-job", pgSessionLock(database.url, "other-job"), { retryMs: 60_000 });
    try {
      expect(await first.tryOnce()).toBe(true);
      expect(await second.tryOnce()).toBe(false);
      // Another job's lock is its own: it may lead beside the first.
      expect(await other.tryOnce()).toBe(true);
      // The leader's retry is a session check: it still leads, the follower still follows.
      expect(await first.tryOnce()).toBe(true);
      expect(await second.tryOnce()).toBe(false);
      await first.stop();
      expect(await second.tryOnce()).toBe(true);
    } finally {
      await Promise.all([first.stop(), second.stop(), other.stop()]);
    }
  });

  it("steps down when its session is gone (the server freed the lock), and a follower leads", async () => {
    const first = new JobLeader("cut-job", pgSessionLock(database.url, "cut-job"), { retryMs: 60_000 });
    const second = new JobLeader("cut-job", pgSessionLock(database.url, "cut-job"), { retryMs: 60_000 });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      expect(await first.tryOnce()).toBe(true);
      expect(await second.tryOnce()).toBe(false);
      // The leader's connection is cut from the server side (a failover, an idle-session killer).
      const [holder] = (
        await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
      ).rows;
      expect(holder).toBeDefined();
      await admin.query("SELECT pg_terminate_backend($1)", [holder?.pid]);
      // pg_terminate_backend only signals: the lock is free once that backend has exited.
      for (let i = 0; i < 100; i++) {
        const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [holder?.pid]);
        if (rows.length === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await second.tryOnce()).toBe(true);
      expect(await first.tryOnce()).toBe(false);
      expect(first.isLeader()).toBe(false);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      await admin.end();
    }
  });

  it("runs each background job on exactly one of three instances, and moves it when its leader is SIGKILLed", async () => {
    // A peer that is down: the replicator runs (and fails its pulls) all the same.
    const peers = [{ name: "B", url: `http://127.0.0.1:${await freePort()}`, token: "tl_region_bootstrap_b_00000001" }];
    const options = {
      region: "A",
      databaseUrl: database.url,
      bootstrapTokens: [{ token: ADMIN, kind: "admin" as const }],
      peers,
      extraArgs: ["--background-jobs", "true", "--replication-interval-ms", "200", "--reconcile-interval-ms", "200"],
    };
    // One after another: the first migrates the shared database.
    for (let i = 0; i < 3; i++) running.push(await startRegionProcess(options));
    const alive = new Set(running);

    /** Who leads each job now, by the instances' operator health; no two ever lead one job. */
    const leadersNow = async (): Promise<Map<string, RegionProcess[]>> => {
      const byJob = new Map<string, RegionProcess[]>(JOBS.map((j) => [j, []]));
      await Promise.all(
        [...alive].map(async (p) => {
          const res = await fetch(`${p.url}/v1/health`, {
            headers: { authorization: `Bearer ${ADMIN}` },
            signal: AbortSignal.timeout(3000),
          });
          const health = OperatorHealthSchema.parse(await res.json());
          for (const job of health.leads ?? []) byJob.get(job)?.push(p);
        }),
      );
      for (const job of JOBS) expect(byJob.get(job)?.length ?? 0, `instances leading ${job}`).toBeLessThanOrEqual(1);
      return byJob;
    };
    /** Polls until every job has exactly one leader among the live instances, or the deadline passes. */
    const waitForLeaders = async (deadlineMs: number): Promise<Map<string, RegionProcess>> => {
      const until = Date.now() + deadlineMs;
      for (;;) {
        const byJob = await leadersNow();
        if (JOBS.every((j) => byJob.get(j)?.length === 1)) {
          return new Map(JOBS.map((j) => [j, (byJob.get(j) as RegionProcess[])[0] as RegionProcess]));
        }
        if (Date.now() > until) throw new Error(`no single leader per job within ${deadlineMs} ms`);
        await sleep(100);
      }
    };

    let leaders = await waitForLeaders(10_000);
    // The work itself runs on the leader only: its rounds (every 200 ms) log the down peer; a
    // follower's ticks do nothing.
    await sleep(1500);
    const pulls = (p: RegionProcess) =>
      p
        .output()
        .split("\n")
        .filter((l) => l.includes("replication pull failed")).length;
    for (const p of running) {
      if (p === leaders.get("replicator")) expect(pulls(p)).toBeGreaterThan(0);
      else expect(pulls(p)).toBe(0);
    }
    const takeovers: Record<string, number> = {};
    // Kill the replicator's leader, then the region jobs' leader among the survivors: each job moves.
    for (const job of JOBS) {
      const leader = leaders.get(job) as RegionProcess;
      const killedAt = Date.now();
      await leader.kill();
      alive.delete(leader);
      leaders = await waitForLeaders(TAKEOVER_BOUND_MS);
      takeovers[job] = Date.now() - killedAt;
      expect(leaders.get(job)).not.toBe(leader);
      // Steady: the new leaders stay the only ones for a few more polls.
      for (let i = 0; i < 5; i++) {
        await leadersNow();
        await sleep(100);
      }
    }
    expect(alive.size).toBe(1);
    console.log(`takeover after SIGKILL (bound ${TAKEOVER_BOUND_MS} ms): ${JSON.stringify(takeovers)}`);
  });
});
