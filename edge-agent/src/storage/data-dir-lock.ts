import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export const LOCK_FILE = "agent.lock";

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `${dataDir} is in use by another agent (process ${pid}); two agents on one outbox would hand out the same sequence numbers. Stop that agent, or give this one its own --data-dir.`,
    );
    this.name = "DataDirInUseError";
  }
}

export interface DataDirLock {
  release(): void;
}

/** The lock file as lockDataDir writes it; anything else (half-written, hand-edited) names no holder. */
const LockFileSchema = z.looseObject({ pid: z.number().int().positive() });

/** Directories locked by this process: a pid check alone cannot tell two agents of one process apart. */
const heldHere = new Set<string>();

/** Whether a process with this id exists (a lock left by a killed agent names a dead one). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function holderOf(path: string): number | undefined {
  try {
    const lock = LockFileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return lock.success && Number.isSafeInteger(lock.data.pid) ? lock.data.pid : undefined;
  } catch (error) {
    // Gone, or half-written by an agent killed mid-write: no live holder can be named.
    if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Claims the data directory for this agent until `release()`: a lock file naming this process,
 * created exclusively. A lock whose process is gone (the agent was killed) is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      } finally {
        closeSync(fd);
      }
      heldHere.add(path);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          heldHere.delete(path);
          if (holderOf(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const pid = holderOf(path);
    const stale = pid === undefined || (pid === process.pid ? !heldHere.has(path) : !alive(pid));
    if (!stale || attempt > 0) throw new DataDirInUseError(dataDir, pid ?? 0);
    try {
      unlinkSync(path);
    } catch (error) {
      // Another agent removed the stale lock first: the next attempt finds out who holds it now.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}
