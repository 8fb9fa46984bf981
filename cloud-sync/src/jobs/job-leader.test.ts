import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../storage/database.ts";
import { openPglite } from "../storage/pglite-database.ts";
import type { SessionLock } from "../storage/session-lock.ts";
import { JobLeader, JobLeaders } from "./job-leader.ts";

describe("job leader", () => {
  const opened: Database[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  it("always leads on PGlite (one process by construction), and leads nothing once stopped", async () => {
    const db = await openPglite(undefined);
    opened.push(db);
    const leaders = new JobLeaders(db, { retryMs: 50 });
    expect(await leaders.leader("replicator").tryOnce()).toBe(true);
    expect(await leaders.leader("region-jobs").tryOnce()).toBe(true);
    expect(leaders.leads().sort()).toEqual(["region-jobs", "replicator"]);
    await leaders.stop();
    expect(leaders.leads()).toEqual([]);
  });

  it("steps down when its session check fails, and leads again when the lock comes back", async () => {
    let answer = true;
    let released = 0;
    const lock: SessionLock = {
      tryHold: async () => answer,
      release: async () => {
        released++;
      },
    };
    const leader = new JobLeader("replicator", lock, { retryMs: 10_000 });
    expect(await leader.tryOnce()).toBe(true);
    answer = false;
    expect(await leader.tryOnce()).toBe(false);
    expect(leader.isLeader()).toBe(false);
    answer = true;
    expect(await leader.tryOnce()).toBe(true);
    await leader.stop();
    expect(leader.isLeader()).toBe(false);
    expect(await leader.tryOnce()).toBe(false);
    expect(released).toBe(1);
  });
});
