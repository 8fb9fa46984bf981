import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

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
  kill(signal?: NodeJS.Signals): Promise<void>;
  stderr(): string;
}

/**
 * Starts a cloud-sync region (PGlite in `dataDir`) on `port` (0: a free one) with a store token
 * for `storeId`, and waits for its `{"listening":port}` line.
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
    "--import",
    "tsx",
    REGION_MAIN,
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
  // Tokens go in the child's environment, never on its command line.
  const env: NodeJS.ProcessEnv = { ...process.env, TENDERLINE_BOOTSTRAP_TOKENS: tokens };
  delete env.DATABASE_URL;
  if (options.peers) env.TENDERLINE_PEERS = options.peers;
  else delete env.TENDERLINE_PEERS;
  const child = spawn(process.execPath, args, { cwd: CLOUD_SYNC_DIR, stdio: ["ignore", "pipe", "pipe"], env });
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err = (err + d).slice(-8000);
  });
  const exited = once(child, "exit");
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const msg = JSON.parse(line) as { listening?: number };
      if (typeof msg.listening === "number") {
        rl.close();
        child.stdout?.resume();
        resolve(msg.listening);
      }
    });
    exited.then(([code]) => reject(new Error(`region ${options.name} exited (${code}) before listening: ${err}`)));
  });
  return {
    name: options.name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    stderr: () => err,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Reads what a region holds for a register, through its status API. */
export async function regionRegister(url: string, storeId: string, registerId: string) {
  const res = await fetch(`${url}/v1/stores/${storeId}/registers/${registerId}`, {
    headers: { authorization: `Bearer ${STORE_TOKEN}` },
  });
  if (res.status === 404) return { contiguousSeq: 0, maxSeq: 0, gaps: [] as Array<{ from: number; to: number }> };
  return (await res.json()) as { contiguousSeq: number; maxSeq: number; gaps: Array<{ from: number; to: number }> };
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
    const page = (await res.json()) as {
      items: Array<{ kind?: string; event: { eventId: string; seq: number; registerId: string } | null }>;
      nextCursor: string;
    };
    for (const item of page.items) if (item.event && (item.kind ?? "event") === "event") out.push(item.event);
    if (page.items.length < 1000) return out;
    after = page.nextCursor;
  }
}
