import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegionApiError, RegionClient } from "./region-client.ts";

const GOOD_BATCH = {
  region: "A",
  results: [{ eventId: "e1", status: "accepted", index: 0 }],
  watermark: { contiguousSeq: 1, replicatedSeq: 0, gaps: [] },
};

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A region that answers what each test sets: good, malformed, an error body, slowly. */
async function startServer(): Promise<{ url: string; server: Server; set(handler: Handler): void; seen: IncomingMessage[] }> {
  let handler: Handler = (_req, res) => res.end();
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.push(req);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    set(h) {
      handler = h;
    },
    seen,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function failure(promise: Promise<unknown>): Promise<RegionApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RegionApiError);
    return error as RegionApiError;
  }
  throw new Error("the call did not fail");
}

describe("the shared region client against a real HTTP server", () => {
  let region: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    region = await startServer();
  });
  afterAll(async () => {
    region.server.closeAllConnections();
    await new Promise<void>((resolve) => region.server.close(() => resolve()));
  });

  it("sends the batch with the credential as it is at each call, and returns the parsed answer", async () => {
    let credential = "tl_old";
    const client = new RegionClient(region.url, () => credential, { timeoutMs: 2000 });
    const bodies: string[] = [];
    region.set((req, res, body) => {
      bodies.push(body);
      expect(req.url).toBe("/v1/events/batch");
      json(res, 200, GOOD_BATCH);
    });
    expect(await client.sendBatch({ storeId: "s1", registerId: "r1", events: [{ eventId: "e1" }] })).toEqual(GOOD_BATCH);
    credential = "tl_new";
    await client.sendBatchBodies("s1", "r1", ['{"eventId":"e1"}']);
    expect(region.seen.slice(-2).map((r) => r.headers.authorization)).toEqual(["Bearer tl_old", "Bearer tl_new"]);
    expect(bodies.map((b) => JSON.parse(b))).toEqual([
      { storeId: "s1", registerId: "r1", events: [{ eventId: "e1" }] },
      { storeId: "s1", registerId: "r1", events: [{ eventId: "e1" }] },
    ]);
  });

  it("reads feed pages until nothing new, digests as bytes, register status and its 404", async () => {
    const client = new RegionClient(region.url, "tl_consumer", { timeoutMs: 2000 });
    const item = (cursor: string) => ({
      cursor,
      region: "A",
      originRegion: "A",
      kind: "event",
      ingestedAt: "2026-01-01T00:00:00Z",
      event: { eventId: `e${cursor}` },
      reconciliation: null,
    });
    const digest = '{"registers":[{"storeId":"s1","registerId":"r1","count":2,"hash":"ab"}]}';
    region.set((req, res) => {
      const url = new URL(req.url ?? "/", region.url);
      if (url.pathname === "/v1/feed") {
        const after = Number(url.searchParams.get("after"));
        return json(
          res,
          200,
          after < 2 ? { items: [item(String(after + 1))], nextCursor: String(after + 1) } : { items: [], nextCursor: "2" },
        );
      }
      if (url.pathname === "/v1/digest") return json(res, 200, digest);
      if (url.pathname === "/v1/stores/s1/registers/r1") {
        return json(res, 200, {
          region: "A",
          storeId: "s1",
          registerId: "r1",
          contiguousSeq: 2,
          replicatedSeq: 1,
          maxSeq: 2,
          gaps: [],
          lastSeenAt: "2026-01-01T00:00:00Z",
        });
      }
      json(res, 404, { error: "register_not_found", message: "nothing here" });
    });
    expect((await client.wholeFeed()).map((i) => i.cursor)).toEqual(["1", "2"]);
    expect(await client.digestText()).toBe(digest);
    expect((await client.digest()).registers[0]?.count).toBe(2);
    expect(await client.registerStatus("s1", "r1")).toMatchObject({ contiguousSeq: 2, maxSeq: 2 });
    expect(await client.registerStatus("s1", "r9")).toBeNull();
  });

  it("takes a degraded region's 503 health as an answer", async () => {
    const client = new RegionClient(region.url, "tl_any", { timeoutMs: 2000 });
    region.set((_req, res) => json(res, 503, { region: "A", status: "degraded" }));
    expect(await client.health()).toEqual({ region: "A", status: "degraded" });
  });

  it("fails a malformed answer as bad_answer: not JSON, or not the contract's shape", async () => {
    const client = new RegionClient(region.url, "tl_store", { timeoutMs: 2000 });
    region.set((_req, res) => json(res, 200, "<html>proxy</html>"));
    const notJson = await failure(client.sendBatch({ storeId: "s1", registerId: "r1", events: [{}] }));
    expect(notJson).toMatchObject({ kind: "bad_answer", status: 200 });
    expect(notJson.message).toMatch(/not JSON/);

    region.set((_req, res) => json(res, 200, { region: "A", results: [{ eventId: "e1", status: "maybe" }] }));
    const wrongShape = await failure(client.sendBatch({ storeId: "s1", registerId: "r1", events: [{}] }));
    expect(wrongShape).toMatchObject({ kind: "bad_answer", status: 200 });
    expect(wrongShape.detail).toMatch(/results\.0\.status|watermark/);
  });

  it("fails a refusal as http with the region's code and message, telling 401/403 apart", async () => {
    const client = new RegionClient(region.url, "tl_wrong", { timeoutMs: 2000 });
    region.set((_req, res) => json(res, 401, { error: "unauthorized", message: "unknown credential" }));
    const refused = await failure(client.exceptions({ storeId: "s1" }));
    expect(refused).toMatchObject({ kind: "http", status: 401, code: "unauthorized", detail: "unknown credential" });
    expect(refused.refused).toBe(true);
    expect(refused.message).toMatch(/answered 401: unauthorized: unknown credential/);

    region.set((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<h1>Bad Gateway</h1>");
    });
    const proxy = await failure(client.replicate());
    expect(proxy).toMatchObject({ kind: "http", status: 502, code: undefined, detail: "<h1>Bad Gateway</h1>" });
    expect(proxy.refused).toBe(false);
  });

  it("fails a region that does not answer in time as timeout, and a call the caller calls off too", async () => {
    const client = new RegionClient(region.url, "tl_admin", { timeoutMs: 150 });
    region.set(() => {
      // never answers
    });
    const slow = await failure(client.runJobs());
    expect(slow.kind).toBe("timeout");
    expect(slow.message).toMatch(/within 150 ms/);

    const controller = new AbortController();
    const pending = client.runJobs({ signal: controller.signal, timeoutMs: 5000 });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).kind).toBe("timeout");

    // An answer that starts and never ends is cut off by the timeout too.
    region.set((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"region":');
    });
    expect((await failure(client.runJobs())).kind).toBe("timeout");
  });

  it("fails a closed port as unreachable", async () => {
    const closed = await startServer();
    const url = closed.url;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const client = new RegionClient(url, "tl_admin", { timeoutMs: 2000 });
    const down = await failure(client.health());
    expect(down.kind).toBe("unreachable");
    expect(down.status).toBeUndefined();
    expect(down.message).toMatch(/unreachable: ECONNREFUSED/);
  });

  it("fails a connection hung up on at once (a store's proxy whose region is down) as unreachable, GET or POST", async () => {
    // Node 20's bundled fetch waits out the whole timeout on a GET here instead of failing.
    const hangUp = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => hangUp.listen(0, "127.0.0.1", resolve));
    try {
      const client = new RegionClient(`http://127.0.0.1:${(hangUp.address() as AddressInfo).port}`, "tl_admin", {
        timeoutMs: 10_000,
      });
      for (const call of [() => client.health(), () => client.registerStatus("s1", "r1"), () => client.runJobs()]) {
        const failed = await failure(call());
        expect(failed.kind).toBe("unreachable");
        expect(failed.message).toMatch(/other side closed|ECONNRESET/);
      }
    } finally {
      await new Promise<void>((resolve) => hangUp.close(() => resolve()));
    }
  });

  it("parses the credential commands' answers with the shared schemas", async () => {
    const record = {
      id: "c1",
      kind: "store",
      storeId: "s1",
      registerId: null,
      regionName: null,
      label: "",
      issuedAt: "2026-01-01T00:00:00Z",
      issuedBy: "admin",
      notAfter: null,
      revokedAt: "2026-01-02T00:00:00Z",
      revokedBy: "admin",
    };
    const client = new RegionClient(region.url, "tl_admin", { timeoutMs: 2000 });
    const urls: string[] = [];
    region.set((req, res) => {
      urls.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith("/v1/admin/credentials?")) return json(res, 200, { region: "A", items: [record] });
      if (req.url?.endsWith("/revoke")) return json(res, 200, { region: "A", record });
      json(res, 200, { region: "A", cutoff: { storeId: "s1", revokedBefore: "2026-01-02T00:00:00Z", revokedBy: "admin" } });
    });
    expect((await client.listCredentials({ storeId: "s1", all: true })).items).toEqual([record]);
    expect((await client.revokeCredential("c/1")).record.id).toBe("c1");
    expect((await client.revokeStoreCredentials("s1")).cutoff.storeId).toBe("s1");
    expect(urls).toEqual([
      "GET /v1/admin/credentials?storeId=s1&all=true",
      "POST /v1/admin/credentials/c%2F1/revoke",
      "POST /v1/admin/stores/s1/revoke-credentials",
    ]);
  });
});
