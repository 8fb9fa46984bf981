/**
 * The Electron shell's main process is thin; everything it calls is plain Node, tested here without
 * Electron (the binary cannot be downloaded on these machines): the runtime that starts the agent
 * core and its sync engine and stops gracefully, the window's security settings, the config lookup.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBatchSchema, QueueStatusSchema } from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MissingConfigError, resolveConfigFile } from "../../../edge-agent/electron/config-location.ts";
import { startAgentRuntime } from "../../../edge-agent/electron/runtime.ts";
import { isAgentUrl, secureWindowOptions, withCsp } from "../../../edge-agent/electron/window-security.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function configFile(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tl-electron-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "agent.json");
  writeFileSync(
    file,
    JSON.stringify({ storeId: "s-1", registerId: "r-1", dataDir: "data", port: 0, logLevel: "silent", ...extra }),
  );
  return file;
}

const sale = {
  cashierId: "c-1",
  lines: [
    {
      sku: "CAP-NVY",
      description: "Cap",
      quantity: 1,
      unitPrice: { amount: 2250, currency: "USD" },
      tax: { amount: 186, currency: "USD" },
    },
  ],
  tenders: [{ type: "cash", amount: { amount: 2436, currency: "USD" } }],
};

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
}

/** A region whose batch answers wait for the test's word: a batch stays in flight as long as we like. */
async function slowRegion() {
  let received!: () => void;
  const batchReceived = new Promise<void>((r) => {
    received = r;
  });
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  const read = async (req: IncomingMessage) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    return text;
  };
  const server: Server = createServer(async (req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/v1/health") return json(200, { region: "F", status: "ok" });
    if (req.method === "POST" && req.url === "/v1/events/batch") {
      // What the agent's sync engine sends, as far as this fake region answers it.
      const batch = EventBatchSchema.extend({ events: z.array(z.looseObject({ eventId: z.string(), seq: z.number() })) }).parse(
        JSON.parse(await read(req)),
      );
      received();
      await released;
      const top = Math.max(...batch.events.map((e) => e.seq));
      return json(200, {
        region: "F",
        results: batch.events.map((e) => ({ eventId: e.eventId, status: "accepted" })),
        watermark: { contiguousSeq: top, replicatedSeq: 0, gaps: [] },
      });
    }
    return json(404, { error: "not_found", message: "nothing here" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => {
    release();
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, batchReceived, release };
}

describe("the shell's agent runtime (plain Node)", () => {
  it("serves the screens with a strict CSP and the register API, and stops cleanly so the next start reopens the outbox", async () => {
    const file = configFile();
    const runtime = await startAgentRuntime({ configFile: file });
    const page = await fetch(`${runtime.url}/cashier`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect((await post(`${runtime.url}/api/v1/sales`, sale)).status).toBe(201);
    expect(await runtime.stop()).toBe("stopped");
    expect(await runtime.stop()).toBe("stopped");
    await expect(fetch(`${runtime.url}/api/v1/health`)).rejects.toThrow();

    const again = await startAgentRuntime({ configFile: file });
    cleanups.push(() => again.stop().then(() => undefined));
    const queue = QueueStatusSchema.parse(await (await fetch(`${again.url}/api/v1/queue`)).json());
    expect(queue.lastSeq).toBe(1);
    expect(queue.counts.pending).toBe(1);
  });

  it("lets the sync engine's batch in flight finish before closing: its ack is on disk after stop", async () => {
    const region = await slowRegion();
    const file = configFile({
      regions: [{ name: "F", url: region.url }],
      storeToken: "tl_store_test_token_0123456789",
      sync: { probeIntervalMs: 200, requestTimeoutMs: 30_000 },
    });
    const runtime = await startAgentRuntime({ configFile: file, drainTimeoutMs: 60_000 });
    expect(runtime.agent.sync).toBeDefined();
    expect((await post(`${runtime.url}/api/v1/sales`, sale)).status).toBe(201);
    await region.batchReceived;
    // Quit while the batch is on the wire; the region answers only afterwards.
    const stopped = runtime.stop();
    region.release();
    expect(await stopped).toBe("stopped");

    const after = await startAgentRuntime({ configFile: file, override: { regions: [] } });
    cleanups.push(() => after.stop().then(() => undefined));
    const queue = QueueStatusSchema.parse(await (await fetch(`${after.url}/api/v1/queue`)).json());
    expect(queue.counts).toMatchObject({ pending: 0, acked: 1 });
  });

  it("refuses to start on a bad config, naming the field", async () => {
    const file = configFile({ registerId: "" });
    await expect(startAgentRuntime({ configFile: file })).rejects.toThrow(/registerId/);
  });
});

describe("the window's security settings", () => {
  it("isolates the renderer: context isolation, sandbox, no Node, no webviews", () => {
    const o = secureWindowOptions("/app/electron/preload.cjs");
    expect(o.webPreferences).toMatchObject({
      preload: "/app/electron/preload.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect([o.width, o.height]).toEqual([1280, 800]);
  });

  it("navigates only within the agent's own origin", () => {
    const agent = "http://127.0.0.1:7420";
    expect(isAgentUrl("http://127.0.0.1:7420/manager", agent)).toBe(true);
    expect(isAgentUrl("http://127.0.0.1:7431/v1/health", agent)).toBe(false);
    expect(isAgentUrl("https://127.0.0.1:7420/", agent)).toBe(false);
    expect(isAgentUrl("file:///etc/passwd", agent)).toBe(false);
    expect(isAgentUrl("not a url", agent)).toBe(false);
  });

  it("puts the strict CSP on every response, replacing any other", () => {
    const headers = withCsp(
      { "content-security-policy": ["default-src *"], "Content-Type": "text/html", "X-A": ["1", "2"] },
      "default-src 'none'",
    );
    expect(headers).toEqual({
      "Content-Type": ["text/html"],
      "X-A": ["1", "2"],
      "Content-Security-Policy": ["default-src 'none'"],
    });
  });
});

describe("where the shell finds the agent's config", () => {
  it("uses TENDERLINE_AGENT_CONFIG, else agent.json in the user-data directory, and names the missing file", () => {
    const file = configFile();
    const dir = join(file, "..");
    expect(resolveConfigFile(dir, {})).toBe(file);
    expect(resolveConfigFile("/nowhere", { TENDERLINE_AGENT_CONFIG: file })).toBe(file);
    expect(() => resolveConfigFile("/nowhere", {})).toThrow(MissingConfigError);
    expect(() => resolveConfigFile("/nowhere", {})).toThrow("/nowhere/agent.json");
  });
});
