import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { hashPin, newEventId, QueueStatusSchema, RegionClient, SaleRecordedSchema } from "@tenderline/shared";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE, type Stack, startStack } from "../browser/stack.ts";
import { api } from "../chain/index.ts";
import { type FeedEventItem, readWholeFeed } from "../drill/region-reader.ts";

// Distinctive on purpose: a grep through binary database files must not find them by chance.
const PIN = "Qz7-pin-Wx3r";
const WRONG_PIN = "Qz7-pin-NOPE";
const MANAGER = { id: "mgr-dana", name: "Dana" };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const usd = (amount: number) => ({ amount, currency: "USD" });

function cardSale(card: { offline: boolean; authCode: string | null; processorRef: string | null }, n: number) {
  return {
    cashierId: "c-1",
    lines: [{ sku: "TV-55", description: "TV", quantity: 1, unitPrice: usd(90_000), tax: usd(0) }],
    tenders: [
      {
        type: "card",
        amount: usd(90_000),
        offline: card.offline,
        card: {
          token: `tok_${n}`,
          last4: "4242",
          brand: "visa",
          entryMode: "chip",
          terminalTxnId: `T-door-${n}`,
          authCode: card.authCode,
          processorRef: card.processorRef,
        },
      },
    ],
  };
}

describe("the register's door on the running chain (two regions, the simulator, one agent)", () => {
  let stack: Stack & { dataDir: string };
  const lines: string[] = [];
  let cookie = "";

  async function agentPost(path: string, body: unknown, withCookie = false): Promise<Response> {
    return fetch(`${stack.agentUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(withCookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  }

  beforeAll(async () => {
    stack = await startStack("door", {
      logLevel: "debug",
      onLine: (_service, line) => lines.push(line),
      agentConfig: {
        managers: [{ ...MANAGER, pinHash: await hashPin(PIN) }],
        // Every offline card approval here needs a manager: 900.00 is over the 10.00 cap.
        offlineCardLimits: { USD: { perTender: 1000, outstanding: 1_000_000_000 } },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("a wrong PIN is refused, the right one approves, and the tender records the manager's id only", async () => {
    const wrong = await agentPost("/api/v1/manager/session", { managerId: MANAGER.id, pin: WRONG_PIN });
    expect(wrong.status).toBe(401);
    const right = await agentPost("/api/v1/manager/session", { managerId: MANAGER.id, pin: PIN });
    expect(right.status).toBe(201);
    const setCookie = right.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    cookie = setCookie.split(";")[0] as string;

    const offline = cardSale({ offline: true, authCode: null, processorRef: null }, 0);
    expect((await agentPost("/api/v1/sales", offline)).status).toBe(422);
    const approved = await agentPost("/api/v1/sales", offline, true);
    expect(approved.status).toBe(201);
    const sale = SaleRecordedSchema.parse(await approved.json());
    const tender = sale.tenders[0];
    expect(tender?.type === "card" ? tender.approvedBy : undefined).toEqual({ managerId: MANAGER.id, at: expect.any(String) });
  });

  it("edge and cloud call the same card tenders offline, for every combination of fields", async () => {
    // Each side is given the raw combination: the agent through its API, the region as an event
    // in a batch (as any agent, old or broken, could send it), so neither leans on the other.
    const cases: Array<{ edgeOffline: boolean; eventId: string; fields: string }> = [];
    let n = 1;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.option(fc.constantFrom("A1B2C3", "123456"), { nil: null }),
        fc.option(fc.constantFrom("PR-1", "SIM-77"), { nil: null }),
        async (offline, authCode, processorRef) => {
          const seq = n++;
          const body = cardSale({ offline, authCode, processorRef }, seq);
          const plain = await agentPost("/api/v1/sales", body);
          expect([201, 422]).toContain(plain.status);
          const event = {
            eventId: newEventId(),
            storeId: STORE,
            registerId: "reg-raw",
            seq,
            type: "sale.completed",
            occurredAt: new Date().toISOString(),
            schemaVersion: 1,
            payload: {
              transactionId: `raw-${seq}`,
              cashierId: "c-1",
              lines: body.lines,
              tenders: body.tenders.map((t) => ({ ...t, tenderId: `raw-${seq}-t1` })),
              totals: { subtotal: usd(90_000), tax: usd(0), total: usd(90_000) },
            },
          };
          const answer = await new RegionClient(stack.chain.regionUrl("A"), stack.chain.tokens.stores[STORE] ?? "").sendBatch({
            storeId: STORE,
            registerId: "reg-raw",
            events: [event],
          });
          expect(answer.results[0]?.status).toBe("accepted");
          cases.push({
            edgeOffline: plain.status === 422,
            eventId: event.eventId,
            fields: JSON.stringify({ offline, authCode, processorRef }),
          });
        },
      ),
      { numRuns: 40 },
    );
    expect(cases.some((c) => c.edgeOffline)).toBe(true);
    expect(cases.some((c) => !c.edgeOffline)).toBe(true);

    // The cloud's word: a tender it will reconcile with the processor is one it counts offline.
    const feed = new Map(
      (await readWholeFeed(stack.chain.regionUrl("A"), stack.chain.tokens.consumer)).map((i) => [i.event?.eventId, i]),
    );
    for (const c of cases) {
      const item = feed.get(c.eventId) as FeedEventItem;
      const cloudOffline = item.reconciliation !== null && item.reconciliation.state !== "not_required";
      expect(cloudOffline, c.fields).toBe(c.edgeOffline);
    }
  }, 120_000);

  it("no region has a secret on its command line (what every user of the machine sees in ps)", async () => {
    const t = stack.chain.tokens;
    const secrets = [
      t.admin,
      t.consumer,
      ...Object.values(t.stores),
      ...Object.values(t.registers),
      ...Object.values(t.regions),
      // The retailer's private key: whoever holds it can mint any credential.
      t.keys.credentialIssuerKey.d,
    ];
    for (const region of stack.chain.regions.values()) {
      const cmdline = readFileSync(`/proc/${region.pid}/cmdline`, "utf8").split("\0").join(" ");
      expect(cmdline).toContain("--config");
      for (const secret of secrets) expect(cmdline).not.toContain(secret);
    }
  });

  it("the PIN is nowhere: not in the outbox, the regions' databases, the feed, the receipt or any log", async () => {
    const queue = await api(`${stack.agentUrl}/api/v1/queue`, QueueStatusSchema);
    expect(queue.counts.pending).toBe(0);
    const feeds = await Promise.all(["A", "B"].map((r) => readWholeFeed(stack.chain.regionUrl(r), stack.chain.tokens.consumer)));
    const approvedItem = feeds[0]?.find((i) => JSON.stringify(i).includes(MANAGER.id));
    expect(approvedItem, "the approval reached the feed by manager id").toBeDefined();
    const transactionId = approvedItem?.event?.payload.transactionId as string;
    const receipt = await (await fetch(`${stack.agentUrl}/api/v1/transactions/${transactionId}`)).text();
    expect(receipt).toContain(MANAGER.id);

    // Everything the chain wrote: outbox and WAL, agent log, both regions' data, the simulator's file.
    await stack.chain.stop();
    const files = filesUnder(stack.dataDir);
    expect(files.some((f) => f.endsWith("outbox.db"))).toBe(true);
    expect(files.some((f) => f.endsWith("agent.log"))).toBe(true);
    expect(lines.length).toBeGreaterThan(0);
    // The grep sees into these files: the manager's id, which the events do carry, is found.
    const outboxFiles = files.filter((f) => f.includes("outbox.db"));
    expect(outboxFiles.some((f) => readFileSync(f).includes(Buffer.from(MANAGER.id)))).toBe(true);
    for (const secret of [PIN, WRONG_PIN]) {
      const needle = Buffer.from(secret);
      for (const file of files) expect(readFileSync(file).includes(needle), `${secret} in ${file}`).toBe(false);
      expect(lines.filter((l) => l.includes(secret))).toEqual([]);
      expect(JSON.stringify(feeds)).not.toContain(secret);
      expect(receipt).not.toContain(secret);
    }
    // The log does say who signed in and who was refused, by id.
    const agentLog = readFileSync(files.find((f) => f.endsWith("agent.log")) as string, "utf8");
    expect(agentLog).toContain("manager sign-in refused");
    expect(agentLog).toContain(MANAGER.id);
  });
});
