import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FeedItemSchema, FeedResponseSchema, RegisterStatusSchema } from "@tenderline/shared";
import { ServiceProcess } from "@tenderline/shared/process";
import { z } from "zod";

/** The feed with each event read as far as these helpers need (a tender result has `event: null`). */
const EventFeedSchema = FeedResponseSchema.extend({
  items: z.array(
    FeedItemSchema.extend({
      event: z.looseObject({ eventId: z.string(), seq: z.number().int(), registerId: z.string() }).nullable(),
    }),
  ),
});

/** The cloud-sync region entry in this workspace (a real region process, not a stub). */
const REGION_MAIN = fileURLToPath(new URL("../../../cloud-sync/src/main.ts", import.meta.url));
const CLOUD_SYNC_DIR = fileURLToPath(new URL("../../../cloud-sync/", import.meta.url));

export const STORE_TOKEN = "tl_store_test_token_0123456789abcdef";
export const CONSUMER_TOKEN = "tl_consumer_test_token_0123456789ab";

export interface RegionProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Sends `signal` (default SIGKILL) and resolves once it is gone (SIGKILL after 30 s). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** The tail of what it wrote to stderr. */
  stderr(): string;
}

/**
 * Starts a cloud-sync region (PGlite in `dataDir`) on `port` (0: a free one) with a store token
 * for `storeId`, and waits for its `{"listening":port}` line (the shared launcher, which rejects
 * with a ServiceStartError if it exits first).
 */
export async function startRegion(options: {
  name: string;
  dataDir: string;
  storeId: string;
  port?: number;
  extraArgs?: string[];
  /** Peer regions as JSON (they carry tokens, so they go in the environment). */
  peers?: string;
}): Promise<RegionProcess> {
  const tokens = JSON.stringify([
    { token: STORE_TOKEN, kind: "store", storeId: options.storeId },
    { token: CONSUMER_TOKEN, kind: "consumer" },
  ]);
  const args = [
    "--region",
    options.name,
    "--port",
    String(options.port ?? 0),
    "--data-dir",
    options.dataDir,
    "--log-level",
    "warn",
    ...(options.extraArgs ?? []),
  ];
  const proc = await ServiceProcess.start({
    name: `region ${options.name}`,
    script: REGION_MAIN,
    args,
    cwd: CLOUD_SYNC_DIR,
    // Tokens go in the child's environment, never on its command line.
    env: { TENDERLINE_BOOTSTRAP_TOKENS: tokens, DATABASE_URL: undefined, TENDERLINE_PEERS: options.peers },
    startTimeoutMs: 60_000,
    stopGraceMs: 30_000,
  });
  return {
    name: options.name,
    port: proc.port,
    url: proc.url,
    child: proc.child as ChildProcess,
    stderr: () => proc.output("stderr"),
    kill: (signal = "SIGKILL") => proc.stop(signal),
  };
}

/** Reads what a region holds for a register, through its status API. */
export async function regionRegister(url: string, storeId: string, registerId: string) {
  const res = await fetch(`${url}/v1/stores/${storeId}/registers/${registerId}`, {
    headers: { authorization: `Bearer ${STORE_TOKEN}` },
  });
  if (res.status === 404) return { contiguousSeq: 0, maxSeq: 0, gaps: [] as Array<{ from: number; to: number }> };
  return RegisterStatusSchema.parse(await res.json());
}

/** Every event a region stored, in its ingest order, read through its consumer feed. */
export async function regionEvents(url: string): Promise<Array<{ eventId: string; seq: number; registerId: string }>> {
  const out: Array<{ eventId: string; seq: number; registerId: string }> = [];
  let after = "0";
  for (;;) {
    const res = await fetch(`${url}/v1/feed?after=${after}&limit=1000`, {
      headers: { authorization: `Bearer ${CONSUMER_TOKEN}` },
    });
    if (res.status !== 200) throw new Error(`feed answered ${res.status}: ${await res.text()}`);
    const page = EventFeedSchema.parse(await res.json());
    for (const item of page.items)
      if (item.event && item.kind === "event")
        out.push({ eventId: item.event.eventId, seq: item.event.seq, registerId: item.event.registerId });
    if (page.items.length < 1000) return out;
    after = page.nextCursor;
  }
}
