import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Script } from "node:vm";
import {
  CardDetailsSchema,
  ErrorBodySchema,
  GiftCardTenderSchema,
  generateStoredValueKeys,
  MoneySchema,
  QueueStatusSchema,
  RefundAllocationLineSchema,
  ReturnRecordedSchema,
  SaleLineSchema,
  SaleRecordedSchema,
  type SyncStatus,
  unsealNumber,
} from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AgentConfigInput } from "../config/config.ts";
import { card, managerCookie, testAgent, usd } from "../testing/fixtures.ts";
import { loadClientScripts } from "./client-scripts.ts";
import { RegionProbes } from "./region-probes.ts";
import { createScreens } from "./screens-app.tsx";

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

/**
 * An agent on a fresh data directory: agent.ts mounts the screens on its app. Its sync engine is
 * off, so these tests see the screens' own probes (the browser tests run the real engine).
 */
/** The regions' stored-value keys: the screens seal gift card numbers with the public half. */
const STORED_VALUE_KEYS = generateStoredValueKeys();

function screensAgent(overrides: Partial<AgentConfigInput> = {}) {
  const agent = testAgent({ storedValueSealKey: STORED_VALUE_KEYS.sealPublicKey, ...overrides }, { startSync: false });
  open.push(agent.done);
  return agent;
}

/** A stand-in region that only answers its health probe: enough for the screens to call the link up. */
async function healthyRegion(): Promise<string> {
  const server: Server = createServer((req, res) => {
    res.writeHead(req.url === "/v1/health" ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ region: "A", status: "ok" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// The screens' own JSON answers, for exactly the fields these tests read (the API's come from @tenderline/shared).
const CheckoutBodySchema = z.object({
  lines: z.array(SaleLineSchema),
  settlement: z.object({ complete: z.boolean(), change: MoneySchema, remaining: MoneySchema }),
  totalsHtml: z.string(),
  tendersHtml: z.string(),
});
/** POST /screens/api/terminal: a card tender without its tenderId; strict, so no extra card field slips through. */
const TerminalBodySchema = z.object({
  tender: z.object({
    type: z.literal("card"),
    amount: MoneySchema,
    card: z.strictObject(CardDetailsSchema.shape),
    offline: z.boolean(),
  }),
});
const GiftCardBodySchema = z.object({ giftCard: GiftCardTenderSchema.shape.giftCard });
const HtmlBodySchema = z.object({ html: z.string() });
const ReturnPreviewBodySchema = z.object({
  kind: z.string(),
  html: z.string(),
  preview: z.object({ refund: MoneySchema, allocation: z.array(RefundAllocationLineSchema) }),
});
const ExchangePreviewBodySchema = z.object({ kind: z.string(), net: MoneySchema, html: z.string() });
const StatusBodySchema = z.object({ online: z.boolean(), pending: z.number(), noun: z.string() });
const OutboxNoteSchema = z.object({ note: z.string().nullable() }).optional();

const json = (body: unknown) => ({ method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

function sale(agent: ReturnType<typeof screensAgent>, tenders: unknown[]) {
  return agent.app.request(
    "/api/v1/sales",
    json({
      cashierId: "c-9",
      lines: [
        { sku: "TEE-M-BLK", description: "Tee, black, M", quantity: 2, unitPrice: usd(1999), tax: usd(330) },
        { sku: "MUG-LOGO", description: "Mug, logo", quantity: 1, unitPrice: usd(1450), tax: usd(120) },
      ],
      tenders,
    }),
  );
}

describe("screens pages and assets", () => {
  it("serves both pages with a strict CSP, no inline script and only the agent's own assets", async () => {
    const agent = screensAgent();
    for (const path of ["/cashier", "/manager"]) {
      const res = await agent.app.request(path);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await res.text();
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=/);
      expect(html).not.toMatch(/(src|href)="https?:/);
    }
    expect((await agent.app.request("/")).headers.get("location")).toBe("/cashier");
    const cashier = await (await agent.app.request("/cashier")).text();
    expect(cashier).toContain('id="scan"');
    expect(cashier).toContain('src="/screens/cashier.js"');
    // The manager page paints the live panel at once, not an empty shell.
    const manager = await (await agent.app.request("/manager")).text();
    expect(manager).toMatch(/<div id="panel-host"><div id="panel"[^>]*>/);
    expect(manager).toContain('id="count-pending"');
  });

  it("serves client scripts that parse as plain JavaScript, and the stylesheet", async () => {
    const agent = screensAgent();
    for (const path of ["/screens/cashier.js", "/screens/manager.js"]) {
      const res = await agent.app.request(path);
      expect(res.headers.get("content-type")).toContain("text/javascript");
      const text = await res.text();
      expect(() => new Script(text)).not.toThrow();
      // Bundled from the client/ modules: no module syntax left for the browser to refuse.
      expect(text).not.toMatch(/^\s*(import|export)\b/m);
    }
    const scripts = await loadClientScripts();
    expect(await (await agent.app.request("/screens/cashier.js")).text()).toBe(scripts.cashier);
    expect(await (await agent.app.request("/screens/manager.js")).text()).toBe(scripts.manager);
    const css = await agent.app.request("/screens/screens.css");
    expect(css.headers.get("content-type")).toContain("text/css");
    expect(await css.text()).toContain(".banner");
  });
});

describe("checkout", () => {
  it("quotes scanned items (sku or barcode, merged per sku) with per-line tax, and settles split tenders with change", async () => {
    const agent = screensAgent();
    const res = await agent.app.request(
      "/screens/api/checkout",
      json({
        items: [
          { sku: "TEE-M-BLK", quantity: 1 },
          { sku: "084215100090", quantity: 1 },
          { sku: "tee-m-blk", quantity: 1 },
        ],
        tenders: [card(3000, { offline: true }), { type: "cash", amount: usd(2000), tendered: usd(2000) }],
      }),
    );
    expect(res.status).toBe(200);
    const body = CheckoutBodySchema.parse(await res.json());
    expect(body.lines.map((l) => [l.sku, l.quantity, l.tax.amount])).toEqual([
      ["TEE-M-BLK", 2, 330],
      ["BAR-CHOC", 1, 7],
    ]);
    // 3998 + 299 + 337 tax = 4634; card 3000 + cash 2000 = 5000 -> change 366.
    expect(body.settlement.complete).toBe(true);
    expect(body.settlement.change.amount).toBe(366);
    expect(body.totalsHtml).toContain("$46.34");
    expect(body.totalsHtml).toContain("$3.66");
    expect(body.tendersHtml).toContain("Visa •••• 4242");
    expect(body.tendersHtml).toContain("approved offline");
  });

  it("shows what is still due, and refuses an unknown item or a card number by name", async () => {
    const agent = screensAgent();
    const due = CheckoutBodySchema.parse(
      await (
        await agent.app.request("/screens/api/checkout", json({ items: [{ sku: "CAP-NVY", quantity: 1 }], tenders: [] }))
      ).json(),
    );
    expect(due.settlement).toMatchObject({ complete: false, remaining: { amount: 2250 + 186 } });

    const unknown = await agent.app.request(
      "/screens/api/checkout",
      json({ items: [{ sku: "NOPE", quantity: 1 }], tenders: [] }),
    );
    expect(unknown.status).toBe(422);
    expect(ErrorBodySchema.parse(await unknown.json()).message).toContain("NOPE");

    const pan = await agent.app.request(
      "/screens/api/checkout",
      json({ items: [{ sku: "4111111111111111", quantity: 1 }], tenders: [] }),
    );
    expect(pan.status).toBe(422);
    const text = await pan.text();
    expect(text).toContain("items[0].sku");
    expect(text).not.toContain("4111111111111111");
  });
});

describe("card terminal and gift cards", () => {
  it("approves offline (no authCode, offline: true) when no region answers, online with an authCode when one does", async () => {
    const offlineAgent = screensAgent({ regions: [{ name: "A", url: "http://127.0.0.1:9" }] });
    const offline = TerminalBodySchema.parse(
      await (
        await offlineAgent.app.request("/screens/api/terminal", json({ amount: usd(1234), card: "visa", entryMode: "chip" }))
      ).json(),
    );
    expect(offline.tender.offline).toBe(true);
    expect(offline.tender.amount).toEqual(usd(1234));
    expect(offline.tender.card).toMatchObject({
      last4: "4242",
      brand: "visa",
      entryMode: "chip",
      authCode: null,
      processorRef: null,
    });
    expect(offline.tender.card.token).toMatch(/^tok_/);
    expect(offline.tender.card.terminalTxnId).toMatch(/^T-/);
    expect(Object.keys(offline.tender.card).sort()).toEqual([
      "authCode",
      "brand",
      "entryMode",
      "last4",
      "processorRef",
      "terminalTxnId",
      "token",
    ]);

    const onlineAgent = screensAgent({ regions: [{ name: "A", url: await healthyRegion() }] });
    const online = TerminalBodySchema.parse(
      await (
        await onlineAgent.app.request("/screens/api/terminal", json({ amount: usd(500), card: "amex", entryMode: "contactless" }))
      ).json(),
    );
    expect(online.tender.offline).toBe(false);
    expect(online.tender.card.authCode).toMatch(/^[0-9A-F]{6}$/);
    expect(online.tender.card.last4).toBe("0005");
  });

  it("seals a gift card code for the regions and refuses a payment card number without echoing it", async () => {
    const agent = screensAgent();
    const ok = GiftCardBodySchema.parse(
      await (await agent.app.request("/screens/api/gift-card", json({ code: "GC-2024-0042" }))).json(),
    );
    expect(ok.giftCard.last4).toBe("0042");
    expect(ok.giftCard.token).toBeUndefined();
    expect(ok.giftCard.sealed).not.toContain("2024");
    // Only the regions' private key opens it.
    expect(unsealNumber(STORED_VALUE_KEYS.sealPrivateKey, ok.giftCard.sealed ?? "")).toBe("GC20240042");
    const pan = await agent.app.request("/screens/api/gift-card", json({ code: "5555555555554444" }));
    expect(pan.status).toBe(422);
    expect(await pan.text()).not.toContain("5555555555554444");
  });

  it("takes a 19-digit gift card number in the retailer's configured range, and still refuses payment cards", async () => {
    // Luhn-valid, 19 digits, and in a card brand's range: without the gift range it reads as a payment card.
    const gift = "6035710000000000001";
    const plain = screensAgent();
    expect((await plain.app.request("/screens/api/gift-card", json({ code: gift }))).status).toBe(422);
    const agent = screensAgent({ giftCardPrefixes: ["603571"] });
    const ok = await agent.app.request("/screens/api/gift-card", json({ code: gift }));
    expect(ok.status).toBe(200);
    expect(GiftCardBodySchema.parse(await ok.json()).giftCard.last4).toBe("0001");
    expect((await agent.app.request("/screens/api/gift-card", json({ code: "4111111111111111" }))).status).toBe(422);
  });
});

describe("receipts, returns and exchanges", () => {
  it("renders a split-tender receipt, previews a partial return's allocation without recording it, then records it", async () => {
    const agent = screensAgent();
    const total = 2 * 1999 + 330 + 1450 + 120; // 5898
    const recorded = SaleRecordedSchema.parse(
      await (await sale(agent, [card(4000, { offline: true }), { type: "cash", amount: usd(total - 4000) }])).json(),
    );
    const receipt = HtmlBodySchema.parse(
      await (await agent.app.request(`/screens/cashier/receipt/${recorded.transactionId}`)).json(),
    );
    expect(receipt.html).toContain(recorded.transactionId);
    expect(receipt.html).toContain("Visa •••• 4242");
    expect(receipt.html).toContain("approved offline");
    expect(receipt.html).toContain("waiting to sync");
    expect(receipt.html).toContain("$58.98");

    const original = HtmlBodySchema.parse(
      await (await agent.app.request(`/screens/cashier/return-original/${recorded.transactionId}`)).json(),
    );
    expect(original.html).toContain('data-return-sku="TEE-M-BLK"');
    expect(original.html).toContain("Tee, black, M");

    const items = [{ transactionId: recorded.transactionId, sku: "TEE-M-BLK", quantity: 1 }];
    const preview = ReturnPreviewBodySchema.parse(
      await (await agent.app.request("/screens/api/return-preview", json({ items }))).json(),
    );
    expect(preview.kind).toBe("return");
    // One tee of two: 1999 + half the line's 330 tax.
    expect(preview.preview.refund.amount).toBe(1999 + 165);
    expect(preview.preview.allocation).toEqual([expect.objectContaining({ tenderType: "card", amount: usd(2164) })]);
    expect(preview.html).toContain("Visa •••• 4242");
    expect(preview.html).toContain("$21.64");
    // The preview recorded nothing.
    expect(agent.outbox.seq).toBe(1);
    const again = ReturnPreviewBodySchema.parse(
      await (await agent.app.request("/screens/api/return-preview", json({ items }))).json(),
    );
    expect(again.preview.refund.amount).toBe(2164);

    const returned = ReturnRecordedSchema.parse(
      await (await agent.app.request("/api/v1/returns", json({ cashierId: "c-9", items, reason: "too small" }))).json(),
    );
    expect(returned.allocation).toEqual(preview.preview.allocation.map(({ ...a }) => a).map((a) => expect.objectContaining(a)));
    const returnReceipt = HtmlBodySchema.parse(
      await (await agent.app.request(`/screens/cashier/receipt/${returned.transactionId}`)).json(),
    );
    expect(returnReceipt.html).toContain("Return receipt");
    expect(returnReceipt.html).toContain("Visa •••• 4242");
    expect(returnReceipt.html).toContain("$21.64");
    const after = HtmlBodySchema.parse(
      await (await agent.app.request(`/screens/cashier/return-original/${recorded.transactionId}`)).json(),
    );
    expect(after.html).toMatch(/max="1"[^>]*data-return-sku="TEE-M-BLK"/);
  });

  it("previews an exchange: the customer pays the difference, or gets the rest back on the original tender", async () => {
    const agent = screensAgent();
    const total = 2 * 1999 + 330 + 1450 + 120;
    const { transactionId } = SaleRecordedSchema.parse(await (await sale(agent, [{ type: "cash", amount: usd(total) }])).json());
    const items = [{ transactionId, sku: "TEE-M-BLK", quantity: 1 }];
    const up = ExchangePreviewBodySchema.parse(
      await (
        await agent.app.request(
          "/screens/api/return-preview",
          json({ items, exchangeItems: [{ sku: "HOOD-M-GRY", quantity: 1 }] }),
        )
      ).json(),
    );
    expect(up.kind).toBe("exchange");
    expect(up.net.amount).toBe(4999 + 412 - 2164);
    const down = ExchangePreviewBodySchema.parse(
      await (
        await agent.app.request("/screens/api/return-preview", json({ items, exchangeItems: [{ sku: "BAR-CHOC", quantity: 1 }] }))
      ).json(),
    );
    expect(down.net.amount).toBe(299 + 7 - 2164);
    expect(down.html).toContain("Cash");
    expect(down.html).toContain("$18.58");
  });

  it("refuses a return of more than is returnable, naming the item", async () => {
    const agent = screensAgent();
    const { transactionId } = SaleRecordedSchema.parse(await (await sale(agent, [{ type: "cash", amount: usd(5898) }])).json());
    const res = await agent.app.request(
      "/screens/api/return-preview",
      json({ items: [{ transactionId, sku: "MUG-LOGO", quantity: 2 }] }),
    );
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("MUG-LOGO");
  });
});

describe("offline banner and the manager panel", () => {
  it("prefers the sync engine's view of the regions to its own probes", async () => {
    const view = (name: string, healthy: boolean, lastError: string | null, latencyMs: number | null) => ({
      name,
      url: "http://127.0.0.1:9",
      priority: name === "A" ? 0 : 1,
      state: healthy ? "healthy" : "open",
      healthy,
      breaker: healthy ? ("closed" as const) : ("open" as const),
      probeOk: healthy,
      healthySince: null,
      lastError,
      lastErrorAt: null,
      latencyMs,
      active: healthy,
    });
    const engine: SyncStatus = {
      state: "syncing",
      paused: false,
      credentialsRejected: false,
      credentialsRefusedBy: [],
      activeRegion: "B",
      offlineSince: null,
      lastAckAt: null,
      throughput: { eventsPerSec: 12, windowSeconds: 10 },
      batches: { sent: 0, failed: 0, resent: 0 },
      resendQueued: [],
      regions: [view("A", false, "timeout after 2000 ms", null), view("B", true, null, 4)],
      alerts: [
        {
          at: "2026-01-01T00:00:00.000Z",
          kind: "conflict",
          seq: 3,
          eventId: "e",
          reason: "seq_conflict: seq 3 is another event",
        },
      ],
    };
    // The configured URLs answer nothing: only the engine's status can say the link is up.
    const agent = testAgent(
      {
        regions: [
          { name: "A", url: "http://127.0.0.1:9" },
          { name: "B", url: "http://127.0.0.1:9" },
        ],
      },
      { startSync: false, syncStatus: async () => engine },
    );
    open.push(agent.done);
    const status = StatusBodySchema.parse(await (await agent.app.request("/screens/api/status")).json());
    expect(status.online).toBe(true);
    const panel = await (await agent.app.request("/screens/manager/panel")).text();
    expect(panel).toContain("timeout after 2000 ms");
    expect(panel).toMatch(/B<span class="note"> · sending<\/span>/);
    expect(panel).toContain("Sync engine: syncing.");
    expect(panel).toContain("12/s");
    expect(panel).toContain("seq_conflict: seq 3 is another event");
    const tender = TerminalBodySchema.parse(
      await (
        await agent.app.request("/screens/api/terminal", json({ amount: usd(100), card: "visa", entryMode: "chip" }))
      ).json(),
    );
    expect(tender.tender.offline).toBe(false);
  });

  it("counts sales waiting to sync while offline", async () => {
    const agent = screensAgent({ regions: [{ name: "A", url: "http://127.0.0.1:9" }] });
    for (let i = 0; i < 3; i++) await sale(agent, [{ type: "cash", amount: usd(5898) }]);
    const status = StatusBodySchema.parse(await (await agent.app.request("/screens/api/status")).json());
    expect(status).toMatchObject({ online: false, pending: 3, noun: "sales" });
    const panel = await (await agent.app.request("/screens/manager/panel")).text();
    expect(panel).toMatch(/id="count-pending">3</);
    expect(panel).toContain('data-region="A"');
    expect(panel).toContain("unreachable");
    expect(panel).toContain("Offline since");
  });

  it("shows dead letters with their reason and puts one back in the queue on retry", async () => {
    const agent = screensAgent();
    await sale(agent, [{ type: "cash", amount: usd(5898) }]);
    await sale(agent, [{ type: "cash", amount: usd(5898) }]);
    agent.outbox.markDead([{ seq: 2, reason: "rejected: invalid (payload.lines[0].tax: amount must not be negative)" }]);
    const panel = await (await agent.app.request("/screens/manager/panel")).text();
    expect(panel).toMatch(/id="count-dead">1</);
    expect(panel).toContain("amount must not be negative");
    expect(panel).toContain('data-retry-seq="2"');

    const retry = (seq: string, cookie?: string) =>
      agent.app.request(`/screens/api/dead-letters/${seq}/retry`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
        body: "{}",
      });
    // Without a manager nothing moves.
    const refused = await retry("2");
    expect(refused.status).toBe(401);
    expect(ErrorBodySchema.parse(await refused.json()).error).toBe("manager_required");
    expect(QueueStatusSchema.parse(await (await agent.app.request("/api/v1/queue")).json()).counts.dead).toBe(1);

    const cookie = await managerCookie(agent.app);
    const retried = await retry("2", cookie);
    expect(retried.status).toBe(200);
    const queue = QueueStatusSchema.parse(await (await agent.app.request("/api/v1/queue")).json());
    expect(queue.counts).toMatchObject({ pending: 2, dead: 0 });
    // The outbox notes which manager sent it again.
    const note = OutboxNoteSchema.parse(agent.db.prepare("SELECT last_error AS note FROM outbox WHERE seq = 2").get());
    expect(note?.note ?? "").toContain("m-1");
    expect((await retry("2", cookie)).status).toBe(404);
    expect((await retry("x", cookie)).status).toBe(400);
  });

  it("warns as the oldest offline card approval nears the forwarding deadline, against the outstanding limit", async () => {
    let now = Date.parse("2026-01-01T10:00:00Z");
    const agent = testAgent({ regions: [] }, { clock: () => now, startSync: false });
    open.push(agent.done);
    // Screens with their own clock and deadline, in front of the agent's API.
    const screens = createScreens({
      config: agent.config,
      api: agent.app,
      ledger: agent.ledger,
      db: agent.db,
      managers: agent.managers,
      retryDeadLetter: (seq) => agent.outbox.requeueDead(seq, "retried"),
      forwardingDeadlineHours: 20,
      probes: new RegionProbes([], { clock: () => now }),
    });
    await sale(agent, [card(5898, { offline: true })]);
    let panel = await (await screens.request("/screens/manager/panel")).text();
    expect(panel).toContain("$58.98");
    expect(panel).toContain("$2,500.00 limit");
    expect(panel).not.toContain("forwarding");
    now += 16 * 3_600_000; // 80% of the 20 h window
    panel = await (await screens.request("/screens/manager/panel")).text();
    expect(panel).toMatch(/nears the processor.{1,8}s 20 h 0 min forwarding deadline/);
    expect(panel).toContain("4 h 0 min left");
    now += 5 * 3_600_000;
    panel = await (await screens.request("/screens/manager/panel")).text();
    expect(panel).toContain("past the processor");
  });
});
