/**
 * What the ingest benchmark and the profiler share: a region started in this process on a fresh
 * PGlite directory or PostgreSQL database, and the HTTP client on its own thread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { parseConfig } from "../src/config/config.ts";
import { type RunningRegion, startRegion } from "../src/server/start-region.ts";
import { createPgTestDatabase } from "../src/testing/test-databases.ts";
import { BENCH_STORE, BENCH_TOKEN } from "./batches.ts";

export type Backend = "pglite" | "postgres";

export const BENCH_TOKENS = [{ token: BENCH_TOKEN, kind: "store" as const, storeId: BENCH_STORE }];

/** A region on a fresh database of `backend`, background jobs off; `close()` removes the database too. */
export async function startBenchRegion(backend: Backend, label: string) {
  const dir = mkdtempSync(join(tmpdir(), `tl-${label}-`));
  const pgdb = backend === "postgres" ? await createPgTestDatabase(label) : undefined;
  const region: RunningRegion = await startRegion(
    parseConfig({
      region: "bench",
      port: 0,
      logLevel: "warn",
      backgroundJobs: "false",
      ...(process.env.BENCH_INGEST_WORKERS ? { ingestWorkers: process.env.BENCH_INGEST_WORKERS } : {}),
      ...(pgdb ? { databaseUrl: pgdb.url } : { dataDir: join(dir, "pgdata") }),
      bootstrapTokens: JSON.stringify(BENCH_TOKENS),
    }),
  );
  return {
    region,
    url: `http://127.0.0.1:${region.port}`,
    /** The PostgreSQL database's URL (undefined on PGlite). */
    databaseUrl: pgdb?.url,
    async close() {
      await region.close();
      await pgdb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The client thread (client-worker.ts): prepares bodies once, then posts them on request over `lanes` connections. */
export class BenchClient {
  // Node 20 workers do not inherit the tsx loader: register it in the worker, then load the client.
  private readonly worker = new Worker(
    `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./client-worker.ts", import.meta.url).href)}); });`,
    { eval: true },
  );
  private pending: { resolve: (v: { ms: number }) => void; reject: (e: Error) => void } | undefined;

  constructor(private readonly lanes: number) {
    this.worker.on("message", (reply: { ms: number; error?: string }) => {
      const p = this.pending;
      this.pending = undefined;
      if (reply.error) p?.reject(new Error(reply.error));
      else p?.resolve(reply);
    });
    this.worker.on("error", (error) => this.pending?.reject(error));
  }

  private call(msg: unknown): Promise<{ ms: number }> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg);
    });
  }

  prepare = (count: number) => this.call({ op: "prepare", count });
  /** Posts batches fromBatch..toBatch-1; with `share`, only those of this client's lanes (`from` on, of `of`). */
  post = async (url: string, fromBatch: number, toBatch: number, share?: { of: number; from: number }) =>
    (await this.call({ op: "post", url, fromBatch, toBatch, lanes: this.lanes, share })).ms;
  stream = async (url: string, from: number, count: number) =>
    (await this.call({ op: "stream", url, from, count, lanes: this.lanes })).ms;
  close = () => this.worker.terminate();
}
