import { request } from "node:http";
import { join } from "node:path";
import { ErrorBodySchema, FleetMemorySchema, FleetQueuesSchema, SaleRecordedSchema } from "@tenderline/shared";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeRegion, startFakeRegion } from "../testing/fake-region.ts";
import { sampleSale, tempDir, testConfig } from "../testing/fixtures.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";
import { FLEET_KEEP_ALIVE_MS, FleetConfigError, FleetHost, FleetStoppedError } from "./fleet-host.ts";

/**
 * Fast probes and retries, but a batch timeout no loaded test machine reaches: a timed-out batch is
 * rightly sent again, and that resend would hide the double delivery these tests look for.
 */
const PATIENT_SYNC = { ...FAST_SYNC, requestTimeoutMs: 20_000 };

const REGISTERS = 20;
const SALES_EACH = 3;
const ids = Array.from({ length: REGISTERS }, (_, i) => `reg-${String(i + 1).padStart(2, "0")}`);
/** Each register's own credential; the region takes a register's batches only with its own. */
const tokenOf = (id: string) => `tl_store_fleet_${id}_0123456789abcdef`;

/** A raw HTTP request, so the test can send the Host header a browser or a rebinding page would. */
function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers ?? {} },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text === "" ? null : JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("FleetHost: many registers' cores behind one server", () => {
  const dirs = tempDir("tl-fleet-");
  let region: FakeRegion;
  let fleet: FleetHost;
  let port: number;
  let url: string;

  const outboxIds = (id: string): string[] => {
    const agent = fleet.agent(id);
    if (!agent) throw new Error(`the fleet has no register ${id}`);
    return (agent.db.prepare("SELECT event_id FROM outbox ORDER BY seq").all() as Array<{ event_id: string }>).map(
      (r) => r.event_id,
    );
  };

  beforeAll(async () => {
    region = await startFakeRegion({ name: "A", registerTokens: Object.fromEntries(ids.map((id) => [id, tokenOf(id)])) });
    const configs = ids.map((id) =>
      testConfig(join(dirs.dir, id), {
        registerId: id,
        storeToken: tokenOf(id),
        regions: [{ name: "A", url: region.url }],
        sync: PATIENT_SYNC,
      }),
    );
    fleet = new FleetHost(configs, { logger: pino({ level: "silent" }), pruneEveryMs: 0 });
    ({ port, url } = await fleet.start());
  });

  afterAll(async () => {
    await fleet?.stop();
    await region?.close();
    dirs.cleanup();
  });

  it("sells through /r/<id>/api/v1/sales; every event reaches the region once, under its own register's credential", async () => {
    const sales = ids.flatMap((id) =>
      Array.from({ length: SALES_EACH }, (_, n) =>
        fetch(`${url}/r/${id}/api/v1/sales`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": `${id}-sale-${n}` },
          body: JSON.stringify(sampleSale()),
        }).then(async (res) => ({ id, status: res.status, body: await res.json() })),
      ),
    );
    const answered = await Promise.all(sales);
    for (const sale of answered) expect(sale.status, sale.id).toBe(201);
    // Each sale landed in the outbox of the register its path named, nowhere else.
    for (const id of ids) {
      const recorded = answered.filter((s) => s.id === id).map((s) => SaleRecordedSchema.parse(s.body).eventId);
      expect(outboxIds(id).sort()).toEqual(recorded.sort());
    }

    // The drill's poll: one request, every register.
    await expect
      .poll(
        async () => {
          const res = await fetch(`${url}/fleet/queues`);
          const queues = FleetQueuesSchema.parse(await res.json());
          return ids.filter(
            (id) => queues.registers[id]?.counts.acked === SALES_EACH && queues.registers[id]?.counts.pending === 0,
          ).length;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(REGISTERS);

    const owner = new Map(ids.flatMap((id) => outboxIds(id).map((eventId) => [eventId, id] as const)));
    expect(owner.size).toBe(REGISTERS * SALES_EACH);
    // Exactly once each, and nothing the registers did not record.
    expect([...region.deliveries.keys()].sort()).toEqual([...owner.keys()].sort());
    expect([...region.deliveries.values()].every((n) => n === 1)).toBe(true);
    // Every batch came from one register with that register's credential, carrying only its events.
    expect(region.refusedBatches()).toBe(0);
    for (const batch of region.batches) {
      expect(batch.token).toBe(tokenOf(batch.registerId));
      for (const eventId of batch.eventIds) expect(owner.get(eventId)).toBe(batch.registerId);
    }
    expect(new Set(region.batches.map((b) => b.registerId))).toEqual(new Set(ids));
  });

  it("GET /fleet/queues reports every register with the agent's own queue answer", async () => {
    const res = await fetch(`${url}/fleet/queues`);
    expect(res.status).toBe(200);
    const queues = FleetQueuesSchema.parse(await res.json());
    expect(Object.keys(queues.registers).sort()).toEqual([...ids].sort());
    const id = ids[0] as string;
    const own = await fetch(`${url}/r/${id}/api/v1/queue`);
    expect(own.status).toBe(200);
    const ownBody = (await own.json()) as { lastSeq: number; sync: { activeRegion: string | null } | null };
    expect(queues.registers[id]).toMatchObject({ lastSeq: ownBody.lastSeq, sync: { activeRegion: "A" } });
    expect(ownBody.sync?.activeRegion).toBe("A");
  });

  it("GET /fleet/memory gives the process's footprint and its share per register", async () => {
    const memory = FleetMemorySchema.parse(await (await fetch(`${url}/fleet/memory`)).json());
    expect(memory.registers).toBe(REGISTERS);
    expect(memory.rssBytes).toBeGreaterThan(memory.heapUsedBytes);
    expect(memory.perRegisterBytes).toBe(Math.round(memory.rssBytes / REGISTERS));
  });

  it("an unknown register id gets a 404 JSON error naming it", async () => {
    const res = await send(port, "/r/reg-99/api/v1/queue");
    expect(res.status).toBe(404);
    const body = ErrorBodySchema.parse(res.body);
    expect(body.error).toBe("unknown_register");
    expect(body.message).toContain('"reg-99"');
    const post = await send(port, "/r/nobody/api/v1/sales", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(sampleSale()),
    });
    expect(post.status).toBe(404);
    expect(ErrorBodySchema.parse(post.body).error).toBe("unknown_register");
    // Outside /r/ and /fleet/: a JSON 404 too.
    expect(ErrorBodySchema.parse((await send(port, "/api/v1/queue")).body).error).toBe("not_found");
  });

  it("cuts /r/<id> from the path and keeps the query: the register's own app answers the rest", async () => {
    const id = ids[0] as string;
    const health = await send(port, `/r/${id}/api/v1/health?from=fleet`);
    expect(health.status).toBe(200);
    // Connections are kept for the next action of a cashier who acts every several seconds.
    const kept = await fetch(`${url}/r/${id}/api/v1/health`);
    expect(kept.headers.get("keep-alive")).toBe(`timeout=${FLEET_KEEP_ALIVE_MS / 1000}`);
    await kept.body?.cancel();
    expect(health.body).toEqual({ status: "ok" });
    // Nothing after the id is the register's "/": its own answer, not the fleet's unknown register.
    const bare = await send(port, `/r/${id}?x=1`);
    const own = await fleet.agent(id)?.app.request("/?x=1", { headers: { host: `127.0.0.1:${port}` } });
    expect(bare.status).toBe(own?.status);
    // A hosted id only as a whole segment: /r/<id>x is another (unknown) register.
    expect(ErrorBodySchema.parse((await send(port, `/r/${id}x/api/v1/health`)).body).error).toBe("unknown_register");
  });

  it("the agent's guard still refuses a foreign Host or Origin through the fleet, and another port", async () => {
    const id = ids[1] as string;
    const before = outboxIds(id).length;
    const sale = JSON.stringify(sampleSale());
    const rebound = await send(port, `/r/${id}/api/v1/sales`, {
      method: "POST",
      headers: { host: `rebind.evil.example:${port}`, "content-type": "application/json" },
      body: sale,
    });
    expect(rebound.status).toBe(421);
    expect(ErrorBodySchema.parse(rebound.body).error).toBe("wrong_host");
    // Loopback, but not the fleet's port: the guard knows the port the fleet listens on.
    const otherPort = await send(port, `/r/${id}/api/v1/queue`, { headers: { host: `127.0.0.1:${port + 1}` } });
    expect(otherPort.status).toBe(421);
    expect(ErrorBodySchema.parse(otherPort.body).message).toContain(`on port ${port}`);
    const foreign = await send(port, `/r/${id}/api/v1/sales`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: sale,
    });
    expect(foreign.status).toBe(403);
    expect(ErrorBodySchema.parse(foreign.body).error).toBe("foreign_origin");
    const form = await send(port, `/r/${id}/api/v1/sales`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: sale,
    });
    expect(form.status).toBe(403);
    expect(outboxIds(id)).toHaveLength(before);
    // The fleet's own endpoints have the same door.
    expect((await send(port, "/fleet/queues", { headers: { host: "rebind.evil.example" } })).status).toBe(421);
    // The register's own origin on the fleet's port passes (its screens' requests).
    const own = await send(port, `/r/${id}/api/v1/sales`, {
      method: "POST",
      headers: { origin: `http://127.0.0.1:${port}`, "content-type": "application/json" },
      body: sale,
    });
    expect(own.status).toBe(201);
  });

  it("refuses a list of registers that cannot share a process", () => {
    const a = testConfig(join(dirs.dir, "x"), { registerId: "reg-x" });
    expect(() => new FleetHost([a, { ...a, dataDir: join(dirs.dir, "y") }], { logger: pino({ level: "silent" }) })).toThrow(
      FleetConfigError,
    );
    expect(() => new FleetHost([a, { ...a, registerId: "reg-y" }], { logger: pino({ level: "silent" }) })).toThrow(
      /share the data directory/,
    );
    expect(() => new FleetHost([{ ...a, registerId: "a/b" }], { logger: pino({ level: "silent" }) })).toThrow(
      /path segment|letters/,
    );
  });
});

describe("FleetHost stopped while starting", () => {
  it("start rejects with FleetStoppedError and every register started so far is closed (its data directory free again)", async () => {
    const dirs = tempDir("tl-fleet-stop-");
    try {
      const configs = Array.from({ length: 12 }, (_, i) => testConfig(join(dirs.dir, `r${i}`), { registerId: `r${i}` }));
      const first = new FleetHost(configs, { logger: pino({ level: "silent" }), pruneEveryMs: 0 });
      const starting = first.start();
      const stopping = first.stop();
      await expect(starting).rejects.toBeInstanceOf(FleetStoppedError);
      await stopping;
      expect(first.registerIds).toEqual([]);
      // The locks were released: the same registers start in a new fleet.
      const again = new FleetHost(configs, { logger: pino({ level: "silent" }), pruneEveryMs: 0 });
      await again.start();
      expect(again.registerIds).toHaveLength(12);
      await again.stop();
    } finally {
      dirs.cleanup();
    }
  });
});
