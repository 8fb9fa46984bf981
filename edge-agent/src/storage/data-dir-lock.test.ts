import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createAgent } from "../agent.ts";
import { sampleSale, tempDir, testConfig } from "../testing/fixtures.ts";
import { DataDirInUseError, LOCK_FILE, lockDataDir } from "./data-dir-lock.ts";

const silent = pino({ level: "silent" });

/** The id of a process that has already exited: what a killed agent's lock file names. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid as number;
}

describe("one agent per data directory", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const dir = () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    return t.dir;
  };

  it("refuses a second agent on a directory in use, naming it and what to do, and leaves the first working", async () => {
    const d = dir();
    const first = createAgent(testConfig(d), { logger: silent });
    try {
      expect(() => createAgent(testConfig(d), { logger: silent })).toThrow(DataDirInUseError);
      expect(() => createAgent(testConfig(d), { logger: silent })).toThrow(/in use by another agent.*--data-dir/);
      expect(first.service.recordSale(sampleSale()).status).toBe(201);
    } finally {
      await first.close();
    }
    // Closed: the directory is free again, and the next agent continues the same outbox.
    const next = createAgent(testConfig(d), { logger: silent });
    expect(next.service.recordSale(sampleSale()).body.seq).toBe(2);
    await next.close();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it("takes over the lock of an agent that was killed", () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: deadPid(), since: "2026-11-26T09:00:00.000Z" }));
    const lock = lockDataDir(d);
    lock.release();
    // A lock file cut short by a crash mid-write names nobody, so it is stale too.
    writeFileSync(join(d, LOCK_FILE), '{"pid":');
    lockDataDir(d).release();
  });

  it("refuses a directory whose lock names a live process", () => {
    const d = dir();
    // Our parent (the test runner's parent process) is alive and is not this agent.
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, since: "2026-11-26T09:00:00.000Z" }));
    expect(() => lockDataDir(d)).toThrow(DataDirInUseError);
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
  });
});
