import * as nodeFs from "node:fs";
import { join } from "node:path";

/**
 * Why this exists: PGlite never asks the disk to keep anything. It runs with `fsync = off`, and
 * even were it on, Emscripten's NODEFS gives PostgreSQL's fsync()/fdatasync() nothing to call
 * (they return 0 and do nothing). A commit's WAL is written with fs.writeSync at COMMIT
 * (synchronous_commit is on), so it sits in the host's page cache, not on the disk, when the
 * batch is acknowledged. The flusher closes that gap from outside: after a write transaction
 * commits, it fsyncs the WAL segments written since the last flush (and pg_wal/ when its
 * entries changed). The commit record is then on disk, and PostgreSQL's crash recovery replays
 * it on the next open.
 *
 * A checkpoint (PostgreSQL writes data pages, moves pg_control on, recycles old segments) is
 * also done without any fsync; when the flusher sees pg_control change it fsyncs every file
 * the data directory changed since its last full sync. It runs after the fact, so a power cut
 * in the middle of a checkpoint is still a risk on PGlite; PostgreSQL orders those writes itself.
 */

/** The node fs calls the flusher makes: injectable, so a test can count the fsyncs. */
export interface FlushFs {
  readdirSync(path: string, options: { withFileTypes: true }): nodeFs.Dirent[];
  statSync(path: string): { mtimeMs: number };
  openSync(path: string, flags: string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
}

export interface PgliteFlusher {
  /** Makes what committed so far durable: the changed WAL, plus a full sync after a checkpoint. */
  flush(): void;
  /** fsyncs everything the data directory changed since the last full sync (after close, say). */
  fullSync(): void;
}

/** WAL segment files are named by 24 hex digits (timeline, log, segment). */
const WAL_SEGMENT = /^[0-9A-F]{24}$/;
/**
 * Filesystems stamp mtime from a coarse clock (a tick of a few milliseconds); a file counts as
 * changed when its mtime is no older than the previous flush less this margin. Re-syncing a
 * clean file costs next to nothing; missing a dirty one costs an acknowledged event.
 */
const MTIME_SLACK_MS = 2000;

export function pgliteFlusher(dataDir: string, fs: FlushFs = nodeFs, now: () => number = Date.now): PgliteFlusher {
  const walDir = join(dataDir, "pg_wal");
  const controlFile = join(dataDir, "global", "pg_control");
  let lastFlush = Number.NEGATIVE_INFINITY;
  let lastFullSync = Number.NEGATIVE_INFINITY;
  let walNames = "";
  let controlMtime: number | undefined;

  function fsyncPath(path: string): void {
    const fd = fs.openSync(path, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  function fullSync(): void {
    const started = now();
    const since = lastFullSync - MTIME_SLACK_MS;
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile() && fs.statSync(path).mtimeMs >= since) fsyncPath(path);
      }
      // The directory last: its entries (new, renamed, removed files) after their contents.
      fsyncPath(dir);
    };
    walk(dataDir);
    lastFullSync = started;
    lastFlush = started;
    controlMtime = fs.statSync(controlFile).mtimeMs;
  }

  function flush(): void {
    const control = fs.statSync(controlFile).mtimeMs;
    if (control !== controlMtime) {
      fullSync();
      return;
    }
    const started = now();
    const since = lastFlush - MTIME_SLACK_MS;
    const segments = fs
      .readdirSync(walDir, { withFileTypes: true })
      .filter((e) => e.isFile() && WAL_SEGMENT.test(e.name))
      .map((e) => e.name);
    for (const name of segments) {
      const path = join(walDir, name);
      if (fs.statSync(path).mtimeMs >= since) fsyncPath(path);
    }
    const names = segments.join(",");
    if (names !== walNames) {
      fsyncPath(walDir);
      walNames = names;
    }
    lastFlush = started;
  }

  return { flush, fullSync };
}
