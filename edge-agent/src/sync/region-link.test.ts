import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SyncSettingsSchema } from "../config/config.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";
import { RegionCallError } from "./region-client.ts";
import { RegionLink } from "./region-link.ts";

/** A stand-in region that only answers its health check (and counts the checks in `probes`). */
function healthServer(port = 0, probes = { count: 0 }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === "/v1/health") probes.count++;
    res.writeHead(req.url === "/v1/health" ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ region: "A", status: "ok" }));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A link to `server` as region A, with FAST_SYNC and `overrides`, on the given clock. */
function linkTo(server: http.Server, overrides: Record<string, number> = {}, clock?: () => number, random?: () => number) {
  const { port } = server.address() as AddressInfo;
  const settings = SyncSettingsSchema.parse({ ...FAST_SYNC, ...overrides });
  return new RegionLink({ name: "A", url: `http://127.0.0.1:${port}` }, 0, "tl_store_token", settings, clock, random);
}

describe("RegionLink's view of a region", () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) if (s.listening) await close(s);
  });

  it("stops showing a region healthy as soon as a batch to it fails, until a probe finds it back", async () => {
    const server = await healthServer();
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    const link = linkTo(server);
    await link.probe();
    expect(link.view(true)).toMatchObject({ state: "healthy", healthy: true });

    await close(server);
    await expect(link.send("store-1", "reg-1", ["{}"])).rejects.toThrow(/unreachable/);
    // The breaker is still closed (one failure) and the last probe was fine, yet the region is not healthy.
    expect(link.view(true)).toMatchObject({ breaker: "closed", state: "unhealthy", healthy: false });
    expect(link.view(true).lastError).toMatch(/unreachable/);

    servers.push(await healthServer(port));
    await link.probe();
    expect(link.view(true)).toMatchObject({ state: "healthy", healthy: true });
  });

  it("does not probe a region that answered a real call within the healthy probe interval, and probes again once one fails", async () => {
    const probes = { count: 0 };
    const server = http.createServer((req, res) => {
      if (req.url === "/v1/health") probes.count++;
      // Health and a register's status answer; a batch is refused as the region's fault once `failing`.
      const body =
        req.url === "/v1/health"
          ? { region: "A", status: "ok" }
          : {
              region: "A",
              storeId: "store-1",
              registerId: "reg-1",
              contiguousSeq: 0,
              maxSeq: 0,
              replicatedSeq: 0,
              gaps: [],
              lastSeenAt: new Date(0).toISOString(),
            };
      res.writeHead(req.method === "POST" ? 503 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    let now = 1_000_000;
    const link = linkTo(server, { probeIntervalMs: 1000, healthyProbeIntervalMs: 5000 }, () => now);
    await link.probe();
    expect(probes.count).toBe(1);
    now += 4000;
    expect((await link.registerStatus("store-1", "reg-1")).contiguousSeq).toBe(0);
    now += 4000;
    await link.probe();
    // The last probe was 8 s ago, but the status read 4 s ago says the region is there: no health request.
    expect(probes.count).toBe(1);
    now += 2000;
    await link.probe();
    expect(probes.count).toBe(2);
    // A failed call since the last answer: the next probe asks.
    await expect(link.send("store-1", "reg-1", ["{}"])).rejects.toThrow();
    now += 100;
    await link.probe();
    expect(probes.count).toBe(3);
  });

  it("takes a region for down after two probes in a row get no answer in time, not one; an answer that says down at once", async () => {
    let mode: "ok" | "slow" | "down" = "ok";
    const server = http.createServer((_req, res) => {
      const answer = () => {
        res.writeHead(mode === "down" ? 503 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify({ region: "A", status: mode === "down" ? "down" : "ok" }));
      };
      if (mode === "slow") setTimeout(answer, 400);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    let now = 1_000_000;
    const link = linkTo(server, { probeTimeoutMs: 100, healthyProbeIntervalMs: 1000 }, () => now);
    await link.probe();
    expect(link.probeOk).toBe(true);

    // Under load: one probe misses its time. Not healthy any more, but not down either.
    mode = "slow";
    now += 5000;
    await link.probe();
    expect(link.probeOk).toBe(true);
    expect(link.view(true).healthy).toBe(false);
    // The next one misses too: down.
    now += 5000;
    await link.probe();
    expect(link.probeOk).toBe(false);

    // Back, then a health answer that says down: down at once.
    mode = "ok";
    now += 5000;
    await link.probe();
    expect(link.probeOk).toBe(true);
    mode = "down";
    now += 5000;
    await link.probe();
    expect(link.probeOk).toBe(false);
  });

  it("counts a region that took a batch as up, though its last probe failed (timed out under load)", async () => {
    const server = http.createServer((req, res) => {
      // Health fails; a batch is taken.
      res.writeHead(req.url === "/v1/health" ? 503 : 200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          req.url === "/v1/health"
            ? { region: "A", status: "down" }
            : { region: "A", results: [], watermark: { contiguousSeq: 0, replicatedSeq: 0, gaps: [] } },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    const link = linkTo(server);
    await link.probe();
    expect(link.probeOk).toBe(false);
    await link.send("store-1", "reg-1", ["{}"]);
    expect(link.probeOk).toBe(true);
    expect(link.view(true)).toMatchObject({ state: "healthy", healthy: true });
  });

  it("probes a healthy region only every healthy interval, one that just failed at the next probe tick", async () => {
    const probes = { count: 0 };
    const server = await healthServer(0, probes);
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    let now = 1_000_000;
    const link = linkTo(server, { probeIntervalMs: 2000, healthyProbeIntervalMs: 30_000 }, () => now);
    await link.probe();
    for (let i = 0; i < 14; i++) {
      now += 2000;
      await link.probe();
    }
    // 28 s of probe ticks after the first answer: nothing more asked.
    expect(probes.count).toBe(1);
    now += 2000;
    await link.probe();
    expect(probes.count).toBe(2);

    // Down, as a batch finds out (no probe needed for that): from then on every tick asks, so the
    // region's return is seen within a probe interval.
    await close(server);
    await expect(link.send("store-1", "reg-1", ["{}"])).rejects.toThrow(/unreachable/);
    now += 2000;
    await link.probe();
    expect(link.view(true).state).toBe("unhealthy");
    servers.push(await healthServer(port, probes));
    now += 2000;
    expect(await link.probe()).toBe(true);
    expect(probes.count).toBe(3);
    now += 2000;
    await link.probe();
    expect(probes.count).toBe(3);
  });

  it("probes a region that stays down less and less often, up to probeMaxIntervalMs, and as often again once it answers", async () => {
    let healthy = false;
    const probedAt: number[] = [];
    let now = 1_000_000;
    const server = http.createServer((req, res) => {
      if (req.url === "/v1/health") probedAt.push(now - 1_000_000);
      const ok = healthy || req.url !== "/v1/health";
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          req.url === "/v1/health"
            ? { region: "A", status: ok ? "ok" : "down" }
            : { region: "A", results: [], watermark: { contiguousSeq: 0, replicatedSeq: 0, gaps: [] } },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    // No jitter (random 0): each wait is the whole interval.
    const settings = { probeIntervalMs: 2000, probeMaxIntervalMs: 8000, healthyProbeIntervalMs: 30_000 };
    const link = linkTo(
      server,
      settings,
      () => now,
      () => 0,
    );
    const tickUntil = async (end: number) => {
      for (; now - 1_000_000 <= end; now += 2000) await link.probe();
    };
    await tickUntil(30_000);
    // Waits of 2, 4, 8, then 8 s (the cap) between probes, on a timer ticking every 2 s.
    expect(probedAt).toEqual([0, 2000, 6000, 14_000, 22_000, 30_000]);
    // Back: the next probe due finds it and the waits are over; a failure starts again from 2 s.
    healthy = true;
    now -= 2000;
    await tickUntil(38_000);
    expect(probedAt.at(-1)).toBe(38_000);
    expect(link.probeOk).toBe(true);
    healthy = false;
    await expect(link.send("store-1", "reg-1", ["{}"])).resolves.toBeDefined();
    probedAt.length = 0;
    now += 30_000; // past the healthy interval: probed again, found down, then 2 s later again
    const from = now - 1_000_000;
    await tickUntil(from + 6000);
    expect(probedAt).toEqual([from, from + 2000, from + 6000]);
  });

  it("jitters the wait after a failed probe down by at most a quarter", async () => {
    const probes: number[] = [];
    let now = 0;
    const server = http.createServer((_req, res) => {
      probes.push(now);
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ region: "A", status: "down" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    // random 1: a wait of three quarters. Probed every 100 ms, the gaps are 0.75 × 800, then 0.75 × 1600.
    const link = linkTo(
      server,
      { probeIntervalMs: 800, probeMaxIntervalMs: 1600 },
      () => now,
      () => 1,
    );
    for (; now <= 2000; now += 100) await link.probe();
    expect(probes).toEqual([0, 600, 1800]);
  });

  it("tries a call once more on a new connection when the connection broke (an instance died behind the balancer), and no more", async () => {
    let asked = 0;
    let breakEvery = 1;
    const server = http.createServer((req, res) => {
      asked++;
      // The first of each `breakEvery` requests loses its connection mid-way, as a killed instance's would.
      if (asked % breakEvery === 1 || breakEvery === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          region: "A",
          storeId: "store-1",
          registerId: "reg-1",
          contiguousSeq: 4,
          maxSeq: 4,
          replicatedSeq: 4,
          gaps: [],
          lastSeenAt: new Date(0).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    const link = linkTo(server);
    breakEvery = 2;
    expect((await link.registerStatus("store-1", "reg-1")).contiguousSeq).toBe(4);
    expect(asked).toBe(2);
    expect(link.lastError).toBeNull();
    // Every connection breaking: two tries, then the failure is the region's.
    asked = 0;
    breakEvery = 1;
    await expect(link.registerStatus("store-1", "reg-1")).rejects.toThrow(/unreachable/);
    expect(asked).toBe(2);
  });

  it("counts a 408 (the batch did not arrive whole in time at a balancer) as the region's trouble, to retry, not a refusal of the batch", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(408, { "content-type": "text/html" });
      res.end("<html><body><h1>408 Request Time-out</h1></body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    const link = linkTo(server);
    const failure = await link.send("store-1", "reg-1", ["{}"]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegionCallError);
    expect(failure).toMatchObject({ kind: "server", regionFault: true, status: 408 });
  });
});
