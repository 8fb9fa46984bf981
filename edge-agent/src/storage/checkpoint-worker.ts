/**
 * Runs in a worker thread: checkpoints the WAL into the database file on its own connection, so
 * the cost of copying pages back and fsyncing the database file never lands on a request.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma("busy_timeout = 5000");
db.pragma("wal_autocheckpoint = 0");

const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    // A busy or failing checkpoint is retried next tick; the writer's fallback autocheckpoint keeps the WAL bounded.
    parentPort?.postMessage({ type: "error", message: (error as Error).message });
  }
}, intervalMs);

parentPort?.on("message", (msg: { type: string }) => {
  if (msg.type !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
parentPort?.postMessage({ type: "ready" });
